/* summary: find the source tree and the build directory of a running tcplab (see paths.h). */
#include "engine/paths.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int set(char *dst, size_t size, const char *src, const char *what, char *errbuf,
               size_t errlen)
{
	if (strlen(src) >= size) {
		snprintf(errbuf, errlen, "%s path '%s' is too long", what, src);
		return -1;
	}
	strcpy(dst, src);
	return 0;
}

int paths_find(struct paths *p, char *errbuf, size_t errlen)
{
	const char *env_build = getenv("TCPLAB_BUILD"), *env_root = getenv("TCPLAB_ROOT");
	char exe[PATH_MAX], dir[PATH_MAX + 8];
	ssize_t n;

	if (env_build && *env_build) {
		if (set(p->build, sizeof(p->build), env_build, "TCPLAB_BUILD", errbuf, errlen) < 0)
			return -1;
	} else {
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n < 0) {
			snprintf(errbuf, errlen, "cannot find the tcplab executable: %s", strerror(errno));
			return -1;
		}
		exe[n] = '\0';
		*strrchr(exe, '/') = '\0';
		if (set(p->build, sizeof(p->build), exe, "build", errbuf, errlen) < 0)
			return -1;
	}
	if (env_root && *env_root)
		return set(p->root, sizeof(p->root), env_root, "TCPLAB_ROOT", errbuf, errlen);

	snprintf(exe, sizeof(exe), "%s", p->build);
	for (;;) {
		char *slash;

		/* labs/README.md, not labs/: the build directory has a labs/ of programs too. */
		snprintf(dir, sizeof(dir), "%s/labs/README.md", exe);
		if (access(dir, R_OK) == 0)
			return set(p->root, sizeof(p->root), exe[0] ? exe : "/", "root", errbuf, errlen);
		slash = strrchr(exe, '/');
		if (!slash)
			break;
		*slash = '\0';
	}
	snprintf(errbuf, errlen, "cannot find the labs folder above '%s' (set TCPLAB_ROOT to the"
	         " tcplab source tree)", p->build);
	return -1;
}
