/* summary: the kernel's own view of a network namespace's TCP sockets (NETLINK_SOCK_DIAG): states and timers. */
#include "engine/sockdiag.h"

#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/errbuf.h"

static const struct {
	const char *name, *word;
} states[] = {
	[SOCKDIAG_ESTABLISHED] = { "ESTABLISHED", "established" },
	[SOCKDIAG_SYN_SENT] = { "SYN-SENT", "syn-sent" },
	[SOCKDIAG_SYN_RECV] = { "SYN-RECEIVED", "syn-received" },
	[SOCKDIAG_FIN_WAIT1] = { "FIN-WAIT-1", "fin-wait-1" },
	[SOCKDIAG_FIN_WAIT2] = { "FIN-WAIT-2", "fin-wait-2" },
	[SOCKDIAG_TIME_WAIT] = { "TIME-WAIT", "time-wait" },
	[SOCKDIAG_CLOSE] = { "CLOSED", "closed" },
	[SOCKDIAG_CLOSE_WAIT] = { "CLOSE-WAIT", "close-wait" },
	[SOCKDIAG_LAST_ACK] = { "LAST-ACK", "last-ack" },
	[SOCKDIAG_LISTEN] = { "LISTEN", "listen" },
	[SOCKDIAG_CLOSING] = { "CLOSING", "closing" },
};

const char *sockdiag_state_name(int state)
{
	if (state <= 0 || (size_t)state >= sizeof(states) / sizeof(states[0]))
		return "?";
	return states[state].name;
}

int sockdiag_state_from_word(const char *word)
{
	for (size_t i = 1; i < sizeof(states) / sizeof(states[0]); i++)
		if (!strcmp(word, states[i].word))
			return (int)i;
	return -1;
}

/* One inet_diag_msg into out[*n] when there is room; counted either way. */
static void take(const struct inet_diag_msg *m, struct sockdiag_tcp *out, size_t max, size_t *n)
{
	if (*n < max) {
		struct sockdiag_tcp *s = &out[*n];

		memset(s, 0, sizeof(*s));
		s->state = m->idiag_state;
		s->timer = m->idiag_timer;
		s->sport = ntohs(m->id.idiag_sport);
		s->dport = ntohs(m->id.idiag_dport);
		memcpy(s->src, m->id.idiag_src, 4);
		memcpy(s->dst, m->id.idiag_dst, 4);
		s->expires_ms = m->idiag_expires;
	}
	(*n)++;
}

int sockdiag_tcp_list(struct sockdiag_tcp *out, size_t max, size_t *n, char *errbuf,
                      size_t errlen)
{
	struct {
		struct nlmsghdr nh;
		struct inet_diag_req_v2 req;
	} q;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	/* Aligned for the nlmsghdr and inet_diag_msg read out of it; on the stack, so that
	 * two runs in two threads may ask at once. */
	union {
		struct nlmsghdr h;
		char b[16384];
	} buf;
	int fd, ret = 0;
	bool done = false;

	*n = 0;
	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0) {
		ret = -errno;
		errbuf_set(errbuf, errlen, "cannot ask the kernel for its sockets: %s",
		           strerror(errno));
		return ret;
	}
	memset(&q, 0, sizeof(q));
	q.nh.nlmsg_len = sizeof(q);
	q.nh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	q.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	q.nh.nlmsg_seq = 1;
	q.req.sdiag_family = AF_INET;
	q.req.sdiag_protocol = IPPROTO_TCP;
	q.req.idiag_states = ~0u;       /* every state, TIME-WAIT too */
	if (sendto(fd, &q, sizeof(q), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		ret = -errno;
		errbuf_set(errbuf, errlen, "cannot ask the kernel for its sockets: %s",
		           strerror(errno));
		goto out;
	}
	while (!done) {
		ssize_t len = recv(fd, buf.b, sizeof(buf.b), 0);
		const struct nlmsghdr *h = &buf.h;

		if (len < 0 && errno == EINTR)
			continue;
		if (len <= 0) {
			ret = len < 0 ? -errno : -EIO;
			errbuf_set(errbuf, errlen, "the kernel's list of sockets was cut short: %s",
			           len < 0 ? strerror(errno) : "end of data");
			goto out;
		}
		for (; NLMSG_OK(h, (size_t)len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				ret = h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && e->error ? e->error :
				      -EIO;
				errbuf_set(errbuf, errlen, "the kernel refused the list of sockets: %s",
				           strerror(-ret));
				goto out;
			}
			if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY &&
			    h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
				take(NLMSG_DATA(h), out, max, n);
		}
	}
out:
	close(fd);
	return ret;
}
