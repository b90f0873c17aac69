/* summary: read a capture file into connections and their segments (see capfile.h). */
#include "capture/capfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/dissect.h"
#include "capture/pcapio.h"
#include "util/errbuf.h"
#include "util/tr.h"

static int keep(struct capfile *cf, size_t max, const struct tcp_segment *seg,
                const struct flow_info *fi)
{
	uint32_t id = fi->conn->id;
	struct capfile_conn *cc;

	if (id >= cf->nconn) {
		size_t n = (size_t)id + 1;
		struct capfile_conn *grown = realloc(cf->conn, n * sizeof(*grown));

		if (!grown)
			return -1;
		memset(grown + cf->nconn, 0, (n - cf->nconn) * sizeof(*grown));
		cf->conn = grown;
		cf->nconn = n;
	}
	cc = &cf->conn[id];
	if (cc->nseg == max) {
		cc->truncated = true;
		return 0;
	}
	if (cc->nseg == cc->cap) {
		size_t ncap = cc->cap ? cc->cap * 2 : 64;
		struct flow_seg *v = realloc(cc->seg, ncap * sizeof(*v));

		if (!v)
			return -1;
		cc->seg = v;
		cc->cap = ncap;
	}
	flow_seg_set(&cc->seg[cc->nseg], seg, fi);
	cc->seg[cc->nseg++].seg.payload = NULL;
	return 0;
}

int capfile_load(const char *path, long only, size_t max_per_conn, struct capfile *cf,
                 char *errbuf, size_t errlen)
{
	struct pcapin *in;
	const uint8_t *pkt;
	size_t caplen, wirelen;
	uint64_t ts;
	char why[256];
	int dlt, rc;

	memset(cf, 0, sizeof(*cf));
	in = pcapin_open(path, errbuf, errlen);
	if (!in)
		return -1;
	cf->ft = flow_new();
	if (!cf->ft) {
		errbuf_set(errbuf, errlen, _("%s: out of memory"), path);
		pcapin_free(in);
		return -1;
	}
	dlt = pcapin_dlt(in);
	while ((rc = pcapin_next(in, &pkt, &caplen, &wirelen, &ts)) == 1) {
		struct tcp_segment seg = { .frame = ++cf->frames, .ts_ns = ts };
		struct flow_info fi;
		int d = dissect_packet(dlt, pkt, caplen, &seg, why, sizeof(why));

		if (d == DISSECT_MALFORMED) {
			cf->malformed++;
			if (seg.family)
				flow_malformed(cf->ft, &seg);
			continue;
		}
		if (d != DISSECT_TCP)
			continue;
		if (flow_track(cf->ft, &seg, &fi) < 0 ||
		    ((only < 0 || fi.conn->id == (uint32_t)only) && keep(cf, max_per_conn, &seg, &fi) < 0)) {
			errbuf_set(errbuf, errlen, _("%s: out of memory at packet %u"), path, cf->frames);
			pcapin_free(in);
			return -1;
		}
	}
	if (rc < 0)
		snprintf(cf->read_error, sizeof(cf->read_error), "%s", pcapin_error(in));
	pcapin_free(in);
	return 0;
}

void capfile_release(struct capfile *cf)
{
	for (size_t i = 0; i < cf->nconn; i++)
		free(cf->conn[i].seg);
	free(cf->conn);
	if (cf->ft)
		flow_free(cf->ft);
	memset(cf, 0, sizeof(*cf));
}

const struct capfile_conn *capfile_conn(const struct capfile *cf, size_t id)
{
	static const struct capfile_conn none;

	return id < cf->nconn ? &cf->conn[id] : &none;
}
