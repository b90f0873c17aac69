#!/bin/sh
# summary: run every variant of every lab COUNT times; its verdicts must never change.
#
# usage: tests/soak.sh BUILD-DIR COUNT
# A run is the list of its checks with their verdicts. Every run of a variant must give the
# same list; a run that is only inconclusive somewhere (the capture dropped packets) is
# counted apart and never taken for a change. Prints one line per variant and a closing
# line 'N passed, N failed'; exits 1 when a verdict changed or a run failed.
set -u
build=$1 count=$2
tcplab="$build/tcplab"
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT INT TERM
XDG_STATE_HOME="$work/state"; export XDG_STATE_HOME

"$tcplab" list > "$work/list" 2>&1 || { cat "$work/list"; exit 1; }
passed=0 failed=0
lab=
while read -r first second third _; do
	case "$first" in
	[0-9]*) lab=$first; continue ;;
	--variant) variant=$second ;;
	*) continue ;;
	esac
	ref= changes=0 inconclusive=0 bad=0
	i=0
	while [ "$i" -lt "$count" ]; do
		i=$((i + 1))
		"$tcplab" run "$lab" --variant "$variant" > "$work/out" 2>&1
		rc=$?
		grep -E '^  (PASS|FAIL|inconclusive) ' "$work/out" > "$work/verdicts"
		if grep -q '^  inconclusive ' "$work/verdicts"; then
			inconclusive=$((inconclusive + 1))
			continue
		fi
		if [ "$rc" -ne 0 ]; then
			bad=$((bad + 1))
			cp "$work/out" "$work/failed-$lab-$variant"
		fi
		if [ -z "$ref" ]; then
			ref="$work/ref"
			cp "$work/verdicts" "$ref"
		elif ! cmp -s "$ref" "$work/verdicts"; then
			changes=$((changes + 1))
			cp "$work/out" "$work/changed-$lab-$variant"
		fi
	done
	if [ "$changes" -eq 0 ] && [ "$bad" -eq 0 ]; then
		passed=$((passed + 1))
		printf 'soak: lab %s %-20s %d runs, same verdicts every time (%d inconclusive)\n' \
			"$lab" "$variant" "$count" "$inconclusive"
	else
		failed=$((failed + 1))
		printf 'soak: lab %s %-20s %d runs: %d changed verdicts, %d failed runs\n' \
			"$lab" "$variant" "$count" "$changes" "$bad"
		for f in "$work/changed-$lab-$variant" "$work/failed-$lab-$variant"; do
			[ -f "$f" ] && { echo "--- $f"; grep -E -A1 '^  (FAIL|inconclusive) ' "$f"; }
		done
	fi
	rm -f "$work/ref"
done < "$work/list"
echo "soak: $passed passed, $failed failed"
[ -n "${TCPLAB_TOTALS:-}" ] && echo "$passed $failed 0" >> "$TCPLAB_TOTALS"
[ "$failed" -eq 0 ]
