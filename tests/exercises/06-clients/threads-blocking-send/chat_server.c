/*
 * Lab 6 chat server: one thread per client. Each thread reads its client's lines and sends
 * each one to every other client. A mutex guards the table of clients.
 *
 * usage: chat_server --addr ADDR --port PORT
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CLIENTS 64

static int clients[MAX_CLIENTS];
static int present, accepted;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gone = PTHREAD_COND_INITIALIZER;

static void send_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t w = send(fd, p, len, MSG_NOSIGNAL);

		if (w <= 0)
			return;
		p += w;
		len -= (size_t)w;
	}
}

static void *client_thread(void *arg)
{
	int fd = (int)(long)arg;
	char buf[2048];
	size_t have = 0;
	ssize_t r;

	while ((r = recv(fd, buf + have, sizeof(buf) - have, 0)) > 0) {
		char *nl;

		have += (size_t)r;
		while ((nl = memchr(buf, '\n', have))) {
			size_t len = (size_t)(nl - buf) + 1;

			pthread_mutex_lock(&lock);
			for (int i = 0; i < MAX_CLIENTS; i++)
				if (clients[i] >= 0 && clients[i] != fd)
					send_all(clients[i], buf, len);
			pthread_mutex_unlock(&lock);
			memmove(buf, buf + len, have - len);
			have -= len;
		}
		if (have == sizeof(buf))
			have = 0;
	}
	pthread_mutex_lock(&lock);
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (clients[i] == fd)
			clients[i] = -1;
	close(fd);
	present--;
	pthread_cond_signal(&gone);
	pthread_mutex_unlock(&lock);
	return NULL;
}

static void *acceptor(void *arg)
{
	int lfd = (int)(long)arg;

	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		pthread_t t;

		if (fd < 0)
			continue;
		pthread_mutex_lock(&lock);
		for (int i = 0; i < MAX_CLIENTS; i++)
			if (clients[i] < 0) {
				clients[i] = fd;
				break;
			}
		present++;
		accepted++;
		pthread_mutex_unlock(&lock);
		pthread_create(&t, NULL, client_thread, (void *)(long)fd);
		pthread_detach(t);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int one = 1, lfd;
	pthread_t t;

	for (int i = 1; i + 1 < argc; i++) {
		if (!strcmp(argv[i], "--addr"))
			inet_pton(AF_INET, argv[i + 1], &sa.sin_addr);
		if (!strcmp(argv[i], "--port"))
			sa.sin_port = htons((uint16_t)atoi(argv[i + 1]));
	}
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < MAX_CLIENTS; i++)
		clients[i] = -1;
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 16) < 0) {
		perror("chat_server");
		return 1;
	}
	pthread_create(&t, NULL, acceptor, (void *)(long)lfd);
	pthread_mutex_lock(&lock);
	while (accepted == 0 || present > 0)
		pthread_cond_wait(&gone, &lock);
	pthread_mutex_unlock(&lock);
	printf("chat_server: everyone left\n");
	return 0;
}
