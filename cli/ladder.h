/* summary: the text ladder of a lab run: client calls | segments on the wire | server calls. */
#ifndef TCPLAB_CLI_LADDER_H
#define TCPLAB_CLI_LADDER_H

#include <stdio.h>

#include "engine/labrun.h"

/* The timeline, one event a row, then the checks with their verdicts and explanations. */
void ladder_print(FILE *out, const struct labrun *run);
void ladder_print_checks(FILE *out, const struct labrun *run);

/* Row texts the text ladder and the TUI share. "#3 P. seq 1 ack 1 len 14" plus the expert
 * labels, if any; a call whole, or its entry ("connect(3, ...) ...") or its return
 * ("... connect = 0 after 1.204 ms") for a call that spanned other events. */
void ladder_segment_text(const struct flow_seg *fs, char *buf, size_t len);
void ladder_call_text(const struct tl_call *c, enum tl_phase phase, char *buf, size_t len);

#endif
