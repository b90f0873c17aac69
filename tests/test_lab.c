/* summary: lab definitions and lessons: every shipped lab loads, and broken ones are named. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/expect.h"
#include "engine/lab.h"
#include "engine/lesson.h"

static const char *root(void)
{
	const char *r = getenv("TCPLAB_ROOT");

	return r && *r ? r : ".";
}

/* Write text to DIR/lab.conf in a fresh temporary folder; returns the folder. */
static char *conf_dir(const char *text)
{
	char *dir = strdup("/tmp/tcplab-test-lab-XXXXXX"), path[256];
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/lab.conf", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	return dir;
}

static void conf_dir_remove(char *dir)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/lab.conf", dir);
	unlink(path);
	rmdir(dir);
	free(dir);
}

Test(lab, every_shipped_lab_loads_with_its_expectations_and_lesson)
{
	struct lab *labs;
	size_t n;
	char err[1024], path[1200];

	cr_assert_eq(lab_load_all(root(), &labs, &n, err, sizeof(err)), 0, "%s", err);
	cr_assert_geq(n, 1);
	cr_assert_eq(labs[0].number, 1);
	for (size_t i = 0; i < n; i++) {
		struct lesson les;

		snprintf(path, sizeof(path), "%s/%s", labs[i].dir, labs[i].lesson);
		cr_assert_eq(lesson_load(path, &les, err, sizeof(err)), 0, "%s", err);
		for (size_t s = 0; s < les.nstep; s++)
			if (les.step[s].run[0])
				cr_expect_not_null(lab_variant_find(&labs[i], les.step[s].run),
				                   "lab %d lesson step '%s' runs unknown variant '%s'",
				                   labs[i].number, les.step[s].title, les.step[s].run);
		lesson_release(&les);
		for (size_t v = 0; v < labs[i].nvariant; v++) {
			struct expect_spec *spec;

			snprintf(path, sizeof(path), "%s/%s", labs[i].dir, labs[i].variant[v].expect);
			cr_assert_eq(expect_load(path, &spec, err, sizeof(err)), 0, "%s", err);
			cr_expect_gt(expect_ncheck(spec), 0);
			expect_free(spec);
		}
	}
	free(labs);
}

