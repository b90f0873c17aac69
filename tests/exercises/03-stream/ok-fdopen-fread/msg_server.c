/*
 * msg_server for lab 3.
 * stdio already knows how to loop on short reads: fread(buf, 1, n, f) only returns less
 * than n at end of file or on an error. So I wrap each accepted socket in a FILE* and
 * fread() the 4 header bytes, then the text.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_MESSAGE 1024

static void serve(FILE *in)
{
	unsigned char hdr[4];
	char text[MAX_MESSAGE + 1];
	size_t n;

	while ((n = fread(hdr, 1, 4, in)) == 4) {
		unsigned long len = ((unsigned long)hdr[0] << 24) | ((unsigned long)hdr[1] << 16) |
				    ((unsigned long)hdr[2] << 8) | hdr[3];
		if (len > MAX_MESSAGE) {
			fprintf(stderr, "msg_server: length %lu is too big\n", len);
			return;
		}
		if (fread(text, 1, len, in) != len) {
			fprintf(stderr, "msg_server: message cut short\n");
			return;
		}
		text[len] = '\0';
		printf("message of %lu bytes: %s\n", len, text);
	}
	if (n == 0 && feof(in))
		printf("end of stream\n");
	else
		fprintf(stderr, "msg_server: stream ended inside a header\n");
}

int main(int argc, char **argv)
{
	const char *addr = "0.0.0.0";
	int port = 8000, connections = 3;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--addr"))
			addr = argv[i + 1];
		else if (!strcmp(argv[i], "--port"))
			port = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--connections"))
			connections = atoi(argv[i + 1]);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	int srv = socket(AF_INET, SOCK_STREAM, 0);
	int reuse = 1;
	setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof reuse);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	inet_pton(AF_INET, addr, &a.sin_addr);
	if (bind(srv, (struct sockaddr *)&a, sizeof a) < 0 || listen(srv, 5) < 0) {
		perror("msg_server: bind/listen");
		return 1;
	}
	for (int i = 0; i < connections; i++) {
		int fd = accept(srv, NULL, NULL);
		if (fd < 0) {
			perror("msg_server: accept");
			return 1;
		}
		FILE *f = fdopen(fd, "r");
		if (!f) {
			perror("fdopen");
			close(fd);
			continue;
		}
		serve(f);
		fclose(f); /* closes fd too */
	}
	close(srv);
	return 0;
}
