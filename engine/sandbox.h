/* summary: private network namespaces for a lab: one loopback host, or two hosts on a cable that can be silently cut. */
#ifndef TCPLAB_ENGINE_SANDBOX_H
#define TCPLAB_ENGINE_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Contract: a sandbox is a set of fresh network namespaces held only by file descriptors
 * of this process (no named netns, nothing in /var/run/netns): they vanish when the sandbox
 * is freed or the process dies, even by SIGKILL (lab programs spawned into them die too,
 * see proc.h).
 *
 * Privileges: with CAP_SYS_ADMIN over the current network namespace (root, or root of the
 * user namespace that owns it) the namespaces are created directly. Without it, the
 * first sandbox_prepare() or sandbox_new() of the process moves the WHOLE PROCESS into a
 * new user namespace where the caller is root (setgroups deny, uid_map, gid_map) and into
 * a new, empty "home" network namespace owned by it (the original one could not be
 * re-entered from there; with CAP_SYS_ADMIN in a user namespace that does not own the
 * current network namespace, as inside 'unshare -U', only that home is created). This
 * needs a single-threaded process: call sandbox_prepare()
 * early in main(), before any thread exists (curses, pcap and Criterion workers may
 * start threads). Once done, later calls find CAP_SYS_ADMIN and do nothing.
 *
 * Threads: sandbox_new() and sandbox_enter()/sandbox_leave() act on the CALLING THREAD's
 * network namespace (setns). "home" is the namespace the thread was in when sandbox_new()
 * ran; sandbox_leave() returns there. Sockets and pcap handles keep the namespace they
 * were created in, so: enter, create, leave.
 *
 * Topologies:
 *   SANDBOX_LOOPBACK: one namespace, lo up; both hosts are 127.0.0.1; capture on "lo".
 *   SANDBOX_TWO_HOSTS: a client namespace (eth0 10.99.0.1/24) and a server namespace
 *     (eth0 10.99.0.2/24), lo up in both, joined through a third "wire" namespace holding
 *     a bridge. Both eth0 have tx checksum, SG, TSO, GSO and GRO off (wire-sized frames,
 *     real checksums in captures), IPv6 off (no router solicitations or MLD reports in
 *     captures) and a permanent neighbour entry for the other host (no ARP in captures,
 *     and it survives the cut). Capture on the client's "eth0".
 *
 * A lab with faults on its cable replaces the bridge with a userspace wire: see
 * sandbox_wire_ports() and engine/wire.h.
 *
 * The cut (sandbox_cut(sb, true)) brings down the wire's port towards the server. The
 * server's eth0 loses carrier, so nothing from the server is captured; the client's eth0
 * keeps its carrier, so everything the client sends (retransmissions included) is still
 * captured on it, then dropped by the bridge. A cut on the client's own link would not do:
 * Linux swaps a carrierless device's queue for one that drops before the capture tap.
 * Restore brings the port up, re-asserts addresses and neighbours, and returns once both
 * links are operationally up again (bounded wait on link notifications).
 *
 * Errors: functions return 0 / NULL-or-negative with a message in errbuf that says what
 * failed and what to do ("cannot create a network namespace: operation not permitted
 * (run 'tcplab doctor')").
 *
 * Host loopback: where namespaces are refused (-EPERM: a default Docker container, root
 * without CAP_SYS_ADMIN, unshare and setns blocked by seccomp) but CAP_NET_RAW is there,
 * a one-host lab can still run on the container's own lo: sandbox_new_here() makes a
 * LOOPBACK sandbox that is the calling process's own network namespace, shared with
 * whatever else runs there. sandbox_enter()/sandbox_leave() do nothing, sandbox_netns_fd()
 * is -1 (programs stay where tcplab is), and the sandbox reserves a TCP port of its own
 * (sandbox_port()) so that two runs at once, or anything else on that lo, never meet the
 * lab's connection: the caller must put the lab on that port and filter its capture on it.
 */

enum sandbox_topo { SANDBOX_LOOPBACK, SANDBOX_TWO_HOSTS };
enum sandbox_host { HOST_CLIENT = 0, HOST_SERVER = 1 };

struct sandbox;

/* Enters a user namespace if needed (see above). 0, or negative with errbuf. */
int sandbox_prepare(char *errbuf, size_t errlen);

struct sandbox *sandbox_new(enum sandbox_topo topo, char *errbuf, size_t errlen);
/* The same, with the reason: 0, or negative errno (-EPERM: namespaces are refused here). */
int sandbox_make(enum sandbox_topo topo, struct sandbox **out, char *errbuf, size_t errlen);
/* A LOOPBACK sandbox in the current network namespace (see "Host loopback" above), with a
 * free port reserved for as long as it lives; NULL with errbuf when no port is free. */
struct sandbox *sandbox_new_here(char *errbuf, size_t errlen);
bool sandbox_is_here(const struct sandbox *sb);
/* The port the lab's server must use: lab_port in a namespace of the lab's own, the
 * reserved one on a shared loopback. */
int sandbox_port(const struct sandbox *sb, int lab_port);
/* Could a one-host lab run on this process's own loopback when namespaces are refused:
 * CAP_NET_RAW in the effective set (a capture on "lo")? */
bool sandbox_can_here(void);
void sandbox_free(struct sandbox *sb);   /* the calling thread must not be inside it */

enum sandbox_topo sandbox_topo(const struct sandbox *sb);
/* setns the calling thread into the host's namespace / back to home. */
int sandbox_enter(struct sandbox *sb, enum sandbox_host h, char *errbuf, size_t errlen);
int sandbox_leave(struct sandbox *sb, char *errbuf, size_t errlen);
/* The host's namespace fd, owned by the sandbox (both hosts: the same fd for LOOPBACK). */
int sandbox_netns_fd(const struct sandbox *sb, enum sandbox_host h);
const char *sandbox_addr(const struct sandbox *sb, enum sandbox_host h);  /* "10.99.0.1" */
const char *sandbox_capture_dev(const struct sandbox *sb);  /* in the client host: "lo" or "eth0" */
/* TWO_HOSTS only (-EINVAL otherwise): cut=true pulls the cable silently, false restores. */
int sandbox_cut(struct sandbox *sb, bool cut, char *errbuf, size_t errlen);
bool sandbox_is_cut(const struct sandbox *sb);

/*
 * TWO_HOSTS only: take the cable's two ends in the wire namespace out of the bridge, so
 * nothing crosses until a userspace wire (engine/wire.h) forwards it, and return a packet
 * socket bound to each end, created in the wire namespace: fds[HOST_CLIENT] reads what the
 * client sends and writes towards it, fds[HOST_SERVER] likewise for the server. The
 * caller owns the sockets. The cut still works: it downs the server's end.
 */
int sandbox_wire_ports(struct sandbox *sb, int fds[2], char *errbuf, size_t errlen);

/* What this system allows, for 'tcplab doctor' and for clear errors. */
struct sandbox_caps {
	bool root;      /* CAP_SYS_ADMIN over the current network namespace: created directly */
	bool userns;    /* an unprivileged user can create a user + network namespace
	                 * (tried as uid 65534 when root, as ourselves otherwise) */
	bool netns;     /* this process can get a network namespace (directly or via userns) */
	bool veth;      /* the TWO_HOSTS topology builds (veth, bridge, offloads off) */
	bool capture;   /* libpcap can capture on "lo" inside a sandbox */
	bool refused;   /* namespaces are refused outright (EPERM), as in a default container */
	bool here;      /* refused, but one-host labs can run on our own lo (sandbox_can_here) */
	/* Kernel switches, -1 when the file does not exist on this kernel. */
	long unprivileged_userns_clone;        /* /proc/sys/kernel/unprivileged_userns_clone */
	long max_user_namespaces;              /* /proc/sys/user/max_user_namespaces */
	long apparmor_restrict_userns;         /* /proc/sys/kernel/apparmor_restrict_unprivileged_userns */
	char userns_why[256], netns_why[256], veth_why[256], capture_why[256];
};
/* Runs its probes in forked children, so the caller's namespaces are untouched; safe to
 * call from a multithreaded process. */
void sandbox_probe(struct sandbox_caps *caps);

#endif
