/* summary: what a lab's driver needs to be unpredictable and say what it did: a seeded
 * random stream, a pause, and the "tcplab-driver:" announcement. */
#ifndef TCPLAB_LABS_DRIVER_H
#define TCPLAB_LABS_DRIVER_H

#include <stdbool.h>
#include <stdint.h>

/*
 * A driver is a lab program a student's program talks to during 'tcplab grade' (the echo
 * server of lab 1, the request server of lab 2). Its behaviour comes from --seed and
 * --scenario (docs/lab-format.md, "Seeds, scenarios and what the drivers did"), so the same
 * seed replays the same run exactly, and it tells the engine what it did with
 * driver_announce(), whose KEY=VALUE words become the run's variables.
 */

#include "labs/lib/seed.h"

/* A seed.h stream of its own ("driver"): the same on every machine for one (seed,
 * scenario). */
struct driver_rng {
	struct seed s;
};

/* seed is the text of --seed (a decimal; NULL or "" gives a fixed default). */
void driver_rng_init(struct driver_rng *r, const char *seed, int scenario);

/* A number in lo..hi inclusive (lo <= hi). */
long driver_rand(struct driver_rng *r, long lo, long hi);

/* Sleep ms milliseconds: a driver's deliberate pacing, never a wait for an event. */
void driver_pause_ms(long ms);

/*
 * Print one announcement line, "tcplab-driver: " and the formatted text, to stdout and
 * flush it. Write KEY=VALUE words; say=... must come last (it takes the rest of the line)
 * and is shown to the student next to a failing check, so keep it a few plain words.
 * A later announcement of a KEY replaces an earlier one.
 */
void driver_announce(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Whether say= should be in Korean: the engine starts the lab's own programs with
 * TCPLAB_LANG set to the student's language (engine/labrun.c). Only say= follows it: every
 * KEY=VALUE word the engine reads stays as it is, and a lab without Korean words says
 * them in English.
 */
bool driver_korean(void);

#endif
