/* summary: minimal JSON and XML well-formedness checks for report tests (see wellformed.h). */
#include "tests/lib/wellformed.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

struct cur {
	const char *s;
	const char *p;
	char *why;
	size_t len;
	int depth;
};

static bool fail(struct cur *c, const char *what)
{
	snprintf(c->why, c->len, "%s at offset %zu: '%.20s'", what, (size_t)(c->p - c->s), c->p);
	return false;
}

static void ws(struct cur *c)
{
	while (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')
		c->p++;
}

static bool json_value(struct cur *c);

static bool json_string(struct cur *c)
{
	if (*c->p++ != '"')
		return fail(c, "expected a string");
	for (;;) {
		unsigned char ch = (unsigned char)*c->p++;

		if (!ch)
			return fail(c, "unterminated string");
		if (ch == '"')
			return true;
		if (ch < 0x20)
			return fail(c, "raw control character in a string");
		if (ch == '\\') {
			char e = *c->p++;

			if (e == 'u') {
				for (int i = 0; i < 4; i++)
					if (!isxdigit((unsigned char)*c->p++))
						return fail(c, "bad \\u escape");
			} else if (!strchr("\"\\/bfnrt", e) || !e) {
				return fail(c, "bad escape");
			}
		}
	}
}

static bool json_number(struct cur *c)
{
	const char *start = c->p;

	if (*c->p == '-')
		c->p++;
	if (!isdigit((unsigned char)*c->p))
		return fail(c, "bad number");
	if (*c->p == '0' && isdigit((unsigned char)c->p[1]))
		return fail(c, "leading zero");
	while (isdigit((unsigned char)*c->p))
		c->p++;
	if (*c->p == '.') {
		c->p++;
		if (!isdigit((unsigned char)*c->p))
			return fail(c, "bad fraction");
		while (isdigit((unsigned char)*c->p))
			c->p++;
	}
	if (*c->p == 'e' || *c->p == 'E') {
		c->p++;
		if (*c->p == '+' || *c->p == '-')
			c->p++;
		if (!isdigit((unsigned char)*c->p))
			return fail(c, "bad exponent");
		while (isdigit((unsigned char)*c->p))
			c->p++;
	}
	return c->p > start;
}

static bool json_container(struct cur *c, char open, char close)
{
	if (++c->depth > 64)
		return fail(c, "nested too deep");
	c->p++;
	ws(c);
	if (*c->p == close) {
		c->p++;
		c->depth--;
		return true;
	}
	for (;;) {
		ws(c);
		if (open == '{') {
			if (!json_string(c))
				return false;
			ws(c);
			if (*c->p++ != ':')
				return fail(c, "expected ':'");
		}
		if (!json_value(c))
			return false;
		ws(c);
		if (*c->p == ',') {
			c->p++;
			continue;
		}
		if (*c->p++ == close) {
			c->depth--;
			return true;
		}
		return fail(c, "expected ',' or the container's end");
	}
}

static bool json_value(struct cur *c)
{
	ws(c);
	switch (*c->p) {
	case '{': return json_container(c, '{', '}');
	case '[': return json_container(c, '[', ']');
	case '"': return json_string(c);
	case 't': return !strncmp(c->p, "true", 4) ? (c->p += 4, true) : fail(c, "bad literal");
	case 'f': return !strncmp(c->p, "false", 5) ? (c->p += 5, true) : fail(c, "bad literal");
	case 'n': return !strncmp(c->p, "null", 4) ? (c->p += 4, true) : fail(c, "bad literal");
	default: return json_number(c);
	}
}

bool json_wellformed(const char *text, char *why, size_t len)
{
	struct cur c = { text, text, why, len, 0 };

	if (!json_value(&c))
		return false;
	ws(&c);
	return *c.p ? fail(&c, "text after the value") : true;
}

/* &amp; &lt; &gt; &quot; &apos; &#N; &#xN; */
static bool xml_entity(struct cur *c)
{
	static const char *const names[] = { "amp;", "lt;", "gt;", "quot;", "apos;" };

	c->p++;
	for (size_t i = 0; i < 5; i++)
		if (!strncmp(c->p, names[i], strlen(names[i])))
			return c->p += strlen(names[i]), true;
	if (*c->p == '#') {
		c->p++;
		if (*c->p == 'x')
			c->p++;
		if (!isxdigit((unsigned char)*c->p))
			return fail(c, "bad character reference");
		while (isxdigit((unsigned char)*c->p))
			c->p++;
		if (*c->p++ == ';')
			return true;
	}
	return fail(c, "bad entity");
}

static bool xml_name(struct cur *c, const char **name, size_t *n)
{
	*name = c->p;
	if (!isalpha((unsigned char)*c->p) && *c->p != '_')
		return fail(c, "expected a name");
	while (isalnum((unsigned char)*c->p) || strchr("_-.:", *c->p))
		c->p++;
	*n = (size_t)(c->p - *name);
	return true;
}

static bool xml_text_char(struct cur *c)
{
	unsigned char ch = (unsigned char)*c->p;

	if (ch == '&')
		return xml_entity(c);
	if (ch < 0x20 && ch != '\n' && ch != '\t' && ch != '\r')
		return fail(c, "control character XML 1.0 forbids");
	c->p++;
	return true;
}

bool xml_wellformed(const char *text, char *why, size_t len)
{
	struct cur c = { text, text, why, len, 0 };
	const char *stack[64];
	size_t stackn[64];
	int depth = 0, roots = 0;

	if (!strncmp(c.p, "<?xml", 5)) {
		const char *end = strstr(c.p, "?>");

		if (!end)
			return fail(&c, "unterminated declaration");
		c.p = end + 2;
	}
	for (;;) {
		ws(&c);
		if (!*c.p)
			break;
		if (*c.p != '<') {
			if (!depth)
				return fail(&c, "text outside the root element");
			while (*c.p && *c.p != '<')
				if (!xml_text_char(&c))
					return false;
			continue;
		}
		c.p++;
		if (*c.p == '/') {
			const char *name;
			size_t n;

			c.p++;
			if (!xml_name(&c, &name, &n))
				return false;
			if (!depth || n != stackn[depth - 1] || strncmp(name, stack[depth - 1], n))
				return fail(&c, "closing tag does not match");
			depth--;
			ws(&c);
			if (*c.p++ != '>')
				return fail(&c, "expected '>'");
			continue;
		}
		{
			const char *name;
			size_t n;

			if (!xml_name(&c, &name, &n))
				return false;
			if (!depth && roots++)
				return fail(&c, "a second root element");
			for (;;) {
				const char *attr;
				size_t an;
				char q;

				ws(&c);
				if (*c.p == '>' || !strncmp(c.p, "/>", 2))
					break;
				if (!xml_name(&c, &attr, &an))
					return false;
				if (*c.p++ != '=')
					return fail(&c, "expected '=' after an attribute name");
				q = *c.p++;
				if (q != '"' && q != '\'')
					return fail(&c, "unquoted attribute value");
				while (*c.p != q) {
					if (!*c.p || *c.p == '<')
						return fail(&c, "bad attribute value");
					if (!xml_text_char(&c))
						return false;
				}
				c.p++;
			}
			if (*c.p == '/') {
				c.p += 2;
				continue;
			}
			c.p++;
			if (depth == 64)
				return fail(&c, "nested too deep");
			stack[depth] = name;
			stackn[depth++] = n;
		}
	}
	if (depth)
		return fail(&c, "unclosed element");
	return roots == 1 ? true : fail(&c, "no root element");
}
