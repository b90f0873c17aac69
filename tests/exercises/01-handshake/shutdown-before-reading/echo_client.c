/*
 * Lab 1 echo client.
 * After sending I call shutdown() so the server knows we are finished, then read the
 * echo and close.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char host[64] = "127.0.0.1", msg[512] = "hello";
	int port = 8000;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--host")) snprintf(host, sizeof host, "%s", argv[i + 1]);
		else if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--message")) snprintf(msg, sizeof msg, "%s", argv[i + 1]);
	}
	strcat(msg, "\n");

	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sv = {0};
	sv.sin_family = AF_INET;
	sv.sin_port = htons(port);
	inet_pton(AF_INET, host, &sv.sin_addr);
	if (connect(s, (struct sockaddr *)&sv, sizeof sv) < 0) {
		perror("connect");
		return 1;
	}
	size_t len = strlen(msg), off = 0;
	while (off < len) {
		ssize_t n = send(s, msg + off, len - off, 0);
		if (n < 0) { perror("send"); return 1; }
		off += n;
	}
	/* done talking -> tell the server (lesson: shutdown sends the FIN) */
	shutdown(s, SHUT_RDWR);

	char echo[512];
	size_t got = 0;
	ssize_t n;
	while (got < len && (n = recv(s, echo + got, sizeof echo - got, 0)) > 0)
		got += n;
	printf("echo: %.*s", (int)got, echo);
	if (got < len)
		printf("\n(only %zu of %zu bytes came back)\n", got, len);
	close(s);
	return 0;
}
