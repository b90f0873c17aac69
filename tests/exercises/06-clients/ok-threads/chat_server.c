/*
 * Lab 6 chat server with threads: per client a reader thread and a writer thread. A line
 * is appended to every other client's queue (1 MiB, allocated when it joins) under that
 * client's mutex, and its writer thread sends it with a blocking send(). A slow client
 * blocks only its own writer: the readers never wait on anyone's socket. The threads
 * never malloc(): each would get an arena of its own (64 MiB of address space each in
 * glibc), and the grader limits address space.
 *
 * usage: chat_server --addr ADDR --port PORT
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CLIENTS 64
#define QUEUE_MAX (1u << 20)

struct client {
	int fd;
	bool used, closing;
	char *q;                        /* QUEUE_MAX bytes: what waits for the writer */
	size_t qlen;
	int refs;                       /* reader and writer: the last one frees the slot */
	pthread_mutex_t m;
	pthread_cond_t cv;
};

static struct client cl[MAX_CLIENTS];
static pthread_mutex_t table = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int present, accepted;

static void release(struct client *c)
{
	pthread_mutex_lock(&table);
	if (--c->refs == 0) {
		close(c->fd);
		c->qlen = 0;
		c->used = false;
		present--;
		pthread_cond_broadcast(&changed);
	}
	pthread_mutex_unlock(&table);
}

/* Stop the client: its reader ends, its writer wakes up and ends. */
static void leave(struct client *c)
{
	pthread_mutex_lock(&c->m);
	c->closing = true;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->m);
	shutdown(c->fd, SHUT_RDWR);
}

static void *writer(void *arg)
{
	struct client *c = arg;

	for (;;) {
		char buf[65536];
		size_t len, off = 0;

		pthread_mutex_lock(&c->m);
		while (!c->qlen && !c->closing)
			pthread_cond_wait(&c->cv, &c->m);
		if (c->closing) {
			pthread_mutex_unlock(&c->m);
			break;
		}
		len = c->qlen < sizeof(buf) ? c->qlen : sizeof(buf);
		memcpy(buf, c->q, len);
		memmove(c->q, c->q + len, c->qlen - len);
		c->qlen -= len;
		pthread_mutex_unlock(&c->m);
		while (off < len) {
			ssize_t w = send(c->fd, buf + off, len - off, MSG_NOSIGNAL);

			if (w < 0)
				break;
			off += (size_t)w;
		}
		if (off < len) {
			leave(c);
			break;
		}
	}
	release(c);
	return NULL;
}

static void broadcast(struct client *from, const char *line, size_t len)
{
	pthread_mutex_lock(&table);
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = &cl[i];
		bool full;

		if (!c->used || c == from)
			continue;
		pthread_mutex_lock(&c->m);
		full = c->qlen + len > QUEUE_MAX;
		if (!c->closing && !full) {
			memcpy(c->q + c->qlen, line, len);
			c->qlen += len;
			pthread_cond_signal(&c->cv);
		}
		pthread_mutex_unlock(&c->m);
		if (full)
			leave(c);       /* over 1 MiB behind: it is dropped */
	}
	pthread_mutex_unlock(&table);
}

static void *reader(void *arg)
{
	struct client *c = arg;
	char buf[2048];
	size_t have = 0;
	ssize_t r;

	while ((r = recv(c->fd, buf + have, sizeof(buf) - have, 0)) > 0) {
		char *nl;

		have += (size_t)r;
		while ((nl = memchr(buf, '\n', have))) {
			size_t len = (size_t)(nl - buf) + 1;

			broadcast(c, buf, len);
			memmove(buf, buf + len, have - len);
			have -= len;
		}
		if (have == sizeof(buf))
			break;
	}
	leave(c);
	release(c);
	return NULL;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int one = 1, lfd;

	for (int i = 1; i + 1 < argc; i++) {
		if (!strcmp(argv[i], "--addr"))
			inet_pton(AF_INET, argv[i + 1], &sa.sin_addr);
		if (!strcmp(argv[i], "--port"))
			sa.sin_port = htons((uint16_t)atoi(argv[i + 1]));
	}
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < MAX_CLIENTS; i++) {
		pthread_mutex_init(&cl[i].m, NULL);
		pthread_cond_init(&cl[i].cv, NULL);
	}
	/* Every queue now, from the main thread: no thread mallocs later. */
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (!(cl[i].q = malloc(QUEUE_MAX))) {
			fprintf(stderr, "chat_server: out of memory\n");
			return 1;
		}
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 16) < 0) {
		perror("chat_server");
		return 1;
	}
	for (;;) {
		int fd, slot = -1;
		pthread_t t;

		pthread_mutex_lock(&table);
		/* Everyone has left: stop. Otherwise wait for the next client. */
		if (accepted > 0 && present == 0) {
			pthread_mutex_unlock(&table);
			break;
		}
		pthread_mutex_unlock(&table);
		{
			/* accept() would wait forever after the last client: wait for either. */
			struct timeval tv = { 0, 100000 };
			fd_set rd;

			FD_ZERO(&rd);
			FD_SET(lfd, &rd);
			if (select(lfd + 1, &rd, NULL, NULL, &tv) <= 0)
				continue;
		}
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			continue;
		pthread_mutex_lock(&table);
		for (int i = 0; i < MAX_CLIENTS && slot < 0; i++)
			if (!cl[i].used)
				slot = i;
		if (slot < 0) {
			pthread_mutex_unlock(&table);
			close(fd);
			continue;
		}
		cl[slot].fd = fd;
		cl[slot].used = true;
		cl[slot].closing = false;
		cl[slot].refs = 2;
		present++;
		accepted++;
		pthread_mutex_unlock(&table);
		pthread_create(&t, NULL, reader, &cl[slot]);
		pthread_detach(t);
		pthread_create(&t, NULL, writer, &cl[slot]);
		pthread_detach(t);
	}
	printf("chat_server: everyone left after %d clients\n", accepted);
	close(lfd);
	return 0;
}
