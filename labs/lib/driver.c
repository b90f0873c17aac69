/* summary: seeded randomness, pauses and announcements for the lab drivers (see driver.h). */
#include "labs/lib/driver.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void driver_rng_init(struct driver_rng *r, const char *seed, int scenario)
{
	seed_init(&r->s, seed && *seed ? strtoull(seed, NULL, 10) : 1, scenario, "driver");
}

long driver_rand(struct driver_rng *r, long lo, long hi)
{
	return seed_range(&r->s, lo, hi);
}

void driver_pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void driver_announce(const char *fmt, ...)
{
	va_list ap;

	fputs("tcplab-driver: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

bool driver_korean(void)
{
	const char *lang = getenv("TCPLAB_LANG");

	return lang && !strcmp(lang, "ko");
}
