/* summary: the kernel's own view of a lab's TCP sockets: states and timers, sampled through sock_diag netlink. */
#ifndef TCPLAB_ENGINE_KSOCK_H
#define TCPLAB_ENGINE_KSOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Contract: the capture shows what crossed the wire; this shows what each host's kernel
 * holds, as `ss -tan` would: every TCP socket of the lab's port in a host's network
 * namespace, with its state (LISTEN, ESTABLISHED, CLOSE-WAIT, TIME-WAIT...), the timer
 * that runs on it (TIME-WAIT's 60 s counting down) and its queues. A run samples both
 * hosts every 100 ms, before every act of the lab (a kill) and once at its end
 * (engine/labrun.c); a sample is kept when it differs from the host's last one, so the
 * run record (docs/record-format.md) holds every change and the `state` check
 * (docs/lab-format.md) judges them.
 *
 * Which sockets are a host's: on the server, those whose local port is the lab's port
 * (the listener and every accepted connection); on the client, those whose remote port
 * is. In the loopback topology both hosts share one namespace and this rule still tells
 * them apart.
 *
 * ksock_open() must be called in the host's namespace (sandbox_enter()): a netlink
 * socket belongs to the namespace it was opened in. The dump itself may run anywhere.
 */

/* Linux's TCP states as sock_diag numbers them (include/net/tcp_states.h). */
enum ksock_state {
	KS_ESTABLISHED = 1, KS_SYN_SENT, KS_SYN_RECV, KS_FIN_WAIT1, KS_FIN_WAIT2, KS_TIME_WAIT,
	KS_CLOSE, KS_CLOSE_WAIT, KS_LAST_ACK, KS_LISTEN, KS_CLOSING, KS_NEW_SYN_RECV,
	KS_NSTATES
};

/* Why a sample was taken. */
enum ksock_why { KSW_TICK = 0, KSW_ACT = 1, KSW_END = 2 };

#define KSOCK_MAX_PER_SAMPLE 256

struct ksock {
	uint8_t state;                  /* enum ksock_state */
	uint8_t timer;                  /* sock_diag's idiag_timer: 0 none, 1 retransmit, 2
	                                   keepalive, 3 TIME-WAIT, 4 zero-window probe */
	uint8_t family;                 /* AF_INET or AF_INET6 */
	uint16_t lport, rport;
	uint8_t laddr[16], raddr[16];   /* 4 bytes used for AF_INET */
	uint32_t expires_ms;            /* the timer's time left */
	uint32_t rqueue, wqueue;        /* bytes unread, bytes unacknowledged (a listener:
	                                   connections waiting for accept(), its backlog) */
	uint64_t inode;                 /* 0 once no process holds it (TIME-WAIT, orphans) */
};

struct ksock_sample {
	uint64_t t_ns;                  /* CLOCK_REALTIME, the capture's clock */
	uint8_t host;                   /* enum sandbox_host */
	uint8_t why;                    /* enum ksock_why */
	uint32_t first, n;              /* its sockets: ksock_log.sock[first .. first + n) */
};

/* Every kept sample of a run, in time order. */
struct ksock_log {
	struct ksock_sample *sample;
	size_t nsample, capsample;
	struct ksock *sock;
	size_t nsock, capsock;
};

void ksock_log_init(struct ksock_log *log);
void ksock_log_release(struct ksock_log *log);
/* Append a sample of n sockets (copied). When keep_same is false and the host's last
 * sample holds the same sockets in the same states, nothing is added (returns 0). 0, or
 * -1 when memory ran out. */
int ksock_log_add(struct ksock_log *log, uint64_t t_ns, int host, enum ksock_why why,
                  const struct ksock *s, size_t n, bool keep_same);

/* A NETLINK_SOCK_DIAG socket in the calling thread's namespace; -1 with errbuf. */
int ksock_open(char *errbuf, size_t errlen);
/*
 * The TCP sockets (IPv4 and IPv6) of fd's namespace that belong to a host on port (see
 * above: server true, the local port; false, the remote port), at most max, sorted. Their
 * number, or -1 with errbuf.
 */
int ksock_dump(int fd, int port, bool server, struct ksock *out, size_t max, char *errbuf,
               size_t errlen);

/* "TIME-WAIT", "CLOSE-WAIT", ... (RFC 9293's names; NEW-SYN-RECV for Linux's request
 * sockets); "?" for a number out of range. */
const char *ksock_state_name(int state);
/* The state called name, or -1. */
int ksock_state_parse(const char *name);

/* The sample of host taken last at or before t_ns, or -1 when none was (yet). */
long ksock_log_at(const struct ksock_log *log, int host, uint64_t t_ns);

/* Timer names as `ss -o` writes them: "on" (retransmit), "keepalive", "timewait",
 * "persist" (zero-window probe); "" for none. */
const char *ksock_timer_name(int timer);

/* One end of a socket as ss writes it: "10.99.0.2:8070", "[::1]:8070" (local or peer). */
void ksock_addr_str(const struct ksock *s, bool local, char *buf, size_t len);

/* One socket in words: "TIME-WAIT 10.99.0.2:8070 > 10.99.0.1:40312 (59.8 s left)". */
void ksock_format(const struct ksock *s, char *buf, size_t len);

#endif
