/* summary: libFuzzer target: dfilter_compile() on fuzzed display filters, each result matched against fixed frames. */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/dfilter.h"
#include "capture/expert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Wireshark syntax only (DFILTER_NO_BPF): text typed as BPF goes to libpcap unchanged, and
 * libpcap would resolve host names in it; what is ours to fuzz is the parser and the BPF it
 * writes. The invariants: a failure leaves no filter and says why; a success has a
 * translation that is BPF libpcap compiles (numbers and addresses only, so no look-ups),
 * and when the filter is BPF alone, that translation selects exactly what the filter does.
 */

/* Ethernet + IPv4 + TCP (SYN, port 40000 > 8000, 5 bytes), and the same over IPv6. */
static const uint8_t v4[] = {
	0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0x00,
	0x45, 0, 0, 45, 0, 1, 0x40, 0, 64, 6, 0, 0, 127, 0, 0, 1, 127, 0, 0, 2,
	0x9c, 0x40, 0x1f, 0x40, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0,
	'h', 'e', 'l', 'l', 'o',
};
static const uint8_t v6[] = {
	0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x86, 0xdd,
	0x60, 0, 0, 0, 0, 25, 6, 64, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
	0x1f, 0x40, 0x9c, 0x40, 0, 0, 0, 9, 0, 0, 0, 2, 0x50, 0x18, 0x01, 0x00, 0, 0, 0, 0,
	'w', 'o', 'r', 'l', 'd',
};

static const struct {
	const uint8_t *p;
	size_t len;
	struct dfilter_seg seg;
} frames[] = {
	{ v4, sizeof v4, { 1, 0, 0, 0, 65535, 0 } },
	{ v6, sizeof v6, { 2, 1, 1, 1, 256, EXPERT_BIT(EXPERT_I_RETRANSMISSION) } },
	{ v4, 30, { 3, UINT32_MAX, 7, 9, -1, EXPERT_BIT(EXPERT_I_ZERO_WINDOW) } },   /* cut short */
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dfilter *f = (struct dfilter *)&f;
	char err[1024] = "";

	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	int r = dfilter_compile(text, DLT_EN10MB, DFILTER_NO_BPF, &f, err, sizeof err);
	free(text);
	if (r < 0) {
		if (f || !err[0] || !memchr(err, '\0', sizeof err))
			abort();
		return 0;
	}
	if (!f || dfilter_kind(f) != DFILTER_WIRESHARK || strncmp(dfilter_translation(f), "BPF", 3))
		abort();
	const char *tr = dfilter_translation(f);
	bool pure = !strncmp(tr, "BPF: ", 5);
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	struct bpf_program prog;
	bool have = false;
	if (dead && pure) {
		/* As dfilter compiles it: optimised, unless the optimiser refuses a filter it
		 * proves matches nothing. (The level matters on a frame cut short: a load past
		 * its end rejects it, and the optimiser reorders loads.) */
		if (pcap_compile(dead, &prog, tr + 5, 1, PCAP_NETMASK_UNKNOWN) < 0 &&
		    pcap_compile(dead, &prog, tr + 5, 0, PCAP_NETMASK_UNKNOWN) < 0)
			abort();            /* the translation shown must be BPF */
		have = true;
	}
	for (size_t i = 0; i < sizeof frames / sizeof frames[0]; i++) {
		bool m = dfilter_match(f, frames[i].p, frames[i].len, sizeof v6, &frames[i].seg);
		if (m != dfilter_match(f, frames[i].p, frames[i].len, sizeof v6, &frames[i].seg))
			abort();
		if (have) {
			struct pcap_pkthdr h = { .caplen = (bpf_u_int32)frames[i].len,
			                         .len = (bpf_u_int32)sizeof v6 };
			if (m != (pcap_offline_filter(&prog, &h, frames[i].p) != 0))
				abort();    /* the translation selects what the filter does */
		}
	}
	if (have)
		pcap_freecode(&prog);
	if (dead)
		pcap_close(dead);
	dfilter_free(f);
	return 0;
}
