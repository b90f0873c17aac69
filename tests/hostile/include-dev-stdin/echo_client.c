/* summary: hostile submission: makes the compiler read the grader's standard input. */
#include "/dev/stdin"

int main(void)
{
	return 1;
}
