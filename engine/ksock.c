/* summary: sample a namespace's TCP sockets through sock_diag netlink (see ksock.h). */
#include "engine/ksock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/errbuf.h"
#include "util/tr.h"

static const char *const state_names[KS_NSTATES] = {
	[KS_ESTABLISHED] = "ESTABLISHED", [KS_SYN_SENT] = "SYN-SENT",
	[KS_SYN_RECV] = "SYN-RECEIVED", [KS_FIN_WAIT1] = "FIN-WAIT-1",
	[KS_FIN_WAIT2] = "FIN-WAIT-2", [KS_TIME_WAIT] = "TIME-WAIT", [KS_CLOSE] = "CLOSED",
	[KS_CLOSE_WAIT] = "CLOSE-WAIT", [KS_LAST_ACK] = "LAST-ACK", [KS_LISTEN] = "LISTEN",
	[KS_CLOSING] = "CLOSING", [KS_NEW_SYN_RECV] = "NEW-SYN-RECV",
};

const char *ksock_state_name(int state)
{
	if (state <= 0 || state >= KS_NSTATES || !state_names[state])
		return "?";
	return state_names[state];
}

int ksock_state_parse(const char *name)
{
	for (int i = 1; i < KS_NSTATES; i++)
		if (state_names[i] && !strcmp(state_names[i], name))
			return i;
	return -1;
}

void ksock_log_init(struct ksock_log *log)
{
	memset(log, 0, sizeof(*log));
}

void ksock_log_release(struct ksock_log *log)
{
	free(log->sample);
	free(log->sock);
	ksock_log_init(log);
}

/* Two samples hold the same sockets in the same states (timers and queues aside). */
static bool same_sockets(const struct ksock *a, const struct ksock *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i].state != b[i].state || a[i].lport != b[i].lport ||
		    a[i].rport != b[i].rport || memcmp(a[i].raddr, b[i].raddr, 16) ||
		    memcmp(a[i].laddr, b[i].laddr, 16) || a[i].inode != b[i].inode)
			return false;
	}
	return true;
}

int ksock_log_add(struct ksock_log *log, uint64_t t_ns, int host, enum ksock_why why,
                  const struct ksock *s, size_t n, bool keep_same)
{
	if (!keep_same) {
		for (size_t i = log->nsample; i-- > 0;) {
			const struct ksock_sample *p = &log->sample[i];

			if (p->host != host)
				continue;
			if (p->n == n && same_sockets(&log->sock[p->first], s, n))
				return 0;
			break;
		}
	}
	if (log->nsample == log->capsample) {
		size_t cap = log->capsample ? log->capsample * 2 : 64;
		struct ksock_sample *p = realloc(log->sample, cap * sizeof(*p));

		if (!p)
			return -1;
		log->sample = p;
		log->capsample = cap;
	}
	if (n && log->nsock + n > log->capsock) {
		size_t cap = log->capsock ? log->capsock : 256;
		struct ksock *p;

		while (cap < log->nsock + n)
			cap *= 2;
		p = realloc(log->sock, cap * sizeof(*p));
		if (!p)
			return -1;
		log->sock = p;
		log->capsock = cap;
	}
	if (n)
		memcpy(&log->sock[log->nsock], s, n * sizeof(*s));
	log->sample[log->nsample++] = (struct ksock_sample){ t_ns, (uint8_t)host, (uint8_t)why,
	                                                     (uint32_t)log->nsock, (uint32_t)n };
	log->nsock += n;
	return 0;
}

int ksock_open(char *errbuf, size_t errlen)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	char eb[128];
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		errbuf_set(errbuf, errlen, _("cannot open a sock_diag netlink socket: %s"),
		           errbuf_strerror(errno, eb, sizeof(eb)));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int by_socket(const void *pa, const void *pb)
{
	const struct ksock *a = pa, *b = pb;

	if (a->state != b->state)
		return a->state == KS_LISTEN ? -1 : b->state == KS_LISTEN ? 1 : 0;
	if (a->rport != b->rport)
		return a->rport < b->rport ? -1 : 1;
	if (a->lport != b->lport)
		return a->lport < b->lport ? -1 : 1;
	return memcmp(a->raddr, b->raddr, 16);
}

