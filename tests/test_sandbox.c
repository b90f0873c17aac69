/* summary: tests for engine/sandbox: topologies, reachability, offloads, the silent cut, cleanup on SIGKILL, the unprivileged path. */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capture/dissect.h"
#include "engine/sandbox.h"
#include "tests/lib/isorun.h"
#include "tests/lib/privdrop.h"

#define PORT 7001

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct sandbox *new_or_skip(enum sandbox_topo topo)
{
	char err[256];
	struct sandbox *sb;

	if (geteuid() != 0)
		cr_skip_test("in-process sandboxes need root here: Criterion workers may have threads, "
		             "which rules out entering a user namespace");
	sb = sandbox_new(topo, err, sizeof(err));
	cr_assert_not_null(sb, "sandbox_new: %s", err);
	return sb;
}

static void enter(struct sandbox *sb, enum sandbox_host h)
{
	char err[256];

	cr_assert_eq(sandbox_enter(sb, h, err, sizeof(err)), 0, "%s", err);
}

static void leave(struct sandbox *sb)
{
	char err[256];

	cr_assert_eq(sandbox_leave(sb, err, sizeof(err)), 0, "%s", err);
}

static ino_t thread_netns_ino(void)
{
	struct stat st;

	cr_assert_eq(stat("/proc/thread-self/ns/net", &st), 0);
	return st.st_ino;
}

/* A listening socket in host h's namespace, bound to its address. */
static int listen_in(struct sandbox *sb, enum sandbox_host h)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	int one = 1, fd;

	enter(sb, h);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	leave(sb);
	cr_assert_geq(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	inet_pton(AF_INET, sandbox_addr(sb, h), &a.sin_addr);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0, "bind %s: %s",
	             sandbox_addr(sb, h), strerror(errno));
	cr_assert_eq(listen(fd, 4), 0);
	return fd;
}

/* Connects from the client host to the server host, within timeout_ms. */
static int connect_from_client(struct sandbox *sb, int timeout_ms)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	struct pollfd pfd;
	int fd, err = 0;
	socklen_t len = sizeof(err);

	enter(sb, HOST_CLIENT);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	leave(sb);
	cr_assert_geq(fd, 0);
	inet_pton(AF_INET, sandbox_addr(sb, HOST_SERVER), &a.sin_addr);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		cr_assert_eq(errno, EINPROGRESS, "connect: %s", strerror(errno));
	pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
	cr_assert_eq(poll(&pfd, 1, timeout_ms), 1, "connect to %s did not complete in %d ms",
	             sandbox_addr(sb, HOST_SERVER), timeout_ms);
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	cr_assert_eq(err, 0, "connect: %s", strerror(err));
	return fd;
}

static int accept_within(int lfd, int timeout_ms)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	int fd;

	cr_assert_eq(poll(&pfd, 1, timeout_ms), 1, "no connection arrived in %d ms", timeout_ms);
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	cr_assert_geq(fd, 0);
	return fd;
}

static void round_trip(int cfd, int sfd)
{
	struct pollfd pfd = { .fd = sfd, .events = POLLIN };
	char c = 0;

	cr_assert_eq(send(cfd, "a", 1, MSG_NOSIGNAL), 1);
	cr_assert_eq(poll(&pfd, 1, 2000), 1, "data sent by the client did not arrive");
	cr_assert_eq(recv(sfd, &c, 1, 0), 1);
	cr_assert_eq(c, 'a');
}

Test(sandbox, loopback_connects_on_127_0_0_1, .timeout = 10)
{
	struct sandbox *sb = new_or_skip(SANDBOX_LOOPBACK);
	int lfd, cfd, sfd;

	cr_assert_str_eq(sandbox_addr(sb, HOST_CLIENT), "127.0.0.1");
	cr_assert_str_eq(sandbox_addr(sb, HOST_SERVER), "127.0.0.1");
	cr_assert_str_eq(sandbox_capture_dev(sb), "lo");
	cr_assert_eq(sandbox_netns_fd(sb, HOST_CLIENT), sandbox_netns_fd(sb, HOST_SERVER));
	lfd = listen_in(sb, HOST_SERVER);
	cfd = connect_from_client(sb, 2000);
	sfd = accept_within(lfd, 2000);
	round_trip(cfd, sfd);
	close(cfd);
	close(sfd);
	close(lfd);
	sandbox_free(sb);
}

