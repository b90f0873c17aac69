#!/bin/sh
# summary: time 'tcplab grade 1 --class' over N lab 1 submissions with -j2 (issue target: 100 in under 4 minutes).
#
# usage: sh bench/class.sh [BUILD]    (bench/run.sh runs it; it builds nothing)
#
# Environment (optional): BENCH_CLASS submissions (default 100), BENCH_CLASS_JOBS (default 2).
# The class is copies of lab 1's reference solution and of the corpus's answers
# (tests/exercises/01-handshake/*, right and wrong), in turn, plus one that does not build:
# the mix a real class has. Each run starts from an empty out folder (a rerun would skip
# every unchanged submission). It measures, it does not test: exit 0 when the target is
# missed (MISS), non-zero only when it cannot measure.
set -u

BUILD=${1:-build}
N=${BENCH_CLASS:-100}
J=${BENCH_CLASS_JOBS:-2}
OUT=bench/out
TCPLAB=$BUILD/tcplab

[ -x "$TCPLAB" ] || { echo "bench: missing '$TCPLAB' (run make)" >&2; exit 1; }
rm -rf "$OUT/class" "$OUT/class-grades"
mkdir -p "$OUT/class" || { echo "bench: cannot create '$OUT/class'" >&2; exit 1; }
set -- solutions/01-handshake tests/exercises/01-handshake/*/
i=0
while [ "$i" -lt "$N" ]; do
	for src in "$@"; do
		[ "$i" -lt "$N" ] || break
		d=$(printf '%s/class/student%03d' "$OUT" "$i")
		mkdir -p "$d"
		if [ "$i" -eq 1 ]; then
			printf 'int main(void)\n{\n\treturn missing;\n}\n' >"$d/echo_client.c"
		else
			find "$src" -maxdepth 1 -type f \( -name '*.c' -o -name '*.cpp' -o -name '*.h' \) \
				-exec cp {} "$d/" \;
		fi
		i=$((i + 1))
	done
done
echo "class grading: $N lab 1 submissions, -j$J, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
start=$(date +%s.%N)
"$TCPLAB" grade 1 --class "$OUT/class" --out "$OUT/class-grades" -j "$J" \
	>"$OUT/class.out" 2>"$OUT/class.err"
status=$?
end=$(date +%s.%N)
wall=$(awk "BEGIN { printf \"%.1f\", $end - $start }")
tail -n 4 "$OUT/class.out" | sed 's/^/  /'
[ "$status" -le 1 ] || { echo "  tcplab exited $status: $(head -n 3 "$OUT/class.err")"; exit 0; }
target=$(awk "BEGIN { printf \"%.0f\", 240 * $N / 100 }")
ok=$(awk "BEGIN { print ($wall < $target) ? \"PASS\" : \"MISS\" }")
printf '  %-44s %-22s %s\n' "grade $N submissions -j$J in < $target s" "$wall s" "$ok"
exit 0
