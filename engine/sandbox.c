/* summary: private network namespaces for a lab: one loopback host, or two hosts on a cable that can be silently cut. */
#include "engine/sandbox.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/netlink.h"
#include "util/errbuf.h"

/* Namespaces of a sandbox; LOOPBACK uses only NS_CLIENT. */
enum { NS_CLIENT = 0, NS_SERVER = 1, NS_WIRE = 2, NS_COUNT = 3 };

#define DEV_HOST "eth0"          /* each host's end of its cable */
#define DEV_WIRE_CLIENT "c0"     /* the wire's ends, in the wire namespace */
#define DEV_WIRE_SERVER "s0"
#define DEV_BRIDGE "br0"
#define ADDR_CLIENT "10.99.0.1"
#define ADDR_SERVER "10.99.0.2"
#define PREFIX_LEN 24
#define LINK_UP_TIMEOUT_MS 3000

struct sandbox {
	enum sandbox_topo topo;
	int home_fd;                      /* the creating thread's namespace: sandbox_leave() */
	int ns[NS_COUNT];                 /* -1 when unused */
	struct netlink *nl[NS_COUNT];     /* bound to ns[i] */
	bool cut;
	bool here;                        /* host loopback: no namespace of its own */
	int port;                         /* here: the port reserved for the run */
	int port_lock;                    /* here: the abstract socket that holds it */
};

/*
 * Host loopback ports. Below the ephemeral range (TCP-FACTS: 32768 and up go to clients),
 * so no client of another run on the same lo can hold one, and away from the labs' own
 * 8001..8008 and the usual 8080/9000s of other software.
 */
#define HERE_PORT_FIRST 24000
#define HERE_PORT_COUNT 4000

/* A capability in our effective set, from /proc/self/status; -1 when it cannot be read. */
static int have_cap(int cap)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	unsigned long long eff = 0;
	int found = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1) {
			found = (int)((eff >> cap) & 1);
			break;
		}
	fclose(f);
	return found;
}

bool sandbox_can_here(void)
{
	return have_cap(CAP_NET_RAW) == 1;   /* a packet socket on lo */
}

/* CAP_SYS_ADMIN in our current user namespace; unreadable status: assume root has it. */
static bool have_sys_admin(void)
{
	int c = have_cap(CAP_SYS_ADMIN);

	return c < 0 ? geteuid() == 0 : c == 1;
}

/* Privileged over our current network namespace: CAP_SYS_ADMIN in the user namespace that
 * owns it. CAP_SYS_ADMIN alone is not enough: inside 'unshare -U' we have it, but not over
 * the network namespace we came with, and could not setns back into it. */
static bool privileged_here(void)
{
	struct stat owner, mine;
	int nsfd, ufd;
	bool same;

	if (!have_sys_admin())
		return false;
	nsfd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return true;   /* cannot tell: let the namespace calls say what is wrong */
	ufd = ioctl(nsfd, NS_GET_USERNS);
	close(nsfd);
	if (ufd < 0)   /* EPERM: the owner is outside our user namespace, so not ours */
		return errno != EPERM;
	same = fstat(ufd, &owner) == 0 && stat("/proc/self/ns/user", &mine) == 0 &&
	       owner.st_ino == mine.st_ino && owner.st_dev == mine.st_dev;
	close(ufd);
	return same;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	err = n < 0 ? -errno : (size_t)n == strlen(text) ? 0 : -EIO;
	close(fd);
	return err;
}

static long read_long(const char *path)
{
	FILE *f = fopen(path, "re");
	long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* The subordinate range /etc/subuid (or /etc/subgid) grants the user, by name or number:
 * at most SUBID_MAX ids from it. */
#define SUBID_MAX 65536
static bool subid_range(const char *file, const char *name, unsigned id, unsigned long *start,
                        unsigned long *count)
{
	FILE *f = fopen(file, "re");
	char line[256], num[16];
	bool found = false;

	if (!f)
		return false;
	snprintf(num, sizeof(num), "%u", id);
	while (!found && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!colon)
			continue;
		*colon = '\0';
		if ((strcmp(line, name) && strcmp(line, num)) ||
		    sscanf(colon + 1, "%lu:%lu", start, count) != 2 || *count == 0)
			continue;
		if (*count > SUBID_MAX)
			*count = SUBID_MAX;
		found = true;
	}
	fclose(f);
	return found;
}

