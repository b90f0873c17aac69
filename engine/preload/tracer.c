/* summary: LD_PRELOAD interposer reporting each socket call of a lab program as one trace line (engine/trace_wire.h). */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "engine/trace_wire.h"

/*
 * Why this file has mutable globals, against the house style: an interposer has no caller
 * to hand it a context. All state is in the one struct below; it is either written once
 * in the constructor (before main, single-threaded) or atomic.
 *
 * Rules that keep the program's behaviour unchanged:
 * - errno is saved after the real call and restored before returning;
 * - nothing here calls an interposed function except through its real_* pointer, so the
 *   tracer never reports itself; line building uses no stdio and no malloc (stack buffers
 *   only), so it is safe in threads, forked children and, in practice, signal handlers;
 * - the trace fd is non-blocking: a full pipe drops the event (counted), never blocks;
 *   SIGPIPE from a closed pipe is blocked and consumed, and tracing stops;
 * - user memory (option values, msghdr, iovec) is read directly only when the kernel
 *   has just read it successfully; otherwise through process_vm_readv(), which fails
 *   cleanly on a bad pointer instead of crashing the program.
 */

#define CACHE_SLOTS 1024

/* local/peer text of a socket, keyed by its inode so a reused fd number never shows stale
 * addresses. Writers clear ino first and set it last; readers check it before and after. */
struct cache_slot {
	atomic_ulong ino;
	char local[64];
	char peer[64];
};

static struct {
	atomic_int fd;                 /* our dup of the trace pipe; -1: not tracing */
	atomic_ulong drops;
	atomic_int status;             /* exit status when known */
	atomic_bool have_status;
	atomic_bool exited;            /* the exit line has been written by this process */
	int (*main)(int, char **, char **);
	struct cache_slot cache[CACHE_SLOTS];
} T = { .fd = -1 };

static struct {
	int (*socket)(int, int, int);
	int (*bind)(int, const struct sockaddr *, socklen_t);
	int (*listen)(int, int);
	int (*accept)(int, struct sockaddr *, socklen_t *);
	int (*accept4)(int, struct sockaddr *, socklen_t *, int);
	int (*connect)(int, const struct sockaddr *, socklen_t);
	ssize_t (*send)(int, const void *, size_t, int);
	ssize_t (*sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
	ssize_t (*sendmsg)(int, const struct msghdr *, int);
	ssize_t (*write)(int, const void *, size_t);
	ssize_t (*writev)(int, const struct iovec *, int);
	ssize_t (*recv)(int, void *, size_t, int);
	ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
	ssize_t (*recvmsg)(int, struct msghdr *, int);
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*readv)(int, const struct iovec *, int);
	int (*shutdown)(int, int);
	int (*close)(int);
	int (*setsockopt)(int, int, int, const void *, socklen_t);
	int (*getsockopt)(int, int, int, void *, socklen_t *);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
	int (*close_range)(unsigned, unsigned, int);
	void (*exit)(int);
	void (*_exit)(int);
	void (*_Exit)(int);
	int (*libc_start_main)(int (*)(int, char **, char **), int, char **, void (*)(void),
	                       void (*)(void), void (*)(void), void *);
} real;

/* Resolved on first use: other libraries' constructors may call us before ours runs. A race
 * between threads stores the same pointer twice. */
static void *resolve(void **slot, const char *name)
{
	if (!*slot)
		*slot = dlsym(RTLD_NEXT, name);
	return *slot;
}

#define REAL(f) ((__typeof__(real.f))resolve((void **)&real.f, #f))

static bool tracing(void)
{
	return atomic_load_explicit(&T.fd, memory_order_relaxed) >= 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	int e = errno;
	clock_gettime(CLOCK_REALTIME, &ts);
	errno = e;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- line building: bounded, no stdio ------------------------------------------------ */

struct line {
	char buf[TRACE_LINE_MAX];
	size_t n;
	bool full;                     /* something did not fit: the pair in progress is undone */
};

static void put_mem(struct line *l, const char *s, size_t n)
{
	if (l->full || n > sizeof l->buf - 1 - l->n) {   /* keep room for the newline */
		l->full = true;
		return;
	}
	memcpy(l->buf + l->n, s, n);
	l->n += n;
}

static void put_str(struct line *l, const char *s)
{
	put_mem(l, s, strlen(s));
}

static void put_u64(struct line *l, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof tmp;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put_mem(l, tmp + i, sizeof tmp - i);
}

static void put_i64(struct line *l, long long v)
{
	if (v < 0) {
		put_mem(l, "-", 1);
		put_u64(l, 0 - (uint64_t)v);
	} else {
		put_u64(l, (uint64_t)v);
	}
}

static void put_esc(struct line *l, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c > ' ' && c < 0x7f && c != '%') {
			put_mem(l, (const char *)&s[i], 1);
		} else {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };
			put_mem(l, e, 3);
		}
	}
}

/* " key=value" with value escaped; dropped whole when it does not fit. */
static void put_kv(struct line *l, const char *key, const char *val)
{
	size_t mark = l->n;
	if (!val || !*val || l->full)
		return;
	put_mem(l, " ", 1);
	put_str(l, key);
	put_mem(l, "=", 1);
	put_esc(l, val, strlen(val));
	if (l->full) {
		l->n = mark;
		l->full = false;
	}
}

