/* summary: lab definitions: the numbered labs found under labs/, each read from its lab.conf. */
#ifndef TCPLAB_ENGINE_LAB_H
#define TCPLAB_ENGINE_LAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/labcheck.h"
#include "engine/sandbox.h"
#include "engine/wire.h"

/*
 * A lab is data (STYLE.md): labs/NN-name/lab.conf names its topology, its programs and, per
 * variant, the expected-sequence file its capture is checked against. Nothing here runs
 * anything; labrun.h does.
 *
 * lab.conf is "key = value" lines, '#' comments, "[variant NAME]" sections and one optional
 * "[exercise]" section (docs/lab-format.md is the reference). Program
 * lines are split on blanks, with "double quotes" grouping; {server}, {client} and {port}
 * are replaced by the run's addresses and port, and {student} by the student's program.
 */

#define LAB_MAX_VARIANTS 12
#define LAB_MAX_ARGS 24
#define LAB_MAX_ACTIONS 4
#define LAB_MAX_CHECKS 16

/*
 * "on = WHO "TEXT" ACTION": when program WHO (client or server) prints a line containing
 * TEXT, the engine does ACTION. The program says when it is ready for the event, so the
 * timing is signalled, never guessed with a sleep.
 */
enum lab_action_kind {
	LAB_ACT_CUT_CABLE,      /* pull the cable: nothing more crosses, silently */
	LAB_ACT_RESTORE_CABLE,
	LAB_ACT_KILL_CLIENT,    /* SIGKILL the program's whole process group */
	LAB_ACT_KILL_SERVER,
	LAB_ACT_RESTART_SERVER, /* SIGKILL the server's group and start the same line again */
};

struct lab_action {
	int who;                        /* enum sandbox_host whose output is watched */
	char text[96];
	enum lab_action_kind kind;
};

/*
 * "param = NAME text MIN MAX" or "param = NAME int MIN MAX": a value the run draws from its
 * seed, the same for every use in one run ({NAME} in program lines and check texts), so
 * that a program cannot be right by knowing the value in advance. text: MIN..MAX
 * lowercase words and spaces; int: a decimal in MIN..MAX.
 */
#define LAB_MAX_PARAMS 4
struct lab_param {
	char name[24];
	bool text;
	long min, max;
};

/* A variant without a duration runs in under this many seconds (issue 10). */
#define LAB_QUICK_S 5

struct lab_variant {
	char name[32];
	char summary[160];
	char server[256];               /* program line, before substitution */
	char client[256];
	char expect[128];               /* file name, relative to the lab's folder */
	double timeout_s;               /* "timeout = S"; 0: the engine's default */
	int listens;                    /* "listens = N": the client starts once the server's
	                                   listen() has returned N times; 0: once */
	double duration_s;              /* "duration = S": how long one run takes where waiting
	                                   is the lesson (lab 4's cable pulls); 0: under
	                                   LAB_QUICK_S. Measured by 'make bench', not enforced */
	size_t naction;
	struct lab_action action[LAB_MAX_ACTIONS];
	size_t ncheck;                  /* "call", "output" and "wire" lines, in file order */
	struct labcheck check[LAB_MAX_CHECKS];
	size_t nparam;
	struct lab_param param[LAB_MAX_PARAMS];
	int scenarios;                  /* "scenarios = N": runs per grade, {scenario} 0..N-1;
	                                   0 or 1: one run */
	/* "pace = HOST CALL within MS": the variant's wire claims assume HOST makes all its CALL
	 * calls within MS ms (lab 2's burst must end before the peer's delayed ACK fires). A
	 * run where they took longer was slowed by the machine, not by TCP: its wire checks
	 * are timed, so a failure there is inconclusive and the run is tried again. */
	struct lab_pace {
		bool set;
		int host;               /* HOST_CLIENT or HOST_SERVER */
		enum trace_call cls;
		double ms;
	} pace;
	/* "fault = ..." lines (engine/wire.h): the cable between the two hosts drops, delays
	 * or reorders these segments. None: the plain bridge. */
	struct wire_plan faults;
	/* [exercise] only: */
	int student;                    /* the role the student's program plays, -1 if none */
	bool answers;                   /* "student = answers": the student hands in predictions
	                                   (SOURCE/answers.txt) that "answer" checks compare with
	                                   a run of the lab's own programs; nothing is built */
	char source[64];                /* starter folder, relative to the lab's folder */
	char binary[64];                /* what the student's program is built as */
};