static int run_wait(const char *const *argv)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		execve(argv[0], (char *const *)argv, (char *const[]){ NULL });
		_exit(127);
	}
	if (pid < 0)
		return -1;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/*
 * Before unshare(CLONE_NEWUSER): when the user has subordinate uids and gids and the
 * set-uid newuidmap/newgidmap are installed, fork a helper that, once told the namespace
 * exists, maps 0 to the user and 1..N to the subordinate range, so that a jailed program
 * can run as a uid of its own (jail.h). The pid of the helper, or 0 without a range.
 */
static pid_t subid_helper(int *go_fd)
{
	struct passwd *pw = getpwuid(getuid());
	const char *name = pw ? pw->pw_name : "";
	unsigned long us, un, gs, gn;
	char self[16], u[16], g[16], a[24], b[24], c[24], d[24];
	int fds[2];
	pid_t pid;

	if (!subid_range("/etc/subuid", name, (unsigned)getuid(), &us, &un) ||
	    !subid_range("/etc/subgid", name, (unsigned)getuid(), &gs, &gn) ||
	    access("/usr/bin/newuidmap", X_OK) < 0 || access("/usr/bin/newgidmap", X_OK) < 0 ||
	    pipe2(fds, O_CLOEXEC) < 0)
		return 0;
	snprintf(self, sizeof(self), "%d", (int)getpid());
	snprintf(u, sizeof(u), "%u", (unsigned)geteuid());
	snprintf(g, sizeof(g), "%u", (unsigned)getegid());
	snprintf(a, sizeof(a), "%lu", us);
	snprintf(b, sizeof(b), "%lu", un);
	snprintf(c, sizeof(c), "%lu", gs);
	snprintf(d, sizeof(d), "%lu", gn);
	pid = fork();
	if (pid == 0) {
		const char *uargv[] = { "/usr/bin/newuidmap", self, "0", u, "1", "1", a, b, NULL };
		const char *gargv[] = { "/usr/bin/newgidmap", self, "0", g, "1", "1", c, d, NULL };
		char x;

		close(fds[1]);
		/* EOF without a byte: the parent gave up (or died); map nothing. */
		if (read(fds[0], &x, 1) != 1)
			_exit(1);
		_exit(run_wait(uargv) == 0 && run_wait(gargv) == 0 ? 0 : 1);
	}
	close(fds[0]);
	if (pid < 0) {
		close(fds[1]);
		return 0;
	}
	*go_fd = fds[1];
	return pid;
}

/* Is the file empty (a map not written yet)? */
static bool map_empty(const char *path)
{
	char c;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return true;
	n = read(fd, &c, 1);
	close(fd);
	return n <= 0;
}

int sandbox_prepare(char *errbuf, size_t errlen)
{
	char eb[128], map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();
	int rc, go = -1, status;
	pid_t helper = 0;

	if (privileged_here())
		return 0;
	if (have_sys_admin())   /* already in a user namespace of our own: only a home is missing */
		goto home;
	helper = subid_helper(&go);
	if (unshare(CLONE_NEWUSER) < 0) {
		if (helper > 0) {
			close(go);
			while (waitpid(helper, NULL, 0) < 0 && errno == EINTR)
				;
		}
		int e = errno;
		if (e == EINVAL)
			errbuf_set(errbuf, errlen, "cannot create a user namespace: the process already has "
			        "threads (tcplab must set up its sandbox before starting any thread)");
		else if (e == ENOSPC)
			errbuf_set(errbuf, errlen, "cannot create a user namespace: the limit "
			        "user.max_user_namespaces is reached (run 'tcplab doctor')");
		else
			errbuf_set(errbuf, errlen, "cannot create a user namespace: %s (run 'tcplab doctor')",
			        errbuf_strerror(e, eb, sizeof(eb)));
		return -e;
	}
	if (helper > 0) {
		/* If the byte cannot go, the helper sees EOF and maps nothing: we map below. */
		(void)!write(go, "1", 1);
		close(go);
		while (waitpid(helper, &status, 0) < 0 && errno == EINTR)
			;
	}
	/* Without the helper, or where it failed part way, map ourselves only: setgroups must
	 * be denied before an unprivileged process may write gid_map. */
	if (map_empty("/proc/self/uid_map")) {
		snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)uid);
		if ((rc = write_file("/proc/self/uid_map", map)) < 0)
			goto map_fail;
	}
	if (map_empty("/proc/self/gid_map")) {
		rc = write_file("/proc/self/setgroups", "deny");
		if (rc < 0 && rc != -ENOENT)
			goto map_fail;
		snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)gid);
		if ((rc = write_file("/proc/self/gid_map", map)) < 0)
			goto map_fail;
	}
	/* The original network namespace belongs to the initial user namespace, which we no
	 * longer have rights in, so sandbox_leave() could not return to it: give the process a
	 * home namespace of its own. */