static void put_err(struct line *l, int err)
{
	const char *name = err ? trace_wire_errno_name(err) : NULL;
	if (!err) {
		put_mem(l, "-", 1);
	} else if (name) {
		put_str(l, name);
	} else {
		put_mem(l, "E", 1);
		put_i64(l, err);
	}
}

static void line_begin(struct line *l, const char *name, int fd, long long arg, long long ret,
                       int err, uint64_t t0, uint64_t t1)
{
	l->n = 0;
	l->full = false;
	put_str(l, TRACE_WIRE_MAGIC " ");
	put_i64(l, TRACE_WIRE_VERSION);
	put_mem(l, " ", 1);
	put_i64(l, getpid());
	put_mem(l, " ", 1);
	put_str(l, name);
	put_mem(l, " ", 1);
	put_i64(l, fd);
	put_mem(l, " ", 1);
	put_i64(l, arg);
	put_mem(l, " ", 1);
	put_i64(l, ret);
	put_mem(l, " ", 1);
	put_err(l, ret < 0 ? err : 0);
	put_mem(l, " ", 1);
	put_u64(l, t0);
	put_mem(l, " ", 1);
	put_u64(l, t1);
}

/* One write() of the whole line, or a counted drop. Preserves errno and the signal mask. */
static void emit(struct line *l)
{
	int fd = atomic_load(&T.fd);
	if (fd < 0)
		return;
	int saved = errno;
	l->buf[l->n++] = '\n';

	sigset_t pipe_set, old;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	bool was_pending = false;
	if (sigismember(&old, SIGPIPE)) {   /* the program blocks it: keep its own pending one */
		sigset_t pend;
		sigpending(&pend);
		was_pending = sigismember(&pend, SIGPIPE);
	}
	ssize_t w;
	do
		w = REAL(write)(fd, l->buf, l->n);
	while (w < 0 && errno == EINTR);
	if (w < 0 && errno == EPIPE) {
		/* The engine is gone: stop tracing, and take back the SIGPIPE we caused. */
		atomic_store(&T.fd, -1);
		if (!was_pending) {
			struct timespec zero = { 0, 0 };
			sigtimedwait(&pipe_set, NULL, &zero);
		}
	} else if (w != (ssize_t)l->n) {
		atomic_fetch_add(&T.drops, 1);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = saved;
}

/* ---- decoding tables ----------------------------------------------------------------- */

struct name_val {
	int val;
	const char *name;
};

#define NV(x) { x, #x }

static const struct name_val domains[] = {
	NV(AF_UNIX), NV(AF_INET), NV(AF_INET6), NV(AF_NETLINK), NV(AF_PACKET),
};

static const struct name_val socktypes[] = {
	NV(SOCK_STREAM), NV(SOCK_DGRAM), NV(SOCK_RAW), NV(SOCK_SEQPACKET),
};

static const struct name_val msg_flags[] = {
	NV(MSG_OOB), NV(MSG_PEEK), NV(MSG_DONTROUTE), NV(MSG_TRUNC), NV(MSG_DONTWAIT),
	NV(MSG_EOR), NV(MSG_WAITALL), NV(MSG_CONFIRM), NV(MSG_NOSIGNAL), NV(MSG_MORE),
	NV(MSG_FASTOPEN), NV(MSG_ZEROCOPY), NV(MSG_CMSG_CLOEXEC),
};

static const struct name_val sock_flags[] = {
	NV(SOCK_NONBLOCK), NV(SOCK_CLOEXEC),
};

static const struct name_val shut_hows[] = {
	NV(SHUT_RD), NV(SHUT_WR), NV(SHUT_RDWR),
};

static const struct name_val levels[] = {
	NV(SOL_SOCKET), NV(IPPROTO_TCP), NV(IPPROTO_IP), NV(IPPROTO_IPV6),
};

enum optkind { OPT_INT, OPT_LINGER, OPT_TIMEVAL };

static const struct sockopt_desc {
	int level, opt;
	const char *name;
	enum optkind kind;
} sockopts[] = {
#define SO(l, o, k) { l, o, #o, k }
	SO(SOL_SOCKET, SO_REUSEADDR, OPT_INT),
	SO(SOL_SOCKET, SO_REUSEPORT, OPT_INT),
	SO(SOL_SOCKET, SO_LINGER, OPT_LINGER),
	SO(SOL_SOCKET, SO_RCVBUF, OPT_INT),
	SO(SOL_SOCKET, SO_SNDBUF, OPT_INT),
	SO(SOL_SOCKET, SO_KEEPALIVE, OPT_INT),
	SO(SOL_SOCKET, SO_RCVLOWAT, OPT_INT),
	SO(SOL_SOCKET, SO_RCVTIMEO, OPT_TIMEVAL),
	SO(SOL_SOCKET, SO_SNDTIMEO, OPT_TIMEVAL),
	SO(SOL_SOCKET, SO_ERROR, OPT_INT),
	SO(SOL_SOCKET, SO_TYPE, OPT_INT),
	SO(SOL_SOCKET, SO_BROADCAST, OPT_INT),
	SO(SOL_SOCKET, SO_OOBINLINE, OPT_INT),
	SO(IPPROTO_TCP, TCP_NODELAY, OPT_INT),
	SO(IPPROTO_TCP, TCP_CORK, OPT_INT),
	SO(IPPROTO_TCP, TCP_QUICKACK, OPT_INT),
	SO(IPPROTO_TCP, TCP_KEEPIDLE, OPT_INT),
	SO(IPPROTO_TCP, TCP_KEEPINTVL, OPT_INT),
	SO(IPPROTO_TCP, TCP_KEEPCNT, OPT_INT),
	SO(IPPROTO_TCP, TCP_USER_TIMEOUT, OPT_INT),
	SO(IPPROTO_TCP, TCP_MAXSEG, OPT_INT),
	SO(IPPROTO_TCP, TCP_DEFER_ACCEPT, OPT_INT),
	SO(IPPROTO_TCP, TCP_LINGER2, OPT_INT),
	SO(IPPROTO_TCP, TCP_SYNCNT, OPT_INT),
	SO(IPPROTO_TCP, TCP_FASTOPEN, OPT_INT),
	SO(IPPROTO_TCP, TCP_NOTSENT_LOWAT, OPT_INT),
	SO(IPPROTO_IP, IP_TOS, OPT_INT),
	SO(IPPROTO_IP, IP_TTL, OPT_INT),
	SO(IPPROTO_IPV6, IPV6_V6ONLY, OPT_INT),
#undef SO
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void fmt_num(char *out, size_t len, long long v)
{
	struct line l = { .n = 0 };
	put_i64(&l, v);
	if (l.n >= len)
		l.n = len - 1;
	memcpy(out, l.buf, l.n);
	out[l.n] = '\0';
}

static const char *nv_name(const struct name_val *t, size_t n, int v, char *tmp, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].val == v)
			return t[i].name;
	fmt_num(tmp, len, v);
	return tmp;
}

