/* summary: tests of where namespaces are refused (a default Docker container): lab 3 on the machine's own lo, the others refused plainly. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <ftw.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/lib/isorun.h"
#include "tests/lib/labtest.h"
#include "tests/lib/tcplab_run.h"
#include "tests/lib/tmuxterm.h"

/*
 * Every run goes through tests/progs/nsdeny (isorun.h, ISORUN_CONTAINER): root without
 * CAP_SYS_ADMIN and CAP_NET_ADMIN, and a seccomp filter that refuses unshare, setns and
 * clone with CLONE_NEW*, as a default 'docker run' does. The refusal is the kernel's, not a
 * mock. Needs root (isorun skips otherwise, saying so).
 */

#define PORT_FIRST 24000   /* engine/sandbox.c's HERE_PORT_FIRST and _COUNT */
#define PORT_LAST 27999

/* The port the run announced: "its programs use port N". */
static int announced_port(const char *out)
{
	const char *p = strstr(out, "its programs use port ");

	cr_assert_not_null(p, "no note that the run is on the machine's own loopback:\n%s", out);
	return atoi(p + strlen("its programs use port "));
}

static void assert_lab3_passed_on_lo(const struct isorun *r, int status, int *port)
{
	char bind_line[64];

	cr_assert_eq(status, 0, "tcplab run 3 exited %d:\n%s", status, r->buf);
	*port = announced_port(r->buf);
	cr_assert(*port >= PORT_FIRST && *port <= PORT_LAST, "port %d is not one reserved for runs",
	          *port);
	/* The note comes once, and the lab's server really used that port. */
	cr_assert_null(strstr(strstr(r->buf, "its programs use port ") + 1, "its programs use port "),
	               "the note was said more than once:\n%s", r->buf);
	snprintf(bind_line, sizeof(bind_line), "bind(3, 127.0.0.1:%d) = 0", *port);
	cr_assert_not_null(strstr(r->buf, bind_line), "the server did not bind %d:\n%s", *port,
	                   r->buf);
	labtest_all_passed(r->buf, 10);
}

Test(fallback, lab3_passes_on_the_machines_own_loopback, .timeout = 90)
{
	static const char *const args[] = { "run", "3", NULL };
	struct isorun r;
	int port;

	isorun_start_as(&r, args, ISORUN_CONTAINER);
	assert_lab3_passed_on_lo(&r, isorun_finish(&r), &port);
	cr_assert_not_null(strstr(r.buf, "refuses to make network namespaces"), "%s", r.buf);
	isorun_assert_clean(&r, 2000);
	isorun_release(&r);
}

Test(fallback, two_runs_at_once_get_ports_of_their_own_and_both_pass, .timeout = 120)
{
	static const char *const args[] = { "run", "3", "--variant", "all", NULL };
	struct isorun r[2];
	int port[2], status[2];

	isorun_start_as(&r[0], args, ISORUN_CONTAINER);
	isorun_start_as(&r[1], args, ISORUN_CONTAINER);
	for (int i = 0; i < 2; i++)
		status[i] = isorun_finish(&r[i]);
	for (int i = 0; i < 2; i++)
		assert_lab3_passed_on_lo(&r[i], status[i], &port[i]);
	cr_assert_neq(port[0], port[1], "both runs used port %d", port[0]);
	for (int i = 0; i < 2; i++) {
		isorun_assert_clean(&r[i], 2000);
		isorun_release(&r[i]);
	}
}

/* Other traffic on the loopback while a run captures there: a connection that trickles. */
struct noise {
	int fd[2];
	int udp;                /* datagrams to port 9, like another run's end-of-run marker */
	atomic_bool stop;
	atomic_long sent;
};

