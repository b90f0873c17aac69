/* summary: the curses TUI: one poll loop, a stack of screens, shared keys, drawing and data sources. */
#ifndef TCPLAB_TUI_TUI_H
#define TCPLAB_TUI_TUI_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/flow.h"
#include "engine/lab.h"
#include "util/tr.h"

/*
 * Contract: tui_main() owns the terminal from initscr() to endwin() and gives it back in
 * the state it found it on every way out (return, error, SIGINT/SIGTERM/SIGHUP, a crash of
 * tcplab itself: see tui.c). One poll() loop serves the keyboard, the live lab run (its
 * descriptors and deadline), the capture being indexed and the screens' timers; nothing
 * blocks it.
 *
 * Screens are a stack. Each is a tui_view (tig's view_ops): key handlers change state and
 * return what to do; only the main loop draws, and it redraws the top screen after any
 * change. KEY_RESIZE re-lays out everything because every draw reads LINES and COLS.
 * Keys are read through one table (keys.c) mapping keys to actions, the same on every
 * screen; '?' lists the rows of the screen it was pressed on, '?' again all of them.
 */

enum tui_mode { TUI_MENU, TUI_INSPECT, TUI_DEMO };

/* Colour themes (draw.c): the terminal's own background, or for projectors white on black
 * and black on white, neither with blue or yellow text. NO_COLOR overrides them all. */
enum tui_theme { TUI_THEME_DEFAULT, TUI_THEME_HIGH_CONTRAST, TUI_THEME_LIGHT, TUI_THEME_N };
/* "default", "high-contrast", "light": the theme, or -1. */
int tui_theme_parse(const char *name);
const char *tui_theme_name(enum tui_theme th);

struct tui_opts {
	enum tui_mode mode;
	const char *build;              /* for lab runs */
	const char *locale;             /* the catalogs' folder (paths.h); NULL: English only */
	const struct lab *labs;         /* TUI_MENU: every lab; TUI_DEMO: labs[0] is shown */
	size_t nlab;
	const char *path;               /* TUI_INSPECT: the capture; TUI_DEMO: --pcap or NULL */
	const char *path2;              /* TUI_DEMO: a second --pcap: compare the two replays */
	const char *compare[2];         /* TUI_DEMO: --compare V1,V2 (names the replays, or runs
	                                   both live one after the other); NULL: no comparison */
	const char *variant;            /* TUI_DEMO: variant to run first, NULL: the first */
	double auto_s;                  /* TUI_DEMO: advance every auto_s seconds, 0: by hand */
	bool calls;                     /* TUI_DEMO: --calls: the programs' calls beside the
	                                   segments (a run's; a capture has none) */
	const char *sandbox_error;      /* why lab runs cannot work here, or NULL */
	const char *sandbox_note;       /* namespaces are refused here, but one-host labs run on
	                                   the machine's own lo (engine/labrun.h): said on the
	                                   menu; or NULL */
	enum tui_theme theme;           /* --theme; 'T' cycles it */
	const char *lang;               /* the labs' texts' language (engine/lang.h: lang_pick()),
	                                   NULL: English */
};

/* 0 when the user quit, -1 when the screen could not start (errbuf). */
int tui_main(const struct tui_opts *o, char *errbuf, size_t errlen);

/* ---- for screens ---- */

enum tui_act {
	ACT_NONE,
	ACT_UP, ACT_DOWN, ACT_PREV, ACT_NEXT, ACT_PGUP, ACT_PGDN, ACT_HOME, ACT_END,
	ACT_TAB, ACT_ENTER, ACT_BACK, ACT_QUIT, ACT_HELP, ACT_FILTER, ACT_REDRAW,
	ACT_RUN, ACT_VARIANT, ACT_CHECKS, ACT_LADDER, ACT_SEGMENTS, ACT_FOLLOW,
	ACT_PLAY, ACT_FASTER, ACT_SLOWER, ACT_RESTART, ACT_GRADE, ACT_COMPARE, ACT_THEME,
	ACT_SEARCH, ACT_SEARCH_NEXT, ACT_SEARCH_PREV, ACT_ALIGN, ACT_CALLS, ACT_CONVS,
	ACT_DEMO, ACT_OPEN, ACT_KERNEL,
	ACT_N
};

