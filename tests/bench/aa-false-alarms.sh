#!/usr/bin/env bash
# A/A false-alarm rate of 'mmstall compare': run COMPARES independent A/A
# compares of one kernel against itself and judge each with 'mmstall gate'
# (the default rule: every probe that waits on lo's mmap_lock, p99 stall
# index).  Nothing changed between the sides, so a gate that fails (exit 1)
# is a false alarm; a kernel said to reproduce the inversion on one side
# and not on the other is counted too.  Target: at most 1 in 20.
#
#   tests/bench/aa-false-alarms.sh [-n COMPARES] [-r REPS] [-k SPEC] [-o DIR]
#                                  [-m MMSTALL] [-- COMPARE OPTIONS...]
#
# Defaults: 20 compares, --reps auto (decide early, at most 10 a side),
# deb:linux-image-6.12, build/mmstall, results/<stamp>-aa/.  Each compare
# goes to DIR/aa-NN (re-running resumes).  Prints one line per compare (the
# gate's verdicts, the runs a side it took, its wall time) and the totals;
# the per-run stall indices of every compare are in DIR/aa-NN/summary.json.
# Exit 0 when the rate is <= 5%.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
compares=20 reps=auto spec=deb:linux-image-6.12 mmstall=$here/build/mmstall
out=$here/results/$(date -u +%Y%m%d-%H%M%S)-aa
while getopts n:r:k:o:m: opt; do
	case $opt in
	n) compares=$OPTARG ;;
	r) reps=$OPTARG ;;
	k) spec=$OPTARG ;;
	o) out=$OPTARG ;;
	m) mmstall=$OPTARG ;;
	*) sed -n '2,17p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ "${1:-}" = -- ] && shift
mkdir -p "$out" || exit 2

alarms=0 untestable=0 decided=0 total_runs=0 total_s=0
for i in $(seq -w 1 "$compares"); do
	dir=$out/aa-$i
	start=$(date +%s)
	"$mmstall" compare --aa --kernel "A=$spec" --reps "$reps" --results "$dir" "$@" >"$dir.log" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	gate=$("$mmstall" gate "$dir" --baseline A 2>&1)
	grc=$?
	runs=$(ls "$dir"/A.rep*.json 2>/dev/null | wc -l)
	inv=$(grep -o '"inversion": *"[^"]*"' "$dir/summary.json" 2>/dev/null | sed 's/.*: *"//; s/"$//' | tr '\n' ' ')
	verdicts=$(grep -o '): [a-zA-Z ]*\(no change\|inconclusive\|REGRESSED\|improved\)' <<<"$gate" |
		sed 's/^): //' | tr '\n' ',' | sed 's/,$//')
	verdict="ok"
	case $grc in
	1) alarms=$((alarms + 1)) verdict="FALSE ALARM" ;;
	125) untestable=$((untestable + 1)) verdict="could not test" ;;
	0) ;;
	*) verdict="gate error $grc" ;;
	esac
	# one kernel, two labels: its own verdict must agree with itself
	read -r inv_a inv_b _ <<<"$inv"
	if [ -n "${inv_b:-}" ] && [ "$inv_a" != "$inv_b" ] && [ "$inv_a" != inconclusive ] &&
		[ "$inv_b" != inconclusive ] && [ "$verdict" = ok ]; then
		alarms=$((alarms + 1)) verdict="FALSE ALARM (inversion: $inv_a vs $inv_b)"
	fi
	grep -q 'decided after' "$dir.log" && decided=$((decided + 1))
	total_runs=$((total_runs + runs)) total_s=$((total_s + secs))
	printf 'compare %s: %-14s gate %s [%s], inversion %s, %d runs a side, %d s (compare exit %d)\n' \
		"$i" "$verdict" "$grc" "$verdicts" "$inv" "$runs" "$secs" "$rc"
done
tested=$((compares - untestable))
echo "A/A: $alarms false alarm(s) in $tested tested compares ($untestable could not test);" \
	"$decided decided before the last look; $((total_runs / compares)) runs a side and" \
	"$((total_s / compares)) s per compare on average; results in $out"
[ "$tested" -gt 0 ] && [ $((alarms * 20)) -le "$tested" ]
