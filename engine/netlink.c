/* summary: rtnetlink and ethtool requests for building lab networks: veth, bridge, addresses, neighbours, link state, offloads. */
#include "engine/netlink.h"

#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <linux/veth.h>
#include <net/if.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util/errbuf.h"
#include "util/tr.h"

/* IF_OPER_UP from RFC 2863 as <linux/if.h> numbers it; that header cannot be included next
 * to <net/if.h>. */
enum { OPERSTATE_UP = 6 };

struct netlink {
	int fd;         /* NETLINK_ROUTE */
	int ioctl_fd;   /* AF_INET datagram socket, for SIOC* ioctls in the same namespace */
	uint32_t seq;
};

/* One request under construction. 4 KiB is far more than any request here needs; the
 * attribute helpers assert rather than truncate. */
struct nlreq {
	union {
		struct nlmsghdr hdr;
		char buf[4096];
	} u;
};

struct netlink *netlink_new(char *errbuf, size_t errlen)
{
	struct netlink *nl = calloc(1, sizeof(*nl));
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	char eb[128];
	int rcvbuf = 1 << 20;

	if (!nl) {
		errbuf_set(errbuf, errlen, _("cannot open a netlink socket: out of memory"));
		return NULL;
	}
	nl->ioctl_fd = -1;
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl->fd < 0 || bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		errbuf_set(errbuf, errlen, _("cannot open a netlink socket: %s"), errbuf_strerror(errno, eb, sizeof(eb)));
		goto fail;
	}
	/* Link notifications may pile up while we wait for one; a large buffer keeps ENOBUFS rare. */
	(void)setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	nl->ioctl_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (nl->ioctl_fd < 0) {
		errbuf_set(errbuf, errlen, _("cannot open a control socket: %s"), errbuf_strerror(errno, eb, sizeof(eb)));
		goto fail;
	}
	nl->seq = (uint32_t)time(NULL);
	return nl;
fail:
	netlink_free(nl);
	return NULL;
}

void netlink_free(struct netlink *nl)
{
	if (!nl)
		return;
	if (nl->fd >= 0)
		close(nl->fd);
	if (nl->ioctl_fd >= 0)
		close(nl->ioctl_fd);
	free(nl);
}

static void *req_init(struct nlreq *r, uint16_t type, uint16_t flags, size_t hdrlen)
{
	memset(r, 0, sizeof(*r));
	r->u.hdr.nlmsg_len = (uint32_t)NLMSG_LENGTH(hdrlen);
	r->u.hdr.nlmsg_type = type;
	r->u.hdr.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
	return NLMSG_DATA(&r->u.hdr);
}

static struct rtattr *attr_add(struct nlreq *r, uint16_t type, const void *data, size_t len)
{
	size_t off = NLMSG_ALIGN(r->u.hdr.nlmsg_len);
	struct rtattr *a = (struct rtattr *)(r->u.buf + off);

	if (off + RTA_SPACE(len) > sizeof(r->u.buf)) {
		/* Requests here are fixed and small: overflowing is a bug, not a user error. */
		abort();
	}
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(a), data, len);
	r->u.hdr.nlmsg_len = (uint32_t)(off + RTA_SPACE(len));
	return a;
}

static struct rtattr *nest_begin(struct nlreq *r, uint16_t type)
{
	return attr_add(r, type, NULL, 0);
}

static void nest_end(struct nlreq *r, struct rtattr *nest)
{
	nest->rta_len = (unsigned short)(r->u.buf + r->u.hdr.nlmsg_len - (char *)nest);
}

static void attr_str(struct nlreq *r, uint16_t type, const char *s)
{
	attr_add(r, type, s, strlen(s) + 1);
}

/* Sends the request and reads until its acknowledgement; notifications and anything not
 * answering this sequence number are skipped. Returns 0 or the kernel's negative errno. */
static int transact(struct netlink *nl, struct nlreq *r)
{
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };
	char buf[16384];
	uint32_t seq = ++nl->seq;

	r->u.hdr.nlmsg_seq = seq;
	if (sendto(nl->fd, r->u.buf, r->u.hdr.nlmsg_len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(nl->fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR || errno == ENOBUFS)
				continue;
			return -errno;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EPROTO;
				return e->error;
			}
		}
	}
}

