/* Lab 1 - echo client. Reads into a buffer until the newline comes back. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUFSZ 2048

int main(int argc, char *argv[])
{
	char *host = "127.0.0.1", *msg = "hello";
	int port = 8000;
	int i;

	for (i = 1; i < argc - 1; i++) {
		if (strcmp(argv[i], "--host") == 0)
			host = argv[++i];
		else if (strcmp(argv[i], "--port") == 0)
			port = atoi(argv[++i]);
		else if (strcmp(argv[i], "--message") == 0)
			msg = argv[++i];
	}

	int sock = socket(AF_INET, SOCK_STREAM, 0);
	if (sock == -1) {
		perror("socket");
		exit(1);
	}
	struct sockaddr_in server;
	memset(&server, 0, sizeof(server));
	server.sin_family = AF_INET;
	server.sin_port = htons(port);
	if (inet_pton(AF_INET, host, &server.sin_addr) <= 0) {
		fprintf(stderr, "bad address %s\n", host);
		exit(1);
	}
	if (connect(sock, (struct sockaddr *)&server, sizeof(server)) == -1) {
		perror("connect");
		exit(1);
	}

	/* message + '\n' in one buffer, then send until everything went out */
	char out[BUFSZ];
	int outlen = snprintf(out, sizeof(out), "%s\n", msg);
	if (outlen >= BUFSZ) {
		fprintf(stderr, "message too long\n");
		exit(1);
	}
	int sent = 0;
	while (sent < outlen) {
		int n = send(sock, out + sent, outlen - sent, 0);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			perror("send");
			exit(1);
		}
		sent += n;
	}

	/* the echo can come back in pieces, so keep calling recv until we see the '\n' */
	char in[BUFSZ];
	int got = 0;
	while (got == 0 || in[got - 1] != '\n') {
		int n = recv(sock, in + got, sizeof(in) - 1 - got, 0);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			perror("recv");
			exit(1);
		}
		if (n == 0) {
			fprintf(stderr, "server closed before the whole echo came back\n");
			exit(1);
		}
		got += n;
		if (got == BUFSZ - 1)
			break;
	}
	in[got] = '\0';
	printf("%s", in);

	/* we close first -> our FIN goes first and we get TIME_WAIT (that's fine) */
	close(sock);
	return 0;
}
