/* summary: pcap/pcapng reading and pcap writing over libpcap, nanosecond timestamps, readable errors. */
#include "capture/pcapio.h"

#include <errno.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/errbuf.h"

#define PCAPIO_SNAPLEN 262144
#define PCAPIO_BUFSIZE (1u << 20)
#define NS_PER_S 1000000000ull

struct pcapin {
	pcap_t *p;
	char *vbuf;              /* stdio buffer of the file pcap owns; freed after pcap_close */
	char *name;
	int state;               /* 1 reading, 0 at end, -1 failed */
	char err[PCAP_ERRBUF_SIZE + 256];
};

struct pcapout {
	pcap_t *dead;
	pcap_dumper_t *d;
	FILE *fp;                /* owned by d; kept to ask ferror() */
	char *vbuf;
	char *name;
	int err_errno;           /* first write error, 0 if none */
	char err[PCAP_ERRBUF_SIZE + 256];
};

/* libpcap's open errors, said for a person who gave us a file name. */
static void explain_open_error(const char *name, FILE *fp, const char *pmsg, char *errbuf,
                               size_t errlen)
{
	long size = -1;
	if (fseek(fp, 0, SEEK_END) == 0)
		size = ftell(fp);
	if (size == 0)
		errbuf_set(errbuf, errlen, "'%s' is empty: not a pcap or pcapng file", name);
	else if (strstr(pmsg, "unknown file format") || strstr(pmsg, "bad dump file format"))
		errbuf_set(errbuf, errlen, "'%s' is not a pcap or pcapng file (%s)", name, pmsg);
	else if (strstr(pmsg, "truncated"))
		errbuf_set(errbuf, errlen, "'%s' is cut short: its file header is incomplete (%s)",
		        name, pmsg);
	else
		errbuf_set(errbuf, errlen, "cannot read '%s': %s", name, pmsg);
}

struct pcapin *pcapin_open(const char *path, char *errbuf, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	bool std_in = strcmp(path, "-") == 0;
	struct pcapin *in = calloc(1, sizeof *in);
	FILE *fp = NULL;

	if (!in || !(in->name = strdup(std_in ? "standard input" : path)) ||
	    !(in->vbuf = malloc(PCAPIO_BUFSIZE))) {
		errbuf_set(errbuf, errlen, "cannot open '%s': out of memory", path);
		goto fail;
	}
	fp = std_in ? stdin : fopen(path, "rb");
	if (!fp) {
		errbuf_set(errbuf, errlen, "cannot open '%s': %s", path, strerror(errno));
		goto fail;
	}
	setvbuf(fp, in->vbuf, _IOFBF, PCAPIO_BUFSIZE);
	in->p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, perr);
	if (!in->p) {
		explain_open_error(in->name, fp, perr, errbuf, errlen);
		goto fail;
	}
	in->state = 1;
	return in;
fail:
	if (fp && !std_in)
		fclose(fp);
	if (in) {
		free(in->vbuf);
		free(in->name);
		free(in);
	}
	return NULL;
}

int pcapin_next(struct pcapin *in, const uint8_t **pkt, size_t *caplen, size_t *wirelen,
                uint64_t *ts_ns)
{
	struct pcap_pkthdr *h;
	const u_char *data;

	if (in->state != 1)
		return in->state;
	int r = pcap_next_ex(in->p, &h, &data);
	if (r == PCAP_ERROR_BREAK) {
		in->state = 0;
		return 0;
	}
	if (r != 1) {
		const char *pm = pcap_geterr(in->p);
		if (strstr(pm, "truncated"))
			snprintf(in->err, sizeof in->err,
			         "cannot read '%s': the file ends in the middle of a packet record (%s)",
			         in->name, pm);
		else
			snprintf(in->err, sizeof in->err, "cannot read '%s': %s", in->name, pm);
		in->state = -1;
		return -1;
	}
	*pkt = data;
	*caplen = h->caplen;
	*wirelen = h->len < h->caplen ? h->caplen : h->len;
	/* With nanosecond precision libpcap puts nanoseconds in tv_usec. */
	*ts_ns = (uint64_t)h->ts.tv_sec * NS_PER_S + (uint64_t)h->ts.tv_usec;
	return 1;
}

const char *pcapin_error(const struct pcapin *in)
{
	return in->err;
}

int pcapin_dlt(const struct pcapin *in)
{
	return pcap_datalink(in->p);
}