static void *noise_run(void *arg)
{
	struct noise *n = arg;
	struct sockaddr_in nine = { .sin_family = AF_INET, .sin_port = htons(9),
	                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char b[64];

	while (!atomic_load(&n->stop)) {
		/* A segment and its ACK each time; the peer reads it, so no queue fills. */
		if (write(n->fd[0], "noise", 5) != 5 || read(n->fd[1], b, sizeof(b)) <= 0 ||
		    sendto(n->udp, "tcplab-end-of-run-1-1", 21, 0, (struct sockaddr *)&nine,
		           sizeof(nine)) != 21)
			break;
		atomic_fetch_add(&n->sent, 1);
		/* Paces the noise at about a segment a millisecond, a busy neighbour rather than
		 * a flood; nothing waits on it. */
		(void)poll(NULL, 0, 1);
	}
	return NULL;
}

static void noise_start(struct noise *n, pthread_t *th)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	cr_assert_geq(l, 0);
	cr_assert_eq(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(l, 1), 0);
	cr_assert_eq(getsockname(l, (struct sockaddr *)&a, &len), 0);
	n->fd[0] = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_eq(connect(n->fd[0], (struct sockaddr *)&a, sizeof(a)), 0);
	n->fd[1] = accept(l, NULL, NULL);
	cr_assert_geq(n->fd[1], 0);
	close(l);
	n->udp = socket(AF_INET, SOCK_DGRAM, 0);
	cr_assert_geq(n->udp, 0);
	atomic_init(&n->stop, false);
	atomic_init(&n->sent, 0);
	cr_assert_eq(pthread_create(th, NULL, noise_run, n), 0);
}

/* Every captured packet: TCP to or from port, or the run's own end-of-run marker (UDP
 * from port to port 9), never another run's. */
static void assert_only_port(const char *path, int port, long *npkt)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(path, err);
	struct pcap_pkthdr *h;
	const unsigned char *d;

	cr_assert_not_null(pc, "%s", err);
	cr_assert_eq(pcap_datalink(pc), DLT_EN10MB, "lo is Ethernet-framed on Linux");
	*npkt = 0;
	while (pcap_next_ex(pc, &h, &d) == 1) {
		const unsigned char *ip = d + 14;
		size_t ihl;
		unsigned sport, dport;

		cr_assert_geq(h->caplen, 14 + 20 + 4, "a truncated frame in the capture");
		cr_assert_eq(ip[0] >> 4, 4, "not IPv4: the filter let something else through");
		ihl = (size_t)(ip[0] & 15) * 4;
		cr_assert_geq(h->caplen, 14 + ihl + 4);
		sport = (unsigned)ip[ihl] << 8 | ip[ihl + 1];
		dport = (unsigned)ip[ihl + 2] << 8 | ip[ihl + 3];
		if (ip[9] == IPPROTO_UDP)
			cr_assert(dport == 9 && sport == (unsigned)port, "a UDP datagram %u -> %u"
			          " was captured: not this run's marker (port %d)", sport, dport, port);
		else
			cr_assert(ip[9] == IPPROTO_TCP && (sport == (unsigned)port ||
			          dport == (unsigned)port), "a segment %u -> %u (protocol %d) of other"
			          " traffic on lo reached the run's capture (port %d)", sport, dport,
			          ip[9], port);
		(*npkt)++;
	}
	pcap_close(pc);
}

Test(fallback, other_traffic_on_lo_never_reaches_the_capture, .timeout = 90)
{
	static const char *const args[] = { "run", "3", "--pcap", "/tmp/run.pcap", NULL };
	struct isorun r;
	struct noise n;
	pthread_t th;
	char path[256];
	long before, npkt;
	int status, port;

	isorun_start_as(&r, args, ISORUN_CONTAINER);
	noise_start(&n, &th);
	/* The lab's header comes before the sandbox is made: the noise is flowing by then. */
	cr_assert(isorun_read_lines(&r, 1), "%s", r.buf);
	before = atomic_load(&n.sent);
	status = isorun_finish(&r);
	atomic_store(&n.stop, true);
	pthread_join(th, NULL);
	cr_assert_gt(atomic_load(&n.sent), before, "no noise was sent during the run");
	close(n.fd[0]);
	close(n.fd[1]);
	close(n.udp);
	assert_lab3_passed_on_lo(&r, status, &port);
	snprintf(path, sizeof(path), "%s/run.pcap", r.tmp);
	assert_only_port(path, port, &npkt);
	cr_assert_gt(npkt, 20, "only %ld packets captured", npkt);
	unlink(path);     /* asked for, not a leftover */
	isorun_assert_clean(&r, 2000);
	isorun_release(&r);
}

