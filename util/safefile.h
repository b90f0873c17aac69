/* summary: write a report or capture file whole or not at all, never through a symbolic link. */
#ifndef TCPLAB_UTIL_SAFEFILE_H
#define TCPLAB_UTIL_SAFEFILE_H

#include <limits.h>
#include <stddef.h>

/*
 * Contract: tcplab writes files whose names come from the command line (--output,
 * --pcap), often next to a student's submission. A student could have left a symbolic
 * link by that name pointing at the instructor's ~/.bashrc; a failed run could leave half
 * a report that a script then reads as whole. So:
 *
 * - safefile_open() refuses a target that is a symbolic link or a folder, and otherwise
 *   creates a temporary file ".NAME.XXXXXX" in the target's folder with
 *   O_CREAT|O_EXCL|O_NOFOLLOW, mode 0644 (less the umask). The caller writes to sf->fd.
 * - safefile_commit() syncs it and rename()s it over the target: readers see the old file
 *   or the new one, never a mix, and a link planted after the check is replaced, not
 *   followed (rename() acts on the name).
 * - safefile_abort() removes the temporary file. Every path that does not commit must
 *   abort, including a stop by SIGINT, SIGTERM or SIGHUP (cli/stopsig.h).
 *
 * A target that exists and is a character device or a FIFO (/dev/null, /dev/full, a pipe
 * to another program) is written in place, as renaming over a device would replace the
 * device; commit and abort then do nothing.
 *
 * sf->fd belongs to the caller, who closes it (after commit or abort; closing first is
 * fine too, but commit then cannot sync). Errors: -1 with the reason in errbuf.
 */
struct safefile {
	char path[PATH_MAX];    /* the target, as given */
	char tmp[PATH_MAX];     /* the temporary file; "" when written in place or done */
	int fd;
};

int safefile_open(struct safefile *sf, const char *path, char *errbuf, size_t errlen);
int safefile_commit(struct safefile *sf, char *errbuf, size_t errlen);
void safefile_abort(struct safefile *sf);

/* The checks safefile_open() makes on the target, alone: for a caller that wants to
 * refuse a bad name before a long run instead of at its end. */
int safefile_check(const char *path, char *errbuf, size_t errlen);

/*
 * -1 when path would land inside folder or below it (both compared after realpath() of
 * their folders, so "sub/../sub/x" or a link to the folder is caught):
 * "'DIR/grade.json' is inside the submission folder 'DIR': write reports elsewhere".
 * what names the folder in that message ("the submission folder").
 */
int safefile_outside(const char *path, const char *folder, const char *what, char *errbuf,
                     size_t errlen);

#endif