/* One family's dump; appends to out[*n]. 0 or -1. */
static int dump_family(int fd, int family, int port, bool server, struct ksock *out,
                       size_t max, size_t *n, char *errbuf, size_t errlen)
{
	struct {
		struct nlmsghdr nh;
		struct inet_diag_req_v2 r;
	} req;
	static uint32_t seq;
	/* 32 KiB as ss uses; a dump answers in as many messages as it needs. */
	union {
		struct nlmsghdr nh;
		char buf[32768];
	} u;
	char eb[128];

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = ++seq;
	req.r.sdiag_family = (uint8_t)family;
	req.r.sdiag_protocol = IPPROTO_TCP;
	req.r.idiag_states = ~0u;
	if (send(fd, &req, sizeof(req), 0) != (ssize_t)sizeof(req)) {
		errbuf_set(errbuf, errlen, _("cannot ask the kernel for its sockets: %s"),
		           errbuf_strerror(errno, eb, sizeof(eb)));
		return -1;
	}
	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		ssize_t len;

		/* The kernel answers a dump at once; a second is a broken kernel, not a wait. */
		if (poll(&pfd, 1, 1000) <= 0) {
			errbuf_set(errbuf, errlen, _("the kernel did not answer the socket dump"));
			return -1;
		}
		len = recv(fd, u.buf, sizeof(u.buf), 0);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			errbuf_set(errbuf, errlen, _("cannot read the kernel's sockets: %s"),
			           errbuf_strerror(errno, eb, sizeof(eb)));
			return -1;
		}
		for (struct nlmsghdr *h = &u.nh; NLMSG_OK(h, (size_t)len); h = NLMSG_NEXT(h, len)) {
			const struct inet_diag_msg *m;
			struct ksock *k;
			uint16_t lport, rport;

			if (h->nlmsg_seq != req.nh.nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				/* An IPv6-less kernel answers the AF_INET6 dump with an error. */
				if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && family == AF_INET6)
					return 0;
				errbuf_set(errbuf, errlen, _("the kernel refused the socket dump: %s"),
				           errbuf_strerror(h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) ?
				                           -e->error : EPROTO, eb, sizeof(eb)));
				return -1;
			}
			if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
				continue;
			m = NLMSG_DATA(h);
			lport = ntohs(m->id.idiag_sport);
			rport = ntohs(m->id.idiag_dport);
			if ((server ? lport : rport) != port || *n >= max)
				continue;
			k = &out[(*n)++];
			memset(k, 0, sizeof(*k));
			k->state = m->idiag_state;
			k->timer = m->idiag_timer;
			k->family = m->idiag_family;
			k->lport = lport;
			k->rport = rport;
			memcpy(k->laddr, m->id.idiag_src, family == AF_INET ? 4 : 16);
			memcpy(k->raddr, m->id.idiag_dst, family == AF_INET ? 4 : 16);
			k->expires_ms = m->idiag_expires;
			k->rqueue = m->idiag_rqueue;
			k->wqueue = m->idiag_wqueue;
			k->inode = m->idiag_inode;
		}
	}
}

int ksock_dump(int fd, int port, bool server, struct ksock *out, size_t max, char *errbuf,
               size_t errlen)
{
	size_t n = 0;

	if (dump_family(fd, AF_INET, port, server, out, max, &n, errbuf, errlen) < 0 ||
	    dump_family(fd, AF_INET6, port, server, out, max, &n, errbuf, errlen) < 0)
		return -1;
	qsort(out, n, sizeof(*out), by_socket);
	return (int)n;
}

void ksock_format(const struct ksock *s, char *buf, size_t len)
{
	char la[INET6_ADDRSTRLEN], ra[INET6_ADDRSTRLEN];
	int af = s->family == AF_INET6 ? AF_INET6 : AF_INET;
	size_t used;

	inet_ntop(af, s->laddr, la, sizeof(la));
	inet_ntop(af, s->raddr, ra, sizeof(ra));
	if (s->state == KS_LISTEN)
		used = (size_t)snprintf(buf, len, "LISTEN %s:%u (%u waiting for accept)", la,
		                        s->lport, s->rqueue);
	else
		used = (size_t)snprintf(buf, len, "%s %s:%u > %s:%u", ksock_state_name(s->state),
		                        la, s->lport, ra, s->rport);
	if (used >= len)
		return;
	if (s->state != KS_LISTEN && s->timer && s->expires_ms)
		snprintf(buf + used, len - used, " (%s %.1f s left)",
		         s->timer == 3 ? (s->state == KS_TIME_WAIT ? "TIME-WAIT timer:" : "timer:") :
		         s->timer == 2 ? "keepalive:" : s->timer == 4 ? "probe:" : "retransmit:",
		         s->expires_ms / 1000.0);
	else if (s->state != KS_LISTEN && !s->inode)
		snprintf(buf + used, len - used, " (no process holds it: not accept()ed yet, or"
		         " orphaned)");
}

long ksock_log_at(const struct ksock_log *log, int host, uint64_t t_ns)
{
	size_t lo = 0, hi = log->nsample;

	/* samples are in time order: the first one later than t_ns, then back to the host's */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (log->sample[mid].t_ns <= t_ns)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo-- > 0)
		if (log->sample[lo].host == host)
			return (long)lo;
	return -1;
}

const char *ksock_timer_name(int timer)
{
	static const char *const names[] = { "", "on", "keepalive", "timewait", "persist" };

	return timer >= 0 && timer < (int)(sizeof(names) / sizeof(names[0])) ? names[timer] : "?";
}

void ksock_addr_str(const struct ksock *s, bool local, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	int af = s->family == AF_INET6 ? AF_INET6 : AF_INET;

	inet_ntop(af, local ? s->laddr : s->raddr, a, sizeof(a));
	snprintf(buf, len, af == AF_INET6 ? "[%s]:%u" : "%s:%u", a, local ? s->lport : s->rport);
}
