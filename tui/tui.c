/* summary: the TUI's main loop: terminal set-up and restore, the screen stack, the filter prompt, one poll(). */
#include <assert.h>
#include <curses.h>
#include <errno.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "tui/tui.h"
#include "util/errbuf.h"

#define MAX_SCREENS 16
#define MAX_POLL 12
#define MAX_HISTORY 32
#define STATUS_LINES 5
#define SEARCH_STEP_S 0.03      /* a stepped search's work per loop turn: keys stay answered */          /* a long error wraps over up to this many bottom rows */

/* The bottom-row prompts: the display filter, and the search within a view. */
enum prompt_kind { P_NONE, P_FILTER, P_SEARCH, P_OPEN };
static const char *const prompt_label[] = {
	[P_FILTER] = N_("filter (BPF or Wireshark): "), [P_SEARCH] = N_("search: "),
	[P_OPEN] = N_("open a capture (pcap or pcapng file): "),
};

struct screen {
	const struct tui_view *v;
	void *priv;
};

struct tui {
	const struct tui_opts *o;
	struct screen stack[MAX_SCREENS];
	int depth;
	bool dirty;
	bool quit;
	char status[512];
	bool status_error;
	/* the prompt, when open; each kind keeps its own text */
	enum prompt_kind prompting;
	char prompt[256];       /* the filter's */
	size_t plen;
	char search[256];       /* the search's: also what n and N look for */
	size_t slen;
	char search_was[256];   /* put back when the prompt is left with Esc */
	char path[512];         /* the open prompt's: kept for the next time (a typo fixed) */
	size_t pathlen;
	/* the filters entered this session, oldest first; Up/Down in the prompt recall them */
	char history[MAX_HISTORY][256];
	int nhistory;
	int hpos;               /* entry shown by Up/Down; nhistory: the line being typed */
	char typed[256];        /* what was being typed before Up was pressed */
	struct tui_src *served;         /* the source in progress the loop serves */
	/* a search in steps (views with search_has), between keys */
	struct {
		bool on;
		int depth;      /* the screen searched: once it is no longer on top, it stops */
		int dir;
		size_t n, k, done;
		bool wrapped;
	} job;
	/* TCPLAB_KEYLOG=FILE: each key's latency, from the key read to the screen drawn */
	FILE *keylog;
	int logkey;             /* the key being timed, -1 none */
	double key_t0;          /* when it was read, CLOCK_MONOTONIC seconds */
	bool said_ready;
};

/*
 * Crash safety. If tcplab itself dies on SIGSEGV/SIGBUS/SIGABRT/SIGFPE, endwin() cannot be
 * called (it is not async-signal-safe), so the handler puts back the terminal modes saved
 * before initscr() (tcsetattr is safe), leaves the alternate screen and shows the cursor
 * with one write(), then dies of the same signal. This needs the saved modes where the
 * handler can find them: the one mutable global of the TUI, written once before any
 * handler is installed.
 */
static struct termios crash_saved;

