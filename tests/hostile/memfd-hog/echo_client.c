/* summary: hostile submission: fills memfds 16 MiB at a time (memory no address-space limit counts), up to 1 GiB. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hostile.h"   /* test_hostile copies it next to this file */

#define CHUNK (1 << 20)
#define FD_MIB 16
#define MAX_MIB 1024

int main(void)
{
	static char buf[CHUNK];
	int mib = 0, err = 0;

	hostile_hello("memfd-hog");
	memset(buf, 'x', sizeof(buf));
	while (!err && mib < MAX_MIB) {
		/* Kept open: the pages live as long as the fd, outside the address space. */
		int fd = memfd_create("hog", 0);

		if (fd < 0) {
			err = errno;
			break;
		}
		for (int i = 0; i < FD_MIB; i++) {
			if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
				err = errno ? errno : ENOSPC;
				break;
			}
			mib++;
		}
		if (mib % 128 == 0) {
			printf("hostile: memfd-hog: holding %d MiB\n", mib);
			fflush(stdout);
		}
	}
	if (err)
		printf("hostile: memfd-hog: stopped at %d MiB (%s)\n", mib, strerror(err));
	else
		printf("hostile: memfd-hog: held %d MiB, nothing stopped it\n", mib);
	return 1;
}
