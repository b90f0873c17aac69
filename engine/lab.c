/* summary: read labs/NN-name/lab.conf files into struct lab (see lab.h). */
#include "engine/lab.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static int copy_field(char *dst, size_t size, const char *val)
{
	size_t n = strlen(val);

	if (n >= size)
		return -1;
	memcpy(dst, val, n + 1);
	return 0;
}

/* Keys of the lab itself and of a variant: a table, so a typo is named, not ignored. */
enum key_where { KEY_LAB, KEY_VARIANT };
struct key {
	const char *name;
	enum key_where where;
	size_t off, size;
};
#define LK(f) { #f, KEY_LAB, offsetof(struct lab, f), sizeof(((struct lab *)0)->f) }
#define VK(f) { #f, KEY_VARIANT, offsetof(struct lab_variant, f), \
                sizeof(((struct lab_variant *)0)->f) }
static const struct key keys[] = {
	LK(title), LK(summary), LK(lesson),
	VK(summary), VK(server), VK(client), VK(expect), VK(source), VK(binary),
};

static const struct {
	const char *key;
	enum labcheck_kind kind;
} check_keys[] = {
	{ "call", LABCHECK_CALL }, { "output", LABCHECK_OUTPUT }, { "wire", LABCHECK_WIRE },
	{ "info", LABCHECK_CALL },
};

static const char *const action_names[] = {
	[LAB_ACT_CUT_CABLE] = "cut-cable",
	[LAB_ACT_RESTORE_CABLE] = "restore-cable",
	[LAB_ACT_KILL_CLIENT] = "kill-client",
	[LAB_ACT_KILL_SERVER] = "kill-server",
};

const char *lab_action_name(enum lab_action_kind k)
{
	return (size_t)k < sizeof(action_names) / sizeof(action_names[0]) ? action_names[k] : "?";
}

/* on = WHO "TEXT" ACTION */
static int parse_action(struct lab_variant *v, const char *val, char *err, size_t errlen)
{
	struct lab_action *a;
	const char *q1, *q2, *act;
	size_t n;

	if (v->naction == LAB_MAX_ACTIONS)
		return snprintf(err, errlen, "more than %d 'on' lines", LAB_MAX_ACTIONS), -1;
	a = &v->action[v->naction];
	if (!strncmp(val, "client ", 7))
		a->who = HOST_CLIENT;
	else if (!strncmp(val, "server ", 7))
		a->who = HOST_SERVER;
	else
		return snprintf(err, errlen, "'on' must name client or server first"), -1;
	q1 = strchr(val, '"');
	q2 = q1 ? strchr(q1 + 1, '"') : NULL;
	if (!q2 || q2 == q1 + 1)
		return snprintf(err, errlen, "'on' needs the output text in double quotes"), -1;
	n = (size_t)(q2 - q1 - 1);
	if (n >= sizeof(a->text))
		return snprintf(err, errlen, "'on' text is too long"), -1;
	memcpy(a->text, q1 + 1, n);
	a->text[n] = '\0';
	act = trim((char *)q2 + 1);
	for (size_t i = 0; i < sizeof(action_names) / sizeof(action_names[0]); i++) {
		if (!strcmp(act, action_names[i])) {
			a->kind = (enum lab_action_kind)i;
			v->naction++;
			return 0;
		}
	}
	snprintf(err, errlen, "unknown action '%s' (cut-cable, restore-cable, kill-client,"
	         " kill-server)", act);
	return -1;
}

static int set_key(struct lab *lab, struct lab_variant *v, const char *k, const char *val,
                   char *err, size_t errlen)
{
	if (v && !strcmp(k, "on"))
		return parse_action(v, val, err, errlen);
	for (size_t i = 0; v && i < sizeof(check_keys) / sizeof(check_keys[0]); i++) {
		char why[160];

		if (strcmp(k, check_keys[i].key))
			continue;
		if (v->ncheck == LAB_MAX_CHECKS)
			return snprintf(err, errlen, "more than %d checks", LAB_MAX_CHECKS), -1;
		if (labcheck_parse(check_keys[i].kind, val, &v->check[v->ncheck], why,
		                   sizeof(why)) < 0)
			return snprintf(err, errlen, "%s: %s", k, why), -1;
		v->check[v->ncheck].info = !strcmp(k, "info");
		v->ncheck++;
		return 0;
	}
	if (v && v == &lab->exercise && !strcmp(k, "student")) {
		if (!strcmp(val, "client") || !strcmp(val, "server")) {
			v->student = !strcmp(val, "client") ? HOST_CLIENT : HOST_SERVER;
			return 0;
		}
		return snprintf(err, errlen, "student must be client or server"), -1;
	}
	if (v != &lab->exercise && (!strcmp(k, "student") || !strcmp(k, "source") ||
	                            !strcmp(k, "binary")))
		return snprintf(err, errlen, "'%s' belongs in the [exercise] section", k), -1;
	if (v && !strcmp(k, "timeout")) {
		v->timeout_s = atof(val);
		return v->timeout_s > 0 && v->timeout_s <= 600 ? 0 :
		       (snprintf(err, errlen, "timeout must be between 0 and 600 seconds"), -1);
	}
	if (!v && !strcmp(k, "number")) {
		lab->number = atoi(val);
		return lab->number > 0 ? 0 : (snprintf(err, errlen, "number must be 1 or more"), -1);
	}
	if (!v && !strcmp(k, "port")) {
		lab->port = atoi(val);
		return lab->port > 0 && lab->port < 32768 ? 0 :
		       /* TCP-FACTS: ports of 32768 and up collide with ephemeral client ports. */
		       (snprintf(err, errlen, "port must be between 1 and 32767"), -1);
	}
	if (!v && !strcmp(k, "topology")) {
		if (!strcmp(val, "loopback"))
			lab->topology = SANDBOX_LOOPBACK;
		else if (!strcmp(val, "two-hosts"))
			lab->topology = SANDBOX_TWO_HOSTS;
		else
			return snprintf(err, errlen, "topology must be loopback or two-hosts"), -1;
		return 0;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char *base;

		if (strcmp(keys[i].name, k) || (keys[i].where == KEY_VARIANT) != (v != NULL))
			continue;
		base = v ? (char *)v : (char *)lab;
		if (copy_field(base + keys[i].off, keys[i].size, val) < 0)
			return snprintf(err, errlen, "value of '%s' is too long", k), -1;
		return 0;
	}
	snprintf(err, errlen, "unknown key '%s'%s", k, v ? " in a variant" : "");
	return -1;
}

