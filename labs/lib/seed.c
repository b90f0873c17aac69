/* summary: a small seeded generator for the lab drivers (see seed.h). */
#include "labs/lib/seed.h"

#include <stdlib.h>
#include <string.h>

#include "labs/lib/peer.h"

void seed_init(struct seed *s, uint64_t seed, int scenario, const char *stream)
{
	s->state = seed * 0x100000001b3ull + (uint64_t)(int64_t)(scenario + 1);
	for (const char *c = stream; *c; c++)
		s->state = s->state * 131 + (unsigned char)*c;
}

/* splitmix64: small, and the same on every machine, so a seed replays exactly. */
uint64_t seed_next(struct seed *s)
{
	uint64_t z = (s->state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

long seed_range(struct seed *s, long lo, long hi)
{
	return lo + (long)(seed_next(s) % (uint64_t)(hi - lo + 1));
}

size_t seed_text(struct seed *s, char *buf, size_t len, size_t min, size_t max, char sep)
{
	static const char *const words[] = {
		"ack", "window", "segment", "socket", "stream", "byte", "packet", "port", "peer",
		"handshake", "timer", "buffer", "echo", "close", "reset", "probe", "queue", "route",
		"frame", "header", "length", "reader", "writer", "kernel", "wire", "cable", "seq",
	};
	size_t want, n = 0;

	if (max >= len)
		max = len - 1;
	if (min > max)
		min = max;
	want = (size_t)seed_range(s, (long)min, (long)max);
	while (n < want) {
		const char *w = words[seed_next(s) % (sizeof(words) / sizeof(words[0]))];

		/* Room for one more character only: a plural, never a text ending on sep. */
		if (n && n + 1 == want) {
			buf[n++] = 's';
			break;
		}
		if (n)
			buf[n++] = sep;
		for (size_t k = 0; w[k] && n < want; k++)
			buf[n++] = w[k];
	}
	buf[n] = '\0';
	return n;
}

void seed_opts(int argc, char **argv, uint64_t *seed, int *scenario, int *has_seed)
{
	const char *sv = peer_opt(argc, argv, "--seed", NULL);

	*has_seed = sv != NULL;
	*seed = sv ? strtoull(sv, NULL, 10) : 0;
	*scenario = atoi(peer_opt(argc, argv, "--scenario", "0"));
}
