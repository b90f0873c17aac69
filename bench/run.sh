#!/bin/sh
# summary: 'make bench': speed and peak memory of 'tcplab inspect --stats' against libpcap, tcpdump, tshark; the TUI's key latency; the tracer's cost per call.
#
# usage: sh bench/run.sh [BUILD]          (make bench runs it after building; it builds nothing)
#
# Environment (all optional):
#   BENCH_SEGMENTS          segments in the main capture          (default 1000000)
#   BENCH_BULK_SEGMENTS     segments in the full-payload capture   (default 1000000)
#   BENCH_TSHARK_SEGMENTS   segments tshark reads, a prefix of it (default 100000)
#   BENCH_RUNS              runs per tool; the best one counts     (default 3)
#   BENCH_TRACE_PAIRS       send()+recv() pairs per tracer-cost run (default 100000)
#   BENCH_CLASS             lab 1 submissions 'grade --class -j2' grades (default 100)
#   BENCH_KEY_RUNS          rounds of the TUI's keys (bench/keylat.c)  (default 5)
#
# It measures, it does not test: it exits 0 when targets are missed (and says MISS), non-zero
# only when it cannot measure at all (its own helpers missing, the capture not writable).
# docs/bench.md explains what each row means.
set -u

BUILD=${1:-build}
N=${BENCH_SEGMENTS:-1000000}
BN=${BENCH_BULK_SEGMENTS:-1000000}
TN=${BENCH_TSHARK_SEGMENTS:-100000}
RUNS=${BENCH_RUNS:-3}
TRACE_PAIRS=${BENCH_TRACE_PAIRS:-100000}
KEY_RUNS=${BENCH_KEY_RUNS:-5}
OUT=bench/out
BIN=$BUILD/bench
TCPLAB=$BUILD/tcplab

die() {
	echo "bench: $*" >&2
	exit 1
}

for b in gencap bareloop maxrss layers; do
	[ -x "$BIN/$b" ] || die "missing '$BIN/$b' (run 'make bench', or 'make BUILD=$BUILD $BIN/$b')"
done
[ "$TN" -gt "$N" ] && TN=$N
mkdir -p "$OUT" || die "cannot create '$OUT'"

# gencap's output depends only on its source, the count and its mode (--bulk); keep it while
# they are unchanged.
gen() {
	file=$1 n=$2
	shift 2
	stamp="$n $* $(cksum <bench/gencap.c)"
	if [ -f "$file" ] && [ "$(cat "$file.stamp" 2>/dev/null)" = "$stamp" ]; then
		echo "reusing $file ($n segments)"
		return 0
	fi
	rm -f "$file.stamp"
	"$BIN/gencap" "$file" "$n" "$@" 2>&1 || die "cannot write the capture '$file'"
	echo "$stamp" >"$file.stamp"
}

PCAP=$OUT/bench.pcap
PREFIX=$OUT/bench-prefix.pcap
gen "$PCAP" "$N"

# Floating point in awk; sh has none.
calc() { awk "BEGIN { printf \"%s\", ($1) }"; }

# measure NAME CMD...: run CMD $RUNS times under maxrss, stdout to $OUT/NAME.out, stderr to
# $OUT/NAME.err. Sets M_WALL (best wall seconds), M_RSS (largest peak RSS, KiB), M_OK (1 when
# every run exited 0).
measure() {
	name=$1
	shift
	M_WALL="" M_RSS=0 M_OK=1
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		i=$((i + 1))
		"$BIN/maxrss" -o "$OUT/$name.rep" -- "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"
		rep=$(cat "$OUT/$name.rep" 2>/dev/null)
		w=$(echo "$rep" | sed -n 's/.*wall_s=\([0-9.]*\).*/\1/p')
		r=$(echo "$rep" | sed -n 's/.*maxrss_kib=\([0-9]*\).*/\1/p')
		s=$(echo "$rep" | sed -n 's/.*status=\([0-9]*\).*/\1/p')
		if [ -z "$w" ] || [ "$s" != 0 ]; then
			M_OK=0
			return
		fi
		[ "$r" -gt "$M_RSS" ] && M_RSS=$r
		if [ -z "$M_WALL" ] || [ "$(calc "$w < $M_WALL")" = 1 ]; then
			M_WALL=$w
		fi
	done
}

ROWS=""
# row LABEL SEGMENTS WALL RSS_KIB NOTE: remember one line of the table ('|'-separated: a
# whitespace IFS would merge the empty fields of a skipped tool).
row() {
	ROWS="$ROWS$1|$2|$3|$4|$5
"
}

