/* summary: count each connection's packets, bytes, times, end and expert labels in one pass (see conv.h). */
#include "engine/conv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "capture/dissect.h"

void conv_init_run(struct conv_list *cl, const struct timeline *tl)
{
	memset(cl, 0, sizeof *cl);
	cl->tl = tl;
}

void conv_init_index(struct conv_list *cl, const struct pktindex *ix)
{
	memset(cl, 0, sizeof *cl);
	cl->ix = ix;
}

void conv_release(struct conv_list *cl)
{
	free(cl->conv);
	memset(cl, 0, sizeof *cl);
}

/* The conversation of connection id, made (with those before it) when new; NULL: memory. */
static struct conv *conv_at(struct conv_list *cl, uint32_t id)
{
	if (id >= cl->cap) {
		size_t nc = cl->cap ? cl->cap : 16;
		struct conv *p;

		while (nc <= id)
			nc *= 2;
		p = realloc(cl->conv, nc * sizeof *p);
		if (!p)
			return NULL;
		cl->conv = p;
		cl->cap = nc;
	}
	for (; cl->n <= id; cl->n++) {
		memset(&cl->conv[cl->n], 0, sizeof cl->conv[cl->n]);
		cl->conv[cl->n].id = (uint32_t)cl->n;
		cl->conv[cl->n].first_seg = SIZE_MAX;
	}
	return &cl->conv[id];
}

static void count(struct conv *c, size_t i, enum flow_dir dir, uint16_t flags, uint32_t len,
                  uint32_t analysis, uint64_t ts)
{
	if (c->first_seg == SIZE_MAX) {
		c->first_seg = i;
		c->first_ns = ts;
	}
	c->last_ns = ts;
	c->last_seg = i;
	c->packets[dir]++;
	c->bytes[dir] += len;
	if ((flags & TCP_FIN) && !c->fin_ns[dir])
		c->fin_ns[dir] = ts;
	if ((flags & TCP_RST) && !c->rst_ns[dir])
		c->rst_ns[dir] = ts;
	for (int k = 0; k < EXPERT_NLABELS; k++)
		c->labels[k] += analysis >> k & 1;
}

int conv_update(struct conv_list *cl)
{
	size_t n = cl->tl ? cl->tl->nseg : cl->ix ? pktindex_count(cl->ix) : 0;
	bool changed = cl->seen < n;

	for (; cl->seen < n; cl->seen++) {
		size_t i = cl->seen;
		struct conv *c;

		if (cl->tl) {
			const struct flow_seg *fs = &cl->tl->seg[i];
			if (!(c = conv_at(cl, fs->conn_id)))
				return -1;
			count(c, i, fs->dir, fs->seg.flags, fs->seg.len, fs->analysis, fs->seg.ts_ns);
			continue;
		}
		const struct pktindex_ent *e = pktindex_get(cl->ix, i);
		if (e->conn == PKTINDEX_NOCONN)
			continue;
		if (!(c = conv_at(cl, e->conn)))
			return -1;
		if (e->malformed)
			c->malformed++;
		else
			count(c, i, (enum flow_dir)e->dir, e->flags, e->len, e->analysis, e->ts_ns);
	}
	return changed;
}

enum conv_end conv_end_of(const struct conv *c)
{
	if (c->rst_ns[0] || c->rst_ns[1])
		return CONV_RST;
	if (c->fin_ns[0] && c->fin_ns[1])
		return CONV_FIN;
	return c->fin_ns[0] || c->fin_ns[1] ? CONV_HALF : CONV_OPEN;
}

const char *conv_end_name(enum conv_end e)
{
	static const char *const names[] = {
		[CONV_OPEN] = "open", [CONV_HALF] = "half", [CONV_FIN] = "FIN", [CONV_RST] = "RST",
	};
	return names[e];
}

/* The earlier of two times of which 0 means none: which side (0, 1), or -1. */
static int first_of(const uint64_t t[2])
{
	if (!t[0] && !t[1])
		return -1;
	if (!t[1])
		return 0;
	if (!t[0])
		return 1;
	return t[1] < t[0];
}

int conv_closer(const struct conv *c)
{
	int r = first_of(c->rst_ns);

	return r >= 0 ? r : first_of(c->fin_ns);
}

void conv_ends(const struct conv_list *cl, const struct conv *c, char *client, char *server,
               size_t len)
{
	client[0] = server[0] = '\0';
	if (cl->ix) {
		const struct flow_table *ft = pktindex_flows(cl->ix);
		if (c->id >= flow_count(ft))
			return;
		flow_endpoint_str(flow_get(ft, c->id), FLOW_C2S, client, len);
		flow_endpoint_str(flow_get(ft, c->id), FLOW_S2C, server, len);
		return;
	}
	if (!cl->tl || c->first_seg >= cl->tl->nseg)
		return;
	/* A run keeps no flow table: its first segment names both ends, written as
	 * flow_endpoint_str() writes them. */
	const struct flow_seg *fs = &cl->tl->seg[c->first_seg];
	for (int k = 0; k < 2; k++) {
		bool src = (fs->dir == FLOW_C2S) == (k == 0);
		char a[64];

		dissect_addr_str(&fs->seg, src, a, sizeof a);
		snprintf(k == 0 ? client : server, len, fs->seg.family == AF_INET6 ? "[%s]:%u" : "%s:%u",
		         a, src ? fs->seg.sport : fs->seg.dport);
	}
}
