/* summary: hostile submission: touches SysV shared memory and detaches it, so the pages stay held by the IPC namespace, not by any process (up to 1 GiB). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include "hostile.h"   /* test_hostile copies it next to this file */

#define MAX_MIB 1024

int main(void)
{
	size_t seg = 256u << 20;
	int mib = 0, err = 0;

	hostile_hello("shm-hog");
	while (mib < MAX_MIB) {
		int id = shmget(IPC_PRIVATE, seg, IPC_CREAT | 0600);
		volatile char *p;

		if (id < 0 && errno == EINVAL && seg > (1u << 20)) {
			seg /= 2;       /* above shmmax: try a smaller segment */
			continue;
		}
		if (id < 0) {
			err = errno;
			break;
		}
		p = shmat(id, NULL, 0);
		if (p == (void *)-1) {
			err = errno;
			break;
		}
		for (size_t o = 0; o < seg; o += 4096)
			p[o] = 1;
		shmdt((const void *)p);
		mib += (int)(seg >> 20);
	}
	if (mib <= 16)
		printf("hostile: shm-hog: held %s16 MiB (%s)\n", mib < 16 ? "less than " : "",
		       err ? strerror(err) : "stopped");
	else
		printf("hostile: shm-hog: held %d MiB of SysV shared memory\n", mib);
	return 1;
}
