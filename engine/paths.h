/* summary: where tcplab finds its labs, its built programs and its catalogs: a build tree or an install. */
#ifndef TCPLAB_ENGINE_PATHS_H
#define TCPLAB_ENGINE_PATHS_H

#include <stddef.h>

/*
 * build: the directory holding the lab programs in labs/SLUG/ (and, in a build tree, the
 * tcplab executable). root: the directory holding labs/README.md, the labs' data.
 * locale: the directory holding LANG/LC_MESSAGES/tcplab.mo.
 *
 * Found in this order:
 *  1. $TCPLAB_BUILD and $TCPLAB_ROOT, each where set (locale: build/locale, or the
 *     install's when only TCPLAB_ROOT is set on an installed executable);
 *  2. an install: the executable is in the BINDIR it was built for (Makefile), possibly
 *     under a staging folder (make install DESTDIR=STAGE): build, root and locale are
 *     STAGE/PKGLIBEXECDIR, STAGE/PKGDATADIR and STAGE/LOCALEDIR, when labs/README.md is
 *     there;
 *  3. a build tree: build is the executable's directory, root the nearest directory at or
 *     above it with labs/README.md;
 *  4. the install at PKGDATADIR, for an executable copied elsewhere.
 * installed tells 2 and 4 from the others.
 */
struct paths {
	char root[512];
	char build[512];
	char locale[512];
	int installed;
};

int paths_find(struct paths *p, char *errbuf, size_t errlen);

#endif