struct tui_key {
	int key;                /* curses key code or character */
	enum tui_act act;
	const char *name;       /* as the help screen shows it: "Down j"; NULL: an alias */
	const char *help;       /* what it does on the screens of on */
	const char *on;         /* those screens (tui_view names, space-separated); NULL: all */
};

/* The key table, tui_nkeys rows; a key may have several (one per meaning, each with the
 * screens it is said on), all with the same action. */
extern const struct tui_key tui_keys[];
extern const size_t tui_nkeys;
enum tui_act tui_key_action(int ch);
/* Row k is named and said on the screen of that view name (the help lists it there). */
bool tui_key_on(const struct tui_key *k, const char *screen);

/*
 * The TUI's own words come from the process's catalog (util/tr.h): _() where drawn, N_()
 * in the key table. A hint bar's translation keeps its items' keys, each item's first
 * word, and the two blanks between items: draw_hints() reads both. tui_main() keeps the
 * catalog only in a UTF-8 locale, where Korean can be drawn.
 */

/* What a key handler asks the loop to do. */
enum tui_ret { TUI_STAY, TUI_CLOSE, TUI_QUIT };

struct tui;

struct tui_view {
	const char *name;                               /* shown in the title bar */
	void (*draw)(struct tui *t, void *priv);
	enum tui_ret (*key)(struct tui *t, void *priv, enum tui_act a, int ch);
	/* Optional: apply a display filter ("" clears it). 0, with errbuf saying what the
	 * filter was read as ("BPF: ..." for a Wireshark filter, else ""), or -1 with the
	 * reason. */
	int (*filter)(struct tui *t, void *priv, const char *expr, char *errbuf, size_t errlen);
	/* Optional: select the next row (dir 1) or the previous one (dir -1) after the
	 * selection whose text holds text, ignoring case, wrapping around the ends (see
	 * tui_search_rows()). 1 found, 2 found after wrapping, 0 not found. */
	int (*search)(struct tui *t, void *priv, const char *text, int dir);
	/* Optional, in place of search() for views of very many rows (a 1M-segment capture):
	 * the loop searches in steps between keys, saying how far it got, and any key stops
	 * it. search_n: the rows there are and the one selected (*cur); search_has: row k
	 * holds text, ignoring case; search_select: select row k (the match). */
	size_t (*search_n)(struct tui *t, void *priv, size_t *cur);
	bool (*search_has)(void *priv, size_t k, const char *text);
	void (*search_select)(struct tui *t, void *priv, size_t k);
	/* Optional: open the capture file at path (the lab menu's 'i', after a prompt for the
	 * path): 0 with its screens pushed, or -1 with why not in errbuf ("cannot open
	 * 'x.pcap': No such file or directory"), the screen left as it was. */
	int (*open)(struct tui *t, void *priv, const char *path, char *errbuf, size_t errlen);
	/* Optional: ms until tick() wants to run, -1 for never. */
	int (*wait_ms)(struct tui *t, void *priv);
	void (*tick)(struct tui *t, void *priv);
	void (*close)(struct tui *t, void *priv);
};

/* Push a screen; priv is the screen's own and is handed to close(). */
int tui_push(struct tui *t, const struct tui_view *v, void *priv);
/* Put a screen under the top one (a screen opened first, from the command line, gives the
 * one it goes back to there before it closes). */
int tui_push_under(struct tui *t, const struct tui_view *v, void *priv);
/* How many screens are open: 1 when the top one is the first. */
int tui_depth(const struct tui *t);
const struct tui_opts *tui_opts(const struct tui *t);
/* For search(): rows 0..n-1 looked at from the one after cur (dir 1) or before it (dir -1)
 * round to cur itself; has(ctx, k) says whether row k holds the text. The row found, or
 * SIZE_MAX; *wrapped says whether the search passed an end. */
