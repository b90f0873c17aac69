/* summary: live capture on one device for the lab engine: immediate, nanosecond, non-blocking, drops counted. */
#ifndef TCPLAB_CAPTURE_LIVE_H
#define TCPLAB_CAPTURE_LIVE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Contract: live_open() captures on dev in the network namespace of the calling thread
 * (the caller enters the lab's namespace first; libpcap must be opened inside it). It is
 * set up as TCP-FACTS says a lab capture must be: immediate mode, snaplen 262144, an 8 MiB
 * kernel buffer, nanosecond timestamps, and non-blocking, so the caller polls live_fd()
 * in its one event loop and calls live_dispatch() when it is readable. Never sleep to let
 * packets arrive: poll the fd.
 *
 * Drops: live_stats() must be read after every run and any drop reported; a capture that
 * dropped packets cannot be graded.
 *
 * On success errbuf holds libpcap's warning if activation gave one (PCAP_WARNING, e.g.
 * promiscuous mode unsupported), else "". The same text stays readable via live_warning().
 */

struct live;

/* bpf_filter may be NULL (everything). NULL on failure with the reason in errbuf:
 * "cannot capture on 'lo': permission denied (run 'tcplab doctor')",
 * "bad filter 'tcp prot 80': <libpcap message>". */
struct live *live_open(const char *dev, const char *bpf_filter, char *errbuf, size_t errlen);

/* Selectable fd for poll(POLLIN); valid until live_close(). */
int live_fd(const struct live *lv);

/* libpcap DLT_ value of the device (DLT_EN10MB on lo and veth). */
int live_dlt(const struct live *lv);

/* Called once per packet; pkt is valid only during the call. ts_ns: nanoseconds since
 * the Unix epoch. */
typedef void (*live_cb)(void *ctx, const uint8_t *pkt, size_t caplen, size_t wirelen,
                        uint64_t ts_ns);

/* Deliver every packet ready now, without blocking. Returns how many (0 when none was
 * ready) or -1 on error (live_error() says which). */
int live_dispatch(struct live *lv, live_cb cb, void *ctx);

/* Packets the kernel received for this capture and dropped (ps_drop + ps_ifdrop) so far.
 * 0, or -1 with live_error() set. */
int live_stats(struct live *lv, uint64_t *received, uint64_t *dropped);

const char *live_error(const struct live *lv);      /* last error, "" if none */
const char *live_warning(const struct live *lv);    /* activation warning, "" if none */

void live_close(struct live *lv);

#endif
