/* summary: what a lab's driver draws from the grade's seed: numbers, orders, texts. */
#ifndef TCPLAB_LABS_SEED_H
#define TCPLAB_LABS_SEED_H

#include <stddef.h>
#include <stdint.h>

/*
 * A driver must not be predictable, or a student's program can be right by knowing what
 * comes (docs/lab-format.md, "Seeds, scenarios and what the drivers did"). The engine gives
 * each run --seed S --scenario K; a driver draws everything it varies from them with this
 * generator, so the same seed and scenario replay exactly ('tcplab grade N --seed S').
 *
 * Streams: seed_init() takes a name, so that what one part of a driver draws does not
 * shift what another draws ("fates" and "idle" stay independent when a lab adds a draw).
 * Pass scenario -1 for a stream shared by every scenario of one grade (for choices that
 * must differ between scenarios, such as lab 4's two orders).
 */
struct seed {
	uint64_t state;
};

void seed_init(struct seed *s, uint64_t seed, int scenario, const char *stream);
uint64_t seed_next(struct seed *s);
/* A number in lo..hi, both included (lo <= hi). */
long seed_range(struct seed *s, long lo, long hi);
/*
 * Words from a small networking vocabulary joined by sep, min..max characters (min >= 3,
 * max < len), never ending on sep: a text an announcement can carry when sep is not a
 * space. Returns its length.
 */
size_t seed_text(struct seed *s, char *buf, size_t len, size_t min, size_t max, char sep);

/* "--seed N" and "--scenario K" from argv: *has_seed is 0 when no seed was given. */
void seed_opts(int argc, char **argv, uint64_t *seed, int *scenario, int *has_seed);

#endif
