/* summary: hostile submission: forks until it cannot, and every child does the same. */
#include <errno.h>
#include <unistd.h>

#include "hostile.h"   /* test_hostile copies it next to this file */

int main(void)
{
	hostile_hello("fork-bomb");
	for (;;)
		(void)fork();
}
