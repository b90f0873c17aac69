/* summary: tests of 'tcplab inspect': every capture's TSV against its golden file, errors, --stats. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/lib/tcplab_run.h"

/* First differing line, for the failure message. */
static void first_diff(const char *want, const char *got, char *msg, size_t len)
{
	int line = 1;
	for (;;) {
		const char *we = strchr(want, '\n'), *ge = strchr(got, '\n');
		size_t wl = we ? (size_t)(we - want) : strlen(want);
		size_t gl = ge ? (size_t)(ge - got) : strlen(got);
		if (wl != gl || memcmp(want, got, wl) != 0 || !we != !ge) {
			snprintf(msg, len, "line %d differs:\n  want: %.*s\n  got:  %.*s", line,
			         (int)wl, want, (int)gl, got);
			return;
		}
		if (!we) {
			snprintf(msg, len, "identical");
			return;
		}
		want = we + 1;
		got = ge + 1;
		line++;
	}
}

Test(inspect, every_capture_matches_its_golden_listing, .timeout = 60)
{
	char dir[1024];
	snprintf(dir, sizeof dir, "%s/tests/captures", test_root());
	DIR *d = opendir(dir);
	cr_assert_not_null(d, "cannot open '%s' (set TCPLAB_ROOT)", dir);
	int checked = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		/* pcap, and pcapng as Wireshark writes it on Windows (make-windows.py) */
		size_t ext = n > 5 && !strcmp(de->d_name + n - 5, ".pcap") ? 5 :
		             n > 7 && !strcmp(de->d_name + n - 7, ".pcapng") ? 7 : 0;
		if (!ext)
			continue;
		char pcap[2048], golden[2048];
		snprintf(pcap, sizeof pcap, "%s/%s", dir, de->d_name);
		snprintf(golden, sizeof golden, "%s/%.*s.tsv", dir, (int)(n - ext), de->d_name);
		char *want = test_slurp(golden);
		const char *args[] = { "inspect", "--tsv", pcap, NULL };
		struct tcplab_result r;

		tcplab_run(&r, args);
		cr_expect_eq(r.status, 0, "%s: exit %d, stderr: %s", de->d_name, r.status, r.err);
		if (strcmp(want, r.out)) {
			char msg[1024];
			first_diff(want, r.out, msg, sizeof msg);
			cr_expect_fail("%s: %s", de->d_name, msg);
		}
		free(want);
		checked++;
	}
	closedir(d);
	cr_expect_geq(checked, 10, "only %d captures found in '%s'", checked, dir);
}

/* Students capture their Winsock programs with Wireshark on Windows: pcapng with Npcap's
 * loopback adapter (link type NULL, interface descriptions, packet comments, microsecond
 * timestamps). Checked against a lab's expectations, such a file gives what the same
 * segments captured on Linux give. */
Test(inspect, a_capture_made_on_windows_is_checked_like_one_made_here, .timeout = 20)
{
	char win[1024], linux_[1024], spec[1024];
	struct tcplab_result w, l;

	snprintf(win, sizeof win, "%s/tests/captures/windows_loopback.pcapng", test_root());
	snprintf(linux_, sizeof linux_, "%s/tests/captures/client_close_first.pcap", test_root());
	snprintf(spec, sizeof spec, "%s/labs/01-handshake/client-first.expect", test_root());
	tcplab_run(&w, (const char *[]){ "check", win, spec, NULL });
	tcplab_run(&l, (const char *[]){ "check", linux_, spec, NULL });
	/* The same verdicts, whatever they are (this capture's 5-byte message is not lab 1's
	 * 14-byte one, so the data check fails in both). */
	cr_expect_eq(w.status, l.status, "exit %d, Linux's %d:\n%s%s", w.status, l.status, w.out,
	             w.err);
	cr_expect(strstr(w.out, "PASS  the client holds TIME-WAIT at the end"), "%s", w.out);
	cr_expect(strstr(w.out, "PASS  three-way handshake: SYN, SYN-ACK, ACK"), "%s", w.out);
	cr_expect_str_eq(w.out, l.out);
}

