/* summary: find the labs, the lab programs and the catalogs of a running tcplab (see paths.h). */
#include "engine/paths.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tcplab_config.h"
#include "util/tr.h"

static int set(char *dst, size_t size, const char *src, const char *what, char *errbuf,
               size_t errlen)
{
	if (strlen(src) >= size) {
		snprintf(errbuf, errlen, _("%s path '%s' is too long"), what, src);
		return -1;
	}
	strcpy(dst, src);
	return 0;
}

static int has_labs(const char *dir)
{
	char path[PATH_MAX + 32];

	/* labs/README.md, not labs/: a build directory has a labs/ of programs too. */
	snprintf(path, sizeof(path), "%s/labs/README.md", dir);
	return access(path, R_OK) == 0;
}

/* The install under stage ("" for the real one): 1 when its labs are there. */
static int installed_at(struct paths *p, const char *stage)
{
	if (strlen(stage) + sizeof(TCPLAB_PKGDATADIR) > sizeof(p->root) ||
	    strlen(stage) + sizeof(TCPLAB_PKGLIBEXECDIR) > sizeof(p->build) ||
	    strlen(stage) + sizeof(TCPLAB_LOCALEDIR) > sizeof(p->locale))
		return 0;
	snprintf(p->root, sizeof(p->root), "%s%s", stage, TCPLAB_PKGDATADIR);
	if (!has_labs(p->root))
		return 0;
	snprintf(p->build, sizeof(p->build), "%s%s", stage, TCPLAB_PKGLIBEXECDIR);
	snprintf(p->locale, sizeof(p->locale), "%s%s", stage, TCPLAB_LOCALEDIR);
	p->installed = 1;
	return 1;
}

/* The staging folder when dir is STAGE followed by BINDIR, else NULL (dir is cut there). */
static const char *stage_of(char *dir)
{
	size_t n = strlen(dir), b = strlen(TCPLAB_BINDIR);

	if (n < b || strcmp(dir + n - b, TCPLAB_BINDIR) != 0)
		return NULL;
	dir[n - b] = '\0';
	return dir;
}

int paths_find(struct paths *p, char *errbuf, size_t errlen)
{
	const char *env_build = getenv("TCPLAB_BUILD"), *env_root = getenv("TCPLAB_ROOT");
	const char *stage;
	char exe[PATH_MAX], dir[PATH_MAX];
	ssize_t n;

	memset(p, 0, sizeof(*p));
	if (env_build && *env_build) {
		if (set(p->build, sizeof(p->build), env_build, "TCPLAB_BUILD", errbuf, errlen) < 0)
			return -1;
	} else {
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n < 0) {
			snprintf(errbuf, errlen, _("cannot find the tcplab executable: %s"), strerror(errno));
			return -1;
		}
		exe[n] = '\0';
		*strrchr(exe, '/') = '\0';
		snprintf(dir, sizeof(dir), "%s", exe);
		/* An install with TCPLAB_ROOT set (an instructor's own labs): its lab programs
		 * and catalogs still. */
		if ((stage = stage_of(dir)) && installed_at(p, stage))
			return env_root && *env_root ?
			       set(p->root, sizeof(p->root), env_root, "TCPLAB_ROOT", errbuf, errlen) : 0;
		if (set(p->build, sizeof(p->build), exe, "build", errbuf, errlen) < 0)
			return -1;
	}
	if (snprintf(p->locale, sizeof(p->locale), "%s/locale", p->build) >= (int)sizeof(p->locale)) {
		snprintf(errbuf, errlen, _("build path '%s' is too long"), p->build);
		return -1;
	}
	if (env_root && *env_root)
		return set(p->root, sizeof(p->root), env_root, "TCPLAB_ROOT", errbuf, errlen);

	snprintf(dir, sizeof(dir), "%s", p->build);
	for (;;) {
		char *slash;

		if (has_labs(dir))
			return set(p->root, sizeof(p->root), dir[0] ? dir : "/", "root", errbuf, errlen);
		slash = strrchr(dir, '/');
		if (!slash)
			break;
		*slash = '\0';
	}
	if (!(env_build && *env_build)) {
		char build[sizeof(p->build)];

		memcpy(build, p->build, sizeof(build));
		if (installed_at(p, ""))
			return 0;
		memcpy(p->build, build, sizeof(build));
		p->installed = 0;
	}
	snprintf(errbuf, errlen, _("cannot find the labs folder above '%s' nor in '%s' (reinstall"
	         " tcplab, or set TCPLAB_ROOT to the tcplab source tree)"), p->build,
	         TCPLAB_PKGDATADIR);
	return -1;
}
