/* summary: hostile submission: dereferences NULL. */
#include "../hostile.h"

int main(void)
{
	hostile_hello("segfault");
	*(volatile int *)0 = 1;
	return 0;
}
