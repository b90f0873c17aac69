#!/bin/sh
# summary: run every Criterion test binary, then print one closing line for the whole suite.
#
# usage: tests/run.sh BUILD-DIR TEST-BINARY...
# Each binary's own synthesis line is kept; the closing line adds them up. Exit 1 if any
# test failed or crashed, or if a binary did not run to its synthesis.
set -u
build=$1; shift
TCPLAB_BUILD=$(cd "$build" && pwd); export TCPLAB_BUILD
TCPLAB_ROOT=$(pwd); export TCPLAB_ROOT
LSAN_OPTIONS="suppressions=$TCPLAB_ROOT/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS
passed=0 failed=0 skipped=0 status=0
log=$(mktemp) || exit 1
# Progress a test run records must not land in the real user's state directory.
XDG_STATE_HOME=$(mktemp -d) || exit 1
export XDG_STATE_HOME
trap 'rm -f "$log"; rm -rf "$XDG_STATE_HOME"' EXIT INT TERM
for t in "$@"; do
	start=$(date +%s)
	# Two tests at once, one per CPU. test_grade's grades mostly wait (timers, the peer,
	# the wire settling): under 30 % of the CPUs at -j2, so four at once, a load average of
	# 1 to 2.7, no more than the 'both CPUs busy' every verdict must stand (TCPLAB_GRADE_JOBS).
	# test_busy makes that load itself: one test at a time.
	jobs=2
	case $(basename "$t") in
	test_grade) jobs=${TCPLAB_GRADE_JOBS:-4} ;;
	test_busy) jobs=1 ;;
	esac
	"$t" --always-succeed -j"$jobs" >"$log" 2>&1
	rc=$?
	cat "$log"
	# How long each binary took, so a slow suite can be found in a CI log.
	echo "tests: $(basename "$t") took $(( $(date +%s) - start )) s"
	line=$(grep 'Synthesis:' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		echo "tests: $t ended (status $rc) without a synthesis line" >&2
		failed=$((failed + 1)); status=1
		[ -n "${TCPLAB_FAILURES:-}" ] &&
			echo "$build: $t ended (status $rc) without a synthesis line" >> "$TCPLAB_FAILURES"
		continue
	fi
	# [====] Synthesis: Tested: 5 | Passing: 4 | Failing: 1 | Crashing: 0
	set -- $(echo "$line" | sed 's/[^0-9 ]//g')
	tested=$1 passing=$2 failing=$3 crashing=$4
	sk=$(grep -c '\[SKIP\]' "$log")
	passed=$((passed + passing))
	failed=$((failed + failing + crashing))
	skipped=$((skipped + sk))
	if [ $((failing + crashing)) -ne 0 ]; then
		status=1
		# What failed, again at the end of 'make test', where a CI log's tail shows it.
		[ -n "${TCPLAB_FAILURES:-}" ] &&
			grep -E '^\[(----|FAIL)\]|CRASH' "$log" | sed "s|^|$build: |" >> "$TCPLAB_FAILURES"
	fi
	[ "$tested" -gt 0 ] || [ "$sk" -gt 0 ] || { echo "tests: $t ran no test" >&2; status=1; }
done
echo "$build: $passed passed, $failed failed, $skipped skipped"
# 'make test' adds up every part of the suite into one closing line.
[ -n "${TCPLAB_TOTALS:-}" ] && echo "$passed $failed $skipped" >> "$TCPLAB_TOTALS"
exit $status