/* "A|B|0x40" for the bits of v; "" when v is 0. */
static void fmt_bits(char *out, size_t len, const struct name_val *t, size_t n, unsigned v)
{
	struct line l = { .n = 0 };
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		if (t[i].val && (v & (unsigned)t[i].val) == (unsigned)t[i].val) {
			if (l.n)
				put_mem(&l, "|", 1);
			put_str(&l, t[i].name);
			v &= ~(unsigned)t[i].val;
		}
	}
	if (v) {
		char h[11] = "0x";
		int k = 2;
		bool started = false;
		for (int s = 28; s >= 0; s -= 4) {
			unsigned d = (v >> s) & 15;
			if (d || started || s == 0) {
				h[k++] = hex[d];
				started = true;
			}
		}
		if (l.n)
			put_mem(&l, "|", 1);
		put_mem(&l, h, (size_t)k);
	}
	size_t m = l.n < len ? l.n : len - 1;
	memcpy(out, l.buf, m);
	out[m] = '\0';
}

/* RFC 5952 text: lowercase hex, longest run (>= 2) of zero groups as "::". */
static void put_ip6(struct line *l, const uint8_t a[16])
{
	static const char hex[] = "0123456789abcdef";
	unsigned g[8];
	int best = -1, bestlen = 0;
	for (int i = 0; i < 8; i++)
		g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	for (int i = 0; i < 8;) {
		int j = i;
		while (j < 8 && g[j] == 0)
			j++;
		if (j - i > bestlen && j - i >= 2) {
			best = i;
			bestlen = j - i;
		}
		i = j > i ? j : i + 1;
	}
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			put_mem(l, "::", 2);
			i += bestlen - 1;
			continue;
		}
		if (i > 0 && i != best + bestlen)
			put_mem(l, ":", 1);
		char h[4];
		int k = 0;
		for (int s = 12; s >= 0; s -= 4)
			if ((g[i] >> s) || s == 0)
				h[k++] = hex[(g[i] >> s) & 15];
		put_mem(l, h, (size_t)k);
	}
}

static void fmt_addr(char *out, size_t len, const struct sockaddr *sa, socklen_t salen)
{
	struct line l = { .n = 0 };
	out[0] = '\0';
	if (!sa || salen < (socklen_t)sizeof(sa_family_t))
		return;
	if (sa->sa_family == AF_INET && salen >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		const uint8_t *b = (const uint8_t *)&in->sin_addr;
		for (int i = 0; i < 4; i++) {
			if (i)
				put_mem(&l, ".", 1);
			put_u64(&l, b[i]);
		}
		put_mem(&l, ":", 1);
		put_u64(&l, ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6 && salen >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		put_mem(&l, "[", 1);
		put_ip6(&l, in6->sin6_addr.s6_addr);
		put_mem(&l, "]:", 2);
		put_u64(&l, ntohs(in6->sin6_port));
	} else if (sa->sa_family == AF_UNIX) {
		const struct sockaddr_un *un = (const struct sockaddr_un *)sa;
		size_t plen = (size_t)salen - offsetof(struct sockaddr_un, sun_path);
		if (plen > sizeof un->sun_path)
			plen = sizeof un->sun_path;
		put_str(&l, "unix:");
		if (plen > 0 && un->sun_path[0] == '\0') {
			put_mem(&l, "@", 1);
			put_mem(&l, un->sun_path + 1, plen - 1);   /* escaped later by put_kv */
		} else {
			put_mem(&l, un->sun_path, strnlen(un->sun_path, plen));
		}
	} else {
		put_str(&l, "af");
		put_u64(&l, sa->sa_family);
	}
	size_t m = l.n < len ? l.n : len - 1;
	memcpy(out, l.buf, m);
	out[m] = '\0';
}

/* ---- socket helpers -------------------------------------------------------------------- */

/* Copies n bytes of the program's memory at src, failing cleanly on a bad pointer. */
static bool safe_copy(void *dst, const void *src, size_t n)
{
	if (!src)
		return false;
	struct iovec li = { dst, n }, ri = { (void *)(uintptr_t)src, n };
	int e = errno;
	ssize_t r = process_vm_readv(getpid(), &li, 1, &ri, 1, 0);
	errno = e;
	return r == (ssize_t)n;
}

static bool is_socket(int fd, struct stat *st)
{
	int e = errno;
	bool ok = fd >= 0 && fstat(fd, st) == 0 && S_ISSOCK(st->st_mode);
	errno = e;
	return ok;
}

/* An unbound AF_INET/AF_INET6 socket reads as "0.0.0.0:0": say nothing rather than that. */
static bool unbound(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_port == 0;
	if (ss->ss_family == AF_INET6)
		return ((const struct sockaddr_in6 *)ss)->sin6_port == 0;
	return false;
}

static void sock_names_now(int fd, char local[64], char peer[64])
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	int e = errno;
	local[0] = peer[0] = '\0';
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0 && !unbound(&ss))
		fmt_addr(local, 64, (struct sockaddr *)&ss, len);
	len = sizeof ss;
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0)
		fmt_addr(peer, 64, (struct sockaddr *)&ss, len);
	errno = e;
}

