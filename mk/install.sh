#!/bin/sh
# summary: 'make install' and 'make uninstall': copy the built tcplab and its data into PREFIX's folders, or remove them.
#
# usage: mk/install.sh install|uninstall BUILD
# The folders come from the environment the Makefile sets (DESTDIR, PREFIX, BINDIR,
# PKGLIBEXECDIR, PKGDATADIR, LOCALEDIR, MANDIR, DOCDIR, BASHCOMPDIR), and VERSION. The layout, which engine/paths.c
# finds at run time:
#   BINDIR/tcplab                          the program
#   PKGLIBEXECDIR/labs/SLUG/PROGRAM        each lab's programs (the build folder's labs/)
#   PKGDATADIR/labs/...                    the labs' data: lessons, expected sequences,
#                                          lab programs' sources, exercise starters,
#                                          labs/include (winsock_compat.h), labs/lib
#   PKGDATADIR/tcplab.conf                 the instructor's, if the tree has one
#   LOCALEDIR/LANG/LC_MESSAGES/tcplab.mo   the TUI's words in each language
#   MANDIR/man1/tcplab.1, DOCDIR/*.md, BASHCOMPDIR/tcplab
# uninstall removes only the files install writes (from the same tree and build), then the
# folders that this left empty: a DOCDIR or PKGDATADIR a packager shares with others keeps
# everything else.
set -eu
action=$1 build=$2
: "${DESTDIR:=}"
for v in PREFIX BINDIR PKGLIBEXECDIR PKGDATADIR LOCALEDIR MANDIR DOCDIR BASHCOMPDIR; do
	eval "val=\${$v:-}"
	case "$val" in
	/*) ;;
	*) echo "mk/install.sh: $v must be an absolute path, not '$val' (set PREFIX=/usr/local)" >&2
	   exit 2 ;;
	esac
done

run() { echo "$*"; "$@"; }

# The files of the tree under dir, relative to it (no dot names: editors' leftovers).
tree() { (cd "$1" && find . -type f ! -name '.*' | sed 's|^\./||' | LC_ALL=C sort); }

# The folders under top, deepest first, and top itself: each removed if empty by then.
prune() {
	[ ! -d "$1" ] || find "$1" -depth -type d -exec rmdir {} \; 2>/dev/null
	return 0
}

if [ "$action" = uninstall ]; then
	run rm -f "$DESTDIR$BINDIR/tcplab" "$DESTDIR$MANDIR/man1/tcplab.1" \
		"$DESTDIR$BASHCOMPDIR/tcplab"
	# The tree's tcplab.conf, when install copied it; one put there by hand is kept.
	[ ! -f tcplab.conf ] || run rm -f "$DESTDIR$PKGDATADIR/tcplab.conf"
	if [ -d "$build/labs" ]; then
		for f in $(tree "$build/labs"); do rm -f "$DESTDIR$PKGLIBEXECDIR/labs/$f"; done
	fi
	echo "rm -f ... (each lab program in $DESTDIR$PKGLIBEXECDIR/labs)"
	for f in $(tree labs); do rm -f "$DESTDIR$PKGDATADIR/labs/$f"; done
	echo "rm -f ... (each file of the labs in $DESTDIR$PKGDATADIR/labs)"
	for f in README.md docs/*.md; do
		run rm -f "$DESTDIR$DOCDIR/$(basename "$f")"
	done
	for mo in po/*.po; do
		[ -e "$mo" ] || continue
		lang=$(basename "$mo" .po)
		run rm -f "$DESTDIR$LOCALEDIR/$lang/LC_MESSAGES/tcplab.mo"
	done
	# The AppArmor profile, when it is the one install wrote for this binary.
	if grep -qs "^profile tcplab $BINDIR/tcplab " "$DESTDIR/etc/apparmor.d/tcplab"; then
		run rm -f "$DESTDIR/etc/apparmor.d/tcplab"
	fi
	prune "$DESTDIR$PKGLIBEXECDIR"
	prune "$DESTDIR$PKGDATADIR"
	[ ! -d "$DESTDIR$DOCDIR" ] || rmdir "$DESTDIR$DOCDIR" 2>/dev/null || true
	exit 0
fi
[ "$action" = install ] || { echo "usage: mk/install.sh install|uninstall BUILD" >&2; exit 2; }

[ -x "$build/tcplab" ] || { echo "mk/install.sh: '$build/tcplab' is not built (run make)" >&2; exit 1; }
run install -d "$DESTDIR$BINDIR"
run install -m 755 "$build/tcplab" "$DESTDIR$BINDIR/tcplab"

# The lab programs, as the build folder holds them.
for f in $(tree "$build/labs"); do
	run install -D -m 755 "$build/labs/$f" "$DESTDIR$PKGLIBEXECDIR/labs/$f"
done

# The labs' data, sources included: they are what a student reads and copies.
for f in $(tree labs); do
	run install -D -m 644 "labs/$f" "$DESTDIR$PKGDATADIR/labs/$f"
done
[ ! -f tcplab.conf ] || run install -D -m 644 tcplab.conf "$DESTDIR$PKGDATADIR/tcplab.conf"

for mo in "$build"/locale/*/LC_MESSAGES/tcplab.mo; do
	[ -e "$mo" ] || continue
	lang=$(basename "$(dirname "$(dirname "$mo")")")
	run install -D -m 644 "$mo" "$DESTDIR$LOCALEDIR/$lang/LC_MESSAGES/tcplab.mo"
done

# The page names the version and the folders of this install.
echo "sed ... docs/tcplab.1 > $DESTDIR$MANDIR/man1/tcplab.1"
run install -d "$DESTDIR$MANDIR/man1"
sed -e "s|@VERSION@|$VERSION|g" -e "s|@PREFIX@|$PREFIX|g" -e "s|@PKGDATADIR@|$PKGDATADIR|g" \
    -e "s|@PKGLIBEXECDIR@|$PKGLIBEXECDIR|g" -e "s|@LOCALEDIR@|$LOCALEDIR|g" \
    -e "s|@DOCDIR@|$DOCDIR|g" docs/tcplab.1 > "$DESTDIR$MANDIR/man1/tcplab.1"
chmod 644 "$DESTDIR$MANDIR/man1/tcplab.1"
run install -D -m 644 completion/tcplab.bash "$DESTDIR$BASHCOMPDIR/tcplab"
run install -d "$DESTDIR$DOCDIR"
run install -m 644 README.md docs/*.md "$DESTDIR$DOCDIR/"

# Ubuntu 23.10 and later: the AppArmor profile that lets the installed tcplab create user
# namespaces (mk/apparmor.sh). Staged with DESTDIR; written and loaded when installing as
# root; a user's own install (no root, no /etc) is told the command instead.
if [ -n "$DESTDIR" ] || [ "$(id -u)" = 0 ]; then
	sh mk/apparmor.sh "$BINDIR/tcplab" "$DESTDIR"
else
	echo "note: on Ubuntu 23.10 and later, also run: sudo sh mk/apparmor.sh $BINDIR/tcplab"
fi
