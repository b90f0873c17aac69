#!/bin/sh
# summary: the catalog of tcplab's own words for translators: po/tcplab.pot from the sources, merged into each po/LANG.po.
#
# usage: mk/po.sh pot OUT    write to OUT the template of every _() and N_() text of the sources
#        mk/po.sh labpot LABDIR OUT   the template of a lab's short texts (docs/lab-format.md,
#                            "Translations"): lab.conf's title and summaries, the names of
#                            its call/output/wire/info/state checks, the .expect files' check and assert names
#        mk/po.sh update     refresh po/tcplab.pot and merge it into every po/*.po, and
#                            each lab's template into its labs/NN-name/LANG.po ('make po')
# Run from anywhere; needs GNU gettext's xgettext and msgmerge (mk/deps.sh gettext).
set -eu
cd "$(dirname "$0")/.."

pot() {
	# Locations by file only: line numbers would change the catalog at every edit.
	xgettext --language=C --from-code=UTF-8 --keyword=_ --keyword=N_ \
		--add-comments=TRANSLATORS: --add-location=file --package-name=tcplab \
		-o "$1" $(ls cli/*.c cli/*.h tui/*.c tui/*.h engine/*.c engine/*.h capture/*.c capture/*.h util/*.c util/*.h | LC_ALL=C sort)
}

# One msgid per text, in file order, each once, located by file. The texts are quoted as
# PO wants them (backslash and double quote escaped).
labpot() {
	dir=$1
	{
		printf '%s\n' 'msgid ""' 'msgstr ""' '"Content-Type: text/plain; charset=UTF-8\n"' ''
		for f in "$dir/lab.conf" $(ls "$dir"/*.expect 2>/dev/null | LC_ALL=C sort); do
			awk -v file="${f#"$dir"/}" '
			function emit(t) {
				gsub(/\\/, "\\\\", t); gsub(/"/, "\\\"", t)
				if (t == "" || seen[t]++) return
				printf "#: %s\nmsgid \"%s\"\nmsgstr \"\"\n\n", file, t
			}
			function quoted(s,   a, b) {
				a = index(s, "\""); if (!a) return ""
				s = substr(s, a + 1); b = index(s, "\""); if (!b) return ""
				return substr(s, 1, b - 1)
			}
			file == "lab.conf" && /^(title|summary)[ \t]*=/ {
				v = $0; sub(/^[a-z]+[ \t]*=[ \t]*/, "", v); sub(/[ \t]+$/, "", v); emit(v); next
			}
			file == "lab.conf" && /^(call|output|wire|info|state)[ \t]*=/ { emit(quoted($0)); next }
			file != "lab.conf" && /^[ \t]*(check|assert)[ \t]/ { emit(quoted($0)); next }
			' "$f"
		done
	} | msguniq --use-first -o "$2" -
}

case "${1:-}" in
labpot)
	[ $# -eq 3 ] || { echo "usage: mk/po.sh labpot LABDIR OUT" >&2; exit 2; }
	labpot "$2" "$3"
	;;
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
	for dir in labs/[0-9]*/; do
		dir=${dir%/}
		set -- "$dir"/*.po
		[ -e "$1" ] || continue
		labpot "$dir" "$dir/texts.pot.tmp"
		for po in "$@"; do
			echo "msgmerge $po"
			msgmerge --quiet --update --backup=none --add-location=file "$po" \
				"$dir/texts.pot.tmp"
		done
		rm -f "$dir/texts.pot.tmp"
	done
	;;
*)
	echo "usage: mk/po.sh pot OUT | mk/po.sh update" >&2
	exit 2
	;;
esac
