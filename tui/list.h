/* summary: the one scrolling list of every list screen: selection, first item shown, paging, "more" marks. */
#ifndef TCPLAB_TUI_LIST_H
#define TCPLAB_TUI_LIST_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/tui.h"

/*
 * Contract: a screen keeps a struct tui_list (zeroed to start), calls list_fit() in its
 * draw before drawing items top .. top + shown - 1, and passes the keys it does not take
 * itself to list_key(). After list_fit() the selection is an item (sel < n, or 0 when n
 * is 0) and it is in view: items top .. sel fit in the area. So Enter never acts on an
 * item the user cannot see, whatever the size of the terminal.
 *
 * Items may be taller than one row (a check and its explanation): height() says how
 * many rows item i takes; NULL means one row each, and costs nothing per item (a ladder
 * has a million rows).
 *
 * The area's neighbours carry the marks: list_marks() writes "^ 3 more" on the row above
 * the area and "v 12 more" on the row below (right-aligned; both on one row when a
 * screen has no free row above), with arrows when the locale is UTF-8.
 */

struct tui_list {
	size_t n;       /* items, as of the last list_fit() */
	size_t sel;     /* the selected item */
	size_t top;     /* the first item shown */
	size_t shown;   /* items shown from top at the last list_fit(): a page */
};

typedef int (*list_height_fn)(void *ctx, size_t i);

/* Take n items in an area of h rows: clamp the selection, scroll the least that shows it,
 * and never leave rows empty at the end while items are hidden above. */
void list_fit(struct tui_list *l, size_t n, int h, list_height_fn height, void *ctx);
/* Up/Down (and Left/Right), PgUp/PgDn by a page, Home/End move the selection: true when
 * a is one of them (at an end too: the key is still the list's). */
bool list_key(struct tui_list *l, enum tui_act a);
/* The rows above and below the area: how many items each side hides, if any. */
void list_marks(const struct tui_list *l, int y_above, int y_below);
/* Select item i (a search's match, a filter's nearest row): in view at the next fit. */
void list_select(struct tui_list *l, size_t i);

#endif
