/* summary: hostile submission: takes memory 16 MiB at a time and touches it until malloc fails, then crashes on the NULL. */
#include <stdlib.h>
#include <string.h>

#include "hostile.h"   /* test_hostile copies it next to this file */

int main(void)
{
	hostile_hello("memory-hog");
	for (;;) {
		char *p = malloc(16 << 20);

		/* Like a careless program: no check, so the failure is a crash. */
		memset(p, 1, 16 << 20);
	}
}
