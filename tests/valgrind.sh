#!/bin/sh
# summary: run unit test binaries under valgrind's memcheck; fail on any error or definite leak.
#
# usage: tests/valgrind.sh BUILD-DIR TEST-BINARY...
# Criterion (BoxFort) runs each test in a worker it execs again, so --trace-children=yes is
# what puts the tests themselves under memcheck (the programs tests exec are skipped). A
# worker's exit status does not reach Criterion once it has reported its result, so the
# log is what says whether memcheck found something: any error or definite leak fails.
# Only for tests that do not run real labs: a lab under valgrind misses its deadlines.
set -u
build=$1; shift
TCPLAB_BUILD=$(cd "$build" && pwd); export TCPLAB_BUILD
TCPLAB_ROOT=$(pwd); export TCPLAB_ROOT
XDG_STATE_HOME=$(mktemp -d) || exit 1
export XDG_STATE_HOME
log=$(mktemp) || exit 1
trap 'rm -f "$log"; rm -rf "$XDG_STATE_HOME"' EXIT INT TERM
status=0
for t in "$@"; do
	valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 \
		--trace-children=yes --trace-children-skip='*/tcplab,*/labs/*,*/cc,*/gcc,/bin/*,/usr/bin/*' "$t" -j1 >"$log" 2>&1
	rc=$?
	line=$(grep 'Synthesis:' "$log" | tail -n 1)
	echo "$t: ${line:-no synthesis line} (status $rc)"
	if [ $rc -ne 0 ] || grep -q 'are definitely lost\|Invalid \(read\|write\|free\)\|uninitialised\|Mismatched free\|overlap' "$log"; then
		grep '==[0-9]*==' "$log" | head -n 60
		status=1
	fi
done
exit $status