int netlink_ifindex(struct netlink *nl, const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (strlen(name) >= sizeof(ifr.ifr_name))
		return -ENAMETOOLONG;
	strcpy(ifr.ifr_name, name);
	if (ioctl(nl->ioctl_fd, SIOCGIFINDEX, &ifr) < 0)
		return -errno;
	return ifr.ifr_ifindex;
}

/*
 * The message is the sentence's head, translated by the caller (_("cannot attach '%s'"),
 * its interface's name after it); the reason follows it after ": ". Both return what
 * they were given to report: idx or rc.
 */
static int ifindex_or_err(struct netlink *nl, const char *name, char *errbuf, size_t errlen,
                          const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int fail(int rc, char *errbuf, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int ifindex_or_err(struct netlink *nl, const char *name, char *errbuf, size_t errlen,
                          const char *fmt, ...)
{
	char eb[128], h[128];
	int idx = netlink_ifindex(nl, name);
	va_list ap;

	if (idx < 0) {
		va_start(ap, fmt);
		vsnprintf(h, sizeof(h), fmt, ap);
		va_end(ap);
		errbuf_set(errbuf, errlen, _("%s: no such interface (%s)"), h,
		        errbuf_strerror(-idx, eb, sizeof(eb)));
	}
	return idx;
}

static int fail(int rc, char *errbuf, size_t errlen, const char *fmt, ...)
{
	char eb[128], h[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h, sizeof(h), fmt, ap);
	va_end(ap);
	errbuf_set(errbuf, errlen, "%s: %s", h, errbuf_strerror(-rc, eb, sizeof(eb)));
	return rc;
}

int netlink_veth_add(struct netlink *nl, const char *name, const char *peer, int peer_netns_fd,
                     char *errbuf, size_t errlen)
{
	struct nlreq r;
	struct ifinfomsg *ifi = req_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifi));
	struct rtattr *linkinfo, *data, *peerinfo;
	struct ifinfomsg peer_ifi = { .ifi_family = AF_UNSPEC };
	int rc;

	ifi->ifi_family = AF_UNSPEC;
	attr_str(&r, IFLA_IFNAME, name);
	linkinfo = nest_begin(&r, IFLA_LINKINFO);
	attr_str(&r, IFLA_INFO_KIND, "veth");
	data = nest_begin(&r, IFLA_INFO_DATA);
	/* VETH_INFO_PEER carries a whole ifinfomsg followed by the peer's own attributes. */
	peerinfo = attr_add(&r, VETH_INFO_PEER, &peer_ifi, sizeof(peer_ifi));
	attr_str(&r, IFLA_IFNAME, peer);
	if (peer_netns_fd >= 0) {
		uint32_t fd = (uint32_t)peer_netns_fd;
		attr_add(&r, IFLA_NET_NS_FD, &fd, sizeof(fd));
	}
	nest_end(&r, peerinfo);
	nest_end(&r, data);
	nest_end(&r, linkinfo);
	rc = transact(nl, &r);
	if (rc < 0)
		return fail(rc, errbuf, errlen, _("cannot create veth '%s'"), name);
	return 0;
}

int netlink_bridge_add(struct netlink *nl, const char *name, char *errbuf, size_t errlen)
{
	struct nlreq r;
	struct ifinfomsg *ifi = req_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifi));
	struct rtattr *linkinfo, *data;
	uint32_t stp = 0;
	int rc;

	ifi->ifi_family = AF_UNSPEC;
	attr_str(&r, IFLA_IFNAME, name);
	linkinfo = nest_begin(&r, IFLA_LINKINFO);
	attr_str(&r, IFLA_INFO_KIND, "bridge");
	data = nest_begin(&r, IFLA_INFO_DATA);
	attr_add(&r, IFLA_BR_STP_STATE, &stp, sizeof(stp));
	nest_end(&r, data);
	nest_end(&r, linkinfo);
	rc = transact(nl, &r);
	if (rc < 0)
		return fail(rc, errbuf, errlen, _("cannot create bridge '%s'"), name);
	return 0;
}

