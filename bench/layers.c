/* summary: tcplab's capture library without the command line, layer by layer (for 'make bench'). */

/*
 * Usage: layers FILE
 *
 * Reads FILE through a 1 MiB stdio buffer (as bareloop's buffered mode and capture/pcapio.c
 * do) three times, adding one layer each time, so the cost of each shows as a difference:
 *   layers read      pcap_next_ex only (the floor, same as 'bareloop buffered')
 *   layers dissect   + dissect_packet()
 *   layers flow      + flow_track(): connections, relative numbers, states, expert rules
 *   layers mmap      the same as flow, but reading a classic pcap file from mmap() with
 *                    no libpcap and no stdio: how much the reader itself costs (a capture
 *                    that is not classic pcap skips this row)
 * Each prints one line that run.sh parses:
 *   layers LAYER packets=N tcp=T seconds=S [conns=C]
 * 'tcplab inspect --stats' can be no faster than 'layers flow'; the gap between them is
 * what the command line adds (its reader, its counting, its output).
 */

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capture/dissect.h"
#include "capture/flow.h"

#define LAYERS_BUFSZ (1u << 20)

enum layer { LAYER_READ, LAYER_DISSECT, LAYER_FLOW, LAYER_MMAP, LAYER_N };

static const char *const layer_names[LAYER_N] = { "read", "dissect", "flow", "mmap" };

struct layer_result {
	unsigned long long packets, tcp;
	size_t conns;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run_layer(const char *path, enum layer layer, struct layer_result *res)
{
	static char iobuf[LAYERS_BUFSZ];
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	char derr[128];
	struct flow_table *ft = NULL;
	pcap_t *p = NULL;
	int rc = -1;

	memset(res, 0, sizeof *res);
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "layers: cannot open '%s': %s\n", path, strerror(errno));
		goto out;
	}
	setvbuf(f, iobuf, _IOFBF, sizeof iobuf);
	p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!p) {
		fprintf(stderr, "layers: cannot read '%s': %s\n", path, errbuf);
		goto out;
	}
	f = NULL;
	if (layer == LAYER_FLOW && !(ft = flow_new())) {
		fprintf(stderr, "layers: out of memory\n");
		goto out;
	}

	int dlt = pcap_datalink(p);
	struct pcap_pkthdr *h;
	const u_char *data;
	int r;
	while ((r = pcap_next_ex(p, &h, &data)) == 1) {
		res->packets++;
		if (layer == LAYER_READ)
			continue;
		struct tcp_segment seg;
		if (dissect_packet(dlt, data, h->caplen, &seg, derr, sizeof derr) != DISSECT_TCP)
			continue;
		res->tcp++;
		if (layer == LAYER_DISSECT)
			continue;
		seg.frame = (uint32_t)res->packets;
		/* Opened with nanosecond precision: tv_usec holds nanoseconds. */
		seg.ts_ns = (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec;
		struct flow_info info;
		if (flow_track(ft, &seg, &info) < 0) {
			fprintf(stderr, "layers: out of memory at packet %llu\n", res->packets);
			goto out;
		}
	}
	if (r != PCAP_ERROR_BREAK) {
		fprintf(stderr, "layers: cannot read '%s': %s\n", path, pcap_geterr(p));
		goto out;
	}
	if (ft)
		res->conns = flow_count(ft);
	rc = 0;
out:
	flow_free(ft);
	if (p)
		pcap_close(p);
	if (f)
		fclose(f);
	return rc;
}

static uint32_t get32(const uint8_t *p, bool swap)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

/*
 * Classic pcap straight from memory: the file header (24 bytes) then records of a 16-byte
 * header and caplen bytes (the format as libpcap writes it). 0, 1 when the file is not
 * classic pcap (nothing measured), -1 on an error.
 */
static int run_mmap(const char *path, struct layer_result *res)
{
	char derr[128];
	struct flow_table *ft = NULL;
	uint8_t *map = MAP_FAILED;
	struct stat st;
	size_t size = 0;
	int rc = -1;

	memset(res, 0, sizeof *res);
	int fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "layers: cannot open '%s': %s\n", path, strerror(errno));
		goto out;
	}
	size = (size_t)st.st_size;
	if (size < 24) {
		rc = 1;
		goto out;
	}
	map = mmap(NULL, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (map == MAP_FAILED) {
		fprintf(stderr, "layers: cannot map '%s': %s\n", path, strerror(errno));
		goto out;
	}
	uint32_t magic;
	memcpy(&magic, map, 4);
	bool swap = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
	bool nano = magic == 0xa1b23c4d || magic == 0x4d3cb2a1;
	if (!swap && magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
		rc = 1;
		goto out;
	}
	int dlt = (int)(get32(map + 20, swap) & 0x0fffffff);
	if (dlt != 1) {         /* LINKTYPE_ETHERNET == DLT_EN10MB; others need mapping */
		rc = 1;
		goto out;
	}
	if (!(ft = flow_new())) {
		fprintf(stderr, "layers: out of memory\n");
		goto out;
	}
	for (size_t off = 24; off + 16 <= size;) {
		const uint8_t *h = map + off;
		uint32_t caplen = get32(h + 8, swap);
		if (caplen > size - off - 16) {
			fprintf(stderr, "layers: '%s': truncated record at offset %zu\n", path, off);
			goto out;
		}
		res->packets++;
		struct tcp_segment seg;
		if (dissect_packet(DLT_EN10MB, h + 16, caplen, &seg, derr, sizeof derr) ==
		    DISSECT_TCP) {
			res->tcp++;
			seg.frame = (uint32_t)res->packets;
			seg.ts_ns = (uint64_t)get32(h, swap) * 1000000000u +
			            (uint64_t)get32(h + 4, swap) * (nano ? 1u : 1000u);
			struct flow_info info;
			if (flow_track(ft, &seg, &info) < 0) {
				fprintf(stderr, "layers: out of memory\n");
				goto out;
			}
		}
		off += 16 + (size_t)caplen;
	}
	res->conns = flow_count(ft);
	rc = 0;
out:
	flow_free(ft);
	if (map != MAP_FAILED)
		munmap(map, size);
	if (fd >= 0)
		close(fd);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: layers FILE\n");
		return 2;
	}
	for (int l = 0; l < LAYER_N; l++) {
		struct layer_result res;
		double t0 = now_s();
		int r = l == LAYER_MMAP ? run_mmap(argv[1], &res) : run_layer(argv[1], (enum layer)l, &res);
		if (r < 0)
			return 1;
		if (r > 0)
			continue;
		double dt = now_s() - t0;
		printf("layers %s packets=%llu tcp=%llu seconds=%.6f", layer_names[l], res.packets,
		       res.tcp, dt);
		if (l >= LAYER_FLOW)
			printf(" conns=%zu", res.conns);
		printf("\n");
		fflush(stdout);
	}
	return 0;
}
