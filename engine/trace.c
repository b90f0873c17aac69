/* summary: names and text of typed socket-call events (see trace.h). */
#include "engine/trace.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static const char *const class_names[] = {
	[TRACE_SOCKET] = "socket",
	[TRACE_BIND] = "bind",
	[TRACE_LISTEN] = "listen",
	[TRACE_ACCEPT] = "accept",
	[TRACE_CONNECT] = "connect",
	[TRACE_SEND] = "send",
	[TRACE_RECV] = "recv",
	[TRACE_SHUTDOWN] = "shutdown",
	[TRACE_CLOSE] = "close",
	[TRACE_SETSOCKOPT] = "setsockopt",
	[TRACE_GETSOCKOPT] = "getsockopt",
	[TRACE_START] = "start",
	[TRACE_EXIT] = "exit",
	[TRACE_FORK] = "fork",
	[TRACE_WAIT] = "wait",
	[TRACE_OTHER] = "other",
};

const char *trace_call_name(enum trace_call c)
{
	if ((size_t)c < sizeof(class_names) / sizeof(class_names[0]) && class_names[c])
		return class_names[c];
	return "other";
}

#define ERRNOS(X) \
	X(EPERM) X(ENOENT) X(EINTR) X(EIO) X(EBADF) X(EAGAIN) X(ENOMEM) X(EACCES) \
	X(EFAULT) X(EBUSY) X(EEXIST) X(EINVAL) X(ENFILE) X(EMFILE) X(ENOSPC) X(EPIPE) \
	X(ENOTSOCK) X(EDESTADDRREQ) X(EMSGSIZE) X(EPROTOTYPE) X(ENOPROTOOPT) \
	X(EPROTONOSUPPORT) X(ESOCKTNOSUPPORT) X(EOPNOTSUPP) X(EPFNOSUPPORT) \
	X(EAFNOSUPPORT) X(EADDRINUSE) X(EADDRNOTAVAIL) X(ENETDOWN) X(ENETUNREACH) \
	X(ENETRESET) X(ECONNABORTED) X(ECONNRESET) X(ENOBUFS) X(EISCONN) X(ENOTCONN) \
	X(ESHUTDOWN) X(ETIMEDOUT) X(ECONNREFUSED) X(EHOSTDOWN) X(EHOSTUNREACH) \
	X(EALREADY) X(EINPROGRESS) X(ENOSYS) X(ERANGE) X(ESPIPE)

static const struct {
	int value;
	const char *name;
} errnos[] = {
#define ERRNO_ENTRY(e) { e, #e },
	ERRNOS(ERRNO_ENTRY)
#undef ERRNO_ENTRY
};

const char *trace_errno_name(int e)
{
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (errnos[i].value == e)
			return errnos[i].name;
	return NULL;
}

int trace_errno_value(const char *name)
{
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (!strcmp(errnos[i].name, name))
			return errnos[i].value;
	return 0;
}

const char *trace_addr_str(const struct trace_addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (!len)
		return buf;
	buf[0] = '\0';
	switch (a->family) {
	case AF_INET:
		inet_ntop(AF_INET, a->addr, ip, sizeof(ip));
		snprintf(buf, len, "%s:%u", ip, a->port);
		break;
	case AF_INET6:
		inet_ntop(AF_INET6, a->addr, ip, sizeof(ip));
		snprintf(buf, len, "[%s]:%u", ip, a->port);
		break;
	case AF_UNIX:
		snprintf(buf, len, "unix:");
		break;
	}
	return buf;
}

static const struct {
	int level, opt;
	const char *name;
} opts[] = {
	{ SOL_SOCKET, SO_REUSEADDR, "SO_REUSEADDR" },
	{ SOL_SOCKET, SO_REUSEPORT, "SO_REUSEPORT" },
	{ SOL_SOCKET, SO_KEEPALIVE, "SO_KEEPALIVE" },
	{ SOL_SOCKET, SO_LINGER, "SO_LINGER" },
	{ SOL_SOCKET, SO_RCVBUF, "SO_RCVBUF" },
	{ SOL_SOCKET, SO_SNDBUF, "SO_SNDBUF" },
	{ SOL_SOCKET, SO_RCVTIMEO, "SO_RCVTIMEO" },
	{ SOL_SOCKET, SO_SNDTIMEO, "SO_SNDTIMEO" },
	{ SOL_SOCKET, SO_ERROR, "SO_ERROR" },
	{ SOL_SOCKET, SO_TYPE, "SO_TYPE" },
	{ SOL_SOCKET, SO_BROADCAST, "SO_BROADCAST" },
	{ SOL_SOCKET, SO_RCVLOWAT, "SO_RCVLOWAT" },
	{ IPPROTO_TCP, TCP_NODELAY, "TCP_NODELAY" },
	{ IPPROTO_TCP, TCP_CORK, "TCP_CORK" },
	{ IPPROTO_TCP, TCP_QUICKACK, "TCP_QUICKACK" },
	{ IPPROTO_TCP, TCP_KEEPIDLE, "TCP_KEEPIDLE" },
	{ IPPROTO_TCP, TCP_KEEPINTVL, "TCP_KEEPINTVL" },
	{ IPPROTO_TCP, TCP_KEEPCNT, "TCP_KEEPCNT" },
	{ IPPROTO_TCP, TCP_USER_TIMEOUT, "TCP_USER_TIMEOUT" },
	{ IPPROTO_TCP, TCP_MAXSEG, "TCP_MAXSEG" },
	{ IPPROTO_TCP, TCP_INFO, "TCP_INFO" },
	{ IPPROTO_TCP, TCP_CONGESTION, "TCP_CONGESTION" },
};

