#!/bin/sh
# summary: run each libFuzzer target for a set time on its seed corpus; report executions and crashes.
#
# usage: fuzz/run.sh FUZZDIR SECONDS [TARGET...]      (make fuzz / make fuzz-ci call it)
#   FUZZDIR holds the built targets (fuzz_dissect, ...) and mkseeds. Seeds are rebuilt from
#   the project's captures, specs, lessons and tests/malformed/ into FUZZDIR/seeds/TARGET;
#   what the fuzzer finds is kept in FUZZDIR/corpus/TARGET across runs; crashes, hangs
#   (over 5 s on one input) and memory blow-ups (over 1 GiB) go to FUZZDIR/crashes/TARGET/.
# Exit 1 when any target found something: each finding is printed with the command that
# replays it. Turn each into a case in tests/malformed/ (see its MANIFEST): a fuzz_dissect
# finding becomes a pcap with fuzz/to-pcap.py; fuzz_pcapin, fuzz_expect, fuzz_lesson and
# fuzz_record findings are files already (name them .pcap, .expect, .lesson, .pcapng); a
# fuzz_dfilter finding is a filter's text: add it to tests/test_dfilter.c's malformed inputs.
set -u
dir=$1 secs=$2; shift 2
[ $# -gt 0 ] || set -- fuzz_dissect fuzz_pcapin fuzz_pktindex fuzz_flow fuzz_expect fuzz_lesson \
	fuzz_record fuzz_dfilter

seeds=$dir/seeds
rm -rf "$seeds"
mkdir -p "$seeds/fuzz_pcapin" "$seeds/fuzz_pktindex" "$seeds/fuzz_expect" "$seeds/fuzz_lesson" \
	"$seeds/fuzz_record" "$seeds/fuzz_dfilter"
for f in tests/captures/*.pcap* tests/malformed/*.pcap* tests/data/record/*.pcapng; do
	[ -f "$f" ] && cp "$f" "$seeds/fuzz_pcapin/" && cp "$f" "$seeds/fuzz_pktindex/"
done
# Run records (tcplab run N --record), and captures that are not records.
for f in tests/data/record/*.pcapng tests/captures/client_close_first.pcap; do
	[ -f "$f" ] && cp "$f" "$seeds/fuzz_record/"
done
"$dir/mkseeds" "$seeds" tests/captures/*.pcap* 2>/dev/null || exit 1
n=0
for f in labs/*/*.expect tests/data/expect/*.expect tests/malformed/*.expect; do
	[ -f "$f" ] && { n=$((n + 1)); cp "$f" "$seeds/fuzz_expect/$n-$(basename "$f")"; }
done
# One display filter a seed, without its newline.
while IFS= read -r line; do
	n=$((n + 1)); printf '%s' "$line" > "$seeds/fuzz_dfilter/$n"
done < fuzz/dfilter.seeds
for f in labs/*/lesson.txt tests/malformed/*.lesson; do
	[ -f "$f" ] && { n=$((n + 1)); cp "$f" "$seeds/fuzz_lesson/$n-$(basename "$f")"; }
done

status=0 total=0 ok=0 bad=0
for t in "$@"; do
	corpus=$dir/corpus/$t crashes=$dir/crashes/$t log=$dir/$t.log
	mkdir -p "$corpus" "$crashes"
	before=$(ls "$crashes" | wc -l)
	"$dir/$t" -max_total_time="$secs" -timeout=5 -rss_limit_mb=1024 -print_final_stats=1 \
		-artifact_prefix="$crashes/" "$corpus" "$seeds/$t" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	secs_run=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	after=$(ls "$crashes" | wc -l)
	echo "fuzz: $t: ${runs:-0} inputs run (${secs_run:-0}/s) in ${secs} s, corpus $(ls "$corpus" | wc -l) files, $((after - before)) new findings"
	total=$((total + ${runs:-0}))
	if [ "$rc" -ne 0 ] || [ "$after" -gt "$before" ]; then
		status=1
		bad=$((bad + 1))
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -n 5
		for c in $(ls -t "$crashes" | head -n 3); do
			echo "  replay: $dir/$t $crashes/$c   (full log: $log)"
		done
	else
		ok=$((ok + 1))
	fi
done
echo "fuzz: $total inputs run in all; $([ $status -eq 0 ] && echo 'no crash, hang or memory blow-up' || echo 'FINDINGS above')"
# 'make test' adds every part of the suite into one closing line: a target is one test.
[ -n "${TCPLAB_TOTALS:-}" ] && echo "$ok $bad 0" >> "$TCPLAB_TOTALS"
exit $status