/* local/peer of a socket, from the cache when its inode matches; st may be NULL. */
static void sock_names(int fd, const struct stat *st_in, char local[64], char peer[64])
{
	struct stat stb;
	const struct stat *st = st_in;
	if (!st && is_socket(fd, &stb))
		st = &stb;
	if (!st || fd < 0 || fd >= CACHE_SLOTS) {
		sock_names_now(fd, local, peer);
		return;
	}
	struct cache_slot *c = &T.cache[fd];
	unsigned long ino = (unsigned long)st->st_ino;
	if (ino && atomic_load(&c->ino) == ino) {
		memcpy(local, c->local, 64);
		memcpy(peer, c->peer, 64);
		local[63] = peer[63] = '\0';
		if (atomic_load(&c->ino) == ino)
			return;
	}
	sock_names_now(fd, local, peer);
	if (ino && local[0] && peer[0]) {   /* only a connected socket's names are stable */
		atomic_store(&c->ino, 0);
		memcpy(c->local, local, 64);
		memcpy(c->peer, peer, 64);
		atomic_store(&c->ino, ino);
	}
}

static void cache_forget(int fd)
{
	if (fd >= 0 && fd < CACHE_SLOTS)
		atomic_store(&T.cache[fd].ino, 0);
}

static void put_names(struct line *l, const char *local, const char *peer)
{
	put_kv(l, "local", local);
	put_kv(l, "peer", peer);
}

static void put_flags(struct line *l, const struct name_val *t, size_t n, int flags)
{
	char f[128];
	fmt_bits(f, sizeof f, t, n, (unsigned)flags);
	put_kv(l, "flags", f);
}

/* Sum of iovec lengths; the array is read safely unless the kernel just read it. */
static long long iov_total(const struct iovec *iov, int cnt, bool trusted)
{
	if (cnt < 0 || cnt > 1024 || (cnt > 0 && !iov))
		return -1;
	long long sum = 0;
	struct iovec chunk[32];
	for (int i = 0; i < cnt; i += 32) {
		int k = cnt - i < 32 ? cnt - i : 32;
		const struct iovec *p = iov + i;
		if (!trusted) {
			if (!safe_copy(chunk, p, (size_t)k * sizeof *p))
				return -1;
			p = chunk;
		}
		for (int j = 0; j < k; j++)
			sum += (long long)p[j].iov_len;
	}
	return sum;
}

static long long msg_total(const struct msghdr *msg, bool trusted)
{
	struct msghdr m;
	if (!msg)
		return -1;
	if (trusted)
		m = *msg;
	else if (!safe_copy(&m, msg, sizeof m))
		return -1;
	if (m.msg_iovlen > 1024)
		return -1;
	return iov_total(m.msg_iov, (int)m.msg_iovlen, trusted);
}

/* One send/recv-family event: requested size, result, flags, addresses. */
static void report_io(const char *name, int fd, const struct stat *st, long long req,
                      ssize_t r, int err, uint64_t t0, uint64_t t1, int flags, bool has_flags)
{
	struct line l;
	char local[64], peer[64];
	sock_names(fd, st, local, peer);
	line_begin(&l, name, fd, req, r, err, t0, t1);
	if (has_flags)
		put_flags(&l, msg_flags, NELEM(msg_flags), flags);
	put_names(&l, local, peer);
	emit(&l);
}

/* ---- interposed calls ------------------------------------------------------------------ */

int socket(int domain, int type, int protocol)
{
	if (!tracing())
		return REAL(socket)(domain, type, protocol);
	uint64_t t0 = now_ns();
	int r = REAL(socket)(domain, type, protocol);
	int e = errno;
	uint64_t t1 = now_ns();
	struct line l;
	char d[24], t[96], tb[80], tmp[16];
	strcpy(d, nv_name(domains, NELEM(domains), domain, tmp, sizeof tmp));
	const char *base = nv_name(socktypes, NELEM(socktypes), type & 0xf, tmp, sizeof tmp);
	size_t bl = strlen(base);
	memcpy(t, base, bl + 1);
	fmt_bits(tb, sizeof tb, sock_flags, NELEM(sock_flags), (unsigned)type & ~0xfu);
	if (tb[0] && bl + 1 + strlen(tb) < sizeof t) {
		t[bl] = '|';
		memcpy(t + bl + 1, tb, strlen(tb) + 1);
	}
	line_begin(&l, "socket", -1, protocol, r, e, t0, t1);
	put_kv(&l, "domain", d);
	put_kv(&l, "type", t);
	emit(&l);
	errno = e;
	return r;
}