home:
	if (unshare(CLONE_NEWNET) < 0) {
		int e = errno;
		errbuf_set(errbuf, errlen, "cannot create a network namespace: %s (run 'tcplab doctor')",
		        errbuf_strerror(e, eb, sizeof(eb)));
		return -e;
	}
	/* A mount namespace of our own too, private from the host's, so that a grade's folder
	 * can be a size-limited tmpfs as under root (a program cannot fill the user's /tmp).
	 * Without it a grade falls back to a plain folder, each file limited by RLIMIT_FSIZE. */
	if (unshare(CLONE_NEWNS) == 0)
		(void)mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	return 0;
map_fail:
	errbuf_set(errbuf, errlen, "cannot map user %u to root in a new user namespace: %s "
	        "(run 'tcplab doctor')", (unsigned)uid, errbuf_strerror(-rc, eb, sizeof(eb)));
	return rc;
}

/* Creates a namespace for the calling thread, keeps an fd and a netlink socket in it, sets
 * it up (lo up; IPv6 off on new devices), and returns the thread to home_fd. */
static int netns_make(int home_fd, int *nsfd, struct netlink **nl, char *errbuf, size_t errlen)
{
	char eb[128];
	int rc = 0, e;

	if (unshare(CLONE_NEWNET) < 0) {
		e = errno;
		errbuf_set(errbuf, errlen, "cannot create a network namespace: %s (run 'tcplab doctor')",
		        errbuf_strerror(e, eb, sizeof(eb)));
		return -e;
	}
	*nsfd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*nsfd < 0) {
		rc = -errno;
		errbuf_set(errbuf, errlen, "cannot open the new network namespace: %s",
		        errbuf_strerror(-rc, eb, sizeof(eb)));
		goto back;
	}
	*nl = netlink_new(errbuf, errlen);
	if (!*nl) {
		rc = -EIO;
		goto back;
	}
	/* Devices created from now on get no IPv6: no router solicitations or MLD reports in
	 * the captures. lo keeps ::1. ENOENT: a kernel without IPv6. */
	e = write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	if (e < 0 && e != -ENOENT) {
		rc = e;
		errbuf_set(errbuf, errlen, "cannot turn off IPv6 in the sandbox: %s",
		        errbuf_strerror(-e, eb, sizeof(eb)));
		goto back;
	}
	rc = netlink_set_up(*nl, "lo", true, errbuf, errlen);
back:
	if (setns(home_fd, CLONE_NEWNET) < 0) {
		e = errno;
		/* The thread is stranded in the new namespace: say so whatever else failed. */
		errbuf_set(errbuf, errlen, "cannot return to the original network namespace: %s",
		        errbuf_strerror(e, eb, sizeof(eb)));
		return -e;
	}
	return rc;
}

