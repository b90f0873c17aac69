/* summary: hostile submission: dereferences NULL. */
#include "hostile.h"   /* test_hostile copies it next to this file */

int main(void)
{
	hostile_hello("segfault");
	*(volatile int *)0 = 1;
	return 0;
}
