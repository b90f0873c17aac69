/* summary: hostile submission: ignores SIGTERM, SIGINT and SIGHUP and waits forever. */
#include <signal.h>
#include <unistd.h>

#include "hostile.h"   /* test_hostile copies it next to this file */

int main(void)
{
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	hostile_hello("ignores-sigterm");
	for (;;)
		pause();
}
