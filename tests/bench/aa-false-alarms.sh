#!/usr/bin/env bash
# A/A false-alarm rate of 'mmstall compare' (issue 4): run COMPARES
# independent A/A compares of one kernel against itself, REPS runs per side,
# and count the compares in which any probe/statistic cell got a verdict
# other than "no change".  Nothing changed between the sides, so every such
# verdict is a false alarm.  Target: at most 1 in 20.
#
#   tests/bench/aa-false-alarms.sh [-n COMPARES] [-r REPS] [-k SPEC] [-o DIR]
#                                  [-m MMSTALL] [-- SCENARIO OPTIONS...]
#
# Defaults: 20 compares, 5 reps, deb:linux-image-6.12, build/mmstall,
# results/<stamp>-aa/.  Each compare goes to DIR/aa-NN (re-running resumes).
# Prints one line per compare and the rate; exit 0 when the rate is <= 5%.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
compares=20 reps=5 spec=deb:linux-image-6.12 mmstall=$here/build/mmstall
out=$here/results/$(date -u +%Y%m%d-%H%M%S)-aa
while getopts n:r:k:o:m: opt; do
	case $opt in
	n) compares=$OPTARG ;;
	r) reps=$OPTARG ;;
	k) spec=$OPTARG ;;
	o) out=$OPTARG ;;
	m) mmstall=$OPTARG ;;
	*) sed -n '2,15p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ "${1:-}" = -- ] && shift
mkdir -p "$out" || exit 2

alarms=0 untestable=0 cells_total=0 cells_alarm=0
for i in $(seq -w 1 "$compares"); do
	dir=$out/aa-$i
	start=$(date +%s)
	"$mmstall" compare --aa --kernel "A=$spec" --reps "$reps" --results "$dir" "$@" \
		>"$dir.log" 2>&1
	rc=$?
	verdicts=$("$mmstall" report "$dir" --format json 2>>"$dir.log" |
		grep -o '"verdict": *"[^"]*"' | sed 's/.*: *"//; s/"$//')
	# the baseline's own cells are "could not test" (nothing to compare with)
	n_reg=$(grep -c '^regressed$' <<<"$verdicts")
	n_imp=$(grep -c '^improved$' <<<"$verdicts")
	n_nc=$(grep -c '^no change$' <<<"$verdicts")
	n_cnt=$(grep -c '^could not test$' <<<"$verdicts")
	cells_total=$((cells_total + n_reg + n_imp + n_nc))
	cells_alarm=$((cells_alarm + n_reg + n_imp))
	verdict="no change"
	if [ $((n_reg + n_imp)) -gt 0 ]; then
		alarms=$((alarms + 1)) verdict="FALSE ALARM"
	elif [ "$n_nc" -eq 0 ]; then
		untestable=$((untestable + 1)) verdict="could not test"
	fi
	printf 'compare %s: %-14s cells: %d no change, %d regressed, %d improved, %d could not test (exit %d, %d s)\n' \
		"$i" "$verdict" "$n_nc" "$n_reg" "$n_imp" "$n_cnt" "$rc" $(($(date +%s) - start))
done
tested=$((compares - untestable))
echo "A/A: $alarms false alarm(s) in $tested tested compares ($untestable could not test);" \
	"$cells_alarm of $cells_total compared cells flagged; results in $out"
[ "$tested" -gt 0 ] && [ $((alarms * 20)) -le "$tested" ]
