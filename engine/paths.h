/* summary: where tcplab finds its labs (the source tree) and its built programs. */
#ifndef TCPLAB_ENGINE_PATHS_H
#define TCPLAB_ENGINE_PATHS_H

#include <stddef.h>

/*
 * build: the directory holding the tcplab executable, libtcplab-trace.so and labs/SLUG/
 * programs ($TCPLAB_BUILD overrides). root: the nearest directory at or above build that has
 * labs/README.md ($TCPLAB_ROOT overrides).
 */
struct paths {
	char root[512];
	char build[512];
};

int paths_find(struct paths *p, char *errbuf, size_t errlen);

#endif