void pcapin_free(struct pcapin *in)
{
	if (!in)
		return;
	pcap_close(in->p);          /* closes the FILE, which still uses vbuf */
	free(in->vbuf);
	free(in->name);
	free(in);
}

static struct pcapout *out_start(FILE *fp, const char *name, int dlt, char *errbuf,
                                 size_t errlen)
{
	struct pcapout *out = calloc(1, sizeof *out);

	if (!out || !(out->name = strdup(name)) || !(out->vbuf = malloc(PCAPIO_BUFSIZE))) {
		errbuf_set(errbuf, errlen, "cannot write '%s': out of memory", name);
		goto fail;
	}
	setvbuf(fp, out->vbuf, _IOFBF, PCAPIO_BUFSIZE);
	out->dead = pcap_open_dead_with_tstamp_precision(dlt, PCAPIO_SNAPLEN,
	                                                 PCAP_TSTAMP_PRECISION_NANO);
	if (!out->dead) {
		errbuf_set(errbuf, errlen, "cannot write '%s': link type %d not supported", name, dlt);
		goto fail;
	}
	out->d = pcap_dump_fopen(out->dead, fp);
	if (!out->d) {
		errbuf_set(errbuf, errlen, "cannot write '%s': %s", name, pcap_geterr(out->dead));
		goto fail;
	}
	out->fp = fp;
	return out;
fail:
	fclose(fp);
	if (out) {
		if (out->dead)
			pcap_close(out->dead);
		free(out->vbuf);
		free(out->name);
		free(out);
	}
	return NULL;
}

struct pcapout *pcapout_open(const char *path, int dlt, char *errbuf, size_t errlen)
{
	FILE *fp = fopen(path, "wb");
	if (!fp) {
		errbuf_set(errbuf, errlen, "cannot create '%s': %s", path, strerror(errno));
		return NULL;
	}
	return out_start(fp, path, dlt, errbuf, errlen);
}

struct pcapout *pcapout_fdopen(int fd, const char *name, int dlt, char *errbuf, size_t errlen)
{
	FILE *fp = fdopen(fd, "wb");
	if (!fp) {
		errbuf_set(errbuf, errlen, "cannot write '%s': %s", name, strerror(errno));
		close(fd);
		return NULL;
	}
	return out_start(fp, name, dlt, errbuf, errlen);
}

static int out_fail(struct pcapout *out, int e)
{
	if (!out->err_errno) {
		out->err_errno = e ? e : EIO;
		snprintf(out->err, sizeof out->err, "cannot write '%s': %s", out->name,
		         strerror(out->err_errno));
	}
	return -1;
}

int pcapout_write(struct pcapout *out, const uint8_t *pkt, size_t caplen, size_t wirelen,
                  uint64_t ts_ns)
{
	if (out->err_errno)
		return -1;
	if (caplen > PCAPIO_SNAPLEN) {
		snprintf(out->err, sizeof out->err,
		         "cannot write '%s': packet of %zu bytes is over the snaplen %d", out->name,
		         caplen, PCAPIO_SNAPLEN);
		return -1;
	}
	struct pcap_pkthdr h;
	memset(&h, 0, sizeof h);
	h.ts.tv_sec = (time_t)(ts_ns / NS_PER_S);
	h.ts.tv_usec = (suseconds_t)(ts_ns % NS_PER_S);   /* nanoseconds: see pcap_open_dead above */
	h.caplen = (bpf_u_int32)caplen;
	h.len = (bpf_u_int32)(wirelen < caplen ? caplen : wirelen > UINT32_MAX ? UINT32_MAX : wirelen);
	errno = 0;
	pcap_dump((u_char *)out->d, &h, pkt);
	if (ferror(out->fp))
		return out_fail(out, errno);
	return 0;
}

const char *pcapout_error(const struct pcapout *out)
{
	return out->err;
}

int pcapout_close(struct pcapout *out, char *errbuf, size_t errlen)
{
	int rc = 0;

	errno = 0;
	if (!out->err_errno && (pcap_dump_flush(out->d) != 0 || ferror(out->fp)))
		out_fail(out, errno);
	/* pcap_dump_close() fcloses without telling, so everything was flushed above. */
	pcap_dump_close(out->d);
	pcap_close(out->dead);
	if (out->err_errno) {
		errbuf_set(errbuf, errlen, "%s", out->err);
		rc = -1;
	}
	free(out->vbuf);
	free(out->name);
	free(out);
	return rc;
}