static void crash_handler(int sig)
{
	static const char reset[] = "\033[0m\033[?1049l\033[?25h\r\n";

	tcsetattr(STDIN_FILENO, TCSANOW, &crash_saved);
	if (write(STDOUT_FILENO, reset, sizeof reset - 1) < 0) {
		/* nothing more can be done from here */
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

int tui_push(struct tui *t, const struct tui_view *v, void *priv)
{
	if (t->depth == MAX_SCREENS) {
		if (v->close)
			v->close(t, priv);
		tui_status(t, true, _("too many screens open: press q to go back"));
		return -1;
	}
	t->stack[t->depth++] = (struct screen){ v, priv };
	t->dirty = true;
	return 0;
}

int tui_push_under(struct tui *t, const struct tui_view *v, void *priv)
{
	assert(t->depth > 0);
	if (tui_push(t, v, priv) < 0)
		return -1;
	/* swap the new screen with the one that was on top */
	struct screen top = t->stack[t->depth - 2];
	t->stack[t->depth - 2] = t->stack[t->depth - 1];
	t->stack[t->depth - 1] = top;
	return 0;
}

int tui_depth(const struct tui *t)
{
	return t->depth;
}

static void pop(struct tui *t)
{
	struct screen *s = &t->stack[--t->depth];

	if (s->v->close)
		s->v->close(t, s->priv);
	t->dirty = true;
}

const struct tui_opts *tui_opts(const struct tui *t)
{
	return t->o;
}

void tui_status(struct tui *t, bool error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->status, sizeof t->status, fmt, ap);
	va_end(ap);
	t->status_error = error;
	t->dirty = true;
}

void tui_serve(struct tui *t, struct tui_src *s)
{
	if (t->served == s)
		return;
	if (t->served) {
		/* Stopped now, not left to a step that never comes (issue 12: a grade started
		 * during a lesson's run left its programs as zombies and the pane "running"). */
		src_stop(t->served);
		src_unref(t->served);
	}
	t->served = s ? src_ref(s) : NULL;
}

static void draw(struct tui *t)
{
	struct screen *s = &t->stack[t->depth - 1];

	erase();
	if (LINES < 10 || COLS < 40) {
		draw_text(0, 0, COLS, R_ERROR, _("terminal too small: 80x24 or more, please"));
	} else {
		s->v->draw(t, s->priv);
		if (t->prompting) {
			const char *text = t->prompting == P_FILTER ? t->prompt :
			                   t->prompting == P_OPEN ? t->path : t->search;
			int lw = draw_cols(_(prompt_label[t->prompting])), cx;
			const char *shown = text;

			/* Too long for the row: its end, where the typing is, after a '<'. */
			while (*shown && lw + 1 + draw_cols(shown) > COLS - 1) {
				shown++;
				while (((unsigned char)*shown & 0xC0) == 0x80)
					shown++;
			}
			cx = lw + (shown != text) + draw_cols(shown);
			draw_fmt(LINES - 1, 0, COLS, R_NORMAL, "%s%s%s", _(prompt_label[t->prompting]),
			         shown != text ? "<" : "", shown);
			move(LINES - 1, cx < COLS ? cx : COLS - 1);
		} else if (t->status[0]) {
			/* Read whole: a long status wraps over the bottom rows until the next key
			 * rather than being cut (a filter's error says what failed and what is
			 * accepted; its translation can be long). */
			const char *ls[STATUS_LINES];
			int ll[STATUS_LINES];
			size_t n = draw_wrap(t->status, COLS, ls, ll, STATUS_LINES);
			for (size_t i = 0; i < n; i++)
				draw_fmt(LINES - (int)n + (int)i, 0, COLS,
				         t->status_error ? R_ERROR : R_HEAD, "%.*s", ll[i], ls[i]);
		}
	}
	curs_set(t->prompting ? 1 : 0);
	wnoutrefresh(stdscr);
	doupdate();
	t->dirty = false;
}

static void prompt_set(struct tui *t, const char *text)
{
	snprintf(t->prompt, sizeof t->prompt, "%s", text);
	t->plen = strlen(t->prompt);
}

/* Keep an entered filter for Up/Down (the same one twice in a row once). */
static void history_add(struct tui *t, const char *expr)
{
	if (!expr[0] || (t->nhistory && !strcmp(t->history[t->nhistory - 1], expr)))
		return;
	if (t->nhistory == MAX_HISTORY) {
		memmove(t->history[0], t->history[1], sizeof t->history[0] * (MAX_HISTORY - 1));
		t->nhistory--;
	}
	snprintf(t->history[t->nhistory++], sizeof t->history[0], "%s", expr);
}

size_t tui_search_rows(size_t cur, size_t n, int dir, bool (*has)(void *ctx, size_t k),
                       void *ctx, bool *wrapped)
{
	*wrapped = false;
	if (!n)
		return SIZE_MAX;
	if (cur >= n)
		cur = n - 1;
	for (size_t step = 1, k = cur; step <= n; step++) {
		if (dir > 0) {
			k = k + 1 == n ? 0 : k + 1;
			*wrapped |= k == 0;
		} else {
			*wrapped |= k == 0;
			k = k ? k - 1 : n - 1;
		}
		if (has(ctx, k))
			return k;
	}
	return SIZE_MAX;
}

static double now_s(void);

/* The search results, said the same way whichever way the view searches. */
static void search_said(struct tui *t, int dir, int r)
{
	if (!r)
		tui_status(t, true, _("'%s' is not in this view (n/N search again, \\ for other text)"),
		           t->search);
	else
		tui_status(t, false, "search: %s%s", t->search, r == 2 ? dir > 0 ?
		           _("  (from the top again)") : _("  (from the bottom again)") : "");
}

/* Go on with the search in steps for about budget seconds: rows as tui_search_rows()
 * looks at them (from the one after the selection round to the selection itself). */
static void search_run(struct tui *t, double budget)
{
	struct screen *s = &t->stack[t->depth - 1];
	double t0 = now_s();

	if (!t->job.on)
		return;
	if (t->depth != t->job.depth) {
		t->job.on = false;
		return;
	}
	t->dirty = true;
	while (t->job.done < t->job.n) {
		if (t->job.dir > 0) {
			t->job.k = t->job.k + 1 == t->job.n ? 0 : t->job.k + 1;
			t->job.wrapped |= t->job.k == 0;
		} else {
			t->job.wrapped |= t->job.k == 0;
			t->job.k = t->job.k ? t->job.k - 1 : t->job.n - 1;
		}
		t->job.done++;
		if (s->v->search_has(s->priv, t->job.k, t->search)) {
			t->job.on = false;
			s->v->search_select(t, s->priv, t->job.k);
			search_said(t, t->job.dir, t->job.wrapped ? 2 : 1);
			return;
		}
		if (!(t->job.done & 1023) && now_s() - t0 > budget) {
			tui_status(t, false, _("searching '%s': %zu%% of %zu rows (any key stops)"), t->search,
			           (size_t)(100.0 * (double)t->job.done / (double)t->job.n), t->job.n);
			return;
		}
	}
	t->job.on = false;
	search_said(t, t->job.dir, 0);
}

/* Look for t->search in the top screen, forwards (1) or backwards (-1). */
static void search(struct tui *t, int dir)
{
	struct screen *s = &t->stack[t->depth - 1];
	int r;

	if (s->v->search_has && t->search[0]) {
		size_t cur = 0;

		t->job.n = s->v->search_n(t, s->priv, &cur);
		t->job.k = t->job.n && cur >= t->job.n ? t->job.n - 1 : cur;
		t->job.on = true;
		t->job.depth = t->depth;
		t->job.dir = dir;
		t->job.done = 0;
		t->job.wrapped = false;
		search_run(t, SEARCH_STEP_S);
		return;
	}
	if (!s->v->search && !s->v->search_has) {
		tui_status(t, true, _("no search on this screen"));
		return;
	}
	if (!t->search[0]) {
		tui_status(t, true, _("nothing to look for yet: \\ (or F3) asks what to search"));
		return;
	}
	r = s->v->search(t, s->priv, t->search, dir);
	search_said(t, dir, r);
}

/*
 * The editing keys every one-line prompt shares. Backspace takes back a whole character (a
 * Hangul syllable is three bytes of UTF-8), ^U clears, and printable ASCII or the bytes of
 * a UTF-8 character, which curses hands over one at a time, are typed: a Korean path or
 * search works as an English one does. A character that would not fit whole is refused.
 * false: ch is not an editing key.
 */
static bool prompt_edit(char *buf, size_t *len, size_t cap, int ch)
{
	if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
		while (*len && ((unsigned char)buf[*len - 1] & 0xC0) == 0x80)
			(*len)--;
		if (*len)
			(*len)--;
	} else if (ch == 21) {          /* ^U */
		*len = 0;
	} else if ((ch >= ' ' && ch < 127) || (ch >= 0xC0 && ch <= 0xF4)) {
		/* ASCII, or the first byte of a character of up to four */
		if (*len + (ch < 127 ? 1 : 4) < cap)
			buf[(*len)++] = (char)ch;
	} else if (ch >= 0x80 && ch <= 0xBF) {
		/* a continuation byte, kept only after the first byte it continues */
		if (*len && (unsigned char)buf[*len - 1] >= 0x80 && *len + 1 < cap)
			buf[(*len)++] = (char)ch;
	} else {
		return false;
	}
	buf[*len] = '\0';
	return true;
}