size_t tui_search_rows(size_t cur, size_t n, int dir, bool (*has)(void *ctx, size_t k),
                       void *ctx, bool *wrapped);
/* A line for the status bar until the next key ("" clears); error: shown as an error. */
void tui_status(struct tui *t, bool error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- drawing (draw.c) ---- */

enum tui_role {
	R_NORMAL, R_TITLE, R_SEL, R_C2S, R_S2C, R_EXPERT, R_ERROR, R_PASS, R_FAIL, R_DIM,
	R_HEAD, R_WIRE_NOTE, R_N
};

struct tui_glyphs {
	const char *hline, *vline, *rarrow, *larrow, *uarrow, *darrow, *ellipsis;
	int ellipsis_cols;      /* columns the ellipsis takes: 1, or 3 for ASCII "..." */
};

void draw_init(bool color, enum tui_theme theme);
/* Switch theme (the next draw shows it); false when there is no colour to switch. */
bool draw_theme(enum tui_theme theme);
enum tui_theme draw_theme_current(void);
const struct tui_glyphs *draw_glyphs(void);
/* The locale is UTF-8: text is drawn as characters (else as ASCII). */
bool draw_utf8(void);
int draw_attr(enum tui_role r);
/* Columns s takes on screen (escaped; wide characters two in a UTF-8 locale). */
int draw_cols(const char *s);
/* s in exactly w columns as drawn, cut at a character or padded with blanks: for columns
 * of a table ("%-*.*s" counts bytes, and would split a Hangul syllable). Returns buf. */
const char *draw_pad(char *buf, size_t len, const char *s, int w);
/* Text at (y, x), at most w columns, the rest of the w columns blanked. */
void draw_text(int y, int x, int w, enum tui_role r, const char *s);
void draw_fmt(int y, int x, int w, enum tui_role r, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* A horizontal run of the line glyph. */
void draw_hline(int y, int x, int w, enum tui_role r);
/* Prose at (y, x) in w columns: what does not fit is cut at a word boundary (mid-word
 * only for a first word longer than w) and ends with the ellipsis glyph. */
void draw_text_cut(int y, int x, int w, enum tui_role r, const char *s);
/* A paragraph from (y, x), w wide, wrapped at word boundaries into at most maxl rows; when
 * it needs more, the last row is cut as draw_text_cut() cuts. Returns the rows drawn. */
int draw_para(int y, int x, int w, int maxl, enum tui_role r, const char *s);
/* The rows draw_para() would take with no limit (at most 64). */
int draw_para_rows(const char *s, int w);
/* Title bar (row 0): the right part whole (unless it alone nearly fills the bar), the left
 * cut with an ellipsis to leave at least one blank before it. */
void draw_title(const char *left, const char *right);
/* Key hints (last row): items separated by two spaces ("Tab pane  q back"), the most
 * useful first. When they do not fit, the last items go first, but never the q item
 * (back, quit) nor the ? item (help). */
void draw_hints(const char *hints);
/* Lines of a paragraph joined with spaces; blank lines, indented lines and list items
 * keep their breaks. out is NUL-terminated, cut at len. */
void draw_reflow(const char *s, char *out, size_t len);
/* Wrap text to width w (columns, as drawn) into at most maxl lines, at word boundaries
 * (mid-word only for a word longer than w, never inside a character); each line is a
 * slice of s. Returns lines. */
size_t draw_wrap(const char *s, int w, const char **start, int *len, size_t maxl);

/* ---- data: a live lab run, a run record or an indexed capture file (source.c) ---- */

struct labrun;
struct pktindex;
struct pollfd;

struct tui_src;

/* One segment as lists and ladders show it. */
struct tui_row {
	uint32_t frame;
	uint64_t ts_ns;
	uint32_t conn;
	enum flow_dir dir;
	bool malformed;
	uint16_t flags;
	uint32_t rel_seq, rel_ack, len;
	int64_t win;
	uint32_t analysis;
	char src[64], dst[64];
};

struct tui_src *src_run_new(const struct lab *lab, const struct lab_variant *v,
                            const char *build, char *errbuf, size_t errlen);
/* Grade the lab's exercise (the .c files of dir; NULL: the lab's exercise folder): the
 * compiler, then the run, served like a run; the run's segments once the program runs. */
struct tui_src *src_grade_new(const struct lab *lab, const char *dir, const char *build,
                              char *errbuf, size_t errlen);
struct tui_src *src_file_new(const char *path, char *errbuf, size_t errlen);
/* A run record (engine/record.h, 'tcplab run N --record FILE') served as the finished run
 * it holds: src_labrun() is the run record_read() built, with its calls, output and checks,
 * so every screen shows it as it showed the live run. src_lab() and src_variant() carry
 * only the names the record gives (number, slug, title; the variant's name): nothing to run. */
struct tui_src *src_record_new(const char *path, char *errbuf, size_t errlen);
/* A path as the user gave it: a run record as its run, any other capture as a file. */
struct tui_src *src_path_new(const char *path, char *errbuf, size_t errlen);
struct tui_src *src_ref(struct tui_src *s);
void src_unref(struct tui_src *s);
/* Stop a live run before its end (engine/labrun.h labrun_stop: programs reaped, namespaces
 * gone); what it showed so far stays. Nothing for a file, a grading or a finished run. */
void src_stop(struct tui_src *s);
/* Only one holder is left (the loop's own reference: no screen shows it any more). */
bool src_orphan(const struct tui_src *s);

/* Advance what is in progress; true when something changed. */
bool src_busy(const struct tui_src *s);
int src_pollfds(const struct tui_src *s, struct pollfd *fds, int max, int *timeout_ms);
bool src_step(struct tui_src *s);

/* Segments in arrival order, and the ones the display filter lets through. */
size_t src_count(const struct tui_src *s);
size_t src_nvis(const struct tui_src *s);
size_t src_vis(const struct tui_src *s, size_t k);    /* segment index of visible k */
/* Visible position of segment i, or the nearest one after it. */
size_t src_vis_find(const struct tui_src *s, size_t i);
bool src_matches(const struct tui_src *s, size_t i);
void src_row(const struct tui_src *s, size_t i, struct tui_row *row);
/* The whole segment (payload included). 0 or -1 (errbuf: why it cannot be decoded). */
int src_seg(const struct tui_src *s, size_t i, struct flow_seg *fs, char *errbuf, size_t errlen);
uint64_t src_t0(const struct tui_src *s);
/* Apply a display filter (capture/dfilter.h: BPF or Wireshark's fields; "" clears it).
 * 0 with errbuf set to its translation ("" for BPF as typed), or -1 with the reason. */
int src_filter(struct tui_src *s, const char *expr, char *errbuf, size_t errlen);
const char *src_filter_expr(const struct tui_src *s);       /* "" when none */
/* The first segment from index from on that df matches (whatever filter s has), or -1.
 * df compiled for s: DLT_RAW for a run, the file's link type for a file. */
struct dfilter;
long src_first_match(const struct tui_src *s, const struct dfilter *df, size_t from);
/* What every title over filtered content says: "filtered: tcp.port==8000, 12 of 48", or
 * "" when no filter is set. */
void src_filter_note(const struct tui_src *s, char *buf, size_t len);
/* One line on what the source is doing ("running: 7 segments", "indexed 40%"); for a run
 * done, its checks passed ("done: 10 segments, 8 of 8 checks passed"); for a finished grade,
 * the grade's score and which scenario's run the screen shows ("score 8/13, scenario 2 of
 * 3's run: 14 segments"); for a saved grade, its score ("score 2/13, the run: 1 segments"). */
void src_state_str(const struct tui_src *s, char *buf, size_t len);

/* The source's conversations (engine/conv.h), counted up to now: a file's as it is indexed
 * (so 'o' and 'f' find them ready on a big capture), a run's from the first call on. NULL
 * when there is nothing to count; *oom (may be NULL) says that memory ran out and counting
 * stopped. Valid until the next call or src_unref(). */
struct conv_list;
const struct conv_list *src_convs(struct tui_src *s, bool *oom);
/* The widest client and server address of those conversations ("10.0.0.1:40123", as
 * conv_ends() writes them): each connection measured once, whichever screen asks. */
void src_conv_ends_width(struct tui_src *s, int *client, int *server);
/* Segment i's connection, UINT32_MAX for none (malformed); cheaper than src_row(). */
uint32_t src_conn(const struct tui_src *s, size_t i);

/* File sources only: the capture's index (NULL for runs). */
const struct pktindex *src_index(const struct tui_src *s);

/* Run sources only (NULL / false for files). */
struct labrun *src_labrun(const struct tui_src *s);
/* "" unless it failed or was stopped before its end (then why) */
const char *src_run_error(const struct tui_src *s);
const struct lab *src_lab(const struct tui_src *s);
const struct lab_variant *src_variant(const struct tui_src *s);

/* Grade sources only: the result so far (NULL for others), and whether it is final. */
struct grade_result;
const struct grade_result *src_grade(const struct tui_src *s);
bool src_grade_done(const struct tui_src *s);

/*
 * The checks a screen lists for a run or a grade, counted the way the title counts them
 * (src_state_str): a finished grade's checks are the grade's (each one's worst verdict over
 * the scenarios, "the capture is complete" not scored), so the grade screen and the
 * checks, segments and ladder opened from it never disagree; a run's are its own.
 * seg is the segment the check points at in the run shown, -1 for none; elsewhere says the
 * verdict was earned in another scenario's run than the one shown (seg is then -1).
 */
struct src_check {
	const char *name, *explain;
	enum expect_verdict verdict;
	bool scored;
	bool elsewhere;
	long seg;
};
size_t src_ncheck(const struct tui_src *s);
void src_check(const struct tui_src *s, size_t i, struct src_check *c);

/* The loop serves one source in progress at a time; screens register theirs. Serving
 * another (or NULL) stops a live run still in progress (src_stop): nothing would step it
 * any more, and its programs would be left unreaped while its screens said "running". */
void tui_serve(struct tui *t, struct tui_src *s);

/* ---- the ladder: client calls | segments as arrows | server calls (screen_ladder.c) ---- */

/* The source's ladder (engine/ladder.h): its rows, built by the engine as the source
 * grows, the display filter applied. NULL when memory ran out. */
struct ladder;
struct ladder *src_ladder(struct tui_src *s);
/* What the times of every screen of s count from: "time: ms since the run began". */
const char *src_time_note(const struct tui_src *s);

/* Column header (at y) and row k of l at y across the whole width: the ladder screen and
 * the lesson pane draw with these. */
void lview_draw_head(struct tui_src *s, const struct ladder *l, int y);
void lview_draw_row(const struct ladder *l, size_t k, int y, bool sel);
/* In place of the header's "wire": what the times count from (where nothing else has
 * room to say it: the lesson pane at 80 columns). */
void lview_head_note(const struct ladder *l, int y, const char *note);
/* For the demo and the comparison: row k, which is no segment (a gap, a connection change,
 * the engine's note), centred between columns x0 and x1 (excluded), cut at a word. */
void lview_draw_note(const struct ladder *l, size_t k, int y, int x0, int x1);
/* For the demo and the comparison, which reveal one segment at a time: the rows up to the
 * shown-th segment (segments, gaps, connection changes, the engine's notes; with calls,
 * the programs' calls and output too), then what followed it before the next segment (its
 * notes; with calls, its calls and output: the recv() that returned its bytes), the last
 * max (at most 64) of them into out. Returns how many. */
size_t lview_reveal(const struct ladder *l, size_t shown, bool calls, size_t *out, size_t max);

/* ---- plain-words explanation of a segment (explain.c) ---- */

/* Calls line() once per line of the detail: fields, options, labels, payload hex. */
void explain_segment(const struct flow_seg *fs, uint64_t t0,
                     void (*line)(void *ctx, enum tui_role r, const char *text), void *ctx);
/* One sentence for the demo's narration line. */
void explain_brief(const struct flow_seg *fs, char *buf, size_t len);

/* ---- the demo's narration from the lab's data (narrate.c; format in docs/tui.md) ---- */

struct narration;
/* NULL with errbuf "" when the file does not exist (the lab has no narration); NULL with
 * errbuf "FILE:LINE: what is wrong" when it is broken. */
struct narration *narration_load(const char *path, char *errbuf, size_t errlen);
struct narration *narration_parse(const char *text, size_t len, const char *name,
                                  char *errbuf, size_t errlen);
void narration_free(struct narration *n);
/* The text of the first rule whose lines match segs (one connection's segments in order)
 * ending at the last of them; NULL when none does. */
const char *narration_find(const struct narration *n, const struct flow_seg *segs, size_t nseg);

/* The line a demo shows for segment i of s: the lab's rule that ends there (n may be NULL),
 * else the generated sentence. c caches the last answer and the scratch segments; zero it
 * and set for_i = SIZE_MAX to start, set for_i = SIZE_MAX again when s changes or is
 * filtered, and release it with narration_cache_release(). */
struct narration_cache {
	size_t for_i;
	char text[512];
	struct flow_seg *segs;
	size_t cap;
};
const char *narration_at(const struct narration *n, const struct tui_src *s, size_t i,
                         struct narration_cache *c);
void narration_cache_release(struct narration_cache *c);

/* ---- screens ---- */

int screen_menu_open(struct tui *t);
int screen_lesson_open(struct tui *t, const struct lab *lab);
int screen_segs_open(struct tui *t, struct tui_src *s, long select);
int screen_ladder_open(struct tui *t, struct tui_src *s);
/* The ladder of one connection (its id); the source's ladder shows what it showed before
 * once this screen closes. */
int screen_ladder_open_conn(struct tui *t, struct tui_src *s, uint32_t conn);
/* One row per connection of s (Wireshark's Conversations > TCP); Enter opens its ladder. */
int screen_conv_open(struct tui *t, struct tui_src *s);
int screen_checks_open(struct tui *t, struct tui_src *s);
/* Open the segment check i of s points at (src_check), or say on the status line why not. */
void screen_checks_segment(struct tui *t, struct tui_src *s, size_t i);
int screen_follow_open(struct tui *t, struct tui_src *s, uint32_t conn);
/* The keys of the screen named screen (a tui_view name); '?' there shows every key. */
int screen_help_open(struct tui *t, const char *screen);
int screen_grade_open(struct tui *t, const struct lab *lab);
int screen_demo_open(struct tui *t, const struct lab *lab, const char *variant,
                     const char *pcap, double auto_s);
/* A demo of sources that exist (references are taken): cur shown, prev as the run before
 * it (NULL: none), each named after its pcap when it is a capture; put under the top
 * screen, for the comparison opened from the command line to go back to. */
int screen_demo_under(struct tui *t, const struct lab *lab, struct tui_src *cur,
                      const char *cur_pcap, struct tui_src *prev, const char *prev_pcap);

/* One side of a comparison: an existing source (a reference is taken), else a saved
 * capture (labelled with variant when given), else a live run of variant. */
struct compare_side {
	struct tui_src *src;
	const char *pcap;
	const char *variant;
};
/* Two ladders side by side (screen_compare.c); live runs start one after the other. */
int screen_compare_open(struct tui *t, const struct lab *lab, const struct compare_side side[2],
                        double auto_s);

#endif
