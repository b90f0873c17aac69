/* summary: hostile submission: spins on the CPU forever. */
#include "hostile.h"   /* test_hostile copies it next to this file */

int main(void)
{
	volatile unsigned long spin = 0;

	hostile_hello("cpu-loop");
	for (;;)
		spin++;
}