echo "machine: $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)"
echo "capture: $PCAP, $N segments, $(wc -c <"$PCAP") bytes; $RUNS runs per tool, best counts"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) (on $(nproc) cores; above 1, expect slower and noisier rows)"
cat "$PCAP" >/dev/null          # into the page cache: measure parsing, not the disk
echo

# tcplab itself.
T_RATE="" T_RSS=""
if [ ! -x "$TCPLAB" ]; then
	echo "tcplab: '$TCPLAB' is not built yet (cli/main.c or 'inspect' missing?): its rows are empty"
	row "tcplab inspect --stats" "$N" "" "" "not built"
else
	measure tcplab "$TCPLAB" inspect --stats "$PCAP"
	if [ "$M_OK" = 1 ]; then
		T_RATE=$(calc "$N / $M_WALL") T_RSS=$M_RSS
		row "tcplab inspect --stats" "$N" "$M_WALL" "$M_RSS" ""
		echo "tcplab inspect --stats said (first lines of $OUT/tcplab.out):"
		head -n 12 "$OUT/tcplab.out" | sed 's/^/    /'
		echo
	else
		echo "tcplab: 'tcplab inspect --stats' failed; its stderr ($OUT/tcplab.err):"
		head -n 5 "$OUT/tcplab.err" | sed 's/^/    /'
		echo
		row "tcplab inspect --stats" "$N" "" "" "failed"
	fi
fi

# The TUI's index of the same file ('tcplab inspect FILE' on a terminal): time to the first
# screen (what the user waits for) and to the whole file; peak RSS is the index's memory.
TUI_FIRST=""
if [ -x "$TCPLAB" ]; then
	measure tui-index "$TCPLAB" inspect --index-only "$PCAP"
	if [ "$M_OK" = 1 ]; then
		TUI_FIRST=$(sed -n 's/.*first screen \([0-9.]*\) s.*/\1/p' "$OUT/tui-index.out")
		row "tcplab TUI index" "$N" "$M_WALL" "$M_RSS" "first screen after ${TUI_FIRST:-?} s"
	else
		row "tcplab TUI index" "$N" "" "" "failed: $(head -n 1 "$OUT/tui-index.err")"
	fi
fi

for mode in default buffered; do
	measure "bareloop-$mode" "$BIN/bareloop" "$PCAP" "$mode"
	got=$(sed -n 's/.*packets=\([0-9]*\).*/\1/p' "$OUT/bareloop-$mode.out")
	if [ "$M_OK" = 1 ] && [ "$got" = "$N" ]; then
		row "bareloop $mode" "$N" "$M_WALL" "$M_RSS" ""
	else
		row "bareloop $mode" "$N" "" "" "failed: $(head -n 1 "$OUT/bareloop-$mode.err")"
	fi
	[ "$mode" = buffered ] && [ "$M_OK" = 1 ] && B_RATE=$(calc "$N / $M_WALL")
done

if command -v tcpdump >/dev/null 2>&1; then
	measure tcpdump tcpdump -nn -r "$PCAP"
	if [ "$M_OK" = 1 ]; then
		row "tcpdump -nn -r" "$N" "$M_WALL" "$M_RSS" ""
	else
		row "tcpdump -nn -r" "$N" "" "" "failed: $(head -n 1 "$OUT/tcpdump.err")"
	fi
else
	row "tcpdump -nn -r" "$N" "" "" "not installed: skipped"
fi

# tshark is slow: it reads a prefix of the same traffic (gencap's output is prefix-stable).
# Its start-up (~0.4 s loading dissectors), measured on a one-segment file, is subtracted:
# that makes tshark look faster, so the 100x target is judged against its best case.
S_RATE=""
if command -v tshark >/dev/null 2>&1; then
	gen "$PREFIX" "$TN" >/dev/null
	gen "$OUT/bench-one.pcap" 1 >/dev/null
	measure tshark-startup tshark -r "$OUT/bench-one.pcap" -T fields -e frame.number \
		-e tcp.seq -e tcp.analysis.flags
	S0=${M_WALL:-0}
	[ "$M_OK" = 1 ] || S0=0
	measure tshark tshark -r "$PREFIX" -T fields -e frame.number -e tcp.seq \
		-e tcp.analysis.flags
	if [ "$M_OK" = 1 ] && [ "$(calc "$M_WALL > $S0")" = 1 ]; then
		S_WALL=$(calc "$M_WALL - $S0")
		S_RATE=$(calc "$TN / $S_WALL")
		row "tshark -T fields" "$TN" "$S_WALL" "$M_RSS" \
			"first $TN segments; $(calc "sprintf(\"%.2f\", $S0)") s start-up not counted"
	else
		row "tshark -T fields" "$TN" "" "" "failed: $(grep -v 'Running as user' "$OUT/tshark.err" | head -n 1)"
	fi
