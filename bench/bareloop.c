/* summary: the baseline of 'make bench': count a capture's packets with pcap_next_ex, nothing else. */

/*
 * Usage: bareloop FILE [default|buffered]
 *
 * The fastest any libpcap-based reader can go on this machine, measured two ways:
 *   default   pcap_open_offline(): libpcap reads through stdio's default buffer (4 KiB)
 *   buffered  fopen() + setvbuf(1 MiB) + pcap_fopen_offline(), as capture/pcapio.c does
 * Without a mode both run, default first. Each prints one line that run.sh parses:
 *   bareloop MODE packets=N seconds=S
 * Time is CLOCK_MONOTONIC around open, the whole read loop and close.
 */

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define BAREL_BUFSZ (1u << 20)

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Counts packets into *count; 0, or -1 with the reason printed. */
static int count_packets(const char *path, int buffered, unsigned long long *count)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	static char iobuf[BAREL_BUFSZ];
	pcap_t *p = NULL;
	FILE *f = NULL;
	int rc = -1;

	*count = 0;
	if (buffered) {
		f = fopen(path, "rb");
		if (!f) {
			fprintf(stderr, "bareloop: cannot open '%s': %s\n", path, strerror(errno));
			goto out;
		}
		setvbuf(f, iobuf, _IOFBF, sizeof iobuf);
		p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
		if (p)
			f = NULL;       /* pcap_close() closes it now */
	} else {
		p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO,
		                                            errbuf);
	}
	if (!p) {
		fprintf(stderr, "bareloop: cannot read '%s': %s\n", path, errbuf);
		goto out;
	}

	struct pcap_pkthdr *h;
	const u_char *data;
	int r;
	while ((r = pcap_next_ex(p, &h, &data)) == 1)
		(*count)++;
	if (r != PCAP_ERROR_BREAK) {
		fprintf(stderr, "bareloop: cannot read '%s': %s\n", path, pcap_geterr(p));
		goto out;
	}
	rc = 0;
out:
	if (p)
		pcap_close(p);
	if (f)
		fclose(f);
	return rc;
}

int main(int argc, char **argv)
{
	static const char *const modes[] = { "default", "buffered" };
	int first = 0, last = 1;

	if (argc == 3 && strcmp(argv[2], "default") == 0)
		last = 0;
	else if (argc == 3 && strcmp(argv[2], "buffered") == 0)
		first = 1;
	else if (argc != 2) {
		fprintf(stderr, "usage: bareloop FILE [default|buffered]\n");
		return 2;
	}
	for (int m = first; m <= last; m++) {
		unsigned long long n;
		double t0 = now_s();
		if (count_packets(argv[1], m, &n) < 0)
			return 1;
		printf("bareloop %s packets=%llu seconds=%.6f\n", modes[m], n, now_s() - t0);
		fflush(stdout);
	}
	return 0;
}