Test(sandbox, enter_and_leave_move_only_the_calling_thread_and_come_back, .timeout = 10)
{
	struct sandbox *sb = new_or_skip(SANDBOX_TWO_HOSTS);
	ino_t home = thread_netns_ino();
	struct stat c, s;

	fstat(sandbox_netns_fd(sb, HOST_CLIENT), &c);
	fstat(sandbox_netns_fd(sb, HOST_SERVER), &s);
	cr_assert_neq(c.st_ino, s.st_ino, "client and server share a namespace");
	cr_assert_neq(c.st_ino, home);
	enter(sb, HOST_SERVER);
	cr_assert_eq(thread_netns_ino(), s.st_ino);
	enter(sb, HOST_CLIENT);
	cr_assert_eq(thread_netns_ino(), c.st_ino);
	leave(sb);
	cr_assert_eq(thread_netns_ino(), home);
	sandbox_free(sb);
}

Test(sandbox, two_hosts_client_reaches_server_over_the_wire, .timeout = 10)
{
	struct sandbox *sb = new_or_skip(SANDBOX_TWO_HOSTS);
	struct sockaddr_in peer;
	socklen_t len = sizeof(peer);
	int lfd, cfd, sfd;
	char addr[INET_ADDRSTRLEN];

	cr_assert_str_eq(sandbox_addr(sb, HOST_CLIENT), "10.99.0.1");
	cr_assert_str_eq(sandbox_addr(sb, HOST_SERVER), "10.99.0.2");
	cr_assert_str_eq(sandbox_capture_dev(sb), "eth0");
	lfd = listen_in(sb, HOST_SERVER);
	cfd = connect_from_client(sb, 2000);
	sfd = accept_within(lfd, 2000);
	getpeername(sfd, (struct sockaddr *)&peer, &len);
	inet_ntop(AF_INET, &peer.sin_addr, addr, sizeof(addr));
	cr_assert_str_eq(addr, "10.99.0.1", "the server saw the client as %s", addr);
	round_trip(cfd, sfd);
	close(cfd);
	close(sfd);
	close(lfd);
	sandbox_free(sb);
}

static uint32_t ethtool_get(int fd, const char *dev, uint32_t cmd)
{
	struct ethtool_value ev = { .cmd = cmd };
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ifr.ifr_data = (char *)&ev;
	cr_assert_eq(ioctl(fd, SIOCETHTOOL, &ifr), 0, "SIOCETHTOOL %#x on %s: %s", cmd, dev,
	             strerror(errno));
	return ev.data;
}

Test(sandbox, two_hosts_have_checksum_and_segmentation_offloads_off, .timeout = 10)
{
	static const struct { uint32_t cmd; const char *name; } gets[] = {
		{ ETHTOOL_GTXCSUM, "tx-checksumming" },
		{ ETHTOOL_GSG, "scatter-gather" },
		{ ETHTOOL_GTSO, "tcp-segmentation-offload" },
		{ ETHTOOL_GGSO, "generic-segmentation-offload" },
		{ ETHTOOL_GGRO, "generic-receive-offload" },
	};
	struct sandbox *sb = new_or_skip(SANDBOX_TWO_HOSTS);

	for (int h = HOST_CLIENT; h <= HOST_SERVER; h++) {
		int fd;
		enter(sb, (enum sandbox_host)h);
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		leave(sb);
		cr_assert_geq(fd, 0);
		for (size_t i = 0; i < sizeof(gets) / sizeof(gets[0]); i++)
			cr_expect_eq(ethtool_get(fd, "eth0", gets[i].cmd), 0, "%s is on in the %s",
			             gets[i].name, h == HOST_SERVER ? "server" : "client");
		close(fd);
	}
	sandbox_free(sb);
}

Test(sandbox, cut_on_a_loopback_sandbox_is_refused, .timeout = 10)
{
	struct sandbox *sb = new_or_skip(SANDBOX_LOOPBACK);
	char err[256] = "";

	cr_assert_eq(sandbox_cut(sb, true, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "loopback"), "message: %s", err);
	sandbox_free(sb);
}

/* Counts, among the packets waiting on pc, payload-carrying segments from 'from' and any
 * segment at all from 'silent'. */
static void count_segments(pcap_t *pc, const char *from, const char *silent, int *data_from,
                           int *any_silent)
{
	struct pcap_pkthdr *h;
	const u_char *pkt;
	struct tcp_segment seg;
	char err[128], src[64];

	while (pcap_next_ex(pc, &h, &pkt) == 1) {
		if (dissect_packet(pcap_datalink(pc), pkt, h->caplen, &seg, err, sizeof(err)) != DISSECT_TCP)
			continue;
		dissect_addr_str(&seg, true, src, sizeof(src));
		if (!strcmp(src, from) && seg.len > 0)
			(*data_from)++;
		if (!strcmp(src, silent))
			(*any_silent)++;
	}
}

