/* summary: hostile submission: tries to reach addresses outside the lab (10.0.0.1, 8.8.8.8) and says what happened. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Nonblocking: with a route, connect() would say EINPROGRESS at once, and a SYN would
 * leave; the lab's namespaces have no route, so it fails before anything is sent. */
static const char *try(const char *addr, int port, char *buf, size_t len)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	inet_pton(AF_INET, addr, &a.sin_addr);
	if (fd < 0)
		snprintf(buf, len, "%s: no socket: %s", addr, strerror(errno));
	else if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 || errno == EINPROGRESS)
		snprintf(buf, len, "%s: REACHABLE", addr);
	else
		snprintf(buf, len, "%s: %s", addr, strerror(errno));
	if (fd >= 0)
		close(fd);
	return buf;
}

/* Never send real traffic off the machine: with a default route, do not even try. */
static int has_default_route(void)
{
	FILE *f = fopen("/proc/net/route", "r");
	char line[256];
	int found = 0;

	while (f && fgets(line, sizeof(line), f))
		found |= !strncmp(strchr(line, '\t') ? strchr(line, '\t') + 1 : "", "00000000", 8);
	if (f)
		fclose(f);
	return found;
}

int main(void)
{
	char a[128], b[128];

	if (has_default_route()) {
		printf("hostile: escape-network: this namespace has a default route; not trying\n");
		return 2;
	}
	printf("hostile: escape-network: %s; %s\n", try("10.0.0.1", 80, a, sizeof(a)),
	       try("8.8.8.8", 53, b, sizeof(b)));
	return 1;
}
