/* summary: hostile lab 3 server: pumps data through a connection to itself as fast as it can, forever. */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
static char buf[1 << 16];
static int s;
static void *drain(void *x) { (void)x; for (;;) if (recv(s, buf, sizeof buf, 0) <= 0) return NULL; }
static const char *opt(int argc, char **argv, const char *n, const char *d)
{ for (int i = 1; i + 1 < argc; i++) if (!strcmp(argv[i], n)) return argv[i + 1]; return d; }
int main(int argc, char **argv)
{
	static char out[1 << 16];
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(opt(argc, argv, "--port", "8000"))) };
	int one = 1, l = socket(AF_INET, SOCK_STREAM, 0), c;
	pthread_t t;
	inet_pton(AF_INET, opt(argc, argv, "--addr", "0.0.0.0"), &a.sin_addr);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	bind(l, (void *)&a, sizeof a); listen(l, 128);
	c = socket(AF_INET, SOCK_STREAM, 0);
	connect(c, (void *)&a, sizeof a);
	s = accept(l, NULL, NULL);
	pthread_create(&t, NULL, drain, NULL);
	for (;;) if (send(c, out, sizeof out, 0) < 0) return 1;
}
