#!/bin/sh
# summary: the catalog of tcplab's own words for translators: po/tcplab.pot from the sources, merged into each po/LANG.po.
#
# usage: mk/po.sh pot OUT    write to OUT the template of every _() and N_() text of tui/
#        mk/po.sh update     refresh po/tcplab.pot and merge it into every po/*.po ('make po')
# Run from anywhere; needs GNU gettext's xgettext and msgmerge (mk/deps.sh gettext).
set -eu
cd "$(dirname "$0")/.."

pot() {
	# Locations by file only: line numbers would change the catalog at every edit.
	xgettext --language=C --from-code=UTF-8 --keyword=_ --keyword=N_ \
		--add-comments=TRANSLATORS: --add-location=file --package-name=tcplab \
		-o "$1" $(ls cli/*.c cli/*.h tui/*.c tui/*.h engine/*.c engine/*.h capture/*.c capture/*.h util/*.c util/*.h | LC_ALL=C sort)
}

case "${1:-}" in
pot)
	[ $# -eq 2 ] || { echo "usage: mk/po.sh pot OUT" >&2; exit 2; }
	pot "$2"
	;;
update)
	pot po/tcplab.pot
	for po in po/*.po; do
		[ -e "$po" ] || continue
		echo "msgmerge $po"
		msgmerge --quiet --update --backup=none --add-location=file "$po" po/tcplab.pot
	done
	;;
*)
	echo "usage: mk/po.sh pot OUT | mk/po.sh update" >&2
	exit 2
	;;
esac
