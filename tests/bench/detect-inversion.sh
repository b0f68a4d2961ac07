#!/usr/bin/env bash
# Detection of a known inversion on the lock-specific basis: a kernel built
# with patches/hold-mmap-lock-across-fault-io.patch (mmap_lock held across
# the read-fault I/O, undoing 6b4c9f446981 in filemap_fault) against the
# same build without it, under the seed's io.latency throttle (ps-latency).
# Runs COMPARES compares with --reps auto and counts those whose gate says
# regressed (exit 1); prints the runs a side each needed and its wall time.
# Target: regressed in at least 4 of 5, decided after 3 or 4 runs a side,
# the control unchanged.
#
#   tests/bench/detect-inversion.sh [-n COMPARES] [-s deb:linux-source-X.Y]
#                                   [-o DIR] [-m MMSTALL] [-- COMPARE OPTIONS...]
#
# Defaults: 5 compares, deb:linux-source-6.1 (kernels built once, cached),
# build/mmstall, results/<stamp>-detect/.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
compares=5 source=deb:linux-source-6.1 mmstall=$here/build/mmstall
out=$here/results/$(date -u +%Y%m%d-%H%M%S)-detect
while getopts n:s:o:m: opt; do
	case $opt in
	n) compares=$OPTARG ;;
	s) source=$OPTARG ;;
	o) out=$OPTARG ;;
	m) mmstall=$OPTARG ;;
	*) sed -n '2,16p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ "${1:-}" = -- ] && shift
mkdir -p "$out" || exit 2
patch=$here/tests/bench/patches/hold-mmap-lock-across-fault-io.patch

"$mmstall" kernel build --source "$source" --label detect-clean >"$out/build-clean.log" 2>&1 ||
	{ echo "building the clean kernel failed: $out/build-clean.log"; exit 2; }
"$mmstall" kernel build --source "$source" --patches "$(dirname "$patch")" --label detect-held \
	>"$out/build-held.log" 2>&1 || { echo "building the patched kernel failed: $out/build-held.log"; exit 2; }

detected=0 early=0 ctl_moved=0
for i in $(seq -w 1 "$compares"); do
	dir=$out/detect-$i
	start=$(date +%s)
	"$mmstall" compare --kernel clean=build:detect-clean --kernel held=build:detect-held --reps auto \
		--scenario ps-latency --throttle io.latency --results "$dir" "$@" >"$dir.log" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	gate=$("$mmstall" gate "$dir" --baseline clean 2>&1)
	grc=$?
	runs=$(ls "$dir"/held.rep*.json 2>/dev/null | wc -l)
	[ $grc -eq 1 ] && detected=$((detected + 1)) && [ "$runs" -le 4 ] && early=$((early + 1))
	grep -q 'moved on its own' <<<"$gate" && ctl_moved=$((ctl_moved + 1))
	printf 'compare %s: gate %d (%s), %d runs a side, %d s (compare exit %d)\n' "$i" "$grc" \
		"$(grep -o 'REGRESSED\|no change\|inconclusive\|improved' <<<"$gate" | tr '\n' ' ')" "$runs" "$secs" "$rc"
	grep '^gate: ' <<<"$gate" | sed 's/^/    /'
done
echo "detection: regressed in $detected of $compares compares ($early decided by 4 runs a side);" \
	"control moved in $ctl_moved; results in $out"
[ $((detected * 5)) -ge $((compares * 4)) ]