static int build_two_hosts(struct sandbox *sb, char *errbuf, size_t errlen)
{
	struct netlink *c = sb->nl[NS_CLIENT], *s = sb->nl[NS_SERVER], *w = sb->nl[NS_WIRE];
	struct in_addr ca, sa;
	uint8_t cmac[6], smac[6];
	int rc;

	inet_pton(AF_INET, ADDR_CLIENT, &ca);
	inet_pton(AF_INET, ADDR_SERVER, &sa);
	if ((rc = netlink_veth_add(c, DEV_HOST, DEV_WIRE_CLIENT, sb->ns[NS_WIRE], errbuf, errlen)) < 0 ||
	    (rc = netlink_veth_add(s, DEV_HOST, DEV_WIRE_SERVER, sb->ns[NS_WIRE], errbuf, errlen)) < 0 ||
	    (rc = netlink_bridge_add(w, DEV_BRIDGE, errbuf, errlen)) < 0 ||
	    (rc = netlink_set_master(w, DEV_WIRE_CLIENT, DEV_BRIDGE, errbuf, errlen)) < 0 ||
	    (rc = netlink_set_master(w, DEV_WIRE_SERVER, DEV_BRIDGE, errbuf, errlen)) < 0 ||
	    (rc = netlink_offloads_off(w, DEV_WIRE_CLIENT, errbuf, errlen)) < 0 ||
	    (rc = netlink_offloads_off(w, DEV_WIRE_SERVER, errbuf, errlen)) < 0 ||
	    (rc = netlink_offloads_off(c, DEV_HOST, errbuf, errlen)) < 0 ||
	    (rc = netlink_offloads_off(s, DEV_HOST, errbuf, errlen)) < 0 ||
	    (rc = netlink_addr_add(c, DEV_HOST, ca, PREFIX_LEN, errbuf, errlen)) < 0 ||
	    (rc = netlink_addr_add(s, DEV_HOST, sa, PREFIX_LEN, errbuf, errlen)) < 0 ||
	    (rc = netlink_mac(c, DEV_HOST, cmac, errbuf, errlen)) < 0 ||
	    (rc = netlink_mac(s, DEV_HOST, smac, errbuf, errlen)) < 0 ||
	    (rc = netlink_neigh_set(c, DEV_HOST, sa, smac, errbuf, errlen)) < 0 ||
	    (rc = netlink_neigh_set(s, DEV_HOST, ca, cmac, errbuf, errlen)) < 0 ||
	    (rc = netlink_set_up(w, DEV_BRIDGE, true, errbuf, errlen)) < 0 ||
	    (rc = netlink_set_up(w, DEV_WIRE_CLIENT, true, errbuf, errlen)) < 0 ||
	    (rc = netlink_set_up(w, DEV_WIRE_SERVER, true, errbuf, errlen)) < 0 ||
	    (rc = netlink_set_up(c, DEV_HOST, true, errbuf, errlen)) < 0 ||
	    (rc = netlink_set_up(s, DEV_HOST, true, errbuf, errlen)) < 0)
		return rc;
	/* Until the kernel's link watch has seen the carrier, a device drops what it is given
	 * before any capture sees it: a SYN sent now would vanish and come back 1 s later. */
	if ((rc = netlink_wait_oper(w, DEV_WIRE_CLIENT, true, LINK_UP_TIMEOUT_MS, errbuf, errlen)) < 0 ||
	    (rc = netlink_wait_oper(w, DEV_WIRE_SERVER, true, LINK_UP_TIMEOUT_MS, errbuf, errlen)) < 0 ||
	    (rc = netlink_wait_oper(c, DEV_HOST, true, LINK_UP_TIMEOUT_MS, errbuf, errlen)) < 0 ||
	    (rc = netlink_wait_oper(s, DEV_HOST, true, LINK_UP_TIMEOUT_MS, errbuf, errlen)) < 0)
		return rc;
	return 0;
}

int sandbox_make(enum sandbox_topo topo, struct sandbox **out, char *errbuf, size_t errlen)
{
	struct sandbox *sb;
	int n = topo == SANDBOX_TWO_HOSTS ? NS_COUNT : 1;
	char eb[128];
	int rc;

	*out = NULL;
	if ((rc = sandbox_prepare(errbuf, errlen)) < 0)
		return rc;
	sb = calloc(1, sizeof(*sb));
	if (!sb) {
		errbuf_set(errbuf, errlen, "cannot create a sandbox: out of memory");
		return -ENOMEM;
	}
	sb->topo = topo;
	sb->port_lock = -1;
	for (int i = 0; i < NS_COUNT; i++)
		sb->ns[i] = -1;
	sb->home_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (sb->home_fd < 0) {
		rc = -errno;
		errbuf_set(errbuf, errlen, "cannot open the current network namespace: %s",
		        errbuf_strerror(-rc, eb, sizeof(eb)));
		goto fail;
	}
	for (int i = 0; i < n; i++)
		if ((rc = netns_make(sb->home_fd, &sb->ns[i], &sb->nl[i], errbuf, errlen)) < 0)
			goto fail;
	if (topo == SANDBOX_TWO_HOSTS && (rc = build_two_hosts(sb, errbuf, errlen)) < 0)
		goto fail;
	*out = sb;
	return 0;
fail:
	sandbox_free(sb);
	return rc < 0 ? rc : -EIO;
}

