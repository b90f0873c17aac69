/*
 * echo_client for lab 1.
 * I let stdio do the reading: fdopen() the socket and getline() stops at the '\n'
 * no matter how many recv()s it takes underneath.
 */
#include <getopt.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int dial(const char *host, const char *port)
{
	struct addrinfo hints = {0}, *res, *ai;
	int fd = -1;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	int err = getaddrinfo(host, port, &hints, &res);
	if (err) {
		fprintf(stderr, "getaddrinfo: %s\n", gai_strerror(err));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break; /* got one */
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

int main(int argc, char **argv)
{
	static struct option opts[] = {
		{"host", required_argument, 0, 'h'},
		{"port", required_argument, 0, 'p'},
		{"message", required_argument, 0, 'm'},
		{0, 0, 0, 0},
	};
	const char *host = "localhost", *port = "8000", *message = "hello";
	int c;

	while ((c = getopt_long(argc, argv, "h:p:m:", opts, NULL)) != -1) {
		switch (c) {
		case 'h': host = optarg; break;
		case 'p': port = optarg; break;
		case 'm': message = optarg; break;
		default:
			fprintf(stderr, "usage: %s --host H --port P --message M\n", argv[0]);
			return 2;
		}
	}

	int fd = dial(host, port);
	if (fd < 0) {
		fprintf(stderr, "could not connect to %s:%s\n", host, port);
		return 1;
	}
	FILE *f = fdopen(fd, "r+");
	if (!f) {
		perror("fdopen");
		return 1;
	}
	/* one stream for both directions: fflush after writing, before reading */
	fprintf(f, "%s\n", message);
	if (fflush(f) == EOF) {
		perror("write");
		return 1;
	}

	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, f);
	if (n <= 0) {
		fprintf(stderr, "no echo from server\n");
		fclose(f);
		return 1;
	}
	printf("echo: %s", line);
	free(line);
	fclose(f); /* also closes fd -> sends our FIN */
	return 0;
}