int bind(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len)
{
	if (!tracing())
		return REAL(bind)(fd, addr.__sockaddr__, len);
	uint64_t t0 = now_ns();
	int r = REAL(bind)(fd, addr.__sockaddr__, len);
	int e = errno;
	uint64_t t1 = now_ns();
	struct line l;
	char a[64] = "", local[64], peer[64];
	struct sockaddr_storage ss;
	if (len <= sizeof ss && (r == 0 ? (memcpy(&ss, addr.__sockaddr__, len), true)
	                                : safe_copy(&ss, addr.__sockaddr__, len)))
		fmt_addr(a, sizeof a, (struct sockaddr *)&ss, len);
	sock_names_now(fd, local, peer);
	line_begin(&l, "bind", fd, 0, r, e, t0, t1);
	put_kv(&l, "addr", a);
	put_names(&l, local, peer);
	emit(&l);
	errno = e;
	return r;
}

int listen(int fd, int backlog)
{
	if (!tracing())
		return REAL(listen)(fd, backlog);
	uint64_t t0 = now_ns();
	int r = REAL(listen)(fd, backlog);
	int e = errno;
	uint64_t t1 = now_ns();
	struct line l;
	char local[64], peer[64];
	sock_names_now(fd, local, peer);
	line_begin(&l, "listen", fd, backlog, r, e, t0, t1);
	put_names(&l, local, peer);
	emit(&l);
	errno = e;
	return r;
}

static void report_accept(const char *name, int fd, int r, int e, uint64_t t0, uint64_t t1,
                          int flags, bool has_flags)
{
	struct line l;
	char local[64] = "", peer[64] = "";
	if (r >= 0)
		sock_names_now(r, local, peer);
	line_begin(&l, name, fd, 0, r, e, t0, t1);
	if (has_flags)
		put_flags(&l, sock_flags, NELEM(sock_flags), flags);
	put_names(&l, local, peer);
	emit(&l);
}

int accept(int fd, __SOCKADDR_ARG addr, socklen_t *len)
{
	if (!tracing())
		return REAL(accept)(fd, addr.__sockaddr__, len);
	uint64_t t0 = now_ns();
	int r = REAL(accept)(fd, addr.__sockaddr__, len);
	int e = errno;
	uint64_t t1 = now_ns();
	report_accept("accept", fd, r, e, t0, t1, 0, false);
	errno = e;
	return r;
}

int accept4(int fd, __SOCKADDR_ARG addr, socklen_t *len, int flags)
{
	if (!tracing())
		return REAL(accept4)(fd, addr.__sockaddr__, len, flags);
	uint64_t t0 = now_ns();
	int r = REAL(accept4)(fd, addr.__sockaddr__, len, flags);
	int e = errno;
	uint64_t t1 = now_ns();
	report_accept("accept4", fd, r, e, t0, t1, flags, true);
	errno = e;
	return r;
}

int connect(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len)
{
	if (!tracing())
		return REAL(connect)(fd, addr.__sockaddr__, len);
	uint64_t t0 = now_ns();
	int r = REAL(connect)(fd, addr.__sockaddr__, len);
	int e = errno;
	uint64_t t1 = now_ns();
	struct line l;
	char a[64] = "", local[64], peer[64];
	struct sockaddr_storage ss;
	if (len <= sizeof ss && (r == 0 ? (memcpy(&ss, addr.__sockaddr__, len), true)
	                                : safe_copy(&ss, addr.__sockaddr__, len)))
		fmt_addr(a, sizeof a, (struct sockaddr *)&ss, len);
	sock_names_now(fd, local, peer);
	if (!peer[0])   /* refused or in progress: the target still names the 4-tuple */
		memcpy(peer, a, sizeof peer);
	line_begin(&l, "connect", fd, 0, r, e, t0, t1);
	put_kv(&l, "addr", a);
	put_names(&l, local, peer);
	emit(&l);
	errno = e;
	return r;
}

ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	if (!tracing())
		return REAL(send)(fd, buf, n, flags);
	uint64_t t0 = now_ns();
	ssize_t r = REAL(send)(fd, buf, n, flags);
	int e = errno;
	uint64_t t1 = now_ns();
	report_io("send", fd, NULL, (long long)n, r, e, t0, t1, flags, true);
	errno = e;
	return r;
}

ssize_t sendto(int fd, const void *buf, size_t n, int flags, __CONST_SOCKADDR_ARG addr,
               socklen_t alen)
{
	if (!tracing())
		return REAL(sendto)(fd, buf, n, flags, addr.__sockaddr__, alen);
	uint64_t t0 = now_ns();
	ssize_t r = REAL(sendto)(fd, buf, n, flags, addr.__sockaddr__, alen);
	int e = errno;
	uint64_t t1 = now_ns();
	report_io("sendto", fd, NULL, (long long)n, r, e, t0, t1, flags, true);
	errno = e;
	return r;
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	if (!tracing())
		return REAL(sendmsg)(fd, msg, flags);
	uint64_t t0 = now_ns();
	ssize_t r = REAL(sendmsg)(fd, msg, flags);
	int e = errno;
	uint64_t t1 = now_ns();
	report_io("sendmsg", fd, NULL, msg_total(msg, r >= 0), r, e, t0, t1, flags, true);
	errno = e;
	return r;
}