struct sandbox *sandbox_new(enum sandbox_topo topo, char *errbuf, size_t errlen)
{
	struct sandbox *sb;

	return sandbox_make(topo, &sb, errbuf, errlen) < 0 ? NULL : sb;
}

/*
 * Reserve port for this process: an abstract unix socket "tcplab-port-N" is the lock. Its
 * name lives in the network namespace, exactly the scope of the port, and it vanishes with
 * the process however it dies: no lock file is ever left behind. The port must also be
 * free of every TCP socket, TIME_WAIT ones included (a bind without SO_REUSEADDR says so),
 * or an earlier connection's segments could join the run's, and of UDP sockets.
 */
static int port_reserve(int port)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
	                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len;
	int lock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), probe;
	bool free_port;

	if (lock < 0)
		return -1;
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	      (size_t)snprintf(un.sun_path + 1, sizeof(un.sun_path) - 1, "tcplab-port-%d", port));
	if (bind(lock, (struct sockaddr *)&un, len) < 0) {
		close(lock);
		return -1;
	}
	probe = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	free_port = probe >= 0 && bind(probe, (struct sockaddr *)&in, sizeof(in)) == 0;
	if (probe >= 0)
		close(probe);
	/* UDP too: the run's end-of-run marker is sent from it (engine/labrun.c). */
	probe = free_port ? socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0) : -1;
	free_port = probe >= 0 && bind(probe, (struct sockaddr *)&in, sizeof(in)) == 0;
	if (probe >= 0)
		close(probe);
	if (!free_port) {
		close(lock);
		return -1;
	}
	return lock;
}

struct sandbox *sandbox_new_here(char *errbuf, size_t errlen)
{
	struct sandbox *sb = calloc(1, sizeof(*sb));
	int first;

	if (!sb) {
		errbuf_set(errbuf, errlen, "cannot create a sandbox: out of memory");
		return NULL;
	}
	sb->topo = SANDBOX_LOOPBACK;
	sb->here = true;
	sb->home_fd = -1;
	sb->port_lock = -1;
	for (int i = 0; i < NS_COUNT; i++)
		sb->ns[i] = -1;
	/* Start where the pid points, so runs started together seldom try the same ports. */
	first = (int)((unsigned)getpid() % HERE_PORT_COUNT);
	for (int i = 0; i < HERE_PORT_COUNT && sb->port_lock < 0; i++) {
		int port = HERE_PORT_FIRST + (first + i) % HERE_PORT_COUNT;

		sb->port_lock = port_reserve(port);
		if (sb->port_lock >= 0)
			sb->port = port;
	}
	if (sb->port_lock < 0) {
		errbuf_set(errbuf, errlen, "cannot find a free TCP port on the loopback between %d"
		           " and %d for the lab", HERE_PORT_FIRST, HERE_PORT_FIRST + HERE_PORT_COUNT - 1);
		free(sb);
		return NULL;
	}
	return sb;
}

bool sandbox_is_here(const struct sandbox *sb)
{
	return sb->here;
}

int sandbox_port(const struct sandbox *sb, int lab_port)
{
	return sb->here ? sb->port : lab_port;
}

void sandbox_free(struct sandbox *sb)
{
	if (!sb)
		return;
	for (int i = 0; i < NS_COUNT; i++) {
		netlink_free(sb->nl[i]);
		if (sb->ns[i] >= 0)
			close(sb->ns[i]);
	}
	if (sb->home_fd >= 0)
		close(sb->home_fd);
	if (sb->port_lock >= 0)
		close(sb->port_lock);
	free(sb);
}

enum sandbox_topo sandbox_topo(const struct sandbox *sb)
{
	return sb->topo;
}

static int host_ns(const struct sandbox *sb, enum sandbox_host h)
{
	return sb->topo == SANDBOX_TWO_HOSTS && h == HOST_SERVER ? NS_SERVER : NS_CLIENT;
}

int sandbox_netns_fd(const struct sandbox *sb, enum sandbox_host h)
{
	return sb->ns[host_ns(sb, h)];
}