Test(lab, lab1_has_the_three_variants_of_the_lesson)
{
	struct lab lab;
	char err[512], dir[600];

	snprintf(dir, sizeof(dir), "%s/labs/01-handshake", root());
	cr_assert_eq(lab_load(dir, &lab, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(lab.topology, SANDBOX_TWO_HOSTS);
	cr_assert_eq(lab.port, 8000);
	cr_assert_not_null(lab_variant_find(&lab, "client-first"));
	cr_assert_not_null(lab_variant_find(&lab, "server-first"));
	cr_assert_not_null(lab_variant_find(&lab, "half-close"));
	cr_assert_null(lab_variant_find(&lab, "no-such-variant"));
	cr_assert_str_eq(lab_variant_find(&lab, NULL)->name, "client-first");
}

Test(lab, argv_substitutes_addresses_and_keeps_quoted_words)
{
	struct lab lab = { .port = 8000, .slug = "01-x" };
	char buf[512], err[256], *argv[LAB_MAX_ARGS];
	int argc = lab_argv(&lab, "prog --to {server}:{port} --msg \"two words\" {client}", "/b",
	                    "10.99.0.2", "10.99.0.1", NULL, buf, sizeof(buf), argv, LAB_MAX_ARGS,
	                    err, sizeof(err));

	cr_assert_eq(argc, 6, "%s", err);
	cr_expect_str_eq(argv[0], "/b/labs/01-x/prog");
	cr_expect_str_eq(argv[2], "10.99.0.2:8000");
	cr_expect_str_eq(argv[4], "two words");
	cr_expect_str_eq(argv[5], "10.99.0.1");
	cr_expect_null(argv[6]);
}

Test(lab, argv_rejects_unbalanced_quotes_and_overflow)
{
	struct lab lab = { .port = 8000, .slug = "01-x" };
	char buf[32], err[256], *argv[LAB_MAX_ARGS];

	cr_expect_lt(lab_argv(&lab, "prog \"open", "/b", "a", "b", NULL, buf, sizeof(buf), argv,
	                      LAB_MAX_ARGS, err, sizeof(err)), 0);
	cr_expect(strstr(err, "quote"), "%s", err);
	cr_expect_lt(lab_argv(&lab, "prog aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "/b", "a", "b",
	                      NULL, buf, sizeof(buf), argv, LAB_MAX_ARGS, err, sizeof(err)), 0);
	cr_expect(strstr(err, "too long"), "%s", err);
}

/* Arrays, not pointers: Criterion may run each case in a fresh exec of this binary. */
struct bad_conf {
	char text[128];
	char message[80];
};

ParameterizedTestParameters(lab, broken_conf_is_named_with_its_line)
{
	static struct bad_conf cases[] = {
		{ "number = 1\ntitle = t\nprot = 8000\n", "lab.conf:3: unknown key 'prot'" },
		{ "number = 1\ntitle = t\nport = 40000\n", "lab.conf:3: port must be between" },
		{ "number = 1\ntitle = t\ntopology = mesh\n", "lab.conf:3: topology must be" },
		{ "number = 1\ntitle t\n", "lab.conf:2: expected 'key = value'" },
		{ "number = 1\ntitle = t\n", "needs number, title and at least one [variant]" },
		{ "number = 1\ntitle = t\n[variant a]\nserver = s\n", "variant 'a' needs server" },
		{ "number = 1\ntitle = t\n[variant a]\nport = 1\n", "unknown key 'port' in a variant" },
		{ "number = 1\ntitle = t\n[variant a]\non = middle \"x\" cut-cable\n",
		  "lab.conf:4: 'on' must name client or server first" },
		{ "number = 1\ntitle = t\n[variant a]\non = client x cut-cable\n",
		  "lab.conf:4: 'on' needs the output text in double quotes" },
		{ "number = 1\ntitle = t\n[variant a]\non = client \"x\" explode\n",
		  "lab.conf:4: unknown action 'explode'" },
		{ "number = 1\ntitle = t\n[variant a]\ntimeout = 0\n", "lab.conf:4: timeout must be" },
	};
	return cr_make_param_array(struct bad_conf, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct bad_conf *c, lab, broken_conf_is_named_with_its_line)
{
	char *dir = conf_dir(c->text), err[512];
	struct lab lab;

	cr_expect_lt(lab_load(dir, &lab, err, sizeof(err)), 0);
	cr_expect(strstr(err, c->message), "got '%s', want '%s'", err, c->message);
	conf_dir_remove(dir);
}

Test(lab, on_lines_and_timeout_are_read)
{
	char *dir = conf_dir("number = 2\ntitle = t\n[variant a]\nserver = s\nclient = c\n"
	                     "expect = e\ntimeout = 12.5\non = client \"pull the cable\" cut-cable\n"
	                     "on = server \"now\"   kill-server\n"
	                     "info = \"fix: NODELAY\" client setsockopt has=TCP_NODELAY\n"
	                     "call = \"sends\" client send count>=2\n"), err[512];
	struct lab lab;

	cr_assert_eq(lab_load(dir, &lab, err, sizeof(err)), 0, "%s", err);
	conf_dir_remove(dir);
	cr_expect_eq(lab.variant[0].timeout_s, 12.5);
	cr_assert_eq(lab.variant[0].naction, 2);
	cr_expect_eq(lab.variant[0].action[0].who, HOST_CLIENT);
	cr_expect_str_eq(lab.variant[0].action[0].text, "pull the cable");
	cr_expect_eq(lab.variant[0].action[0].kind, LAB_ACT_CUT_CABLE);
	cr_expect_eq(lab.variant[0].action[1].who, HOST_SERVER);
	cr_expect_eq(lab.variant[0].action[1].kind, LAB_ACT_KILL_SERVER);
	cr_expect_str_eq(lab_action_name(LAB_ACT_KILL_SERVER), "kill-server");
	cr_assert_eq(lab.variant[0].ncheck, 2);
	cr_expect(lab.variant[0].check[0].info, "an info line is reported, not scored");
	cr_expect_str_eq(lab.variant[0].check[0].name, "fix: NODELAY");
	cr_expect(!lab.variant[0].check[1].info);
	cr_expect_eq(lab.variant[0].check[1].count_op, LC_GE);
}

Test(lesson, steps_titles_text_and_runs)
{
	const char *text = "# comment\n## One\n\nfirst line\nsecond\n\n## Two\nrun: v1\nbody\n";
	struct lesson les;
	char err[256];

	cr_assert_eq(lesson_parse(text, strlen(text), "t", &les, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(les.nstep, 2);
	cr_expect_str_eq(les.step[0].title, "One");
	cr_expect_str_eq(les.step[0].text, "first line\nsecond");
	cr_expect_str_eq(les.step[0].run, "");
	cr_expect_str_eq(les.step[1].run, "v1");
	cr_expect_str_eq(les.step[1].text, "body");
	lesson_release(&les);
}

Test(lesson, errors_name_the_line)
{
	struct lesson les;
	char err[256];

	cr_expect_lt(lesson_parse("text first\n", 11, "l.txt", &les, err, sizeof(err)), 0);
	cr_expect(strstr(err, "l.txt:1: text before"), "%s", err);
	cr_expect_lt(lesson_parse("## a\nrun:\n", 10, "l.txt", &les, err, sizeof(err)), 0);
	cr_expect(strstr(err, "l.txt:2: 'run:' needs"), "%s", err);
	cr_expect_lt(lesson_parse("# only comments\n", 16, "l.txt", &les, err, sizeof(err)), 0);
	cr_expect(strstr(err, "no steps"), "%s", err);
}
