#!/usr/bin/env bash
# How long must a window be?  For each window length, boot one kernel 2xREPS
# times ('mmstall compare --aa') and print the spread of the per-boot p99
# stall index of every lock probe: median, range, and the standard deviation
# of its logarithm (sigma).  The sequential rule's A/A false alarms and its
# detection depend on sigma: this is the data the default window is chosen
# from (README, "How long a window must be").  Needs python3 for the table.
#
#   tests/bench/window-spread.sh [-w "5 10 20 30"] [-r REPS] [-k SPEC] [-o DIR]
#                                [-m MMSTALL] [-- COMPARE OPTIONS...]
#
# Defaults: windows 5 10 20 30 s, 3 reps a side (6 boots), deb:linux-image-6.12,
# build/mmstall, results/<stamp>-windows/.  Re-running into DIR resumes.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
windows="5 10 20 30" reps=3 spec=deb:linux-image-6.12 mmstall=$here/build/mmstall
out=$here/results/$(date -u +%Y%m%d-%H%M%S)-windows
while getopts w:r:k:o:m: opt; do
	case $opt in
	w) windows=$OPTARG ;;
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
for w in $windows; do
	[ -f "$out/window-$w/summary.json" ] ||
		"$mmstall" compare --kernel "A=$spec" --aa --reps "$reps" --duration "${w}s" --warmup 2s \
			--device-baseline off --results "$out/window-$w" "$@" >"$out/window-$w.log" 2>&1
done
python3 - "$out" $windows <<'PY'
import json, math, statistics, sys
out, windows = sys.argv[1], sys.argv[2:]
print("window  probe     boots  median  range          sigma(log)  wall per run")
for w in windows:
    try:
        s = json.load(open(f"{out}/window-{w}/summary.json"))
    except OSError:
        print(f"{w:>4} s  (no summary: see {out}/window-{w}.log)")
        continue
    lock = [p for v in s["variants"] for p in v.get("inversion_by_probe", {})]
    walls = []
    for v in s["variants"]:
        for f in v["run_files"]:
            try:
                r = json.load(open(f["file"]))
                walls.append(r["vm"]["timings"]["wall_s"])
            except (OSError, KeyError, TypeError):
                pass
    for p in dict.fromkeys(lock):
        vals = [x for c in s["cells"] if c["basis"] == "index" and c["probe"] == p and c["stat"] == "p99"
                for x in c["values"]]
        if len(vals) < 2:
            continue
        logs = [math.log(x) for x in vals]
        print(f"{w:>4} s  {p:<9} {len(vals):>5}  {statistics.median(vals):5.2f}x  "
              f"{min(vals):.2f}x-{max(vals):.2f}x   {statistics.stdev(logs):.3f}       "
              f"{statistics.mean(walls) if walls else float('nan'):.1f} s")
PY