static pcap_t *capture_in_client(struct sandbox *sb)
{
	char perr[PCAP_ERRBUF_SIZE];
	struct bpf_program prog;
	pcap_t *pc;

	enter(sb, HOST_CLIENT);
	pc = pcap_create(sandbox_capture_dev(sb), perr);
	cr_assert_not_null(pc, "%s", perr);
	pcap_set_snaplen(pc, 256);
	pcap_set_immediate_mode(pc, 1);
	pcap_set_buffer_size(pc, 4 << 20);
	cr_assert_geq(pcap_activate(pc), 0, "pcap_activate: %s", pcap_geterr(pc));
	leave(sb);
	cr_assert_eq(pcap_compile(pc, &prog, "tcp port 7001", 1, PCAP_NETMASK_UNKNOWN), 0);
	cr_assert_eq(pcap_setfilter(pc, &prog), 0);
	pcap_freecode(&prog);
	cr_assert_eq(pcap_setnonblock(pc, 1, perr), 0, "%s", perr);
	return pc;
}

/* Waits up to ms for the next packet on pc (poll on its selectable fd). */
static void wait_capture(pcap_t *pc, int ms)
{
	struct pollfd pfd = { .fd = pcap_get_selectable_fd(pc), .events = POLLIN };

	(void)poll(&pfd, 1, ms);
}

Test(sandbox, cut_silences_the_server_keeps_client_retransmissions_visible_and_restore_delivers,
     .timeout = 20)
{
	struct sandbox *sb = new_or_skip(SANDBOX_TWO_HOSTS);
	char err[256], c = 0;
	struct tcp_info ti;
	socklen_t tlen = sizeof(ti);
	struct pollfd pfd;
	int lfd, cfd, sfd, data_from_client = 0, from_server = 0, dummy = 0;
	long long deadline;
	pcap_t *pc = capture_in_client(sb);

	lfd = listen_in(sb, HOST_SERVER);
	cfd = connect_from_client(sb, 2000);
	sfd = accept_within(lfd, 2000);
	round_trip(cfd, sfd);
	/* Everything before the cut is not what this test is about. */
	wait_capture(pc, 200);
	count_segments(pc, "10.99.0.1", "10.99.0.2", &dummy, &dummy);

	cr_assert_eq(sandbox_cut(sb, true, err, sizeof(err)), 0, "%s", err);
	cr_assert(sandbox_is_cut(sb));
	cr_assert_eq(send(cfd, "b", 1, MSG_NOSIGNAL), 1);
	/* Nothing may arrive while the cable is out; the client must retransmit meanwhile
	 * (tail loss probe at ~200 ms, then RTO backoff). */
	pfd = (struct pollfd){ .fd = sfd, .events = POLLIN };
	cr_assert_eq(poll(&pfd, 1, 800), 0, "data crossed a cut cable");
	cr_assert_eq(getsockopt(cfd, IPPROTO_TCP, TCP_INFO, &ti, &tlen), 0);
	cr_assert_geq(ti.tcpi_unacked, 1, "the client has nothing outstanding");
	cr_assert_geq(ti.tcpi_total_retrans, 1, "the client did not retransmit during the cut");
	deadline = now_ms() + 2000;
	while (data_from_client < 2 && now_ms() < deadline) {
		wait_capture(pc, (int)(deadline - now_ms()));
		count_segments(pc, "10.99.0.1", "10.99.0.2", &data_from_client, &from_server);
	}
	cr_assert_geq(data_from_client, 2,
	              "the capture on the client's eth0 saw %d data segments during the cut: "
	              "the original and its retransmission(s) must show", data_from_client);
	cr_assert_eq(from_server, 0, "%d segments from the server were captured during the cut",
	             from_server);

	cr_assert_eq(sandbox_cut(sb, false, err, sizeof(err)), 0, "%s", err);
	cr_assert_not(sandbox_is_cut(sb));
	/* The next retransmission (RTO backoff: well under 4 s here) must get through. */
	cr_assert_eq(poll(&pfd, 1, 5000), 1, "the data did not arrive after the restore");
	cr_assert_eq(recv(sfd, &c, 1, 0), 1);
	cr_assert_eq(c, 'b');
	round_trip(cfd, sfd);
	pcap_close(pc);
	close(cfd);
	close(sfd);
	close(lfd);
	sandbox_free(sb);
}