Test(fallback, a_two_host_lab_says_plainly_it_cannot_run_here, .timeout = 60)
{
	static const char *const args[] = { "run", "1", NULL };
	struct isorun r;
	int status;

	isorun_start_as(&r, args, ISORUN_CONTAINER);
	status = isorun_finish(&r);
	cr_assert_eq(status, 1, "exit %d:\n%s", status, r.buf);
	cr_assert_not_null(strstr(r.buf, "lab 1 needs two hosts on a cable"), "%s", r.buf);
	cr_assert_not_null(strstr(r.buf, "refuses to make them"), "%s", r.buf);
	cr_assert_not_null(strstr(r.buf, "Run 'tcplab doctor' for the fix"), "%s", r.buf);
	/* At once: nothing of the lab started. */
	cr_assert_null(strstr(r.buf, "start (pid"), "a program started:\n%s", r.buf);
	isorun_assert_clean(&r, 2000);
	isorun_release(&r);
}

Test(fallback, every_variant_of_a_two_host_lab_is_refused_once, .timeout = 60)
{
	static const char *const args[] = { "run", "4", "--variant", "all", NULL };
	struct isorun r;
	const char *first;
	int status;

	isorun_start_as(&r, args, ISORUN_CONTAINER);
	status = isorun_finish(&r);
	cr_assert_eq(status, 1, "exit %d:\n%s", status, r.buf);
	first = strstr(r.buf, "lab 4 needs two hosts on a cable");
	cr_assert_not_null(first, "%s", r.buf);
	cr_assert_null(strstr(first + strlen("lab 4 needs two hosts"), "needs two hosts"),
	               "said more than once:\n%s", r.buf);
	isorun_assert_clean(&r, 2000);
	isorun_release(&r);
}

Test(fallback, without_cap_net_raw_nothing_runs_on_lo_and_the_old_message_stays, .timeout = 60)
{
	static const char *const args[] = { "run", "3", NULL };
	struct isorun r;
	int status;

	isorun_start_as(&r, args, ISORUN_CONTAINER_NO_RAW);
	status = isorun_finish(&r);
	cr_assert_eq(status, 1, "exit %d:\n%s", status, r.buf);
	cr_assert_not_null(strstr(r.buf, "tcplab: cannot create a user namespace: operation not"
	                          " permitted (run 'tcplab doctor')"), "%s", r.buf);
	cr_assert_null(strstr(r.buf, "its programs use port"), "it claimed to run on lo:\n%s",
	               r.buf);
	isorun_assert_clean(&r, 2000);
	isorun_release(&r);
}

Test(fallback, grading_is_refused_not_run_without_its_jail, .timeout = 60)
{
	static const char *const args[] = { "grade", "3", "--src",
	                                    "tests/exercises/03-stream/ok-epoll", NULL };
	struct isorun r;
	int status;

	isorun_start_as(&r, args, ISORUN_CONTAINER);
	status = isorun_finish(&r);
	cr_assert_eq(status, 1, "exit %d:\n%s", status, r.buf);
	cr_assert_not_null(strstr(r.buf, "cannot grade here"), "%s", r.buf);
	cr_assert_null(strstr(r.buf, "PASS"), "something was graded:\n%s", r.buf);
	isorun_assert_clean(&r, 2000);
	isorun_release(&r);
}