int sandbox_enter(struct sandbox *sb, enum sandbox_host h, char *errbuf, size_t errlen)
{
	char eb[128];

	if (sb->here)   /* already there, and setns would be refused anyway */
		return 0;
	if (setns(sandbox_netns_fd(sb, h), CLONE_NEWNET) < 0) {
		int e = errno;
		errbuf_set(errbuf, errlen, "cannot enter the %s's network namespace: %s",
		        h == HOST_SERVER ? "server" : "client", errbuf_strerror(e, eb, sizeof(eb)));
		return -e;
	}
	return 0;
}

int sandbox_leave(struct sandbox *sb, char *errbuf, size_t errlen)
{
	char eb[128];

	if (sb->here)
		return 0;
	if (setns(sb->home_fd, CLONE_NEWNET) < 0) {
		int e = errno;
		errbuf_set(errbuf, errlen, "cannot return to the original network namespace: %s",
		        errbuf_strerror(e, eb, sizeof(eb)));
		return -e;
	}
	return 0;
}

const char *sandbox_addr(const struct sandbox *sb, enum sandbox_host h)
{
	if (sb->topo == SANDBOX_LOOPBACK)
		return "127.0.0.1";
	return h == HOST_SERVER ? ADDR_SERVER : ADDR_CLIENT;
}

const char *sandbox_capture_dev(const struct sandbox *sb)
{
	return sb->topo == SANDBOX_LOOPBACK ? "lo" : DEV_HOST;
}

bool sandbox_is_cut(const struct sandbox *sb)
{
	return sb->cut;
}

int sandbox_cut(struct sandbox *sb, bool cut, char *errbuf, size_t errlen)
{
	struct netlink *c = sb->nl[NS_CLIENT], *s = sb->nl[NS_SERVER], *w = sb->nl[NS_WIRE];
	struct in_addr ca, sa;
	uint8_t cmac[6], smac[6];
	int rc;

	if (sb->topo != SANDBOX_TWO_HOSTS) {
		errbuf_set(errbuf, errlen, "cannot cut the cable: a loopback sandbox has no cable");
		return -EINVAL;
	}
	if ((rc = netlink_set_up(w, DEV_WIRE_SERVER, !cut, errbuf, errlen)) < 0)
		return rc;
	sb->cut = cut;
	/* Return once the kernel has acted on the server's loss of carrier: the wait for UP on
	 * restore then means something even after a short cut. */
	if (cut)
		return netlink_wait_oper(s, DEV_HOST, false, LINK_UP_TIMEOUT_MS, errbuf, errlen);
	/* Loss of carrier keeps addresses and permanent neighbours, but nothing here should
	 * rest on that: put them back as they were built (replace is a no-op when present). */
	inet_pton(AF_INET, ADDR_CLIENT, &ca);
	inet_pton(AF_INET, ADDR_SERVER, &sa);
	if ((rc = netlink_addr_add(s, DEV_HOST, sa, PREFIX_LEN, errbuf, errlen)) < 0 ||
	    (rc = netlink_addr_add(c, DEV_HOST, ca, PREFIX_LEN, errbuf, errlen)) < 0 ||
	    (rc = netlink_mac(c, DEV_HOST, cmac, errbuf, errlen)) < 0 ||
	    (rc = netlink_mac(s, DEV_HOST, smac, errbuf, errlen)) < 0 ||
	    (rc = netlink_neigh_set(c, DEV_HOST, sa, smac, errbuf, errlen)) < 0 ||
	    (rc = netlink_neigh_set(s, DEV_HOST, ca, cmac, errbuf, errlen)) < 0 ||
	    (rc = netlink_wait_oper(w, DEV_WIRE_SERVER, true, LINK_UP_TIMEOUT_MS, errbuf, errlen)) < 0 ||
	    (rc = netlink_wait_oper(s, DEV_HOST, true, LINK_UP_TIMEOUT_MS, errbuf, errlen)) < 0)
		return rc;
	return 0;
}

/* A packet socket on dev of the calling thread's namespace; frames it sends itself are
 * not read back (PACKET_IGNORE_OUTGOING), so a wire does not forward its own output. */
