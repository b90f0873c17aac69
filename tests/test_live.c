/* summary: live capture tests in a private network namespace: a real connection on lo, seen in full and in order. */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "capture/dissect.h"
#include "capture/live.h"

#define PORT 5555

/* Criterion runs each test in its own process, so the namespace dies with the test. */
static void private_netns_with_lo_up(void)
{
	if (geteuid() != 0)
		cr_skip_test("live capture tests need root (unshare(CLONE_NEWNET) and a raw socket)");
	if (unshare(CLONE_NEWNET) != 0)
		cr_skip_test("cannot create a network namespace: %s", strerror(errno));
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	cr_assert_geq(s, 0);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	strcpy(ifr.ifr_name, "lo");
	cr_assert_eq(ioctl(s, SIOCGIFFLAGS, &ifr), 0, "%s", strerror(errno));
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	cr_assert_eq(ioctl(s, SIOCSIFFLAGS, &ifr), 0, "%s", strerror(errno));
	close(s);
}

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static uint64_t mono_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

#define MAXSEG 64

struct seen {
	int dlt;
	int n;
	int bad;                 /* packets the dissector did not take as TCP */
	struct tcp_segment seg[MAXSEG];
	char payload[MAXSEG][16];
	int fins_from_client, fins_from_server;
	uint16_t client_port;
};

static void on_packet(void *ctx, const uint8_t *pkt, size_t caplen, size_t wirelen,
                      uint64_t ts_ns)
{
	struct seen *sn = ctx;
	struct tcp_segment s = { .ts_ns = ts_ns };
	char err[128];

	cr_assert_leq(caplen, wirelen);
	if (dissect_packet(sn->dlt, pkt, caplen, &s, err, sizeof err) != DISSECT_TCP) {
		sn->bad++;
		return;
	}
	if (sn->n >= MAXSEG)
		return;
	size_t k = s.caplen_payload < 15 ? s.caplen_payload : 15;
	if (k)
		memcpy(sn->payload[sn->n], s.payload, k);
	sn->seg[sn->n++] = s;
	if (s.flags & TCP_FIN) {
		if (s.dport == PORT)
			sn->fins_from_client++;
		else
			sn->fins_from_server++;
	}
}