else
	row "tshark -T fields" "$TN" "" "" "not installed: skipped"
fi

# The same comparison on a full-payload capture (gencap --bulk: ~600 payload bytes a segment,
# ~31,700 connections in 1M segments): the reader's cost per byte rather than per segment.
BULK=$OUT/bench-bulk.pcap
gen "$BULK" "$BN" --bulk
cat "$BULK" >/dev/null
BT_WALL="" BB_WALL="" BULK_ROWS=""
if [ -x "$TCPLAB" ]; then
	measure tcplab-bulk "$TCPLAB" inspect --stats "$BULK"
	[ "$M_OK" = 1 ] && BT_WALL=$M_WALL
	BULK_ROWS="tcplab inspect --stats|${BT_WALL:-}|$M_RSS|$([ "$M_OK" = 1 ] || echo failed)
"
fi
measure bareloop-bulk "$BIN/bareloop" "$BULK" buffered
got=$(sed -n 's/.*packets=\([0-9]*\).*/\1/p' "$OUT/bareloop-bulk.out")
if [ "$M_OK" = 1 ] && [ "$got" = "$BN" ]; then
	BB_WALL=$M_WALL
	BULK_ROWS="${BULK_ROWS}bareloop buffered|$M_WALL|$M_RSS|
"
else
	BULK_ROWS="${BULK_ROWS}bareloop buffered|||failed: $(head -n 1 "$OUT/bareloop-bulk.err")
"
fi

# The library without the command line: where a slow 'inspect' loses its time.
"$BIN/layers" "$PCAP" >"$OUT/layers.out" 2>"$OUT/layers.err" || true
for i in $(seq 2 "$RUNS"); do
	"$BIN/layers" "$PCAP" >>"$OUT/layers.out" 2>>"$OUT/layers.err" || true
done

echo "segments per second, best of $RUNS (wall time of the whole process, exec included):"
printf '%-26s %9s %9s %13s %12s %9s  %s\n' tool segments "best s" segments/s tcplab/tool \
	"peak MiB" note
printf '%s' "$ROWS" | while IFS='|' read -r label segs wall rss note; do
	if [ -z "$wall" ]; then
		printf '%-26s %9s %9s %13s %12s %9s  %s\n' "$label" "$segs" - - - - "$note"
		continue
	fi
	rate=$(calc "$segs / $wall")
	ratio=-
	[ -n "$T_RATE" ] && ratio=$(calc "sprintf(\"%.2fx\", $T_RATE / $rate)")
	printf '%-26s %9s %9.3f %13.0f %12s %9.1f  %s\n' "$label" "$segs" "$wall" "$rate" "$ratio" \
		"$(calc "$rss / 1024")" "$note"
done
echo

echo "full-payload capture: $BULK, $BN segments, $(wc -c <"$BULK") bytes (gencap --bulk), best of $RUNS:"
printf '%-26s %9s %9s %13s %12s %9s  %s\n' tool segments "best s" segments/s tcplab/tool \
	"peak MiB" note
printf '%s' "$BULK_ROWS" | while IFS='|' read -r label wall rss note; do
	if [ -z "$wall" ]; then
		printf '%-26s %9s %9s %13s %12s %9s  %s\n' "$label" "$BN" - - - - "$note"
		continue
	fi
	ratio=-
	[ -n "$BT_WALL" ] && ratio=$(calc "sprintf(\"%.2fx\", $wall / $BT_WALL)")
	printf '%-26s %9s %9.3f %13.0f %12s %9.1f  %s\n' "$label" "$BN" "$wall" \
		"$(calc "$BN / $wall")" "$ratio" "$(calc "$rss / 1024")" "$note"
done
echo

echo "library layers, in one process, no exec (bench/layers.c; best of $RUNS):"
for layer in read dissect flow mmap; do
	case $layer in
	read) what="pcap_next_ex, 1 MiB stdio buffer" ;;
	dissect) what="+ dissect_packet" ;;
	flow) what="+ flow_track (flows, states, expert)" ;;
	mmap) what="flow, reading the file from mmap, no libpcap" ;;
	esac
	best=$(sed -n "s/^layers $layer .*seconds=\([0-9.]*\).*/\1/p" "$OUT/layers.out" | sort -n | head -n 1)
	if [ -z "$best" ]; then
		printf '  %-8s not measured %s\n' "$layer" "$(head -n 1 "$OUT/layers.err")"
		continue
	fi
	printf '  %-8s %13.0f segments/s  %8.3f s  %s\n' "$layer" "$(calc "$N / $best")" "$best" "$what"
done
echo

