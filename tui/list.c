/* summary: the one scrolling list of every list screen: selection, first item shown, paging, "more" marks. */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "tui/list.h"

static int item_rows(list_height_fn height, void *ctx, size_t i)
{
	int r = height ? height(ctx, i) : 1;

	return r > 0 ? r : 1;
}

/* The first item from which items .. last fill at most h rows (last itself at least). */
static size_t first_fitting(size_t last, int h, size_t floor, list_height_fn height, void *ctx)
{
	size_t t = last;
	int used;

	if (!height)
		return last + 1 >= floor + (size_t)h ? last + 1 - (size_t)h : floor;
	used = item_rows(height, ctx, last);
	while (t > floor && used + item_rows(height, ctx, t - 1) <= h)
		used += item_rows(height, ctx, --t);
	return t;
}

void list_fit(struct tui_list *l, size_t n, int h, list_height_fn height, void *ctx)
{
	size_t fill;
	int used = 0;

	l->n = n;
	if (h < 1)
		h = 1;
	if (!n) {
		l->sel = l->top = l->shown = 0;
		return;
	}
	if (l->sel >= n)
		l->sel = n - 1;
	if (l->top > l->sel)
		l->top = l->sel;
	/* the selection below the area: the least scroll that shows it */
	if (first_fitting(l->sel, h, l->top, height, ctx) > l->top)
		l->top = first_fitting(l->sel, h, l->top, height, ctx);
	/* items gone (a filter, a resize): no empty rows at the end while some hide above */
	fill = first_fitting(n - 1, h, 0, height, ctx);
	if (fill < l->top)
		l->top = fill;
	l->shown = 0;
	for (size_t i = l->top; i < n; i++) {
		used += item_rows(height, ctx, i);
		if (used > h && l->shown)
			break;
		l->shown++;
		if (!height && l->shown == (size_t)h)
			break;
	}
}

bool list_key(struct tui_list *l, enum tui_act a)
{
	size_t page = l->shown > 1 ? l->shown - 1 : 1;

	switch (a) {
	case ACT_UP: case ACT_PREV:
		if (l->sel)
			l->sel--;
		return true;
	case ACT_DOWN: case ACT_NEXT:
		if (l->sel + 1 < l->n)
			l->sel++;
		return true;
	case ACT_PGUP:
		l->sel = l->sel > page ? l->sel - page : 0;
		/* the page above comes into view whole, not just its last row */
		l->top = l->top > page ? l->top - page : 0;
		return true;
	case ACT_PGDN:
		l->sel = l->sel + page < l->n ? l->sel + page : l->n ? l->n - 1 : 0;
		l->top += l->top + page < l->n ? page : 0;
		return true;
	case ACT_HOME:
		l->sel = l->top = 0;
		return true;
	case ACT_END:
		l->sel = l->n ? l->n - 1 : 0;
		return true;
	default:
		return false;
	}
}

void list_select(struct tui_list *l, size_t i)
{
	l->sel = i;
}

/* " ^ 3 more " ending at column end; returns where it starts. */
static int mark(int y, int end, const char *glyph, size_t count)
{
	char text[40];
	int n = snprintf(text, sizeof text, " %zu more ", count), x = end - n - 2;

	if (x < 0)
		return end;
	draw_text(y, x, 2, R_DIM, " ");
	attrset(draw_attr(R_DIM));
	mvaddstr(y, x + 1, glyph);
	attrset(draw_attr(R_NORMAL));
	draw_text(y, x + 2, n, R_DIM, text);
	return x;
}

void list_marks(const struct tui_list *l, int y_above, int y_below)
{
	const struct tui_glyphs *g = draw_glyphs();
	size_t below = l->n - l->top - l->shown;
	int end = COLS - 1;

	if (below && l->top + l->shown <= l->n) {
		int x = mark(y_below, end, g->darrow, below);
		if (y_below == y_above)
			end = x;
	}
	if (l->top)
		mark(y_above, end, g->uarrow, l->top);
}