struct lab {
	int number;
	char dir[512];                  /* the lab's folder: ROOT/labs/01-handshake */
	char slug[64];                  /* "01-handshake": also its folder under BUILD/labs */
	char title[128];
	char summary[200];
	enum sandbox_topo topology;
	char lesson[128];
	int port;
	size_t nvariant;
	struct lab_variant variant[LAB_MAX_VARIANTS];
	bool has_exercise;
	struct lab_variant exercise;    /* the [exercise] section: what 'tcplab grade' runs */
};

/* "cut-cable" for LAB_ACT_CUT_CABLE, and so on. */
const char *lab_action_name(enum lab_action_kind k);

/* Read one lab.conf. Errors name the file and line: "lab.conf:7: unknown key 'prot'". */
int lab_load(const char *dir, struct lab *lab, char *errbuf, size_t errlen);

/*
 * Every lab under ROOT/labs, sorted by number; *out is malloc'ed, free() it. A folder
 * whose lab.conf is broken is an error, not skipped: a lab must never silently vanish.
 */
int lab_load_all(const char *root, struct lab **out, size_t *n, char *errbuf, size_t errlen);

/*
 * One of the lab's short texts (its title, summary, a variant's summary, a check's name as
 * written in lab.conf or an .expect file) in the language of tcplab's catalog
 * (util/tr.h): from BUILD/labs/SLUG/LANG.mo, compiled from labs/SLUG/LANG.po, whose
 * msgids are the exact English texts; else from tcplab's own catalog (the engine's own
 * checks, "the capture is complete"); else text itself: English, never a blank. The data
 * keeps the English (check names identify checks in records and across runs): translate
 * where a person reads it.
 */
const char *lab_text(const struct lab *lab, const char *text) __attribute__((format_arg(2)));
/* The same for the lab in folder slug ("01-handshake"), where no struct lab is at hand. */
const char *lab_text_in(const char *slug, const char *text) __attribute__((format_arg(2)));

/* The variant called name, or the first one when name is NULL; NULL if none matches. */
const struct lab_variant *lab_variant_find(const struct lab *lab, const char *name);

/*
 * A run's variables: {server}, {client}, {port}, {seed}, {scenario}, the variant's params,
 * and what the lab's own programs announced while they ran (a line "tcplab-driver:
 * KEY=VALUE ..." in their output: what the driver did in this run, for the output checks
 * to compare the student's program with). Names are [a-z0-9_] words.
 */
#define LAB_MAX_VARS 32
struct lab_vars {
	size_t n;
	size_t nfixed;          /* the first nfixed are the run's own: no announcement changes them */
	struct {
		char name[24];
		char value[128];
	} v[LAB_MAX_VARS];
};

/* Set (or replace) a variable; -1 when the table is full or a name or value too long. */
int lab_vars_set(struct lab_vars *vars, const char *name, const char *value);
/* Its value, or NULL. */
const char *lab_vars_get(const struct lab_vars *vars, const char *name);
/* The variables of one run of variant v: addresses, port, seed, scenario, params drawn
 * from the seed (the same seed and scenario always give the same values). */
void lab_vars_init(struct lab_vars *vars, const struct lab *lab, const struct lab_variant *v,
                   const char *server, const char *client, uint64_t seed, int scenario);
/* A driver's output line: its KEY=VALUE words become variables. false when the line is not
 * a driver announcement. */
bool lab_vars_announce(struct lab_vars *vars, const char *line);
/* text with every {NAME} replaced; an unknown name is left as it is and counted in
 * *missing (may be NULL). Always NUL-terminates buf. */
void lab_vars_expand(const struct lab_vars *vars, const char *text, char *buf, size_t len,
                     int *missing);

/* The prefix of a driver announcement line. */
#define LAB_DRIVER_PREFIX "tcplab-driver:"

/*
 * Split a program line into argv after substituting the run's variables; the first word
 * is resolved to BUILD/labs/SLUG/WORD unless it is {student} (then student, which may be
 * NULL outside grading: an error). Strings live in buf. Returns argc or -1.
 */
int lab_argv(const struct lab *lab, const char *line, const char *build,
             const struct lab_vars *vars, const char *student, char *buf, size_t buflen,
             char **argv, size_t maxargs, char *errbuf, size_t errlen);

#endif