Test(fallback, doctor_names_the_labs_that_can_run_here, .timeout = 60)
{
	static const char *const args[] = { "doctor", NULL };
	struct isorun r;
	int status;

	isorun_start_as(&r, args, ISORUN_CONTAINER);
	status = isorun_finish(&r);
	/* Not every lab can run: the doctor's verdict stays a failure. */
	cr_assert_eq(status, 1, "exit %d:\n%s", status, r.buf);
	cr_assert_not_null(strstr(r.buf, "can run here, on the loopback: lab 3 ("), "%s", r.buf);
	cr_assert_not_null(strstr(r.buf, "cannot run here: labs 1, 2, 4, 5, 6, 7, 8 (they need"
	                          " two hosts on a cable)"), "%s", r.buf);
	cr_assert_not_null(strstr(r.buf, "only the one-host labs named above can run here"),
	                   "%s", r.buf);
	isorun_assert_clean(&r, 2000);
	isorun_release(&r);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

/* The screens: the menu says once why only some labs run; lab 3 runs live there. */
static char cmd[2048];

static const char *contained(const char *args)
{
	char wrap[1024];

	if (geteuid() != 0)
		cr_skip_test("needs root: tests/progs/nsdeny stands for a container's root");
	snprintf(wrap, sizeof(wrap), "%s/tests/progs/nsdeny", test_build());
	if (access(wrap, X_OK) != 0)
		cr_skip_test("'%s' is not built (make %s)", wrap, wrap);
	snprintf(cmd, sizeof(cmd), "exec %s %s/tcplab %s", wrap, test_build(), args);
	return cmd;
}

Test(fallback, the_menu_says_only_one_host_labs_run_here, .timeout = 60)
{
	char xdg[256], state[] = "/tmp/tcplab-fallback-XXXXXX", *s;
	const char *e[] = { xdg, NULL };
	struct term *t;

	cr_assert_not_null(mkdtemp(state));
	snprintf(xdg, sizeof(xdg), "XDG_STATE_HOME=%s", state);
	t = term_start(80, 24, e, contained(""));
	s = term_wait(t, "Enter open the lesson", 10000);
	cr_assert_not_null(strstr(s, "namespaces are refused here (a container?): only one-host"),
	                   "%s", s);
	free(s);
	term_stop(t);
	nftw(state, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

Test(fallback, lab3_runs_live_in_the_demo_on_lo, .timeout = 90)
{
	char xdg[256], state[] = "/tmp/tcplab-fallback-XXXXXX", *s;
	const char *e[] = { xdg, NULL };
	struct term *t;

	cr_assert_not_null(mkdtemp(state));
	snprintf(xdg, sizeof(xdg), "XDG_STATE_HOME=%s", state);
	t = term_start(80, 24, e, contained("demo 3"));
	s = term_wait(t, "checks passed", 60000);
	cr_assert_not_null(strstr(s, "- S 0 -"), "the SYN on the ladder:\n%s", s);
	free(s);
	term_stop(t);
	nftw(state, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* A record keeps the run's variables: judged again, its port is the run's, not the lab's. */
Test(fallback, a_record_of_a_run_on_lo_is_judged_again_on_its_port, .timeout = 90)
{
	static const char *const args[] = { "run", "3", "--record", "/tmp/run.pcapng", NULL };
	static struct tcplab_result res;   /* 272 KiB: not on the stack */
	struct isorun r;
	char path[256];
	const char *check[] = { "check", path, NULL };
	int port;

	isorun_start_as(&r, args, ISORUN_CONTAINER);
	assert_lab3_passed_on_lo(&r, isorun_finish(&r), &port);
	snprintf(path, sizeof(path), "%s/run.pcapng", r.tmp);
	tcplab_run(&res, check);
	cr_assert_eq(res.status, 0, "tcplab check exited %d:\n%s%s", res.status, res.out, res.err);
	cr_assert_null(strstr(res.out, "(the run said"), "a verdict differs:\n%s", res.out);
	cr_assert_not_null(strstr(res.out, "PASS  ten segments of data on the wire"), "%s", res.out);
	unlink(path);     /* asked for, not a leftover */
	isorun_assert_clean(&r, 2000);
	isorun_release(&r);
}
