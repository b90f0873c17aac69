/* summary: capfile: a capture read into connections, bounded, with breaks and errors named. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/capfile.h"
#include "tests/lib/tcplab_run.h"

static void capture_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/tests/captures/%s", test_root(), name);
}

Test(capfile, keeps_every_connection_in_capture_order)
{
	struct capfile cf;
	char path[600], err[256];

	capture_path("port_reuse.pcap", path, sizeof(path));
	cr_assert_eq(capfile_load(path, -1, 1000, &cf, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_empty(cf.read_error);
	cr_assert_eq(flow_count(cf.ft), 2, "port_reuse.pcap holds an aborted and a new connection");
	for (size_t c = 0; c < flow_count(cf.ft); c++) {
		const struct capfile_conn *cc = capfile_conn(&cf, c);

		cr_assert_gt(cc->nseg, 0);
		cr_expect(!cc->truncated);
		cr_expect_eq(cc->seg[0].seg.flags, TCP_SYN, "each connection starts with its SYN");
		for (size_t i = 0; i < cc->nseg; i++) {
			cr_expect_eq(cc->seg[i].conn_id, c);
			cr_expect_null(cc->seg[i].seg.payload);
			if (i)
				cr_expect_gt(cc->seg[i].seg.frame, cc->seg[i - 1].seg.frame);
		}
	}
	capfile_release(&cf);
}

Test(capfile, only_one_connection_and_a_bound_per_connection)
{
	struct capfile cf;
	char path[600], err[256];

	capture_path("port_reuse.pcap", path, sizeof(path));
	cr_assert_eq(capfile_load(path, 1, 3, &cf, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(capfile_conn(&cf, 0)->nseg, 0, "connection 0 was not asked for");
	cr_expect_eq(capfile_conn(&cf, 1)->nseg, 3);
	cr_expect(capfile_conn(&cf, 1)->truncated);
	cr_expect_eq(capfile_conn(&cf, 7)->nseg, 0, "an unknown id is empty, not a crash");
	capfile_release(&cf);
}

Test(capfile, a_file_cut_midway_is_kept_up_to_the_cut)
{
	char src[600], cut[] = "/tmp/tcplab-capfile-XXXXXX", err[256];
	struct capfile whole, part;
	char *bytes;
	FILE *f;
	long size;
	int fd;

	capture_path("client_close_first.pcap", src, sizeof(src));
	cr_assert_eq(capfile_load(src, -1, 1000, &whole, err, sizeof(err)), 0, "%s", err);
	f = fopen(src, "rb");
	cr_assert_not_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	bytes = malloc((size_t)size);
	cr_assert_eq(fread(bytes, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	fd = mkstemp(cut);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, bytes, (size_t)size - 10), size - 10);   /* into the last record */
	close(fd);
	free(bytes);

	cr_assert_eq(capfile_load(cut, -1, 1000, &part, err, sizeof(err)), 0, "%s", err);
	unlink(cut);
	cr_expect_str_not_empty(part.read_error, "a cut record must be named");
	cr_expect_eq(part.frames, whole.frames - 1);
	cr_expect_eq(capfile_conn(&part, 0)->nseg, capfile_conn(&whole, 0)->nseg - 1);
	capfile_release(&part);
	capfile_release(&whole);
}

Test(capfile, an_unreadable_file_is_an_error_with_its_name)
{
	struct capfile cf;
	char err[256];

	cr_expect_lt(capfile_load("/nonexistent/x.pcap", -1, 10, &cf, err, sizeof(err)), 0);
	cr_expect(strstr(err, "/nonexistent/x.pcap"), "%s", err);
	capfile_release(&cf);
}