int netlink_set_master(struct netlink *nl, const char *port, const char *bridge,
                       char *errbuf, size_t errlen)
{
	struct nlreq r;
	struct ifinfomsg *ifi = req_init(&r, RTM_NEWLINK, 0, sizeof(*ifi));
	int pidx = ifindex_or_err(nl, port, errbuf, errlen, _("cannot attach '%s'"), port);
	int bidx, rc;
	uint32_t master;

	if (pidx < 0)
		return pidx;
	/* No bridge: detach the port from its master. */
	bidx = bridge ? ifindex_or_err(nl, bridge, errbuf, errlen,
	                               _("cannot attach to bridge '%s'"), bridge) : 0;
	if (bidx < 0)
		return bidx;
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = pidx;
	master = (uint32_t)bidx;
	attr_add(&r, IFLA_MASTER, &master, sizeof(master));
	rc = transact(nl, &r);
	if (rc < 0)
		return fail(rc, errbuf, errlen, _("cannot attach to bridge '%s'"), port);
	return 0;
}

int netlink_set_up(struct netlink *nl, const char *name, bool up, char *errbuf, size_t errlen)
{
	struct nlreq r;
	struct ifinfomsg *ifi = req_init(&r, RTM_NEWLINK, 0, sizeof(*ifi));
	int idx = ifindex_or_err(nl, name, errbuf, errlen, up ? _("cannot bring up '%s'") :
	                         _("cannot bring down '%s'"), name);
	int rc;

	if (idx < 0)
		return idx;
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = idx;
	ifi->ifi_flags = up ? IFF_UP : 0;
	ifi->ifi_change = IFF_UP;
	rc = transact(nl, &r);
	if (rc < 0)
		return fail(rc, errbuf, errlen, up ? _("cannot bring up '%s'") :
		            _("cannot bring down '%s'"), name);
	return 0;
}

int netlink_addr_add(struct netlink *nl, const char *name, struct in_addr addr, int prefixlen,
                     char *errbuf, size_t errlen)
{
	struct nlreq r;
	struct ifaddrmsg *ifa = req_init(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, sizeof(*ifa));
	int idx = ifindex_or_err(nl, name, errbuf, errlen, _("cannot add an address to '%s'"),
	                         name);
	int rc;

	if (idx < 0)
		return idx;
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)prefixlen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned)idx;
	attr_add(&r, IFA_LOCAL, &addr, sizeof(addr));
	attr_add(&r, IFA_ADDRESS, &addr, sizeof(addr));
	rc = transact(nl, &r);
	if (rc < 0)
		return fail(rc, errbuf, errlen, _("cannot add an address to '%s'"), name);
	return 0;
}

int netlink_neigh_set(struct netlink *nl, const char *name, struct in_addr addr,
                      const uint8_t mac[6], char *errbuf, size_t errlen)
{
	struct nlreq r;
	struct ndmsg *nd = req_init(&r, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, sizeof(*nd));
	int idx = ifindex_or_err(nl, name, errbuf, errlen, _("cannot add a neighbour on '%s'"),
	                         name);
	int rc;

	if (idx < 0)
		return idx;
	nd->ndm_family = AF_INET;
	nd->ndm_ifindex = idx;
	nd->ndm_state = NUD_PERMANENT;
	attr_add(&r, NDA_DST, &addr, sizeof(addr));
	attr_add(&r, NDA_LLADDR, mac, 6);
	rc = transact(nl, &r);
	if (rc < 0)
		return fail(rc, errbuf, errlen, _("cannot add a neighbour on '%s'"), name);
	return 0;
}

int netlink_mac(struct netlink *nl, const char *name, uint8_t mac[6], char *errbuf, size_t errlen)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(nl->ioctl_fd, SIOCGIFHWADDR, &ifr) < 0)
		return fail(-errno, errbuf, errlen, _("cannot read the hardware address of '%s'"), name);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}

