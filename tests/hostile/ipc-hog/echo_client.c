/* summary: hostile submission: leaves 8 x 256 MiB of SysV shared memory and a POSIX message queue behind, hoping they outlive the grade. */
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/shm.h>

/* Keys and a name test_hostile looks for on the host once the grade is over. */
#define HOG_KEY 0x7c1ab000
#define HOG_MQ "/tcplab-hostile-mq"

int main(void)
{
	int made = 0;
	mqd_t q;

	for (int i = 0; i < 8; i++)
		made += shmget(HOG_KEY + i, 256u << 20, IPC_CREAT | 0666) >= 0;
	q = mq_open(HOG_MQ, O_CREAT | O_RDWR, 0666, NULL);
	printf("hostile: ipc-hog: shm %d of 8; mq %s\n", made, q == (mqd_t)-1 ? "failed" : "made");
	return 1;
}