/* Appends to inos every "net:[N]" the given symlink points to. */
static void collect_net_link(const char *path, unsigned long *inos, int *n, int max)
{
	char target[128];
	ssize_t len = readlink(path, target, sizeof(target) - 1);
	unsigned long ino;

	if (len <= 0)
		return;
	target[len] = '\0';
	if (sscanf(target, "net:[%lu]", &ino) == 1 && *n < max)
		inos[(*n)++] = ino;
}

Test(sandbox, namespaces_vanish_when_the_process_is_killed, .timeout = 20)
{
	int info[2], hold[2];
	unsigned long inos[8];
	int n = 0;
	ino_t home = thread_netns_ino();
	pid_t pid;
	ssize_t got;

	if (geteuid() != 0)
		cr_skip_test("needs root to see every process's namespaces");
	cr_assert_eq(pipe(info), 0);
	cr_assert_eq(pipe(hold), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		char err[256];
		struct sandbox *sb;
		DIR *d;
		struct dirent *e;
		unsigned long mine[8];
		int k = 0;

		close(info[0]);
		close(hold[1]);
		sb = sandbox_new(SANDBOX_TWO_HOSTS, err, sizeof(err));
		if (!sb)
			_exit(1);
		/* Report every namespace this process holds by fd: client, server, wire. */
		d = opendir("/proc/self/fd");
		while (d && (e = readdir(d))) {
			char path[300];
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
			collect_net_link(path, mine, &k, 8);
		}
		if (d)
			closedir(d);
		(void)!write(info[1], mine, sizeof(mine[0]) * (size_t)k);
		close(info[1]);
		(void)!read(hold[0], err, 1);   /* blocks until killed */
		_exit(0);
	}
	close(info[1]);
	close(hold[0]);
	got = read(info[0], inos, sizeof(inos));
	close(info[0]);
	cr_assert_gt(got, 0, "the child could not build a sandbox");
	n = (int)(got / (ssize_t)sizeof(inos[0]));
	/* The home namespace is the only one a sandbox may share with the world. */
	for (int i = 0; i < n; i++)
		if (inos[i] == home)
			inos[i--] = inos[--n];
	cr_assert_eq(n, 3, "expected client, server and wire namespaces, got %d", n);
	for (int i = 0; i < n; i++)
		cr_assert(isorun_netns_in_use(inos[i]), "namespace %lu not seen while its holder lives: "
		          "the scan is blind", inos[i]);
	cr_assert_eq(kill(pid, SIGKILL), 0);
	/* Reaped means its fds are closed: the namespaces have no holder left. */
	cr_assert_eq(waitpid(pid, NULL, 0), pid);
	close(hold[1]);
	for (int i = 0; i < n; i++)
		cr_assert_not(isorun_netns_in_use(inos[i]), "namespace %lu outlived its SIGKILLed holder",
		              inos[i]);
}

Test(sandbox, probe_finds_what_this_machine_allows, .timeout = 30)
{
	struct sandbox_caps caps;
	ino_t home = thread_netns_ino();

	sandbox_probe(&caps);
	cr_assert_eq(thread_netns_ino(), home, "the probe moved the caller");
	cr_assert_eq(caps.root, geteuid() == 0);
	cr_assert(caps.netns, "no network namespace: %s", caps.netns_why);
	cr_assert(caps.veth, "no two-host topology: %s", caps.veth_why);
	cr_assert(caps.capture, "no capture: %s", caps.capture_why);
	if (!caps.userns)
		cr_skip_test("unprivileged user namespaces unavailable: %s", caps.userns_why);
}

/*
 * The unprivileged path must run in a single-threaded process, which a Criterion worker
 * may not be: the test re-executes this binary as nobody, and this constructor, seeing
 * TCPLAB_SANDBOX_HELPER, runs the scenario before Criterion starts and exits with its
 * result (0 ok, 77 the machine forbids it, 1 failure), printing what happened.
 */
