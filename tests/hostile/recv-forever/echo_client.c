/* summary: hostile submission: connects, sends nothing, and waits in recv() forever (the server waits too). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hostile.h"   /* test_hostile copies it next to this file */

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	char buf[100];
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	for (int i = 1; i + 1 < argc; i++) {
		if (!strcmp(argv[i], "--host"))
			inet_pton(AF_INET, argv[i + 1], &a.sin_addr);
		if (!strcmp(argv[i], "--port"))
			a.sin_port = htons((unsigned short)atoi(argv[i + 1]));
	}
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return 1;
	hostile_hello("recv-forever, connected");
	for (;;)
		if (recv(fd, buf, sizeof(buf), 0) <= 0)
			pause();
}
