/* summary: a temporary file beside the target, renamed over it at the end (see safefile.h). */
#include "util/safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/errbuf.h"
#include "util/tr.h"

/* Split path into its folder ("." when it has none) and its last name. */
static int split(const char *path, char *dir, size_t dirlen, const char **base)
{
	const char *slash = strrchr(path, '/');

	if (!slash) {
		*base = path;
		return snprintf(dir, dirlen, ".") < (int)dirlen ? 0 : -1;
	}
	*base = slash + 1;
	if (slash == path)
		return snprintf(dir, dirlen, "/") < (int)dirlen ? 0 : -1;
	return snprintf(dir, dirlen, "%.*s", (int)(slash - path), path) < (int)dirlen ? 0 : -1;
}

/* 0: write through a temporary file; 1: write in place (a device, a FIFO); -1: refused. */
static int classify(const char *path, char *errbuf, size_t errlen)
{
	struct stat st;
	char why[128];
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

	if (!*base) {
		errbuf_set(errbuf, errlen, _("cannot write '%s': it names a folder (give a file name)"),
		           path);
		return -1;
	}
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		errbuf_set(errbuf, errlen, _("cannot write '%s': %s"), path,
		           errbuf_strerror(errno, why, sizeof(why)));
		return -1;
	}
	if (S_ISLNK(st.st_mode)) {
		errbuf_set(errbuf, errlen, _("'%s' is a symbolic link: tcplab does not write through"
		           " links (remove it, or give another name)"), path);
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		errbuf_set(errbuf, errlen, _("cannot write '%s': it is a folder (give a file name)"),
		           path);
		return -1;
	}
	return S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode);
}

int safefile_check(const char *path, char *errbuf, size_t errlen)
{
	return classify(path, errbuf, errlen) < 0 ? -1 : 0;
}

int safefile_open(struct safefile *sf, const char *path, char *errbuf, size_t errlen)
{
	char dir[PATH_MAX], why[128];
	const char *base;
	int kind;

	sf->fd = -1;
	sf->tmp[0] = '\0';
	if (snprintf(sf->path, sizeof(sf->path), "%s", path) >= (int)sizeof(sf->path) ||
	    split(path, dir, sizeof(dir), &base) < 0) {
		errbuf_set(errbuf, errlen, _("cannot write '%s': the name is too long"), path);
		return -1;
	}
	kind = classify(path, errbuf, errlen);
	if (kind < 0)
		return -1;
	if (kind == 1) {
		sf->fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
		if (sf->fd < 0) {
			errbuf_set(errbuf, errlen, _("cannot write '%s': %s"), path,
			           errbuf_strerror(errno, why, sizeof(why)));
			return -1;
		}
		return 0;
	}
	/* mkstemp() cannot take O_NOFOLLOW or a mode: the same loop, by hand. */
	for (int tries = 0; tries < 100; tries++) {
		unsigned char r[6];
		static const char letters[] = "abcdefghijklmnopqrstuvwxyz0123456789";
		char suffix[7];

		if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
			errbuf_set(errbuf, errlen, _("cannot write '%s': no random name: %s"), path,
			           errbuf_strerror(errno, why, sizeof(why)));
			return -1;
		}
		for (size_t i = 0; i < sizeof(r); i++)
			suffix[i] = letters[r[i] % (sizeof(letters) - 1)];
		suffix[6] = '\0';
		if (snprintf(sf->tmp, sizeof(sf->tmp), "%s/.%s.%s", dir, base, suffix) >=
		    (int)sizeof(sf->tmp)) {
			sf->tmp[0] = '\0';
			errbuf_set(errbuf, errlen, _("cannot write '%s': the name is too long"), path);
			return -1;
		}
		sf->fd = open(sf->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (sf->fd >= 0)
			return 0;
		if (errno != EEXIST)
			break;
	}
	sf->tmp[0] = '\0';
	errbuf_set(errbuf, errlen, _("cannot create '%s': %s"), path,
	           errbuf_strerror(errno, why, sizeof(why)));
	return -1;
}

int safefile_commit(struct safefile *sf, char *errbuf, size_t errlen)
{
	char why[128];

	if (!sf->tmp[0])
		return 0;
	/* Synced first: after a crash the target is the old file or the whole new one. */
	if (sf->fd >= 0 && fsync(sf->fd) < 0 && errno != EBADF) {
		errbuf_set(errbuf, errlen, _("cannot write '%s': %s"), sf->path,
		           errbuf_strerror(errno, why, sizeof(why)));
		safefile_abort(sf);
		return -1;
	}
	if (rename(sf->tmp, sf->path) < 0) {
		errbuf_set(errbuf, errlen, _("cannot replace '%s': %s"), sf->path,
		           errbuf_strerror(errno, why, sizeof(why)));
		safefile_abort(sf);
		return -1;
	}
	sf->tmp[0] = '\0';
	return 0;
}

void safefile_abort(struct safefile *sf)
{
	if (sf->tmp[0])
		unlink(sf->tmp);
	sf->tmp[0] = '\0';
}

int safefile_outside(const char *path, const char *folder, const char *what, char *errbuf,
                     size_t errlen)
{
	char dir[PATH_MAX], real_dir[PATH_MAX], real_folder[PATH_MAX], why[128];
	const char *base;
	size_t n;

	if (split(path, dir, sizeof(dir), &base) < 0) {
		errbuf_set(errbuf, errlen, _("cannot write '%s': the name is too long"), path);
		return -1;
	}
	if (!realpath(folder, real_folder)) {
		errbuf_set(errbuf, errlen, _("cannot find %s '%s': %s"), what, folder,
		           errbuf_strerror(errno, why, sizeof(why)));
		return -1;
	}
	if (!realpath(dir, real_dir)) {
		errbuf_set(errbuf, errlen, _("cannot write '%s': folder '%s': %s"), path, dir,
		           errbuf_strerror(errno, why, sizeof(why)));
		return -1;
	}
	n = strlen(real_folder);
	if (!strcmp(real_folder, "/") ||
	    (!strncmp(real_dir, real_folder, n) && (real_dir[n] == '\0' || real_dir[n] == '/'))) {
		errbuf_set(errbuf, errlen, _("'%s' is inside %s '%s': write reports elsewhere"), path,
		           what, folder);
		return -1;
	}
	return 0;
}
