/*
 * Lab 1 exercise: an echo client.
 *
 * Your task: with the host and port from the command line,
 *   1. connect to the echo server,
 *   2. send the message followed by a newline (send() may take fewer bytes than you asked),
 *   3. read the whole echo back, however the network splits it (recv() may return it in
 *      pieces), and print it,
 *   4. close the connection first: your client must send the first FIN, and so it is your
 *      client that holds TIME-WAIT at the end.
 *
 * usage: echo_client --host ADDR --port PORT [--message TEXT]
 *
 * Build and grade it with:  tcplab grade 1        (or: tcplab grade 1 --src YOUR_FOLDER)
 * The grader checks the echo you print, your socket calls, and the segments on the wire.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *opt(int argc, char **argv, const char *name, const char *def)
{
	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], name))
			return argv[i + 1];
	return def;
}

int main(int argc, char **argv)
{
	const char *host = opt(argc, argv, "--host", "127.0.0.1");
	int port = atoi(opt(argc, argv, "--port", "8000"));
	const char *message = opt(argc, argv, "--message", "hello, tcplab");

	/* TODO 1: create a TCP socket and connect it to host:port. */
	/* TODO 2: send the whole message and a newline. */
	/* TODO 3: receive until the whole echo is back; then print it. */
	/* TODO 4: close the socket. */
	(void)host;
	(void)port;
	(void)message;
	fprintf(stderr, "echo_client: not written yet\n");
	return 1;
}