static void search_prompt_key(struct tui *t, int ch)
{
	if (ch == 27) {
		t->prompting = P_NONE;
		snprintf(t->search, sizeof t->search, "%s", t->search_was);
		t->slen = strlen(t->search);
	} else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		t->prompting = P_NONE;
		search(t, 1);
	} else {
		prompt_edit(t->search, &t->slen, sizeof t->search, ch);
	}
}

/* The open prompt: Enter hands the path to the screen's open(), which says why not. */
static void open_prompt_key(struct tui *t, int ch)
{
	struct screen *s = &t->stack[t->depth - 1];
	char err[1024];

	if (ch == 27) {
		t->prompting = P_NONE;
	} else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		t->prompting = P_NONE;
		err[0] = '\0';
		if (!t->path[0])
			tui_status(t, true, _("no capture opened: type the path of a pcap or pcapng file"));
		else if (s->v->open(t, s->priv, t->path, err, sizeof err) < 0)
			tui_status(t, true, _("%s (i: try another path)"), err);
	} else {
		prompt_edit(t->path, &t->pathlen, sizeof t->path, ch);
	}
}

static void prompt_key(struct tui *t, int ch)
{
	struct screen *s = &t->stack[t->depth - 1];
	char err[1024];

	t->dirty = true;
	if (t->prompting == P_SEARCH) {
		search_prompt_key(t, ch);
	} else if (t->prompting == P_OPEN) {
		open_prompt_key(t, ch);
	} else if (ch == 27) {
		t->prompting = P_NONE;
	} else if (ch == KEY_UP) {
		if (t->hpos == t->nhistory)
			snprintf(t->typed, sizeof t->typed, "%s", t->prompt);
		if (t->hpos > 0)
			prompt_set(t, t->history[--t->hpos]);
	} else if (ch == KEY_DOWN) {
		if (t->hpos < t->nhistory)
			t->hpos++;
		prompt_set(t, t->hpos < t->nhistory ? t->history[t->hpos] : t->typed);
	} else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		t->prompting = P_NONE;
		history_add(t, t->prompt);
		err[0] = '\0';
		if (s->v->filter(t, s->priv, t->prompt, err, sizeof err) < 0)
			tui_status(t, true, "filter '%s': %s", t->prompt, err);
		else if (t->prompt[0] && err[0])
			tui_status(t, false, "filter: %s  (%s)", t->prompt, err);
		else if (t->prompt[0])
			tui_status(t, false, "filter: %s", t->prompt);
		else
			tui_status(t, false, _("filter cleared"));
	} else {
		prompt_edit(t->prompt, &t->plen, sizeof t->prompt, ch);
	}
}

