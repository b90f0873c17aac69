/* summary: hostile submission: spins on the CPU forever. */
#include "../hostile.h"

int main(void)
{
	volatile unsigned long spin = 0;

	hostile_hello("cpu-loop");
	for (;;)
		spin++;
}
