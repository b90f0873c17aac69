/* summary: live capture on one device: libpcap set up for labs (immediate, 8 MiB, nanoseconds, non-blocking). */
#include "capture/live.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/errbuf.h"
#include "util/tr.h"

#define LIVE_SNAPLEN 262144
#define LIVE_BUFSIZE (8 * 1024 * 1024)
#define NS_PER_S 1000000000ull

struct live {
	pcap_t *p;
	int fd;
	char err[PCAP_ERRBUF_SIZE + 256];
	char warning[PCAP_ERRBUF_SIZE + 64];
};

/* pcap_activate()'s errors, told as what the user can do about them. */
static void activate_error(pcap_t *p, const char *dev, int rc, char *errbuf, size_t errlen)
{
	switch (rc) {
	case PCAP_ERROR_PERM_DENIED:
		errbuf_set(errbuf, errlen,
		        _("cannot capture on '%s': permission denied (run 'tcplab doctor')"), dev);
		break;
	case PCAP_ERROR_NO_SUCH_DEVICE:
		errbuf_set(errbuf, errlen,
		        _("cannot capture on '%s': no such device in this network namespace"), dev);
		break;
	case PCAP_ERROR_IFACE_NOT_UP:
		errbuf_set(errbuf, errlen, _("cannot capture on '%s': the interface is down (bring it up first)"), dev);
		break;
	case PCAP_ERROR:
		errbuf_set(errbuf, errlen, _("cannot capture on '%s': %s"), dev, pcap_geterr(p));
		break;
	default:
		errbuf_set(errbuf, errlen, _("cannot capture on '%s': %s (%s)"), dev,
		        pcap_statustostr(rc), pcap_geterr(p));
		break;
	}
}

struct live *live_open(const char *dev, const char *bpf_filter, char *errbuf, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	struct live *lv = calloc(1, sizeof *lv);
	int rc;

	errbuf_set(errbuf, errlen, "%s", "");
	if (!lv) {
		errbuf_set(errbuf, errlen, _("cannot capture on '%s': out of memory"), dev);
		return NULL;
	}
	lv->p = pcap_create(dev, perr);
	if (!lv->p) {
		errbuf_set(errbuf, errlen, _("cannot capture on '%s': %s"), dev, perr);
		goto fail;
	}
	/* TCP-FACTS: without immediate mode and a big buffer, loopback bursts drop packets. */
	if (pcap_set_immediate_mode(lv->p, 1) != 0 || pcap_set_snaplen(lv->p, LIVE_SNAPLEN) != 0 ||
	    pcap_set_buffer_size(lv->p, LIVE_BUFSIZE) != 0) {
		errbuf_set(errbuf, errlen, _("cannot capture on '%s': cannot set capture options"), dev);
		goto fail;
	}
	rc = pcap_set_tstamp_precision(lv->p, PCAP_TSTAMP_PRECISION_NANO);
	if (rc != 0) {
		errbuf_set(errbuf, errlen, _("cannot capture on '%s': nanosecond timestamps: %s"), dev,
		        pcap_statustostr(rc));
		goto fail;
	}
	rc = pcap_activate(lv->p);
	if (rc < 0) {
		activate_error(lv->p, dev, rc, errbuf, errlen);
		goto fail;
	}
	if (rc == PCAP_WARNING)
		snprintf(lv->warning, sizeof lv->warning, _("capture on '%s': %s"), dev,
		         pcap_geterr(lv->p));
	else if (rc > 0)
		snprintf(lv->warning, sizeof lv->warning, _("capture on '%s': %s (%s)"), dev,
		         pcap_statustostr(rc), pcap_geterr(lv->p));

	if (bpf_filter) {
		struct bpf_program prog;
		if (pcap_compile(lv->p, &prog, bpf_filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
			errbuf_set(errbuf, errlen, _("bad filter '%s': %s"), bpf_filter, pcap_geterr(lv->p));
			goto fail;
		}
		rc = pcap_setfilter(lv->p, &prog);
		pcap_freecode(&prog);
		if (rc != 0) {
			errbuf_set(errbuf, errlen, _("cannot set filter '%s' on '%s': %s"), bpf_filter, dev,
			        pcap_geterr(lv->p));
			goto fail;
		}
	}
	/* TCP-FACTS: in immediate mode pcap_next_ex may ignore its timeout; poll instead. */
	if (pcap_setnonblock(lv->p, 1, perr) != 0) {
		errbuf_set(errbuf, errlen, _("cannot capture on '%s': %s"), dev, perr);
		goto fail;
	}
	lv->fd = pcap_get_selectable_fd(lv->p);
	if (lv->fd < 0) {
		errbuf_set(errbuf, errlen, _("cannot capture on '%s': no selectable descriptor"), dev);
		goto fail;
	}
	errbuf_set(errbuf, errlen, "%s", lv->warning);
	return lv;
fail:
	if (lv->p)
		pcap_close(lv->p);
	free(lv);
	return NULL;
}

int live_fd(const struct live *lv)
{
	return lv->fd;
}

int live_dlt(const struct live *lv)
{
	return pcap_datalink(lv->p);
}

struct relay {
	live_cb cb;
	void *ctx;
};

static void relay_one(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	const struct relay *r = (const struct relay *)user;
	/* Nanosecond precision was set: tv_usec carries nanoseconds. */
	uint64_t ts = (uint64_t)h->ts.tv_sec * NS_PER_S + (uint64_t)h->ts.tv_usec;
	r->cb(r->ctx, bytes, h->caplen, h->len < h->caplen ? h->caplen : h->len, ts);
}

int live_dispatch(struct live *lv, live_cb cb, void *ctx)
{
	struct relay r = { cb, ctx };
	int n = pcap_dispatch(lv->p, -1, relay_one, (u_char *)&r);
	if (n == PCAP_ERROR_BREAK)
		return 0;
	if (n < 0) {
		snprintf(lv->err, sizeof lv->err, _("capture failed: %s"), pcap_geterr(lv->p));
		return -1;
	}
	return n;
}

int live_stats(struct live *lv, uint64_t *received, uint64_t *dropped)
{
	struct pcap_stat st;
	if (pcap_stats(lv->p, &st) != 0) {
		snprintf(lv->err, sizeof lv->err, _("cannot read capture statistics: %s"),
		         pcap_geterr(lv->p));
		return -1;
	}
	*received = st.ps_recv;
	*dropped = (uint64_t)st.ps_drop + st.ps_ifdrop;
	return 0;
}

const char *live_error(const struct live *lv)
{
	return lv->err;
}

const char *live_warning(const struct live *lv)
{
	return lv->warning;
}

void live_close(struct live *lv)
{
	if (!lv)
		return;
	pcap_close(lv->p);
	free(lv);
}
