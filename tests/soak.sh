#!/bin/sh
# summary: run every variant of every lab COUNT times; its verdicts must never change.
#
# usage: tests/soak.sh BUILD-DIR COUNT [LOAD [LABS]]
# With LOAD=1, two processes keep both CPUs busy the whole time (a shell loop each, at
# normal priority): a verdict must not depend on an idle machine. A stall that disturbs a
# timing check is tcplab's to detect and rerun (docs/architecture.md), not a change.
# A run is the list of its checks with their verdicts. Every run of a variant must give the
# same list (LABS, a list of lab numbers such as "5 6 7 8", keeps the soak to those labs;
# empty: every lab); a run that is only inconclusive somewhere (the capture dropped packets) is
# counted apart and never taken for a change. Prints one line per variant and a closing
# line 'N passed, N failed'; exits 1 when a verdict changed or a run failed.
set -u
build=$1 count=$2 load=${3:-0} labs=${4:-}
tcplab="$build/tcplab"
work=$(mktemp -d) || exit 1
hogs=
cleanup() { rm -rf "$work"; if [ -n "$hogs" ]; then kill $hogs 2>/dev/null; fi; }
# A signal ends the soak: the loop must not go on without its folder.
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM
if [ "$load" = 1 ]; then
	for _ in 1 2; do
		sh -c 'while :; do :; done' &
		hogs="$hogs $!"
	done
	echo "soak: both CPUs kept busy by pids$hogs"
fi
XDG_STATE_HOME="$work/state"; export XDG_STATE_HOME

"$tcplab" list > "$work/list" 2>&1 || { cat "$work/list"; exit 1; }
passed=0 failed=0
lab=
while read -r first second third _; do
	case "$first" in
	[0-9]*) lab=$first; continue ;;
	--variant)
		variant=$second
		# Only the labs asked for, when some are.
		case " $labs " in *" $lab "*) ;; "  ") ;; *) continue ;; esac
		;;
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
		[ -n "${TCPLAB_FAILURES:-}" ] &&
			printf 'soak: lab %s %s: %d changed verdicts, %d failed runs\n' \
				"$lab" "$variant" "$changes" "$bad" >> "$TCPLAB_FAILURES"
		for f in "$work/changed-$lab-$variant" "$work/failed-$lab-$variant"; do
			[ -f "$f" ] && { echo "--- $f"; grep -E -A1 '^  (FAIL|inconclusive) ' "$f"; }
		done
	fi
	rm -f "$work/ref"
done < "$work/list"
echo "soak: $passed passed, $failed failed"
[ -n "${TCPLAB_TOTALS:-}" ] && echo "$passed $failed 0" >> "$TCPLAB_TOTALS"
[ "$failed" -eq 0 ]