int lab_load(const char *dir, struct lab *lab, char *errbuf, size_t errlen)
{
	char path[600], line[512], why[300];
	struct lab_variant *v = NULL;
	const char *slash;
	int lineno = 0, ret = -1;
	FILE *f;

	memset(lab, 0, sizeof(*lab));
	if (copy_field(lab->dir, sizeof(lab->dir), dir) < 0) {
		snprintf(errbuf, errlen, "lab folder name '%s' is too long", dir);
		return -1;
	}
	slash = strrchr(dir, '/');
	snprintf(lab->slug, sizeof(lab->slug), "%.*s", (int)sizeof(lab->slug) - 1,
	         slash ? slash + 1 : dir);
	snprintf(path, sizeof(path), "%s/lab.conf", dir);
	f = fopen(path, "r");
	if (!f) {
		snprintf(errbuf, errlen, "cannot read '%s': %s", path, strerror(errno));
		return -1;
	}
	lab->topology = SANDBOX_LOOPBACK;
	lab->exercise.student = -1;
	while (fgets(line, sizeof(line), f)) {
		char *s = trim(line), *eq;

		lineno++;
		if (!*s || *s == '#')
			continue;
		if (!strcmp(s, "[exercise]")) {
			if (lab->has_exercise) {
				snprintf(errbuf, errlen, "%s:%d: a second [exercise]", path, lineno);
				goto out;
			}
			lab->has_exercise = true;
			v = &lab->exercise;
			snprintf(v->name, sizeof(v->name), "exercise");
			continue;
		}
		if (!strncmp(s, "[variant ", 9) && s[strlen(s) - 1] == ']') {
			if (lab->nvariant == LAB_MAX_VARIANTS) {
				snprintf(errbuf, errlen, "%s:%d: more than %d variants", path, lineno,
				         LAB_MAX_VARIANTS);
				goto out;
			}
			v = &lab->variant[lab->nvariant++];
			s[strlen(s) - 1] = '\0';
			if (copy_field(v->name, sizeof(v->name), trim(s + 9)) < 0 || !v->name[0]) {
				snprintf(errbuf, errlen, "%s:%d: bad variant name", path, lineno);
				goto out;
			}
			continue;
		}
		eq = strchr(s, '=');
		if (!eq) {
			snprintf(errbuf, errlen, "%s:%d: expected 'key = value': %s", path, lineno, s);
			goto out;
		}
		*eq = '\0';
		if (set_key(lab, v, trim(s), trim(eq + 1), why, sizeof(why)) < 0) {
			snprintf(errbuf, errlen, "%s:%d: %s", path, lineno, why);
			goto out;
		}
	}
	if (!lab->number || !lab->title[0] || !lab->nvariant) {
		snprintf(errbuf, errlen, "%s: needs number, title and at least one [variant]", path);
		goto out;
	}
	for (size_t i = 0; i < lab->nvariant; i++) {
		v = &lab->variant[i];
		v->student = -1;
		if (!v->server[0] || !v->client[0] || !v->expect[0]) {
			snprintf(errbuf, errlen, "%s: variant '%s' needs server, client and expect",
			         path, v->name);
			goto out;
		}
	}
	if (lab->has_exercise) {
		v = &lab->exercise;
		if (!v->server[0] || !v->client[0] || !v->expect[0] || v->student < 0 ||
		    !v->source[0] || !v->binary[0]) {
			snprintf(errbuf, errlen, "%s: [exercise] needs student, source, binary, server,"
			         " client and expect", path);
			goto out;
		}
		if (!strstr(v->student == HOST_CLIENT ? v->client : v->server, "{student}")) {
			snprintf(errbuf, errlen, "%s: [exercise] is for the %s, so its %s line must run"
			         " {student}", path, v->student == HOST_CLIENT ? "client" : "server",
			         v->student == HOST_CLIENT ? "client" : "server");
			goto out;
		}
	}
	if (!lab->port)
		lab->port = 8000;
	ret = 0;
out:
	fclose(f);
	return ret;
}