ssize_t write(int fd, const void *buf, size_t n)
{
	struct stat st;
	if (!tracing() || !is_socket(fd, &st))
		return REAL(write)(fd, buf, n);
	uint64_t t0 = now_ns();
	ssize_t r = REAL(write)(fd, buf, n);
	int e = errno;
	uint64_t t1 = now_ns();
	report_io("write", fd, &st, (long long)n, r, e, t0, t1, 0, false);
	errno = e;
	return r;
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	struct stat st;
	if (!tracing() || !is_socket(fd, &st))
		return REAL(writev)(fd, iov, cnt);
	uint64_t t0 = now_ns();
	ssize_t r = REAL(writev)(fd, iov, cnt);
	int e = errno;
	uint64_t t1 = now_ns();
	report_io("writev", fd, &st, iov_total(iov, cnt, r >= 0), r, e, t0, t1, 0, false);
	errno = e;
	return r;
}

ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	if (!tracing())
		return REAL(recv)(fd, buf, n, flags);
	uint64_t t0 = now_ns();
	ssize_t r = REAL(recv)(fd, buf, n, flags);
	int e = errno;
	uint64_t t1 = now_ns();
	report_io("recv", fd, NULL, (long long)n, r, e, t0, t1, flags, true);
	errno = e;
	return r;
}

ssize_t recvfrom(int fd, void *buf, size_t n, int flags, __SOCKADDR_ARG addr, socklen_t *alen)
{
	if (!tracing())
		return REAL(recvfrom)(fd, buf, n, flags, addr.__sockaddr__, alen);
	uint64_t t0 = now_ns();
	ssize_t r = REAL(recvfrom)(fd, buf, n, flags, addr.__sockaddr__, alen);
	int e = errno;
	uint64_t t1 = now_ns();
	report_io("recvfrom", fd, NULL, (long long)n, r, e, t0, t1, flags, true);
	errno = e;
	return r;
}

ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	if (!tracing())
		return REAL(recvmsg)(fd, msg, flags);
	uint64_t t0 = now_ns();
	ssize_t r = REAL(recvmsg)(fd, msg, flags);
	int e = errno;
	uint64_t t1 = now_ns();
	report_io("recvmsg", fd, NULL, msg_total(msg, r >= 0), r, e, t0, t1, flags, true);
	errno = e;
	return r;
}

ssize_t read(int fd, void *buf, size_t n)
{
	struct stat st;
	if (!tracing() || !is_socket(fd, &st))
		return REAL(read)(fd, buf, n);
	uint64_t t0 = now_ns();
	ssize_t r = REAL(read)(fd, buf, n);
	int e = errno;
	uint64_t t1 = now_ns();
	report_io("read", fd, &st, (long long)n, r, e, t0, t1, 0, false);
	errno = e;
	return r;
}

ssize_t readv(int fd, const struct iovec *iov, int cnt)
{
	struct stat st;
	if (!tracing() || !is_socket(fd, &st))
		return REAL(readv)(fd, iov, cnt);
	uint64_t t0 = now_ns();
	ssize_t r = REAL(readv)(fd, iov, cnt);
	int e = errno;
	uint64_t t1 = now_ns();
	report_io("readv", fd, &st, iov_total(iov, cnt, r >= 0), r, e, t0, t1, 0, false);
	errno = e;
	return r;
}

int shutdown(int fd, int how)
{
	if (!tracing())
		return REAL(shutdown)(fd, how);
	char local[64], peer[64], tmp[16];
	sock_names(fd, NULL, local, peer);   /* before: a reset socket loses its peer */
	uint64_t t0 = now_ns();
	int r = REAL(shutdown)(fd, how);
	int e = errno;
	uint64_t t1 = now_ns();
	struct line l;
	line_begin(&l, "shutdown", fd, how, r, e, t0, t1);
	put_kv(&l, "how", nv_name(shut_hows, NELEM(shut_hows), how, tmp, sizeof tmp));
	put_names(&l, local, peer);
	emit(&l);
	errno = e;
	return r;
}

int close(int fd)
{
	struct stat st;
	if (fd >= 0 && fd == atomic_load(&T.fd))
		return 0;   /* our pipe: the program believes it closed it, tracing goes on */
	if (!tracing() || !is_socket(fd, &st))
		return REAL(close)(fd);
	char local[64], peer[64];
	sock_names(fd, &st, local, peer);
	cache_forget(fd);
	uint64_t t0 = now_ns();
	int r = REAL(close)(fd);
	int e = errno;
	uint64_t t1 = now_ns();
	struct line l;
	line_begin(&l, "close", fd, 0, r, e, t0, t1);
	put_names(&l, local, peer);
	emit(&l);
	errno = e;
	return r;
}

static const struct sockopt_desc *sockopt_find(int level, int opt)
{
	for (size_t i = 0; i < NELEM(sockopts); i++)
		if (sockopts[i].level == level && sockopts[i].opt == opt)
			return &sockopts[i];
	return NULL;
}