# What the syscall tracer costs a lab program per call (bench/tracecost.c): no target; it
# needs a sandbox and ptrace, and says so when it has neither.
if [ -x "$BIN/tracecost" ]; then
	"$BIN/tracecost" "$TRACE_PAIRS" "$RUNS" 2>&1 || echo "tracer cost: failed"
else
	echo "tracer cost: '$BIN/tracecost' is not built: not measured"
fi
echo

# A class of lab 1 submissions graded with --class -j2 (bench/class.sh; BENCH_CLASS).
sh bench/class.sh "$BUILD"

# Every lab variant against the time its lab states (bench/variants.sh).
echo
sh bench/variants.sh "$BUILD"
# Each TUI key's latency on the same capture (bench/keylat.c): tcplab inspect on a
# pseudo-terminal at 80x24, from the key written to the screen it changed drawn.
KEYLAT=""
if [ ! -x "$BIN/keylat" ] || [ ! -x "$TCPLAB" ]; then
	echo "key latency: '$BIN/keylat' or '$TCPLAB' is not built: not measured"
else
	"$BIN/keylat" "$TCPLAB" "$PCAP" "$KEY_RUNS" >"$OUT/keylat.out" 2>"$OUT/keylat.err"
	if grep -q '^keylat|' "$OUT/keylat.out"; then
		KEYLAT=$OUT/keylat.out
		echo "key latency, tcplab inspect on the $N-segment capture at 80x24, $KEY_RUNS rounds"
		echo "(ms from the key written to its terminal to the screen drawn; 'in tcplab': from the key read):"
		printf '  %-22s %8s %8s %8s %10s\n' key best median worst "in tcplab"
		grep '^keylat|' "$KEYLAT" | while IFS='|' read -r _ name best med worst inside; do
			printf '  %-22s %8s %8s %8s %10s\n' "$name" "$best" "$med" "$worst" "$inside"
		done
	else
		echo "key latency: $(cat "$OUT/keylat.out" "$OUT/keylat.err" | head -n 1)"
	fi
fi
echo

# verdict CONDITION: PASS or MISS.
verdict() {
	if [ "$(calc "$1")" = 1 ]; then echo PASS; else echo MISS; fi
}
target() { printf '  %-44s %-22s %s\n' "$1" "$2" "$3"; }

echo "targets (tcplab inspect --stats on the $N-segment capture):"
if [ -z "$T_RATE" ]; then
	for t in "dissect + flow + expert >= 5 M segments/s" ">= 0.5x the buffered bare loop" \
		">= 0.6x it on the full-payload capture" ">= 100x tshark" "peak memory < 64 MiB"; do
		target "$t" "tcplab not measured" "n/a"
	done
	exit 0
fi
target "dissect + flow + expert >= 5 M segments/s" \
	"$(calc "sprintf(\"%.2f M/s\", $T_RATE / 1e6)")" "$(verdict "$T_RATE >= 5e6")"
if [ -n "${B_RATE:-}" ]; then
	target ">= 0.5x the buffered bare loop" "$(calc "sprintf(\"%.2fx\", $T_RATE / $B_RATE)")" \
		"$(verdict "$T_RATE >= 0.5 * $B_RATE")"
else
	target ">= 0.5x the buffered bare loop" "bare loop failed" "n/a"
fi
if [ -n "$BT_WALL" ] && [ -n "$BB_WALL" ]; then
	target ">= 0.6x it on the full-payload capture" \
		"$(calc "sprintf(\"%.2fx\", $BB_WALL / $BT_WALL)")" \
		"$(verdict "$BB_WALL >= 0.6 * $BT_WALL")"
else
	target ">= 0.6x it on the full-payload capture" "not measured" "n/a"
fi
if [ -n "$S_RATE" ]; then
	target ">= 100x tshark" "$(calc "sprintf(\"%.0fx\", $T_RATE / $S_RATE)")" \
		"$(verdict "$T_RATE >= 100 * $S_RATE")"
else
	target ">= 100x tshark" "tshark not measured" "n/a"
fi
target "peak memory < 64 MiB" "$(calc "sprintf(\"%.1f MiB\", $T_RSS / 1024)")" \
	"$(verdict "$T_RSS < 64 * 1024")"
if [ -n "$TUI_FIRST" ]; then
	target "TUI: first screen of the capture < 1 s" "$TUI_FIRST s" "$(verdict "$TUI_FIRST < 1")"
fi
# The median of the rounds is judged: one round disturbed by another process is noise.
if [ -n "$KEYLAT" ]; then
	grep '^keylat|' "$KEYLAT" | while IFS='|' read -r _ name best med worst inside; do
		target "TUI key $name < 100 ms" "$med ms (worst $worst)" "$(verdict "$med < 100")"
	done
else
	target "TUI keys < 100 ms" "not measured" "n/a"
fi
exit 0