const char *trace_opt_name(int level, int opt)
{
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (opts[i].level == level && opts[i].opt == opt)
			return opts[i].name;
	return NULL;
}

const char *trace_level_name(int level)
{
	return level == SOL_SOCKET ? "SOL_SOCKET" : level == IPPROTO_TCP ? "IPPROTO_TCP" :
	       level == IPPROTO_IP ? "IPPROTO_IP" : level == IPPROTO_IPV6 ? "IPPROTO_IPV6" : NULL;
}

static const struct {
	uint32_t bit;
	const char *name;
} msgflags[] = {
	{ MSG_OOB, "MSG_OOB" }, { MSG_PEEK, "MSG_PEEK" }, { MSG_DONTROUTE, "MSG_DONTROUTE" },
	{ MSG_DONTWAIT, "MSG_DONTWAIT" }, { MSG_EOR, "MSG_EOR" }, { MSG_WAITALL, "MSG_WAITALL" },
	{ MSG_NOSIGNAL, "MSG_NOSIGNAL" }, { MSG_MORE, "MSG_MORE" }, { MSG_TRUNC, "MSG_TRUNC" },
	{ MSG_ZEROCOPY, "MSG_ZEROCOPY" },
};

const char *trace_msgflags_str(uint32_t flags, char *buf, size_t len)
{
	size_t used = 0;

	if (!len)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(msgflags) / sizeof(msgflags[0]); i++) {
		if (!(flags & msgflags[i].bit))
			continue;
		flags &= ~msgflags[i].bit;
		used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "|" : "",
		                         msgflags[i].name);
		if (used >= len)
			return buf;
	}
	if (flags)
		snprintf(buf + used, len - used, "%s0x%x", used ? "|" : "", flags);
	return buf;
}

static const char *domain_name(int d)
{
	return d == AF_INET ? "AF_INET" : d == AF_INET6 ? "AF_INET6" : d == AF_UNIX ? "AF_UNIX" :
	       "AF_?";
}

static void type_str(int type, char *buf, size_t len)
{
	int base = type & 0xf;

	snprintf(buf, len, "%s%s%s", base == SOCK_STREAM ? "SOCK_STREAM" : base == SOCK_DGRAM ?
	         "SOCK_DGRAM" : base == SOCK_RAW ? "SOCK_RAW" : "SOCK_?",
	         type & SOCK_NONBLOCK ? "|SOCK_NONBLOCK" : "", type & SOCK_CLOEXEC ?
	         "|SOCK_CLOEXEC" : "");
}

