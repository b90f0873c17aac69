/* summary: lab definitions: the numbered labs found under labs/, each read from its lab.conf. */
#ifndef TCPLAB_ENGINE_LAB_H
#define TCPLAB_ENGINE_LAB_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/labcheck.h"
#include "engine/sandbox.h"

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
};

struct lab_action {
	int who;                        /* enum sandbox_host whose output is watched */
	char text[96];
	enum lab_action_kind kind;
};

struct lab_variant {
	char name[32];
	char summary[160];
	char server[256];               /* program line, before substitution */
	char client[256];
	char expect[128];               /* file name, relative to the lab's folder */
	double timeout_s;               /* "timeout = S"; 0: the engine's default */
	size_t naction;
	struct lab_action action[LAB_MAX_ACTIONS];
	size_t ncheck;                  /* "call", "output" and "wire" lines, in file order */
	struct labcheck check[LAB_MAX_CHECKS];
	/* [exercise] only: */
	int student;                    /* the role the student's program plays, -1 if none */
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

/* The variant called name, or the first one when name is NULL; NULL if none matches. */
const struct lab_variant *lab_variant_find(const struct lab *lab, const char *name);

/*
 * Split a program line into argv after substituting {server}, {client}, {port}; the first
 * word is resolved to BUILD/labs/SLUG/WORD unless it is {student} (then student, which may
 * be NULL outside grading: an error). Strings live in buf. Returns argc or -1.
 */
int lab_argv(const struct lab *lab, const char *line, const char *build, const char *server,
             const char *client, const char *student, char *buf, size_t buflen, char **argv,
             size_t maxargs, char *errbuf, size_t errlen);

#endif
