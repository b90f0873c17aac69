/* summary: test helper: is a text well-formed JSON (RFC 8259) or well-formed XML 1.0? */
#ifndef TCPLAB_TESTS_LIB_WELLFORMED_H
#define TCPLAB_TESTS_LIB_WELLFORMED_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Strict enough to catch what a report writer gets wrong (unescaped quotes, control
 * characters, unbalanced tags, bad entities, trailing garbage); not a full validator:
 * no DTDs, no namespaces, no Unicode checks beyond the escapes. why says where it broke.
 */
bool json_wellformed(const char *text, char *why, size_t len);
bool xml_wellformed(const char *text, char *why, size_t len);

#endif