/* IFLA_OPERSTATE of an RTM_NEWLINK message, -1 if absent. */
static int operstate_of(const struct nlmsghdr *h)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*ifi));

	if (len < 0)
		return -1;
	for (const struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == IFLA_OPERSTATE && RTA_PAYLOAD(a) >= 1)
			return *(const uint8_t *)RTA_DATA(a);
	return -1;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int netlink_wait_oper(struct netlink *nl, const char *name, bool up, int timeout_ms,
                      char *errbuf, size_t errlen)
{
	struct nlreq r;
	struct ifinfomsg *ifi;
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };
	int group = RTNLGRP_LINK;
	int idx = ifindex_or_err(nl, name, errbuf, errlen, _("cannot watch '%s'"), name);
	long long deadline = now_ms() + timeout_ms;
	char buf[16384];
	int rc = -ETIMEDOUT;

	if (idx < 0)
		return idx;
	/* Subscribe first, then ask: a change after the subscription arrives as a
	 * notification, a change before it shows in the answer. */
	if (setsockopt(nl->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0)
		return fail(-errno, errbuf, errlen, _("cannot watch '%s'"), name);
	ifi = req_init(&r, RTM_GETLINK, 0, sizeof(*ifi));
	r.u.hdr.nlmsg_flags = NLM_F_REQUEST;
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = idx;
	r.u.hdr.nlmsg_seq = ++nl->seq;
	if (sendto(nl->fd, r.u.buf, r.u.hdr.nlmsg_len, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		rc = -errno;
		goto out;
	}
	for (;;) {
		struct pollfd pfd = { .fd = nl->fd, .events = POLLIN };
		long long left = deadline - now_ms();
		ssize_t n;

		if (left <= 0)
			break;
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		n = recv(nl->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == ENOBUFS) {   /* lost notifications: ask again */
				r.u.hdr.nlmsg_seq = ++nl->seq;
				(void)sendto(nl->fd, r.u.buf, r.u.hdr.nlmsg_len, 0, (struct sockaddr *)&to,
				             sizeof(to));
			}
			continue;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			const struct ifinfomsg *m = NLMSG_DATA(h);
			if (h->nlmsg_type != RTM_NEWLINK || h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
				continue;
			if (m->ifi_index == idx && (operstate_of(h) == OPERSTATE_UP) == up) {
				rc = 0;
				goto out;
			}
		}
	}
out:
	(void)setsockopt(nl->fd, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, &group, sizeof(group));
	/* Leave no stale notifications for the next request's reader. */
	while (recv(nl->fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	if (rc == -ETIMEDOUT)
		errbuf_set(errbuf, errlen, up ? _("'%s' did not go up within %d ms") :
		           _("'%s' did not go down within %d ms"), name, timeout_ms);
	else if (rc < 0)
		fail(rc, errbuf, errlen, _("cannot watch '%s'"), name);
	return rc;
}

static int ethtool_value(struct netlink *nl, const char *name, uint32_t cmd, uint32_t *value)
{
	struct ethtool_value ev = { .cmd = cmd, .data = value ? *value : 0 };
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_data = (char *)&ev;
	if (ioctl(nl->ioctl_fd, SIOCETHTOOL, &ifr) < 0)
		return -errno;
	if (value)
		*value = ev.data;
	return 0;
}

int netlink_offloads_off(struct netlink *nl, const char *name, char *errbuf, size_t errlen)
{
	/* Checksum first: the kernel then drops SG and TSO, which depend on it; each is
	 * still turned off explicitly so the result does not rest on that rule. */
	static const struct { uint32_t cmd; const char *what; } offs[] = {
		{ ETHTOOL_STXCSUM, "tx checksumming" },
		{ ETHTOOL_SSG, "scatter-gather" },
		{ ETHTOOL_STSO, "TCP segmentation offload" },
		{ ETHTOOL_SGSO, "generic segmentation offload" },
		{ ETHTOOL_SGRO, "generic receive offload" },
	};
	char eb[128];

	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		uint32_t zero = 0;
		int rc = ethtool_value(nl, name, offs[i].cmd, &zero);
		if (rc < 0) {
			errbuf_set(errbuf, errlen, _("cannot turn off %s on '%s': %s"), offs[i].what, name,
			        errbuf_strerror(-rc, eb, sizeof(eb)));
			return rc;
		}
	}
	return 0;
}

int netlink_ethtool_get(struct netlink *nl, const char *name, uint32_t cmd, uint32_t *value,
                        char *errbuf, size_t errlen)
{
	int rc;

	*value = 0;
	rc = ethtool_value(nl, name, cmd, value);
	if (rc < 0)
		return fail(rc, errbuf, errlen, _("cannot read offload settings of '%s'"), name);
	return 0;
}
