/* summary: read pcap/pcapng files and write pcap files, nanosecond timestamps, errors as sentences. */
#ifndef TCPLAB_CAPTURE_PCAPIO_H
#define TCPLAB_CAPTURE_PCAPIO_H

#include <stddef.h>
#include <stdint.h>

/*
 * Contract: a thin layer over libpcap's offline reader and dumper.
 *
 * Reading: pcapin_open() accepts pcap (micro- or nanosecond) and pcapng files (any
 * if_tsresol) and always delivers nanoseconds since the Unix epoch. A regular classic pcap
 * file is read in 1 MiB blocks and its records parsed in place, by the rules and with the
 * messages of libpcap's reader; pcapng, standard input and pipes go through libpcap with a
 * 1 MiB stdio buffer. The path "-" reads standard input. Packets come out in file order; the pointer pcapin_next() gives
 * is valid until the next call or pcapin_free(). Invariant for callers: caplen <= wirelen
 * (a record claiming a smaller original length than it captured gets wirelen = caplen), and
 * caplen <= 262144 (libpcap rejects larger records as corrupt).
 *
 * Writing: pcapout_* writes classic pcap with nanosecond timestamps (magic 0xa1b23c4d),
 * snaplen 262144. Write errors (a full disk) are sticky: the first one is kept, later
 * writes fail fast, and pcapout_close() reports it, so a caller that only checks close
 * still learns the file is incomplete.
 *
 * Every error message names the file and says what failed, lowercase, ready to print.
 */

struct pcapin;
struct pcapout;

/* NULL on failure with the reason in errbuf: "cannot open 'x.pcap': No such file or
 * directory", "'x.pcap' is not a pcap or pcapng file (unknown file format)". */
struct pcapin *pcapin_open(const char *path, char *errbuf, size_t errlen);

/* 1: a packet; 0: end of file; -1: error (pcapin_error() says which, e.g. a truncated last
 * record). After 0 or -1 further calls return the same. */
int pcapin_next(struct pcapin *in, const uint8_t **pkt, size_t *caplen, size_t *wirelen,
                uint64_t *ts_ns);

/* Last error, "" if none. */
const char *pcapin_error(const struct pcapin *in);

/* libpcap DLT_ value (not LINKTYPE_: a raw IP file gives DLT_RAW, 12 on Linux). */
int pcapin_dlt(const struct pcapin *in);

void pcapin_free(struct pcapin *in);

/* Create or replace path, never through a symbolic link (util/safefile.h): the packets go
 * to a temporary file beside it, renamed over path by pcapout_close() when every byte was
 * written and removed otherwise; a device or FIFO is written in place. NULL on failure
 * with the reason in errbuf ("'x.pcap' is a symbolic link: ..."). */
struct pcapout *pcapout_open(const char *path, int dlt, char *errbuf, size_t errlen);

/* Write to an already open descriptor (a pipe, stdout); the pcapout owns it from now on
 * and closes it. name is used in messages only. */
struct pcapout *pcapout_fdopen(int fd, const char *name, int dlt, char *errbuf, size_t errlen);

/* 0, or -1 on a write error (pcapout_error() says which; sticky) or on a caplen over
 * 262144 (refused, not sticky: the file stays valid). */
int pcapout_write(struct pcapout *out, const uint8_t *pkt, size_t caplen, size_t wirelen,
                  uint64_t ts_ns);

const char *pcapout_error(const struct pcapout *out);

/* Flush, close and free. 0 if every byte reached the file, else -1 with the first error
 * in errbuf ("cannot write 'x.pcap': No space left on device"). out is freed either way. */
int pcapout_close(struct pcapout *out, char *errbuf, size_t errlen);

#endif