/* Decodes an option value into text and an int; val points to a private copy. */
static long long sockopt_value(const struct sockopt_desc *d, const void *val, socklen_t len,
                               char *out, size_t outlen)
{
	struct line l = { .n = 0 };
	long long v = -1;
	enum optkind kind = d ? d->kind : OPT_INT;
	if (kind == OPT_LINGER && len >= (socklen_t)sizeof(struct linger)) {
		struct linger lg;
		memcpy(&lg, val, sizeof lg);
		put_mem(&l, "{", 1);
		put_i64(&l, lg.l_onoff);
		put_mem(&l, ",", 1);
		put_i64(&l, lg.l_linger);
		put_mem(&l, "}", 1);
		v = lg.l_onoff;
	} else if (kind == OPT_TIMEVAL && len >= (socklen_t)sizeof(struct timeval)) {
		struct timeval tv;
		memcpy(&tv, val, sizeof tv);
		put_i64(&l, tv.tv_sec);
		put_mem(&l, ".", 1);
		char us[7];
		long u = (long)tv.tv_usec;
		for (int i = 5; i >= 0; i--, u /= 10)
			us[i] = (char)('0' + (u % 10 + 10) % 10);
		put_mem(&l, us, 6);
		v = tv.tv_sec;
	} else if (kind == OPT_INT && len >= (socklen_t)sizeof(int)) {
		int x;
		memcpy(&x, val, sizeof x);
		put_i64(&l, x);
		v = x;
	} else {
		put_mem(&l, "?", 1);
	}
	size_t m = l.n < outlen ? l.n : outlen - 1;
	memcpy(out, l.buf, m);
	out[m] = '\0';
	return v;
}

static void report_sockopt(const char *name, int fd, int level, int opt, const void *val,
                           socklen_t len, bool trusted, int r, int e, uint64_t t0, uint64_t t1)
{
	const struct sockopt_desc *d = sockopt_find(level, opt);
	char lv[16], ltmp[16], on[24], v[48] = "?";
	long long iv = -1;
	unsigned char copy[sizeof(struct timeval) > sizeof(struct linger) ? sizeof(struct timeval)
	                                                                  : sizeof(struct linger)];
	size_t n = len < sizeof copy ? len : sizeof copy;
	if (val && n > 0 && (trusted ? (memcpy(copy, val, n), true) : safe_copy(copy, val, n)))
		iv = sockopt_value(d, copy, (socklen_t)n, v, sizeof v);
	strcpy(lv, nv_name(levels, NELEM(levels), level, ltmp, sizeof ltmp));
	if (d)
		strcpy(on, d->name);
	else
		fmt_num(on, sizeof on, opt);
	char local[64], peer[64];
	sock_names(fd, NULL, local, peer);
	struct line l;
	line_begin(&l, name, fd, iv, r, e, t0, t1);
	put_kv(&l, "level", lv);
	put_kv(&l, "opt", on);
	put_kv(&l, "val", v);
	put_names(&l, local, peer);
	emit(&l);
}

int setsockopt(int fd, int level, int opt, const void *val, socklen_t len)
{
	if (!tracing())
		return REAL(setsockopt)(fd, level, opt, val, len);
	uint64_t t0 = now_ns();
	int r = REAL(setsockopt)(fd, level, opt, val, len);
	int e = errno;
	uint64_t t1 = now_ns();
	report_sockopt("setsockopt", fd, level, opt, val, len, r == 0, r, e, t0, t1);
	errno = e;
	return r;
}

int getsockopt(int fd, int level, int opt, void *val, socklen_t *len)
{
	if (!tracing())
		return REAL(getsockopt)(fd, level, opt, val, len);
	uint64_t t0 = now_ns();
	int r = REAL(getsockopt)(fd, level, opt, val, len);
	int e = errno;
	uint64_t t1 = now_ns();
	/* The value is only meaningful (and known readable) after success. */
	report_sockopt("getsockopt", fd, level, opt, r == 0 ? val : NULL, r == 0 && len ? *len : 0,
	               true, r, e, t0, t1);
	errno = e;
	return r;
}

/* ---- keeping our fd alive ------------------------------------------------------------- */

/* The program wants fd number `fd` for itself: move our pipe out of its way. */
static void evacuate(int fd)
{
	int ours = atomic_load(&T.fd);
	if (fd < 0 || fd != ours)
		return;
	int e = errno;
	int moved = fcntl(ours, F_DUPFD, ours + 1);
	atomic_store(&T.fd, moved);   /* -1 on failure: tracing stops, the program goes on */
	if (moved >= 0) {
		char num[16];
		fmt_num(num, sizeof num, moved);
		setenv(TRACE_WIRE_ENV_FD, num, 1);
	}
	REAL(close)(ours);
	errno = e;
}

int dup2(int oldfd, int newfd)
{
	if (oldfd != newfd)
		evacuate(newfd);
	return REAL(dup2)(oldfd, newfd);
}

int dup3(int oldfd, int newfd, int flags)
{
	if (oldfd != newfd)
		evacuate(newfd);
	return REAL(dup3)(oldfd, newfd, flags);
}

