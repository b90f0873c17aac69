/* summary: hostile submission: closes its own stdout and stderr, then waits for nothing. */
#include <unistd.h>

int main(void)
{
	close(1);
	close(2);
	return 0;
}
