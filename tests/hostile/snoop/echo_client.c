/* summary: hostile submission: looks for the reference solution, the expected results and the built lab client, and says who it runs as. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *try(const char *what, const char *base, const char *rel, char *buf,
                       size_t len)
{
	char path[700];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", base ? base : "/nonexistent", rel);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		snprintf(buf, len, "%s %s", what, strerror(errno));
	} else {
		snprintf(buf, len, "%s READABLE", what);
		close(fd);
	}
	return buf;
}

/* The effective capabilities, from /proc/self/status. */
static const char *caps(char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];

	snprintf(buf, len, "?");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "CapEff:", 7))
			snprintf(buf, len, "%.*s", (int)strcspn(line + 8, "\n"), line + 8);
	if (f)
		fclose(f);
	return buf;
}

/* Where the tree and the build folder are on the host: the jail gives the program none of
 * tcplab's environment, so test_hostile writes them into snoop_paths.h next to a copy of
 * this file. */
#if __has_include("snoop_paths.h")
#include "snoop_paths.h"
#else
#define SNOOP_ROOT getenv("TCPLAB_ROOT")
#define SNOOP_BUILD getenv("TCPLAB_BUILD")
#endif

int main(void)
{
	const char *root = SNOOP_ROOT, *build = SNOOP_BUILD;
	char a[200], b[200], c[200], d[64];

	printf("hostile: snoop: uid %d caps %s; %s; %s; %s\n", (int)getuid(), caps(d, sizeof(d)),
	       try("solution", root, "solutions/01-handshake/echo_client.c", a, sizeof(a)),
	       try("expect", root, "labs/01-handshake/exercise.expect", b, sizeof(b)),
	       try("lab-client", build, "labs/01-handshake/echo_client", c, sizeof(c)));
	return 1;
}
