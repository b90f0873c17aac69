/* summary: print a lab run as a three-column ladder (rows from engine/ladder.c) and a list of checks. */
#include "cli/ladder.h"

#include <stdio.h>
#include <string.h>

#include "engine/lab.h"
#include "engine/ladder.h"
#include "util/textcols.h"
#include "util/textesc.h"
#include "util/tr.h"

#define COL_CLIENT 36
#define COL_WIRE 38

/* Where a row's text goes: the client's column, the wire's or the server's. */
static void put_row(FILE *out, double ms, enum ladder_side side, const char *text, bool esc)
{
	if (side == LADDER_CLIENT)
		fprintf(out, "%10.3f  ", ms);
	else if (side == LADDER_WIRE)
		fprintf(out, "%10.3f  %-*s ", ms, COL_CLIENT, "");
	else
		fprintf(out, "%10.3f  %-*s %-*s ", ms, COL_CLIENT, "", COL_WIRE, "");
	/* Calls carry the program's bytes and output is the program's: escaped. */
	if (esc)
		textesc_fputs(out, text, 0);
	else
		fputs(text, out);
	fputc('\n', out);
}

static double ks_ms(const struct labrun *run, uint64_t t_ns)
{
	return t_ns > run->tl.t0 ? (double)(t_ns - run->tl.t0) / 1e6 : 0;
}

void ladder_print_kernel(FILE *out, const struct labrun *run)
{
	if (!run->ks.nsample && !run->ks_error[0])
		return;
	fprintf(out, "\nthe kernel's view (each host's sockets of the lab's port, as 'ss -tan'"
	        " shows them), before each act of the lab and at the end:\n");
	for (size_t i = 0; i < run->ks.nsample; i++) {
		const struct ksock_sample *s = &run->ks.sample[i];

		if (s->why == KSW_TICK)
			continue;
		fprintf(out, "%10.3f  %s, %s:%s\n", ks_ms(run, s->t_ns),
		        s->host == HOST_SERVER ? "server" : "client",
		        s->why == KSW_END ? "at the end of the run" : "before the lab's act",
		        s->n ? "" : " no socket on the port");
		for (uint32_t k = 0; k < s->n; k++) {
			char text[200];

			ksock_format(&run->ks.sock[s->first + k], text, sizeof(text));
			fprintf(out, "%10s    %s\n", "", text);
		}
	}
	if (run->ks_error[0])
		fprintf(out, "  (not sampled: %s)\n", run->ks_error);
}

void ladder_print(FILE *out, const struct labrun *run)
{
	struct ladder l;

	if (ladder_init_run_ks(&l, &run->tl, &run->ks, LADDER_WITH_CALLS) < 0) {
		fprintf(out, "(no ladder: out of memory)\n");
		ladder_release(&l);
		return;
	}
	fprintf(out, "time: ms since the run began\n");
	fprintf(out, "%10s  %-*s %-*s %s\n", "ms", COL_CLIENT, "client", COL_WIRE, "wire",
	        "server");
	fprintf(out, "%10s  %-*s %-*s %s\n", "", COL_CLIENT, run->client_addr, COL_WIRE, "",
	        run->server_addr);
	for (size_t k = 0; k < l.n; k++) {
		const struct ladder_row *r = &l.row[k];
		double ms = ladder_ms(&l, r->t_ns);
		char text[512], line[700], an[160];
		struct ladder_seg s;

		ladder_label(&l, k, text, sizeof text);
		switch ((enum ladder_kind)r->kind) {
		case LADDER_SEG:
			ladder_seg_get(&l, r->index, &s);
			ladder_expert_label(r->analysis, s.malformed, an, sizeof an);
			if (r->dir == FLOW_C2S)
				snprintf(line, sizeof line, "#%u %s -->%s%s", s.frame, text,
				         an[0] ? " " : "", an);
			else
				snprintf(line, sizeof line, "<-- #%u %s%s%s", s.frame, text,
				         an[0] ? " " : "", an);
			put_row(out, ms, LADDER_WIRE, line, false);
			break;
		case LADDER_GAP:
		case LADDER_CONN:
			put_row(out, ms, LADDER_WIRE, text, false);
			break;
		case LADDER_KERNEL:
			/* the engine's words, not the program's: nothing to escape */
			put_row(out, ms, (enum ladder_side)r->side, text, false);
			break;
		default:
			put_row(out, ms, (enum ladder_side)r->side, text, true);
			break;
		}
	}
	ladder_release(&l);
}

/* An explanation can quote what the program printed: escaped. */
static void check_line(FILE *out, const char *label, const char *s)
{
	int pad = 12 - textcols_label(label);

	fprintf(out, "  %s%*s ", label, pad > 0 ? pad : 0, "");
	textesc_fputs(out, s, 0);
	fputc('\n', out);
}

void ladder_print_checks(FILE *out, const struct labrun *run)
{
	size_t passed = 0;

	fputs(_("\nchecks:\n"), out);
	for (size_t i = 0; i < run->ncheck; i++) {
		const struct labrun_check *k = &run->check[i];

		passed += k->r.verdict == EXPECT_PASS;
		check_line(out, _(expect_verdict_str(k->r.verdict)), lab_text(run->lab, k->name));
		if (k->r.explain[0])
			check_line(out, "", k->r.explain);
	}
	for (size_t i = 0; i < run->ninfo; i++)
		check_line(out, _("seen"), run->info[i]);
	fprintf(out, _("\n%zu of %zu checks passed\n"), passed, run->ncheck);
}