static void key(struct tui *t, int ch)
{
	struct screen *s = &t->stack[t->depth - 1];
	enum tui_act a;

	if (ch == KEY_RESIZE) {
		clearok(curscr, TRUE);
		t->dirty = true;
		return;
	}
	if (t->prompting) {
		prompt_key(t, ch);
		return;
	}
	a = tui_key_action(ch);
	if (t->status[0]) {
		t->status[0] = '\0';
		t->dirty = true;
	}
	if (t->job.on) {
		t->job.on = false;
		tui_status(t, false, _("search for '%s' stopped"), t->search);
	}
	switch (a) {
	case ACT_HELP:
		if (strcmp(s->v->name, "help")) {
			screen_help_open(t, s->v->name);
			return;
		}
		break;          /* the help screen's own: every key, or its screen's again */
	case ACT_REDRAW:
		clearok(curscr, TRUE);
		t->dirty = true;
		return;
	case ACT_QUIT:
		t->quit = true;
		return;
	case ACT_THEME: {
		enum tui_theme next = (draw_theme_current() + 1) % TUI_THEME_N;
		if (draw_theme(next)) {
			clearok(curscr, TRUE);
			tui_status(t, false, "theme: %s", tui_theme_name(next));
		} else {
			tui_status(t, true, _("no colours to change: NO_COLOR is set or the terminal has none"));
		}
		return;
	}
	case ACT_FILTER:
		if (!s->v->filter) {
			tui_status(t, true, _("no display filter on this screen"));
			return;
		}
		t->prompting = P_FILTER;
		t->hpos = t->nhistory;
		t->dirty = true;
		return;
	case ACT_SEARCH:
		if (!s->v->search && !s->v->search_has) {
			tui_status(t, true, _("no search on this screen"));
			return;
		}
		t->prompting = P_SEARCH;
		snprintf(t->search_was, sizeof t->search_was, "%s", t->search);
		t->slen = 0;            /* a new search starts empty, as in less */
		t->search[0] = '\0';
		t->dirty = true;
		return;
	case ACT_OPEN:
		if (!s->v->open)
			break;          /* the screen's own key handler ignores it */
		t->prompting = P_OPEN;
		t->dirty = true;
		return;
	case ACT_SEARCH_NEXT:
	case ACT_SEARCH_PREV:
		search(t, a == ACT_SEARCH_NEXT ? 1 : -1);
		t->dirty = true;
		return;
	default:
		break;
	}
	switch (s->v->key(t, s->priv, a, ch)) {
	case TUI_CLOSE:
		pop(t);
		if (!t->depth)
			t->quit = true;
		break;
	case TUI_QUIT:
		t->quit = true;
		break;
	case TUI_STAY:
		break;
	}
	t->dirty = true;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * The key latency log (TCPLAB_KEYLOG, bench/keylat.c reads it): one line per key read,
 * "key CODE SCREEN MS READ DRAWN" once the screen it changed is drawn: MS from reading the key
 * to the end of the draw (its handling, any step of the source served meanwhile, the draw),
 * READ and DRAWN those two moments on CLOCK_MONOTONIC in seconds (a driver on the same
 * machine adds the time the key waited to be read); "ready" once the served source is
 * complete.
 * Line-buffered: a reader on a FIFO gets each line as it is written.
 */
static void keylog_drawn(struct tui *t, const char *screen)
{
	if (!t->keylog || t->logkey < 0)
		return;
	double drawn = now_s();

	fprintf(t->keylog, "key %d %s %.3f %.6f %.6f\n", t->logkey, screen,
	        (drawn - t->key_t0) * 1e3, t->key_t0, drawn);
	t->logkey = -1;
}

static int loop(struct tui *t, int sigfd)
{
	while (!t->quit && t->depth) {
		struct pollfd fds[MAX_POLL];
		struct screen *top;
		int n = 0, timeout = -1, tmo, ch;

		if (t->dirty)
			draw(t);
		keylog_drawn(t, t->depth ? t->stack[t->depth - 1].v->name : "-");
		if (t->keylog && !t->said_ready && !(t->served && src_busy(t->served))) {
			fprintf(t->keylog, "ready\n");
			t->said_ready = true;
		}
		/* A run no screen shows any more is stopped, not left running unseen. */
		if (t->served && src_orphan(t->served))
			tui_serve(t, NULL);
		top = &t->stack[t->depth - 1];
		fds[n++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		fds[n++] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
		if (t->served && src_busy(t->served)) {
			n += src_pollfds(t->served, fds + n, MAX_POLL - n, &tmo);
			if (tmo >= 0)
				timeout = tmo;
		}
		if (top->v->wait_ms && (tmo = top->v->wait_ms(t, top->priv)) >= 0 &&
		    (timeout < 0 || tmo < timeout))
			timeout = tmo;
		if (t->job.on)
			timeout = 0;
		if (poll(fds, (nfds_t)n, timeout) < 0 && errno != EINTR)
			return -1;
		if (fds[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sigfd, &si, sizeof si) > 0)
				return 1;
		}
		/* Keys first: they stay responsive while a capture is indexed. */
		while ((ch = getch()) != ERR && !t->quit && t->depth) {
			if (t->keylog && t->logkey < 0) {
				t->logkey = ch;
				t->key_t0 = now_s();
			}
			key(t, ch);
		}
		if (t->quit || !t->depth)
			break;
		if (t->served && src_busy(t->served) && src_step(t->served))
			t->dirty = true;
		/* a step of search only once the last one's progress is on the screen */
		if (!t->dirty)
			search_run(t, SEARCH_STEP_S);
		top = &t->stack[t->depth - 1];
		if (top->v->tick && top->v->wait_ms && top->v->wait_ms(t, top->priv) == 0) {
			top->v->tick(t, top->priv);
			t->dirty = true;
		}
	}
	return 0;
}

int tui_main(const struct tui_opts *o, char *errbuf, size_t errlen)
{
	struct tui t = { .o = o, .logkey = -1 };
	const char *keylog = getenv("TCPLAB_KEYLOG");
	sigset_t mask, old;
	int sigfd, rc, r = 0;
	bool color;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		errbuf_set(errbuf, errlen, _("the TUI needs a terminal (use 'tcplab run N' or "
		           "'tcplab inspect --tsv FILE' for text)"));
		return -1;
	}
	setlocale(LC_ALL, "");
	color = !getenv("NO_COLOR") || !getenv("NO_COLOR")[0];
	/* SIGINT/SIGTERM/SIGHUP arrive on a descriptor the loop polls, so the way out is the
	 * normal one, endwin() included. Lab programs get a clean mask back (proc.c). */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGQUIT);
	if (sigprocmask(SIG_BLOCK, &mask, &old) < 0 ||
	    (sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		errbuf_set(errbuf, errlen, _("cannot set up signals for the TUI"));
		return -1;
	}
	signal(SIGPIPE, SIG_IGN);
	if (keylog && keylog[0] && (t.keylog = fopen(keylog, "we")))
		setvbuf(t.keylog, NULL, _IOLBF, 0);
	tcgetattr(STDIN_FILENO, &crash_saved);
	signal(SIGSEGV, crash_handler);
	signal(SIGBUS, crash_handler);
	signal(SIGABRT, crash_handler);
	signal(SIGFPE, crash_handler);
	if (!initscr()) {
		errbuf_set(errbuf, errlen, _("cannot start curses on this terminal (is TERM right?)"));
		close(sigfd);
		sigprocmask(SIG_SETMASK, &old, NULL);
		return -1;
	}
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	draw_init(color, o->theme);
	/* The chrome in the student's language where the terminal can draw it; English on a
	 * non-UTF-8 locale, where every Hangul syllable would be a '?'. */
	if (draw_utf8())
		tr_init(o->locale, o->build, o->lang);
	else
		tr_release();

	switch (o->mode) {
	case TUI_MENU:
		rc = screen_menu_open(&t);
		break;
	case TUI_INSPECT: {
		char err[512];
		struct tui_src *s = src_path_new(o->path, err, sizeof err);
		rc = -1;
		if (!s) {
			errbuf_set(errbuf, errlen, "%s", err);
			break;
		}
		tui_serve(&t, s);
		/* A run record opens as 'tcplab run' showed its run: on the ladder of calls and
		 * segments ('s' lists the segments); a capture on its segments. */
		rc = src_labrun(s) ? screen_ladder_open(&t, s) : screen_segs_open(&t, s, 0);
		src_unref(s);
		break;
	}
	case TUI_DEMO:
		if (o->compare[0] || o->path2) {
			struct compare_side side[2] = {
				{ .pcap = o->path, .variant = o->compare[0] },
				{ .pcap = o->path2, .variant = o->compare[1] },
			};
			rc = screen_compare_open(&t, &o->labs[0], side, o->auto_s);
		} else {
			rc = screen_demo_open(&t, &o->labs[0], o->variant, o->path, o->auto_s);
		}
		break;
	default:
		rc = -1;
	}
	if (rc == 0) {
		t.dirty = true;
		r = loop(&t, sigfd);
	} else if (errbuf && errlen && !errbuf[0]) {
		errbuf_set(errbuf, errlen, _("the first screen could not open"));
	}
	while (t.depth)
		pop(&t);
	tui_serve(&t, NULL);
	tr_release();
	endwin();
	signal(SIGSEGV, SIG_DFL);
	signal(SIGBUS, SIG_DFL);
	signal(SIGABRT, SIG_DFL);
	signal(SIGFPE, SIG_DFL);
	close(sigfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (t.keylog)
		fclose(t.keylog);
	if (r < 0) {
		errbuf_set(errbuf, errlen, _("the TUI's poll loop failed"));
		return -1;
	}
	if (rc < 0)
		return -1;
	return 0;
}
