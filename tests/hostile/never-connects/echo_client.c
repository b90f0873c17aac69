/* summary: hostile submission: never opens a socket, just waits forever. */
#include <unistd.h>

#include "hostile.h"   /* test_hostile copies it next to this file */

int main(void)
{
	hostile_hello("never-connects");
	for (;;)
		pause();
}