static int packet_socket(int ifindex, const char *dev, char *errbuf, size_t errlen)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
	                           .sll_ifindex = ifindex };
	int one = 1, size = 4 << 20;
	char eb[128];
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));

	if (fd < 0 || setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		errbuf_set(errbuf, errlen, "cannot open a packet socket on the wire's '%s': %s", dev,
		           errbuf_strerror(errno, eb, sizeof(eb)));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* Bursts of a lab's segments must not overflow it; the forced size needs
	 * CAP_NET_ADMIN, which the sandbox has, and the plain one is the fallback. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return fd;
}

int sandbox_wire_ports(struct sandbox *sb, int fds[2], char *errbuf, size_t errlen)
{
	struct netlink *w = sb->nl[NS_WIRE];
	static const char *const dev[2] = { DEV_WIRE_CLIENT, DEV_WIRE_SERVER };
	char eb[128];
	int rc = 0;

	fds[0] = fds[1] = -1;
	if (sb->topo != SANDBOX_TWO_HOSTS) {
		errbuf_set(errbuf, errlen, "cannot put a wire in a loopback sandbox: it has no cable");
		return -EINVAL;
	}
	if ((rc = netlink_set_master(w, DEV_WIRE_CLIENT, NULL, errbuf, errlen)) < 0 ||
	    (rc = netlink_set_master(w, DEV_WIRE_SERVER, NULL, errbuf, errlen)) < 0)
		return rc;
	if (setns(sb->ns[NS_WIRE], CLONE_NEWNET) < 0) {
		rc = -errno;
		errbuf_set(errbuf, errlen, "cannot enter the wire's network namespace: %s",
		           errbuf_strerror(-rc, eb, sizeof(eb)));
		return rc;
	}
	for (int h = 0; h < 2 && rc == 0; h++) {
		int idx = netlink_ifindex(w, dev[h]);

		fds[h] = idx > 0 ? packet_socket(idx, dev[h], errbuf, errlen) : -1;
		if (idx <= 0)
			errbuf_set(errbuf, errlen, "the wire's '%s' is missing", dev[h]);
		if (fds[h] < 0)
			rc = -EIO;
	}
	if (sandbox_leave(sb, eb, sizeof(eb)) < 0) {
		errbuf_set(errbuf, errlen, "%s", eb);
		rc = -EIO;
	}
	if (rc < 0)
		for (int h = 0; h < 2; h++)
			if (fds[h] >= 0) {
				close(fds[h]);
				fds[h] = -1;
			}
	return rc;
}

/* --- probes ------------------------------------------------------------------------ */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs fn in a forked child (which may enter namespaces freely) and copies back the caps
 * it filled. A child that neither answers nor exits within timeout_ms is killed. */
static bool probe_in_child(void (*fn)(struct sandbox_caps *), struct sandbox_caps *caps,
                           int timeout_ms)
{
	int p[2];
	pid_t pid;
	struct sandbox_caps got;
	size_t have = 0;
	long long deadline = now_ms() + timeout_ms;

	if (pipe2(p, O_CLOEXEC) < 0)
		return false;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return false;
	}
	if (pid == 0) {
		/* Checked by the probe's caller in the parent, never trusted from here. */
		struct sandbox_caps mine = *caps;
		const char *b = (const char *)&mine;
		size_t off = 0;

		close(p[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fn(&mine);
		while (off < sizeof(mine)) {
			ssize_t n = write(p[1], b + off, sizeof(mine) - off);
			if (n <= 0)
				_exit(1);
			off += (size_t)n;
		}
		_exit(0);
	}
	close(p[1]);
	for (;;) {
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		long long left = deadline - now_ms();
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			break;
		n = read(p[0], (char *)&got + have, sizeof(got) - have);
		if (n <= 0)
			break;
		have += (size_t)n;
		if (have == sizeof(got))
			break;
	}
	close(p[0]);
	if (have != sizeof(got))
		kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (have != sizeof(got))
		return false;
	*caps = got;
	return true;
}

/* As an unprivileged user (uid 65534 if we are root): user namespace, then network
 * namespace inside it. */
static void probe_userns(struct sandbox_caps *caps)
{
	char eb[128];
	uid_t uid;

	caps->userns = false;
	/* As real root, test what an ordinary user gets. Inside a user namespace (setgroups
	 * denied) the drop fails: then test a nested one as we are. */
	if (geteuid() == 0 && setgroups(0, NULL) == 0) {
		if (setgid(65534) < 0 || setuid(65534) < 0) {
			snprintf(caps->userns_why, sizeof(caps->userns_why),
			         "cannot become uid 65534 to test it: %s", errbuf_strerror(errno, eb, sizeof(eb)));
			return;
		}
		/* setuid made us undumpable, which makes /proc/self/uid_map root's. */
		prctl(PR_SET_DUMPABLE, 1);
	}
	uid = geteuid();
	if (unshare(CLONE_NEWUSER) < 0) {
		snprintf(caps->userns_why, sizeof(caps->userns_why), "unshare(CLONE_NEWUSER): %s",
		         errbuf_strerror(errno, eb, sizeof(eb)));
		return;
	}
	/* Only gid_map needs setgroups denied; this probe writes uid_map alone. */
	(void)write_file("/proc/self/setgroups", "deny");
	{
		char map[64];
		int rc;
		snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)uid);
		rc = write_file("/proc/self/uid_map", map);
		if (rc < 0) {
			snprintf(caps->userns_why, sizeof(caps->userns_why), "writing uid_map: %s",
			         errbuf_strerror(-rc, eb, sizeof(eb)));
			return;
		}
	}
	if (unshare(CLONE_NEWNET) < 0) {
		snprintf(caps->userns_why, sizeof(caps->userns_why),
		         "unshare(CLONE_NEWNET) inside the user namespace: %s",
		         errbuf_strerror(errno, eb, sizeof(eb)));
		return;
	}
	caps->userns = true;
	caps->userns_why[0] = '\0';
}

