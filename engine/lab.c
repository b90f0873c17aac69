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

#include "util/tr.h"

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
	{ "info", LABCHECK_CALL }, { "state", LABCHECK_STATE }, { "answer", LABCHECK_ANSWER },
};

static const char *const action_names[] = {
	[LAB_ACT_CUT_CABLE] = "cut-cable",
	[LAB_ACT_RESTORE_CABLE] = "restore-cable",
	[LAB_ACT_KILL_CLIENT] = "kill-client",
	[LAB_ACT_KILL_SERVER] = "kill-server",
	[LAB_ACT_RESTART_SERVER] = "restart-server",
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
		return snprintf(err, errlen, _("more than %d 'on' lines"), LAB_MAX_ACTIONS), -1;
	a = &v->action[v->naction];
	if (!strncmp(val, "client ", 7))
		a->who = HOST_CLIENT;
	else if (!strncmp(val, "server ", 7))
		a->who = HOST_SERVER;
	else
		return snprintf(err, errlen, _("'on' must name client or server first")), -1;
	q1 = strchr(val, '"');
	q2 = q1 ? strchr(q1 + 1, '"') : NULL;
	if (!q2 || q2 == q1 + 1)
		return snprintf(err, errlen, _("'on' needs the output text in double quotes")), -1;
	n = (size_t)(q2 - q1 - 1);
	if (n >= sizeof(a->text))
		return snprintf(err, errlen, _("'on' text is too long")), -1;
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
	snprintf(err, errlen, _("unknown action '%s' (cut-cable, restore-cable, kill-client,"
	         " kill-server, restart-server)"), act);
	return -1;
}

