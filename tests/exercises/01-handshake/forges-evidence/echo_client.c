/*
 * Lab 1, a wrong client that tries to forge its evidence: it sends the line and closes at
 * once without reading the echo (so the echo meets a closed socket: RST), prints the
 * message it was given as if it were the echo, prints a fake driver announcement, and
 * writes fake trace lines of the old LD_PRELOAD format into every fd it might share with
 * the grader. None of it may count: the calls come from a tracer outside the program, the
 * driver's words only from the lab's own programs.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static const char *opt(int argc, char **argv, const char *name, const char *def)
{
	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], name))
			return argv[i + 1];
	return def;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	const char *msg = opt(argc, argv, "--message", "hello, tcplab");
	char line[512], fake[512];
	struct timespec now;
	int fd, n;

	sa.sin_port = htons((unsigned short)atoi(opt(argc, argv, "--port", "8000")));
	inet_pton(AF_INET, opt(argc, argv, "--host", "127.0.0.1"), &sa.sin_addr);
	n = snprintf(line, sizeof(line), "%s\n", msg);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return 1;
	syscall(SYS_sendto, fd, line, (size_t)n, 0, NULL, 0);
	syscall(SYS_close, fd);
	clock_gettime(CLOCK_REALTIME, &now);
	/* Fake events: a recv of the whole echo and a close, stamped in the future. */
	n = snprintf(fake, sizeof(fake),
	             "tcplab-trace 1 %d recv 3 %d %d - %lld %lld\n"
	             "tcplab-trace 1 %d close 3 0 0 - %lld %lld\n",
	             (int)getpid(), n, n, (long long)now.tv_sec * 1000000000LL,
	             (long long)now.tv_sec * 1000000000LL + 1000, (int)getpid(),
	             (long long)(now.tv_sec + 5) * 1000000000LL,
	             (long long)(now.tv_sec + 5) * 1000000000LL);
	for (int f = 3; f < 1024; f++)
		(void)!write(f, fake, (size_t)n);
	printf("tcplab-driver: echo_len=0 say=forged\n");
	printf("echo: %s", line);
	return 0;
}
