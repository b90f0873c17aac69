/* summary: lab 5 submission, correct: a reader thread always in recv(), the main thread works. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RCVBUF 8192
#define WORK_MS 5

struct shared {
	pthread_mutex_t lock;
	pthread_cond_t more;
	char *data;
	size_t len, cap;
	int done;               /* the reader saw the end of the stream (or an error) */
	int fd;
};

static void do_job(void)
{
	struct timespec ts = { 0, WORK_MS * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void *reader(void *arg)
{
	struct shared *sh = arg;
	char buf[8192];

	for (;;) {
		ssize_t n = recv(sh->fd, buf, sizeof(buf), 0);

		if (n < 0 && errno == EINTR)
			continue;
		pthread_mutex_lock(&sh->lock);
		if (n <= 0) {
			sh->done = 1;
		} else {
			if (sh->len + (size_t)n > sh->cap) {
				size_t cap = sh->cap ? sh->cap * 2 : 65536;

				while (cap < sh->len + (size_t)n)
					cap *= 2;
				sh->data = realloc(sh->data, cap);
				if (!sh->data) {
					perror("realloc");
					exit(1);
				}
				sh->cap = cap;
			}
			memcpy(sh->data + sh->len, buf, (size_t)n);
			sh->len += (size_t)n;
		}
		pthread_cond_signal(&sh->more);
		pthread_mutex_unlock(&sh->lock);
		if (n <= 0)
			return NULL;
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(8050) };
	struct shared sh = { .lock = PTHREAD_MUTEX_INITIALIZER, .more = PTHREAD_COND_INITIALIZER };
	int one = 1, rcvbuf = RCVBUF, lfd;
	size_t head = 0;
	long jobs = 0;
	char last[16] = "none";
	pthread_t t;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--addr"))
			inet_pton(AF_INET, argv[i + 1], &sin.sin_addr);
		else if (!strcmp(argv[i], "--port"))
			sin.sin_port = htons((uint16_t)atoi(argv[i + 1]));
	}
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(lfd, 1) < 0) {
		perror("bind/listen");
		return 1;
	}
	sh.fd = accept(lfd, NULL, NULL);
	if (sh.fd < 0) {
		perror("accept");
		return 1;
	}
	close(lfd);
	pthread_create(&t, NULL, reader, &sh);
	for (;;) {
		char line[256], *nl;
		size_t n;

		pthread_mutex_lock(&sh.lock);
		while (!(nl = memchr(sh.data ? sh.data + head : "", '\n', sh.len - head)) && !sh.done)
			pthread_cond_wait(&sh.more, &sh.lock);
		if (!nl) {
			pthread_mutex_unlock(&sh.lock);
			break;
		}
		n = (size_t)(nl - (sh.data + head));
		snprintf(line, sizeof(line), "%.*s", (int)n, sh.data + head);
		head += n + 1;
		pthread_mutex_unlock(&sh.lock);
		do_job();               /* outside the lock: the reader keeps reading */
		jobs++;
		sscanf(line, "job %15s", last);
	}
	pthread_join(t, NULL);
	printf("processed %ld jobs; last: job %s\n", jobs, last);
	close(sh.fd);
	free(sh.data);
	return 0;
}
