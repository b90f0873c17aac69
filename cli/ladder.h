/* summary: the text ladder of a lab run: client calls | segments on the wire | server calls. */
#ifndef TCPLAB_CLI_LADDER_H
#define TCPLAB_CLI_LADDER_H

#include <stdio.h>

#include "engine/labrun.h"

/* The run's ladder (engine/ladder.h), one row a line, then the checks with their verdicts
 * and explanations. */
void ladder_print(FILE *out, const struct labrun *run);
void ladder_print_checks(FILE *out, const struct labrun *run);
/* The kernel's samples of the run (engine/ksock.h) in full: every socket of the lab's port
 * with its state and timer, before each act of the lab and at the end. The ladder itself
 * shows each change of a host's sockets in its column ("kernel: LISTEN 1, TIME-WAIT 2").
 * Nothing when the run has no samples. */
void ladder_print_kernel(FILE *out, const struct labrun *run);

#endif
