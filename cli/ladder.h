/* summary: the text ladder of a lab run: client calls | segments on the wire | server calls. */
#ifndef TCPLAB_CLI_LADDER_H
#define TCPLAB_CLI_LADDER_H

#include <stdio.h>

#include "engine/labrun.h"

/* The run's ladder (engine/ladder.h), one row a line, then the checks with their verdicts
 * and explanations. */
void ladder_print(FILE *out, const struct labrun *run);
void ladder_print_checks(FILE *out, const struct labrun *run);

#endif
