/* summary: print a lab run as a three-column ladder and a list of checks (see ladder.h). */
#include "cli/ladder.h"

#include <stdio.h>
#include <string.h>

#include "capture/dissect.h"
#include "capture/expert.h"

#define COL_CLIENT 36
#define COL_WIRE 38

void ladder_segment_text(const struct flow_seg *fs, char *buf, size_t len)
{
	char flags[16], labels[160];
	int n;

	dissect_flags_str(fs->seg.flags, flags, sizeof(flags));
	n = snprintf(buf, len, "#%u %-3s seq %u", fs->seg.frame, flags, fs->rel_seq);
	if (fs->seg.flags & TCP_ACK && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " ack %u", fs->rel_ack);
	if (fs->seg.len && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " len %u", fs->seg.len);
	if (fs->analysis && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " [%s]",
		         expert_str(fs->analysis, labels, sizeof(labels)));
}

void ladder_call_text(const struct tl_call *c, enum tl_phase phase, char *buf, size_t len)
{
	char whole[400];
	const char *eq;
	double ms = (double)(c->ev.t_exit_ns - c->ev.t_enter_ns) / 1e6;

	trace_event_str(&c->ev, whole, sizeof(whole));
	eq = strstr(whole, ") = ");
	if (phase == TL_PHASE_ONCE || !eq)
		snprintf(buf, len, "%s", whole);
	else if (phase == TL_PHASE_ENTER)
		snprintf(buf, len, "%.*s) ...", (int)(eq - whole), whole);
	else
		snprintf(buf, len, "... %s%s after %.3f ms", c->ev.name, eq + 1, ms);
}

void ladder_print(FILE *out, const struct labrun *run)
{
	const struct timeline *tl = &run->tl;

	fprintf(out, "%10s  %-*s %-*s %s\n", "ms", COL_CLIENT, "client " , COL_WIRE, "wire",
	        "server");
	fprintf(out, "%10s  %-*s %-*s %s\n", "", COL_CLIENT, run->client_addr, COL_WIRE, "",
	        run->server_addr);
	for (size_t i = 0; i < tl->nentry; i++) {
		const struct tl_entry *e = &tl->entry[i];
		double ms = (double)(e->t_ns - tl->t0) / 1e6;
		char text[512], wire[600];
		int host = -1;

		switch (e->kind) {
		case TL_SEGMENT: {
			const struct flow_seg *fs = &tl->seg[e->index];

			ladder_segment_text(fs, text, sizeof(text));
			if (fs->dir == FLOW_C2S)
				snprintf(wire, sizeof(wire), "%s -->", text);
			else
				snprintf(wire, sizeof(wire), "<-- %s", text);
			fprintf(out, "%10.3f  %-*s %s\n", ms, COL_CLIENT, "", wire);
			continue;
		}
		case TL_CALL:
			host = tl->call[e->index].host;
			ladder_call_text(&tl->call[e->index], e->phase, text, sizeof(text));
			break;
		case TL_OUTPUT:
			host = tl->out[e->index].host;
			snprintf(text, sizeof(text), "> %s", tl->out[e->index].text);
			break;
		}
		if (host == TL_HOST_WIRE)
			fprintf(out, "%10.3f  %-*s %s\n", ms, COL_CLIENT, "", text);
		else if (host == HOST_CLIENT)
			fprintf(out, "%10.3f  %s\n", ms, text);
		else
			fprintf(out, "%10.3f  %-*s %-*s %s\n", ms, COL_CLIENT, "", COL_WIRE, "", text);
	}
}

void ladder_print_checks(FILE *out, const struct labrun *run)
{
	size_t passed = 0;

	fprintf(out, "\nchecks:\n");
	for (size_t i = 0; i < run->ncheck; i++) {
		const struct labrun_check *k = &run->check[i];

		passed += k->r.verdict == EXPECT_PASS;
		fprintf(out, "  %-12s %s\n", expect_verdict_str(k->r.verdict), k->name);
		if (k->r.explain[0])
			fprintf(out, "  %-12s %s\n", "", k->r.explain);
	}
	for (size_t i = 0; i < run->ninfo; i++)
		fprintf(out, "  %-12s %s\n", "seen", run->info[i]);
	fprintf(out, "\n%zu of %zu checks passed\n", passed, run->ncheck);
}
