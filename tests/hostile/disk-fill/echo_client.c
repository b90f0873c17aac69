/* summary: hostile submission: writes files into its work folder, 1 MiB at a time, until something stops it (or 256 MiB). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hostile.h"   /* test_hostile copies it next to this file */

#define CHUNK (1 << 20)
#define FILE_MIB 8      /* below the per-file limit: only the folder's size can stop it */
#define MAX_MIB 256

int main(void)
{
	static char buf[CHUNK];
	int mib = 0, err = 0;

	hostile_hello("disk-fill");
	memset(buf, 'x', sizeof(buf));
	for (int f = 0; !err && mib < MAX_MIB; f++) {
		char name[32];
		int fd;

		snprintf(name, sizeof(name), "fill-%03d", f);
		fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0) {
			err = errno;
			break;
		}
		for (int i = 0; i < FILE_MIB && mib < MAX_MIB; i++) {
			if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
				err = errno ? errno : ENOSPC;
				break;
			}
			mib++;
		}
		close(fd);
	}
	if (err)
		printf("hostile: disk-fill: stopped within %s MiB (%s)\n", mib <= 64 ? "64" : "256",
		       strerror(err));
	else
		printf("hostile: disk-fill: wrote %d MiB, nothing stopped it\n", mib);
	return 1;
}