/* Wireshark capturing on two adapters at once writes two link types into one file, which
 * libpcap does not read: the message says how to get a file tcplab reads. */
Test(inspect, a_capture_on_two_kinds_of_adapter_says_what_to_do, .timeout = 10)
{
	char path[1024];
	struct tcplab_result r;

	snprintf(path, sizeof path, "%s/tests/data/winsock/two_adapters.pcapng", test_root());
	tcplab_run(&r, (const char *[]){ "inspect", "--tsv", path, NULL });
	cr_expect_eq(r.status, 1, "exit %d", r.status);
	cr_expect(strstr(r.err, "captured on several interfaces of different kinds at once"),
	          "%s", r.err);
	cr_expect(strstr(r.err, "frame.interface_id == N"), "%s", r.err);
}

Test(inspect, unreadable_file_exits_1_naming_the_file, .timeout = 10)
{
	const char *args[] = { "inspect", "--tsv", "/nonexistent/x.pcap", NULL };
	struct tcplab_result r;
	tcplab_run(&r, args);
	cr_expect_eq(r.status, 1);
	const char *prefix = "tcplab: /nonexistent/x.pcap: ";
	cr_expect(!strncmp(r.err, prefix, strlen(prefix)), "stderr: %s", r.err);
	cr_expect_str_empty(r.out);

	char junk[] = "/tmp/tcplab-test-junk-XXXXXX";
	int fd = mkstemp(junk);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "this is not a capture file at all\n", 34), 34);
	close(fd);
	const char *args2[] = { "inspect", "--stats", junk, NULL };
	tcplab_run(&r, args2);
	unlink(junk);
	cr_expect_eq(r.status, 1);
	cr_expect(strstr(r.err, junk) != NULL, "stderr: %s", r.err);
}

Test(inspect, wrong_usage_exits_2_and_help_exits_0, .timeout = 10)
{
	const char *none[] = { "inspect", NULL };
	struct tcplab_result r;
	tcplab_run(&r, none);
	cr_expect_eq(r.status, 2);
	cr_expect(strstr(r.err, "usage: tcplab inspect") != NULL, "stderr: %s", r.err);

	const char *bad[] = { "inspect", "--bogus", "x.pcap", NULL };
	tcplab_run(&r, bad);
	cr_expect_eq(r.status, 2);

	const char *help[] = { "inspect", "--help", NULL };
	tcplab_run(&r, help);
	cr_expect_eq(r.status, 0);
	cr_expect(strstr(r.out, "--stats") != NULL);
}

Test(inspect, stats_summarise_connections_and_totals, .timeout = 10)
{
	char pcap[1024];
	snprintf(pcap, sizeof pcap, "%s/tests/captures/port_reuse.pcap", test_root());
	const char *args[] = { "inspect", "--stats", pcap, NULL };
	struct tcplab_result r;
	tcplab_run(&r, args);
	cr_expect_eq(r.status, 0, "stderr: %s", r.err);
	cr_expect_str_eq(r.out,
		"conn 0  127.0.0.1:40000 -> 127.0.0.1:8000  client 5 pkts 3 bytes, server 3 pkts 3 bytes"
		"  began handshake  ended RST from client  client CLOSED, server CLOSED  analysis rst=1\n"
		"conn 1  127.0.0.1:40000 -> 127.0.0.1:8000  client 6 pkts 3 bytes, server 4 pkts 3 bytes"
		"  began handshake  ended FIN from client first  client TIME-WAIT, server CLOSED"
		"  analysis -\n"
		"total  18 packets, 18 TCP segments, 0 non-TCP, 0 malformed, 2 connections\n");

	snprintf(pcap, sizeof pcap, "%s/tests/captures/malformed.pcap", test_root());
	const char *args2[] = { "inspect", "--stats", pcap, NULL };
	tcplab_run(&r, args2);
	cr_expect_eq(r.status, 0);
	cr_expect(strstr(r.out, "analysis rst=1,malformed=2\n") != NULL, "%s", r.out);
	cr_expect(strstr(r.out, "total  4 packets, 2 TCP segments, 0 non-TCP, 2 malformed, "
	                 "1 connections\n") != NULL, "%s", r.out);
}