static void probe_sandbox(struct sandbox_caps *caps)
{
	char err[256], perr[PCAP_ERRBUF_SIZE];
	struct sandbox *sb;
	pcap_t *pc;
	int rc = sandbox_make(SANDBOX_LOOPBACK, &sb, err, sizeof(err));

	caps->netns = sb != NULL;
	if (!sb) {
		snprintf(caps->netns_why, sizeof(caps->netns_why), "%s", err);
		caps->refused = rc == -EPERM;
		/* Refused: can one-host labs use our own lo instead (a capture on it)? */
		if (caps->refused && sandbox_can_here() && (pc = pcap_create("lo", perr)) != NULL) {
			caps->here = pcap_activate(pc) >= 0;
			pcap_close(pc);
		}
		snprintf(caps->capture_why, sizeof(caps->capture_why), "no sandbox to capture in");
		snprintf(caps->veth_why, sizeof(caps->veth_why), "no sandbox to build it in");
		return;
	}
	if (sandbox_enter(sb, HOST_CLIENT, err, sizeof(err)) < 0) {
		snprintf(caps->capture_why, sizeof(caps->capture_why), "%s", err);
	} else {
		pc = pcap_create("lo", perr);
		if (!pc) {
			snprintf(caps->capture_why, sizeof(caps->capture_why), "pcap_create: %.200s", perr);
		} else {
			rc = pcap_activate(pc);
			caps->capture = rc >= 0;
			if (rc < 0)
				snprintf(caps->capture_why, sizeof(caps->capture_why), "pcap_activate: %.200s",
				         rc == PCAP_ERROR ? pcap_geterr(pc) : pcap_statustostr(rc));
			pcap_close(pc);
		}
		(void)sandbox_leave(sb, err, sizeof(err));
	}
	sandbox_free(sb);
	sb = sandbox_new(SANDBOX_TWO_HOSTS, err, sizeof(err));
	caps->veth = sb != NULL;
	if (!sb)
		snprintf(caps->veth_why, sizeof(caps->veth_why), "%s", err);
	sandbox_free(sb);
}

void sandbox_probe(struct sandbox_caps *caps)
{
	memset(caps, 0, sizeof(*caps));
	caps->root = privileged_here();
	caps->unprivileged_userns_clone = read_long("/proc/sys/kernel/unprivileged_userns_clone");
	caps->max_user_namespaces = read_long("/proc/sys/user/max_user_namespaces");
	caps->apparmor_restrict_userns =
		read_long("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
	if (!probe_in_child(probe_userns, caps, 5000) && !caps->userns_why[0])
		snprintf(caps->userns_why, sizeof(caps->userns_why), "the probe did not finish");
	if (!probe_in_child(probe_sandbox, caps, 10000)) {
		caps->netns = caps->veth = caps->capture = false;
		snprintf(caps->netns_why, sizeof(caps->netns_why), "the probe did not finish");
	}
}
