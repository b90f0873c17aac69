/* summary: hostile submission: never opens a socket, just waits forever. */
#include <unistd.h>

#include "../hostile.h"

int main(void)
{
	hostile_hello("never-connects");
	for (;;)
		pause();
}