static int by_number(const void *a, const void *b)
{
	return ((const struct lab *)a)->number - ((const struct lab *)b)->number;
}

int lab_load_all(const char *root, struct lab **out, size_t *n, char *errbuf, size_t errlen)
{
	char labs[600], dir[900];
	struct lab *all = NULL;
	size_t count = 0;
	struct dirent *de;
	DIR *d;

	snprintf(labs, sizeof(labs), "%s/labs", root);
	d = opendir(labs);
	if (!d) {
		snprintf(errbuf, errlen, "cannot read the labs folder '%s': %s", labs, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		struct lab *grown;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		grown = realloc(all, (count + 1) * sizeof(*all));
		if (!grown) {
			snprintf(errbuf, errlen, "out of memory reading the labs");
			goto fail;
		}
		all = grown;
		snprintf(dir, sizeof(dir), "%s/%s", labs, de->d_name);
		if (lab_load(dir, &all[count], errbuf, errlen) < 0)
			goto fail;
		count++;
	}
	closedir(d);
	qsort(all, count, sizeof(*all), by_number);
	for (size_t i = 1; i < count; i++) {
		if (all[i].number == all[i - 1].number) {
			snprintf(errbuf, errlen, "labs '%s' and '%s' both have number %d",
			         all[i - 1].slug, all[i].slug, all[i].number);
			free(all);
			return -1;
		}
	}
	*out = all;
	*n = count;
	return 0;
fail:
	closedir(d);
	free(all);
	return -1;
}

const struct lab_variant *lab_variant_find(const struct lab *lab, const char *name)
{
	if (!name)
		return lab->nvariant ? &lab->variant[0] : NULL;
	for (size_t i = 0; i < lab->nvariant; i++)
		if (!strcmp(lab->variant[i].name, name))
			return &lab->variant[i];
	return NULL;
}

/* Append s to buf at *used; -1 when it does not fit. */
static int put(char *buf, size_t buflen, size_t *used, const char *s, size_t n)
{
	if (*used + n >= buflen)
		return -1;
	memcpy(buf + *used, s, n);
	*used += n;
	buf[*used] = '\0';
	return 0;
}

int lab_argv(const struct lab *lab, const char *line, const char *build, const char *server,
             const char *client, const char *student, char *buf, size_t buflen, char **argv,
             size_t maxargs, char *errbuf, size_t errlen)
{
	char port[16];
	size_t used = 0, argc = 0;
	const char *p = line;

	snprintf(port, sizeof(port), "%d", lab->port);
	while (*p) {
		bool quoted = false;
		size_t start;

		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		if (argc + 1 >= maxargs)
			goto too_long;
		start = used;
		if (argc == 0 && !strncmp(p, "{student}", 9)) {
			if (!student) {
				snprintf(errbuf, errlen, "{student} outside grading: '%s'", line);
				return -1;
			}
			if (put(buf, buflen, &used, student, strlen(student)) < 0)
				goto too_long;
			p += 9;
		} else if (argc == 0) {
			if (put(buf, buflen, &used, build, strlen(build)) < 0 ||
			    put(buf, buflen, &used, "/labs/", 6) < 0 ||
			    put(buf, buflen, &used, lab->slug, strlen(lab->slug)) < 0 ||
			    put(buf, buflen, &used, "/", 1) < 0)
				goto too_long;
		}
		for (; *p && (quoted || !isspace((unsigned char)*p)); p++) {
			static const struct { const char *name; int which; } vars[] = {
				{ "{server}", 0 }, { "{client}", 1 }, { "{port}", 2 },
			};
			const char *val = NULL;
			size_t skip = 0;

			if (*p == '"') {
				quoted = !quoted;
				continue;
			}
			for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
				size_t n = strlen(vars[i].name);

				if (!strncmp(p, vars[i].name, n)) {
					val = vars[i].which == 0 ? server : vars[i].which == 1 ? client : port;
					skip = n;
				}
			}
			if (val) {
				if (put(buf, buflen, &used, val, strlen(val)) < 0)
					goto too_long;
				p += skip - 1;
			} else if (put(buf, buflen, &used, p, 1) < 0) {
				goto too_long;
			}
		}
		if (quoted) {
			snprintf(errbuf, errlen, "unbalanced quote in '%s'", line);
			return -1;
		}
		argv[argc++] = buf + start;
		if (used + 1 >= buflen)
			goto too_long;
		used++;         /* past the NUL put() left after the word */
	}
	argv[argc] = NULL;
	if (!argc) {
		snprintf(errbuf, errlen, "empty program line");
		return -1;
	}
	return (int)argc;
too_long:
	snprintf(errbuf, errlen, "program line too long: '%s'", line);
	return -1;
}