const char *trace_event_str(const struct trace_event *ev, char *buf, size_t len)
{
	char res[48], a[64], f[96], t[64];
	const char *en, *on;

	if (!buf || !len)
		return buf;
	en = ev->err ? trace_errno_name(ev->err) : NULL;
	if (ev->unfinished)
		snprintf(res, sizeof(res), " ... (never returned)");
	else if (ev->err && en)
		snprintf(res, sizeof(res), " = %lld %s", ev->ret, en);
	else if (ev->err)
		snprintf(res, sizeof(res), " = %lld E%d", ev->ret, ev->err);
	else
		snprintf(res, sizeof(res), " = %lld", ev->ret);
	trace_msgflags_str(ev->flags, f, sizeof(f));
	switch (ev->call) {
	case TRACE_SOCKET:
		type_str(ev->type, t, sizeof(t));
		snprintf(buf, len, "%s(%s, %s)%s", ev->name, domain_name(ev->domain), t, res);
		break;
	case TRACE_BIND:
	case TRACE_CONNECT:
		snprintf(buf, len, "%s(%d, %s)%s", ev->name, ev->fd,
		         trace_addr_str(&ev->addr, a, sizeof(a)), res);
		break;
	case TRACE_SHUTDOWN:
		snprintf(buf, len, "%s(%d, %s)%s", ev->name, ev->fd, ev->arg == 0 ? "SHUT_RD" :
		         ev->arg == 1 ? "SHUT_WR" : ev->arg == 2 ? "SHUT_RDWR" : "?", res);
		break;
	case TRACE_LISTEN:
		snprintf(buf, len, "%s(%d, %lld)%s", ev->name, ev->fd, ev->arg, res);
		break;
	case TRACE_ACCEPT:
		if (ev->ret >= 0 && ev->peer.family)
			snprintf(buf, len, "%s(%d)%s (peer %s)", ev->name, ev->fd, res,
			         trace_addr_str(&ev->peer, a, sizeof(a)));
		else
			snprintf(buf, len, "%s(%d)%s", ev->name, ev->fd, res);
		break;
	case TRACE_SEND:
	case TRACE_RECV:
		snprintf(buf, len, "%s(%d, %lld%s%s)%s", ev->name, ev->fd, ev->arg, f[0] ? ", " : "",
		         f, res);
		break;
	case TRACE_CLOSE:
		if (!strcmp(ev->name, "exit"))
			snprintf(buf, len, "exit closes %d", ev->fd);
		else
			snprintf(buf, len, "%s(%d)%s", ev->name, ev->fd, res);
		break;
	case TRACE_SETSOCKOPT:
	case TRACE_GETSOCKOPT:
		on = trace_opt_name(ev->level, ev->opt);
		if (!on)
			snprintf(t, sizeof(t), "%d, %d", ev->level, ev->opt);
		if (ev->level == SOL_SOCKET && ev->opt == SO_LINGER && ev->call == TRACE_SETSOCKOPT)
			snprintf(buf, len, "%s(%d, SO_LINGER, {%lld,%lld})%s", ev->name, ev->fd, ev->arg,
			         ev->arg2, res);
		else if (ev->call == TRACE_SETSOCKOPT)
			snprintf(buf, len, "%s(%d, %s, %lld)%s", ev->name, ev->fd, on ? on : t, ev->arg,
			         res);
		else
			snprintf(buf, len, "%s(%d, %s)%s", ev->name, ev->fd, on ? on : t, res);
		break;
	case TRACE_START:
		snprintf(buf, len, "start (pid %d)", ev->pid);
		break;
	case TRACE_EXIT:
		if (ev->arg >= 0 && (ev->arg & 0x7f) == 0)
			snprintf(buf, len, "exit(%lld)", (ev->arg >> 8) & 0xff);
		else if (ev->arg >= 0)
			snprintf(buf, len, "killed by signal %lld", ev->arg & 0x7f);
		else
			snprintf(buf, len, "exit (status unknown)");
		break;
	case TRACE_FORK:
		snprintf(buf, len, "fork (pid %d, child of %lld)", ev->pid, ev->arg);
		break;
	case TRACE_WAIT:
		if (trace_event_empty_wake(ev))
			snprintf(buf, len, "%s() = %lld, and no call before the next wait, %.3f ms",
			         ev->name, ev->ret, (double)(ev->t_exit_ns - ev->t_enter_ns) / 1e6);
		else if (trace_event_quiet(ev))
			snprintf(buf, len, "%s(%lld ms)%s, %.3f ms", ev->name, ev->arg, res,
			         (double)(ev->t_exit_ns - ev->t_enter_ns) / 1e6);
		else
			snprintf(buf, len, "%s(%lld ms) woke %.3f s late: the machine did not run"
			         " it", ev->name, ev->arg, ((double)(ev->t_exit_ns -
			         ev->t_enter_ns) / 1e6 - (double)ev->arg) / 1e3);
		break;
	case TRACE_OTHER:
	default:
		snprintf(buf, len, "%s(%d)%s", ev->name, ev->fd, res);
		break;
	}
	return buf;
}

bool trace_event_idle(const struct trace_event *ev)
{
	if (ev->call != TRACE_SEND && ev->call != TRACE_RECV)
		return false;
	if (ev->err == EAGAIN || ev->err == EWOULDBLOCK)
		return true;
	if (ev->call == TRACE_RECV && (ev->flags & MSG_PEEK))
		return true;
	return ev->call == TRACE_RECV && !ev->err && ev->ret == 0;
}

bool trace_event_empty_wake(const struct trace_event *ev)
{
	return ev->call == TRACE_WAIT && ev->arg2 == 1;
}

bool trace_event_sleep(const struct trace_event *ev)
{
	return ev->call == TRACE_WAIT &&
	       (!strcmp(ev->name, "nanosleep") || !strcmp(ev->name, "clock_nanosleep"));
}

bool trace_event_quiet(const struct trace_event *ev)
{
	/* The tracer's own bound for a stall (engine/tracer.c STALL_NS): 200 ms late. */
	return ev->call == TRACE_WAIT && (ev->arg < 0 || ev->err ||
	       ev->t_exit_ns - ev->t_enter_ns < (uint64_t)ev->arg * 1000000u + 200000000u);
}
