/* summary: what every hostile submission shares: one line saying which network namespace it ran in. */
#ifndef TCPLAB_TESTS_HOSTILE_H
#define TCPLAB_TESTS_HOSTILE_H

#include <stdio.h>
#include <unistd.h>

/*
 * Prints "hostile: NAME in net:[INODE]" and flushes, so the grade's output check quotes it
 * as the program's last line: test_hostile then checks that this namespace is gone once
 * the grade is over. A program that prints nothing after this line keeps it the last.
 */
static inline void hostile_hello(const char *name)
{
	char ns[64] = "?";
	ssize_t n = readlink("/proc/self/ns/net", ns, sizeof(ns) - 1);

	if (n > 0)
		ns[n] = '\0';
	printf("hostile: %s in %s\n", name, ns);
	fflush(stdout);
}

#endif