Test(live, captures_a_whole_connection_on_lo_in_order_with_nanoseconds, .timeout = 10)
{
	private_netns_with_lo_up();
	char err[256];
	struct live *lv = live_open("lo", "tcp port 5555", err, sizeof err);
	cr_assert_not_null(lv, "%s", err);
	cr_assert_geq(live_fd(lv), 0);
	struct seen *sn = calloc(1, sizeof *sn);
	sn->dlt = live_dlt(lv);
	uint64_t t0 = now_ns();

	/* The connection, in an order that needs no waiting: on loopback the handshake is
	 * done when connect() returns, and each recv() below has its data already queued. */
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	cr_assert_eq(bind(ls, (struct sockaddr *)&a, sizeof a), 0, "%s", strerror(errno));
	cr_assert_eq(listen(ls, 1), 0);
	int cs = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_eq(connect(cs, (struct sockaddr *)&a, sizeof a), 0, "%s", strerror(errno));
	int ss = accept(ls, NULL, NULL);
	cr_assert_geq(ss, 0);
	cr_assert_eq(send(cs, "hello", 5, 0), 5);
	char buf[16];
	cr_assert_eq(recv(ss, buf, sizeof buf, 0), 5);
	close(cs);
	cr_assert_eq(recv(ss, buf, sizeof buf, 0), 0, "the client's FIN has arrived");
	close(ss);
	close(ls);

	/* Poll until both FINs have been captured, within a deadline. */
	uint64_t deadline = mono_ms() + 5000;
	while (sn->fins_from_client == 0 || sn->fins_from_server == 0) {
		uint64_t now = mono_ms();
		cr_assert_lt(now, deadline, "both FINs not captured in 5 s (%d segments seen)", sn->n);
		struct pollfd pfd = { .fd = live_fd(lv), .events = POLLIN };
		int pr = poll(&pfd, 1, (int)(deadline - now));
		cr_assert_geq(pr, 0, "%s", strerror(errno));
		cr_assert_geq(live_dispatch(lv, on_packet, sn), 0, "%s", live_error(lv));
	}
	uint64_t t1 = now_ns();

	cr_assert_eq(sn->bad, 0);
	cr_assert_geq(sn->n, 6, "S, S., ., P., F., F. at least; saw %d", sn->n);
	/* RFC 9293 section 3.5: the three-way handshake opens the capture. */
	cr_assert_eq(sn->seg[0].flags, TCP_SYN);
	cr_assert_eq(sn->seg[0].dport, PORT);
	cr_assert(sn->seg[0].opt.present & TCPOPT_HAS_MSS, "SYN carries MSS");
	cr_assert_eq(sn->seg[1].flags, TCP_SYN | TCP_ACK);
	cr_assert_eq(sn->seg[1].sport, PORT);
	cr_assert_eq(sn->seg[1].ack, sn->seg[0].seq + 1);
	cr_assert_eq(sn->seg[2].flags, TCP_ACK);

	int data = -1;
	bool sub_us = false;
	for (int i = 0; i < sn->n; i++) {
		const struct tcp_segment *s = &sn->seg[i];
		cr_assert_geq(s->ts_ns, t0 - 1000000000ull, "segment %d before the test", i);
		cr_assert_leq(s->ts_ns, t1 + 1000000000ull, "segment %d after the test", i);
		if (i > 0)
			cr_assert_geq(s->ts_ns, sn->seg[i - 1].ts_ns, "segment %d out of order", i);
		if (s->ts_ns % 1000 != 0)
			sub_us = true;
		if (s->len > 0 && data < 0)
			data = i;
	}
	cr_assert(sub_us, "no timestamp has nanosecond digits: precision is not nanoseconds");
	cr_assert_geq(data, 3);
	cr_assert_eq(sn->seg[data].dport, PORT);
	cr_assert_eq(sn->seg[data].len, 5);
	cr_assert_arr_eq(sn->payload[data], "hello", 5);
	cr_assert_eq(sn->seg[data].seq, sn->seg[0].seq + 1);

	uint64_t rx = 0, drops = 1;
	cr_assert_eq(live_stats(lv, &rx, &drops), 0, "%s", live_error(lv));
	cr_assert_eq(drops, 0, "the capture dropped %llu packets", (unsigned long long)drops);
	cr_assert_geq(rx, (uint64_t)sn->n);
	live_close(lv);
	free(sn);
}

Test(live, nothing_ready_returns_zero_without_blocking, .timeout = 10)
{
	private_netns_with_lo_up();
	char err[256];
	struct live *lv = live_open("lo", NULL, err, sizeof err);
	cr_assert_not_null(lv, "%s", err);
	cr_assert_str_empty(err, "no warning expected on lo: %s", err);
	cr_assert_str_empty(live_warning(lv));
	struct seen *sn = calloc(1, sizeof *sn);
	sn->dlt = live_dlt(lv);
	cr_assert_eq(live_dispatch(lv, on_packet, sn), 0, "a quiet namespace has nothing to read");
	live_close(lv);
	free(sn);
}

Test(live, bad_filter_returns_the_libpcap_message, .timeout = 10)
{
	private_netns_with_lo_up();
	char err[256];
	cr_assert_null(live_open("lo", "tcp prot 5555", err, sizeof err));
	cr_assert(strncmp(err, "bad filter 'tcp prot 5555': ", 28) == 0, "%s", err);
	cr_assert_gt(strlen(err), 28, "libpcap's reason follows: %s", err);
}

Test(live, missing_device_is_named, .timeout = 10)
{
	private_netns_with_lo_up();
	char err[256];
	cr_assert_null(live_open("veth-nosuch", NULL, err, sizeof err));
	cr_assert(strncmp(err, "cannot capture on 'veth-nosuch': ", 33) == 0, "%s", err);
}
