/* summary: hostile submission: takes memory 16 MiB at a time until the kernel says no, then crashes on the NULL. */
#include <stddef.h>
#include <sys/mman.h>

#include "hostile.h"   /* test_hostile copies it next to this file */

int main(void)
{
	hostile_hello("memory-hog");
	for (;;) {
		/* Populated at once: the kernel backs all 16 MiB now, far faster than touching
		 * them page by page, so the limit is met within the deadline even on a machine
		 * busy with other work. */
		char *p = mmap(NULL, 16 << 20, PROT_READ | PROT_WRITE,
		               MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

		/* Like a careless program: no check, so the failure is a crash. */
		if (p == MAP_FAILED)
			p = NULL;
		p[0] = 1;
	}
}
