/* summary: hostile lab 3 server: opens connections to itself as fast as it can, forever. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
static const char *opt(int argc, char **argv, const char *n, const char *d)
{ for (int i = 1; i + 1 < argc; i++) if (!strcmp(argv[i], n)) return argv[i + 1]; return d; }
int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(opt(argc, argv, "--port", "8000"))) };
	int one = 1, l = socket(AF_INET, SOCK_STREAM, 0);
	inet_pton(AF_INET, opt(argc, argv, "--addr", "0.0.0.0"), &a.sin_addr);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	bind(l, (void *)&a, sizeof a); listen(l, 128);
	for (;;) {
		int c = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(c, (void *)&a, sizeof a) == 0) { int s = accept(l, NULL, NULL); close(s); }
		close(c);
	}
}