static int helper_userns_two_hosts(void)
{
	char err[256];
	struct sandbox *sb = sandbox_new(SANDBOX_TWO_HOSTS, err, sizeof(err));
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	struct pollfd pfd;
	int lfd, cfd, sfd, one = 1;
	char c = 0;

	if (!sb) {
		printf("sandbox_new: %s\n", err);
		return strstr(err, "not permitted") || strstr(err, "limit") ? 77 : 1;
	}
	if (sandbox_enter(sb, HOST_SERVER, err, sizeof(err)) < 0)
		goto fail;
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	inet_pton(AF_INET, "10.99.0.2", &a.sin_addr);
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 1) < 0)
		goto fail_errno;
	if (sandbox_enter(sb, HOST_CLIENT, err, sizeof(err)) < 0)
		goto fail;
	cfd = socket(AF_INET, SOCK_STREAM, 0);
	if (sandbox_leave(sb, err, sizeof(err)) < 0)
		goto fail;
	pfd = (struct pollfd){ .fd = lfd, .events = POLLIN };
	/* Blocking connect: the handshake completes in the kernel before accept. */
	if (connect(cfd, (struct sockaddr *)&a, sizeof(a)) < 0 || poll(&pfd, 1, 2000) != 1 ||
	    (sfd = accept(lfd, NULL, NULL)) < 0 || send(cfd, "u", 1, 0) != 1)
		goto fail_errno;
	pfd = (struct pollfd){ .fd = sfd, .events = POLLIN };
	if (poll(&pfd, 1, 2000) != 1 || recv(sfd, &c, 1, 0) != 1 || c != 'u')
		goto fail_errno;
	if (sandbox_cut(sb, true, err, sizeof(err)) < 0 || sandbox_cut(sb, false, err, sizeof(err)) < 0)
		goto fail;
	printf("ok uid=%u\n", (unsigned)getuid());
	sandbox_free(sb);
	return 0;
fail_errno:
	snprintf(err, sizeof(err), "%s", strerror(errno));
fail:
	printf("failed: %s\n", err);
	return 1;
}

__attribute__((constructor)) static void helper_mode(void)
{
	const char *mode = getenv("TCPLAB_SANDBOX_HELPER");
	int rc;

	if (!mode)
		return;
	rc = strcmp(mode, "userns") ? 2 : helper_userns_two_hosts();
	fflush(stdout);
	/* Test helper only: Criterion's main must not run in this process. */
	_exit(rc);
}

Test(sandbox, an_unprivileged_user_gets_two_hosts_through_a_user_namespace, .timeout = 30)
{
	char self[4096], why[512];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	const char *argv[] = { self, NULL };
	const char *env[] = { "TCPLAB_SANDBOX_HELPER=userns", NULL };
	struct privdrop_result res;
	int rc;

	cr_assert_gt(len, 0);
	self[len] = '\0';
	rc = privdrop_run(argv, env, 20000, &res, why, sizeof(why));
	if (rc < 0)
		cr_skip_test("cannot run the helper as nobody: %s", why);
	if (WIFEXITED(res.status) && WEXITSTATUS(res.status) == 77) {
		cr_log_info("%s", res.output);
		free(res.output);
		cr_skip_test("this machine forbids unprivileged user namespaces (see 'tcplab doctor')");
	}
	cr_expect_not(res.timed_out, "the helper hung");
	cr_expect(WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0,
	          "the helper failed (status %#x): %s", res.status, res.output);
	cr_expect(strstr(res.output, "ok uid=0"), "as nobody, expected to be root in the user "
	          "namespace; output: %s", res.output);
	free(res.output);
}

Test(sandbox, doctor_says_labs_can_run_as_root_and_as_nobody, .timeout = 60)
{
	const char *build = getenv("TCPLAB_BUILD");
	char exe[1024], envb[1100], why[512];
	const char *argv[] = { exe, "doctor", NULL };
	const char *env[] = { envb, NULL };
	struct privdrop_result res;
	pid_t pid;
	int status, rc;

	if (!build)
		cr_skip_test("TCPLAB_BUILD is not set (tests/run.sh sets it)");
	snprintf(exe, sizeof(exe), "%s/tcplab", build);
	snprintf(envb, sizeof(envb), "TCPLAB_BUILD=%s", build);
	if (access(exe, X_OK) < 0)
		cr_skip_test("'%s' is not built", exe);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 1);
		execve(exe, (char *const *)argv, (char *const *)env);
		_exit(127);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	          "'tcplab doctor' as root: status %#x", status);
	rc = privdrop_run(argv, env, 30000, &res, why, sizeof(why));
	if (rc < 0)
		cr_skip_test("cannot run tcplab as nobody: %s", why);
	cr_expect(WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0,
	          "'tcplab doctor' as nobody: status %#x:\n%s", res.status, res.output);
	cr_expect(strstr(res.output, "not root"), "as nobody, doctor should see it is not root:\n%s",
	          res.output);
	free(res.output);
}
