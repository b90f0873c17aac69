/* summary: hostile submission: forks until it cannot, and every child does the same. */
#include <errno.h>
#include <unistd.h>

#include "../hostile.h"

int main(void)
{
	hostile_hello("fork-bomb");
	for (;;)
		(void)fork();
}
