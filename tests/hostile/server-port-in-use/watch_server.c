/* summary: hostile submission for lab 4 (the server role): binds the lab's port twice; the second bind fails with EADDRINUSE and it gives up. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int s1 = socket(AF_INET, SOCK_STREAM, 0), s2 = socket(AF_INET, SOCK_STREAM, 0);

	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], "--port"))
			a.sin_port = htons((unsigned short)atoi(argv[i + 1]));
	if (bind(s1, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s1, 8) < 0) {
		printf("first bind: %s\n", strerror(errno));
		return 1;
	}
	if (bind(s2, (struct sockaddr *)&a, sizeof(a)) < 0) {
		printf("second bind: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