int close_range(unsigned first, unsigned last, int flags)
{
	int ours = atomic_load(&T.fd);
	if (!REAL(close_range)) {
		errno = ENOSYS;
		return -1;
	}
	if (ours < 0 || (unsigned)ours < first || (unsigned)ours > last)
		return real.close_range(first, last, flags);
	int r = 0;
	if ((unsigned)ours > first)
		r = real.close_range(first, (unsigned)ours - 1, flags);
	if (r == 0 && (unsigned)ours < last)
		r = real.close_range((unsigned)ours + 1, last, flags);
	return r;
}

void closefrom(int lowfd)
{
	/* glibc's closefrom() calls close_range() internally, past our reach: split here. */
	int e = errno;
	if (lowfd >= 0 && close_range((unsigned)lowfd, ~0u, 0) != 0) {
		for (int fd = lowfd; fd < 65536; fd++)
			if (fd != atomic_load(&T.fd))
				REAL(close)(fd);
	}
	errno = e;
}

/* ---- process life --------------------------------------------------------------------- */

static void report_exit(int status, bool known)
{
	if (atomic_exchange(&T.exited, true))
		return;
	uint64_t t = now_ns();
	struct line l;
	char st[16] = "", dr[24];
	if (known)
		fmt_num(st, sizeof st, status);
	fmt_num(dr, sizeof dr, (long long)atomic_load(&T.drops));
	line_begin(&l, "exit", -1, known ? status : -1, (long long)atomic_load(&T.drops), 0, t, t);
	put_kv(&l, "status", known ? st : "unknown");
	put_kv(&l, "drops", dr);
	emit(&l);
}

void exit(int status)
{
	atomic_store(&T.status, status);
	atomic_store(&T.have_status, true);
	REAL(exit)(status);
	__builtin_unreachable();
}

void _exit(int status)
{
	if (tracing())
		report_exit(status, true);
	REAL(_exit)(status);
	__builtin_unreachable();
}

void _Exit(int status)
{
	if (tracing())
		report_exit(status, true);
	REAL(_Exit)(status);
	__builtin_unreachable();
}

static int wrapped_main(int argc, char **argv, char **envp)
{
	int r = T.main(argc, argv, envp);
	atomic_store(&T.status, r);
	atomic_store(&T.have_status, true);
	return r;
}

int __libc_start_main(int (*main)(int, char **, char **), int argc, char **argv,
                      void (*init)(void), void (*fini)(void), void (*rtld_fini)(void),
                      void *stack_end);

/* Wraps main so that a return from it still gives the exit line its status. */
int __libc_start_main(int (*main)(int, char **, char **), int argc, char **argv,
                      void (*init)(void), void (*fini)(void), void (*rtld_fini)(void),
                      void *stack_end)
{
	real.libc_start_main = (__typeof__(real.libc_start_main))dlsym(RTLD_NEXT,
	                                                               "__libc_start_main");
	T.main = main;
	return real.libc_start_main(wrapped_main, argc, argv, init, fini, rtld_fini, stack_end);
}

static void after_fork_child(void)
{
	atomic_store(&T.drops, 0);
	atomic_store(&T.exited, false);
	atomic_store(&T.have_status, false);
	if (!tracing())
		return;
	uint64_t t = now_ns();
	struct line l;
	line_begin(&l, "fork", -1, getppid(), 0, 0, t, t);
	emit(&l);
}

/* Accepts TRACE_WIRE_ENV_FD only when it names an open, writable pipe. */
static int trace_fd_from_env(void)
{
	const char *s = getenv(TRACE_WIRE_ENV_FD);
	long v = 0;
	struct stat st;
	if (!s || !*s)
		return -1;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9' || v > 1000000)
			return -1;
		v = v * 10 + (*p - '0');
	}
	int fd = (int)v;
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode))
		return -1;
	return fd;
}

__attribute__((constructor)) static void tracer_init(int argc, char **argv, char **envp)
{
	(void)envp;
	int e = errno;
	int fd = trace_fd_from_env();
	if (fd < 0)
		goto out;
	struct rlimit rl;
	long base = TRACE_WIRE_FD_BASE;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (long)rl.rlim_cur - 16 < base)
		base = (long)rl.rlim_cur - 16;
	int ours = fd;
	if (base > fd) {
		ours = fcntl(fd, F_DUPFD, (int)base);
		if (ours < 0)
			ours = fd;
	}
	if (ours != fd) {
		REAL(close)(fd);   /* so the program's first socket is fd 3, as untraced */
		char num[16];
		fmt_num(num, sizeof num, ours);
		setenv(TRACE_WIRE_ENV_FD, num, 1);
	}
	int fl = fcntl(ours, F_GETFL);
	if (fl >= 0)
		fcntl(ours, F_SETFL, fl | O_NONBLOCK);
	atomic_store(&T.fd, ours);
	pthread_atfork(NULL, NULL, after_fork_child);

	uint64_t t = now_ns();
	struct line l;
	line_begin(&l, "start", -1, getppid(), 0, 0, t, t);
	if (argc > 0 && argv && argv[0]) {
		char a0[160];
		size_t n = strnlen(argv[0], sizeof a0 - 1);
		memcpy(a0, argv[0], n);
		a0[n] = '\0';
		put_kv(&l, "argv0", a0);
	}
	emit(&l);
out:
	errno = e;
}

__attribute__((destructor)) static void tracer_fini(void)
{
	if (tracing())
		report_exit(atomic_load(&T.status), atomic_load(&T.have_status));
}
