/* summary: hostile submission for lab 4 (the server role): exits at once, before listen(). */
int main(void)
{
	return 0;
}