static bool var_name_ok(const char *s, size_t n)
{
	if (!n || n >= sizeof(((struct lab_param *)0)->name))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

/* param = NAME text|int MIN MAX */
static int parse_param(struct lab_variant *v, const char *val, char *err, size_t errlen)
{
	struct lab_param *p;
	char name[64], kind[16];
	long min, max;

	if (v->nparam == LAB_MAX_PARAMS)
		return snprintf(err, errlen, _("more than %d params"), LAB_MAX_PARAMS), -1;
	if (sscanf(val, "%63s %15s %ld %ld", name, kind, &min, &max) != 4 ||
	    (strcmp(kind, "text") && strcmp(kind, "int")) || min > max || min < 0 ||
	    (!strcmp(kind, "text") && (min < 1 || max > 100)))
		return snprintf(err, errlen, _("param must be NAME text|int MIN MAX (text: 1 to 100"
		                " characters)")), -1;
	if (!var_name_ok(name, strlen(name)))
		return snprintf(err, errlen, _("param name '%s' must be lowercase letters, digits"
		                " and _"), name), -1;
	p = &v->param[v->nparam++];
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->text = !strcmp(kind, "text");
	p->min = min;
	p->max = max;
	return 0;
}

/* "pace = client send within 40": see struct lab_pace. */
static int parse_pace(struct lab_variant *v, const char *val, char *err, size_t errlen)
{
	char host[16], call[16], within[16];
	double ms;
	int n = 0;

	if (sscanf(val, "%15s %15s %15s %lf %n", host, call, within, &ms, &n) != 4 ||
	    val[n] || strcmp(within, "within") || !(ms > 0 && ms <= 60000))
		return snprintf(err, errlen, _("pace must read 'client|server CALL within MS'"
		                " (MS from 1 to 60000)")), -1;
	if (strcmp(host, "client") && strcmp(host, "server"))
		return snprintf(err, errlen, _("pace: '%s' is not client or server"), host), -1;
	v->pace.host = !strcmp(host, "client") ? HOST_CLIENT : HOST_SERVER;
	for (int c = TRACE_SOCKET; c <= TRACE_GETSOCKOPT; c++)
		if (!strcmp(call, trace_call_name((enum trace_call)c))) {
			v->pace.cls = (enum trace_call)c;
			v->pace.ms = ms;
			v->pace.set = true;
			return 0;
		}
	return snprintf(err, errlen, _("pace: unknown call '%s'"), call), -1;
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
			return snprintf(err, errlen, _("more than %d checks"), LAB_MAX_CHECKS), -1;
		if (check_keys[i].kind == LABCHECK_ANSWER && v != &lab->exercise)
			return snprintf(err, errlen, _("'answer' belongs in the [exercise] section")), -1;
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
		if (!strcmp(val, "answers")) {
			v->answers = true;
			return 0;
		}
		return snprintf(err, errlen, _("student must be client, server or answers")), -1;
	}
	if (v != &lab->exercise && (!strcmp(k, "student") || !strcmp(k, "source") ||
	                            !strcmp(k, "binary")))
		return snprintf(err, errlen, _("'%s' belongs in the [exercise] section"), k), -1;
	if (v && !strcmp(k, "param"))
		return parse_param(v, val, err, errlen);
	if (v && !strcmp(k, "scenarios")) {
		v->scenarios = atoi(val);
		return v->scenarios >= 1 && v->scenarios <= 8 ? 0 :
		       (snprintf(err, errlen, _("scenarios must be between 1 and 8")), -1);
	}
	if (v && !strcmp(k, "fault")) {
		char why[200];

		if (lab->topology != SANDBOX_TWO_HOSTS)
			return snprintf(err, errlen, _("a fault needs 'topology = two-hosts' above it: "
			                "only two hosts have a cable")), -1;
		if (wire_plan_add(&v->faults, val, why, sizeof(why)) < 0)
			return snprintf(err, errlen, "%s", why), -1;
		return 0;
	}
	if (v && !strcmp(k, "pace"))
		return parse_pace(v, val, err, errlen);
	if (v && !strcmp(k, "timeout")) {
		v->timeout_s = atof(val);
		return v->timeout_s > 0 && v->timeout_s <= 600 ? 0 :
		       (snprintf(err, errlen, _("timeout must be between 0 and 600 seconds")), -1);
	}
	if (v && !strcmp(k, "listens")) {
		v->listens = atoi(val);
		return v->listens >= 1 && v->listens <= 16 ? 0 :
		       (snprintf(err, errlen, _("listens must be between 1 and 16")), -1);
	}
	if (v && !strcmp(k, "duration")) {
		v->duration_s = atof(val);
		return v->duration_s > LAB_QUICK_S && v->duration_s <= 600 ? 0 :
		       (snprintf(err, errlen, "duration must be over %d and at most 600 seconds (a"
		                 " quicker variant states none)", LAB_QUICK_S), -1);
	}
	if (!v && !strcmp(k, "number")) {
		lab->number = atoi(val);
		return lab->number > 0 ? 0 : (snprintf(err, errlen, _("number must be 1 or more")), -1);
	}
	if (!v && !strcmp(k, "port")) {
		lab->port = atoi(val);
		return lab->port > 0 && lab->port < 32768 ? 0 :
		       /* TCP-FACTS: ports of 32768 and up collide with ephemeral client ports. */
		       (snprintf(err, errlen, _("port must be between 1 and 32767")), -1);
	}
	if (!v && !strcmp(k, "topology")) {
		if (!strcmp(val, "loopback"))
			lab->topology = SANDBOX_LOOPBACK;
		else if (!strcmp(val, "two-hosts"))
			lab->topology = SANDBOX_TWO_HOSTS;
		else
			return snprintf(err, errlen, _("topology must be loopback or two-hosts")), -1;
		return 0;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char *base;

		if (strcmp(keys[i].name, k) || (keys[i].where == KEY_VARIANT) != (v != NULL))
			continue;
		base = v ? (char *)v : (char *)lab;
		if (copy_field(base + keys[i].off, keys[i].size, val) < 0)
			return snprintf(err, errlen, _("value of '%s' is too long"), k), -1;
		return 0;
	}
	snprintf(err, errlen, _("unknown key '%s'%s"), k, v ? " in a variant" : "");
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
		snprintf(errbuf, errlen, _("lab folder name '%s' is too long"), dir);
		return -1;
	}
	slash = strrchr(dir, '/');
	snprintf(lab->slug, sizeof(lab->slug), "%.*s", (int)sizeof(lab->slug) - 1,
	         slash ? slash + 1 : dir);
	snprintf(path, sizeof(path), "%s/lab.conf", dir);
	f = fopen(path, "r");
	if (!f) {
		snprintf(errbuf, errlen, _("cannot read '%s': %s"), path, strerror(errno));
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
				snprintf(errbuf, errlen, _("%s:%d: more than %d variants"), path, lineno,
				         LAB_MAX_VARIANTS);
				goto out;
			}
			v = &lab->variant[lab->nvariant++];
			s[strlen(s) - 1] = '\0';
			if (copy_field(v->name, sizeof(v->name), trim(s + 9)) < 0 || !v->name[0]) {
				snprintf(errbuf, errlen, _("%s:%d: bad variant name"), path, lineno);
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
		snprintf(errbuf, errlen, _("%s: needs number, title and at least one [variant]"), path);
		goto out;
	}
	for (size_t i = 0; i < lab->nvariant; i++) {
		v = &lab->variant[i];
		v->student = -1;
		if (!v->server[0] || !v->client[0] || !v->expect[0]) {
			snprintf(errbuf, errlen, _("%s: variant '%s' needs server, client and expect"),
			         path, v->name);
			goto out;
		}
	}
	if (lab->has_exercise) {
		v = &lab->exercise;
		if (v->answers) {
			bool any = false;

			for (size_t i = 0; i < v->ncheck; i++)
				any |= v->check[i].kind == LABCHECK_ANSWER;
			if (!v->server[0] || !v->client[0] || !v->expect[0] || !v->source[0] || !any ||
			    strstr(v->server, "{student}") || strstr(v->client, "{student}")) {
				snprintf(errbuf, errlen, _("%s: an [exercise] with 'student = answers' needs"
				         " source, server, client, expect and answer lines, and runs the"
				         " lab's own programs (no {student})"), path);
				goto out;
			}
		} else if (!v->server[0] || !v->client[0] || !v->expect[0] || v->student < 0 ||
		    !v->source[0] || !v->binary[0]) {
			snprintf(errbuf, errlen, _("%s: [exercise] needs student, source, binary, server,"
			         " client and expect"), path);
			goto out;
		}
		if (!v->answers &&
		    !strstr(v->student == HOST_CLIENT ? v->client : v->server, "{student}")) {
			snprintf(errbuf, errlen, _("%s: [exercise] is for the %s, so its %s line must run"
			         " {student}"), path, v->student == HOST_CLIENT ? "client" : "server",
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
		snprintf(errbuf, errlen, _("cannot read the labs folder '%s': %s"), labs, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		struct lab *grown;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		grown = realloc(all, (count + 1) * sizeof(*all));
		if (!grown) {
			snprintf(errbuf, errlen, _("out of memory reading the labs"));
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
			snprintf(errbuf, errlen, _("labs '%s' and '%s' both have number %d"),
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

int lab_argv(const struct lab *lab, const char *line, const char *build,
             const struct lab_vars *vars, const char *student, char *buf, size_t buflen,
             char **argv, size_t maxargs, char *errbuf, size_t errlen)
{
	size_t used = 0, argc = 0;
	const char *p = line;

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
				snprintf(errbuf, errlen, _("{student} outside grading: '%s'"), line);
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
			const char *val = NULL, *end;
			size_t skip = 0;

			if (*p == '"') {
				quoted = !quoted;
				continue;
			}
			if (*p == '{' && (end = strchr(p, '}')) && var_name_ok(p + 1, (size_t)(end - p - 1))) {
				char name[32];

				snprintf(name, sizeof(name), "%.*s", (int)(end - p - 1), p + 1);
				val = lab_vars_get(vars, name);
				skip = (size_t)(end - p + 1);
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
			snprintf(errbuf, errlen, _("unbalanced quote in '%s'"), line);
			return -1;
		}
		argv[argc++] = buf + start;
		if (used + 1 >= buflen)
			goto too_long;
		used++;         /* past the NUL put() left after the word */
	}
	argv[argc] = NULL;
	if (!argc) {
		snprintf(errbuf, errlen, _("empty program line"));
		return -1;
	}
	return (int)argc;
too_long:
	snprintf(errbuf, errlen, _("program line too long: '%s'"), line);
	return -1;
}

int lab_vars_set(struct lab_vars *vars, const char *name, const char *value)
{
	size_t i;

	if (strlen(name) >= sizeof(vars->v[0].name) || strlen(value) >= sizeof(vars->v[0].value))
		return -1;
	for (i = 0; i < vars->n; i++)
		if (!strcmp(vars->v[i].name, name))
			break;
	if (i == vars->n) {
		if (vars->n == LAB_MAX_VARS)
			return -1;
		vars->n++;
	}
	snprintf(vars->v[i].name, sizeof(vars->v[i].name), "%s", name);
	snprintf(vars->v[i].value, sizeof(vars->v[i].value), "%s", value);
	return 0;
}

const char *lab_vars_get(const struct lab_vars *vars, const char *name)
{
	for (size_t i = 0; vars && i < vars->n; i++)
		if (!strcmp(vars->v[i].name, name))
			return vars->v[i].value;
	return NULL;
}

/* splitmix64: small, fast, and the same on every machine, so a seed replays exactly. */
static uint64_t mix(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/*
 * An int param's value in a scenario, as an offset from its minimum. The scenarios of one
 * seed get distinct values while the range allows (a walk with a stride prime to the
 * range), so a program that hard-codes one value passes one scenario at most, where
 * independent draws let "20 of 20" pass both of lab 2's in 1 seed of 169.
 */
static long int_offset(const struct lab_param *p, uint64_t seed, int scenario)
{
	uint64_t range = (uint64_t)(p->max - p->min + 1), st = seed * 31, start, stride = 1;

	for (const char *c = p->name; *c; c++)
		st = st * 131 + (unsigned char)*c;
	start = mix(&st) % range;
	if (range > 2) {
		stride = 1 + mix(&st) % (range - 1);
		while (gcd(stride, range) != 1)
			stride = stride % (range - 1) + 1;
	}
	return (long)((start + (uint64_t)scenario * stride) % range);
}

void lab_vars_init(struct lab_vars *vars, const struct lab *lab, const struct lab_variant *v,
                   const char *server, const char *client, uint64_t seed, int scenario)
{
	static const char *const words[] = {
		"ack", "window", "segment", "socket", "stream", "byte", "packet", "port", "peer",
		"handshake", "timer", "buffer", "echo", "close", "reset", "probe", "queue", "route",
	};
	char num[32];

	memset(vars, 0, sizeof(*vars));
	lab_vars_set(vars, "server", server);
	lab_vars_set(vars, "client", client);
	snprintf(num, sizeof(num), "%d", lab->port);
	lab_vars_set(vars, "port", num);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)seed);
	lab_vars_set(vars, "seed", num);
	snprintf(num, sizeof(num), "%d", scenario);
	lab_vars_set(vars, "scenario", num);
	for (size_t i = 0; v && i < v->nparam; i++) {
		const struct lab_param *p = &v->param[i];
		uint64_t st = seed * 31 + (uint64_t)scenario;
		char val[128];

		for (const char *c = p->name; *c; c++)
			st = st * 131 + (unsigned char)*c;
		if (p->text) {
			size_t want = (size_t)p->min + (size_t)(mix(&st) % (uint64_t)(p->max - p->min + 1)), n = 0;

			while (n < want) {
				const char *w = words[mix(&st) % (sizeof(words) / sizeof(words[0]))];
				size_t wl = strlen(w);

				if (n && n < want)
					val[n++] = ' ';
				for (size_t k = 0; k < wl && n < want; k++)
					val[n++] = w[k];
			}
			/* Never end on a space: a program may trim it. */
			while (n > 1 && val[n - 1] == ' ')
				n--;
			val[n] = '\0';
		} else {
			snprintf(val, sizeof(val), "%ld", p->min + int_offset(p, seed, scenario));
		}
		lab_vars_set(vars, p->name, val);
	}
	vars->nfixed = vars->n;
}

bool lab_vars_announce(struct lab_vars *vars, const char *line)
{
	const char *p = strstr(line, LAB_DRIVER_PREFIX);

	if (!p)
		return false;
	p += strlen(LAB_DRIVER_PREFIX);
	while (*p) {
		const char *eq, *end;
		char name[32], value[128];

		while (*p == ' ')
			p++;
		eq = strchr(p, '=');
		if (!eq)
			break;
		/* say=... is a few words on the scenario: the rest of the line. */
		end = eq - p == 3 && !strncmp(p, "say", 3) ? NULL : strchr(eq, ' ');
		if (!end)
			end = eq + strlen(eq);
		if (var_name_ok(p, (size_t)(eq - p)) && (size_t)(end - eq - 1) < sizeof(value)) {
			bool fixed = false;

			snprintf(name, sizeof(name), "%.*s", (int)(eq - p), p);
			snprintf(value, sizeof(value), "%.*s", (int)(end - eq - 1), eq + 1);
			/* Announced values never replace the run's own (seed, addresses, params). */
			for (size_t i = 0; i < vars->nfixed; i++)
				fixed |= !strcmp(vars->v[i].name, name);
			if (!fixed)
				(void)lab_vars_set(vars, name, value);
		}
		p = end;
	}
	return true;
}

void lab_vars_expand(const struct lab_vars *vars, const char *text, char *buf, size_t len,
                     int *missing)
{
	size_t used = 0;

	if (!len)
		return;
	for (const char *p = text; *p && used + 1 < len;) {
		const char *end = *p == '{' ? strchr(p, '}') : NULL;

		if (end && var_name_ok(p + 1, (size_t)(end - p - 1))) {
			char name[32];
			const char *val;

			snprintf(name, sizeof(name), "%.*s", (int)(end - p - 1), p + 1);
			val = lab_vars_get(vars, name);
			if (val) {
				used += (size_t)snprintf(buf + used, len - used, "%s", val);
				if (used >= len)
					used = len - 1;
				p = end + 1;
				continue;
			}
			if (missing)
				(*missing)++;
		}
		buf[used++] = *p++;
	}
	buf[used] = '\0';
}

const char *lab_text(const struct lab *lab, const char *text)
{
	return lab_text_in(lab ? lab->slug : NULL, text);
}

const char *lab_text_in(const char *slug, const char *text)
{
	char prefix[96];
	const char *t;

	if (!slug || !*slug)
		return tr(text);
	snprintf(prefix, sizeof prefix, "labs/%s", slug);
	t = tr_in(prefix, text);
	return t != text ? t : tr(text);
}
