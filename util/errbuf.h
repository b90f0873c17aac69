/* summary: the caller-owned error buffer every module writes its messages into. */
#ifndef TCPLAB_UTIL_ERRBUF_H
#define TCPLAB_UTIL_ERRBUF_H

#include <stddef.h>

/*
 * Functions that can fail return 0 or a negative code and describe the failure in a
 * buffer the caller owns (libpcap's errbuf). Messages say what failed first, lowercase,
 * quote the subject and, where there is one, say what to do (STYLE.md).
 */

/* printf into errbuf; a NULL or empty buffer is left alone, a long message is cut. */
void errbuf_set(char *errbuf, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* strerror(err) with its first letter lowercased, as messages here read ("no such file"). */
const char *errbuf_strerror(int err, char *buf, size_t len);

#endif
