#!/usr/bin/env bash
# Who holds lo's mmap_lock across a sleep?  A thin wrapper around the
# product's stall attribution ('attribute on', harness/attrib.h): boots one
# kernel with 'mmstall vm', runs the scenario with attribution on, and prints
# the result's "attribution" object as text: the share of hi's wait time
# explained, the holder stacks ranked by the stall time they caused, the
# writers that queued, the longest chains, and the trace's health.
#
#   tests/bench/trace-mmap-lock.sh [-m MMSTALL] [-o DIR] [-t MS] [-w WARMUP]
#                                  KERNEL [SCENARIO [DURATION]]
#                                  [-- MORE SCENARIO SETTINGS...]
#   tests/bench/trace-mmap-lock.sh -a RESULT.json     (print a stored result)
#
#   KERNEL    an 'mmstall vm --kernel' value, LABEL=SPEC or SPEC
#             (e.g. 6.12=deb:linux-image-6.12, deb:linux-image-6.1)
#   SCENARIO  a built-in scenario or scenario file [dirty-throttle]
#   DURATION  measured time [10s]; warm-up -w [2s]
#   -m        the host mmstall [build/mmstall]
#   -o        results dir [results/<stamp>-trace-<label>]
#   -t        threshold in ms (attribute-min) [5]
#
# Until the product did it, this script enabled the tracepoints itself and
# paired the events in python.  Run on the same traces (dirty-throttle, 10 s,
# 5 ms), the two agree: Debian 6.12, 2 hi waits, 72.73 s, all behind faulters
# asleep in balance_dirty_pages, the same 4 holds over 5 ms; Debian 6.1, 239
# waits, 38.14 s, 95% behind such holds by both counts, the same 215 holds of
# lo's over 5 ms.  What it no longer prints: memcg reclaim and
# balance_dirty_pages event counts (a holder's sleep stack names those paths
# instead).  Needs python3.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
mmstall=$here/build/mmstall out='' thr=5 warmup=2s result=''
usage() { awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"; exit 2; }
while getopts m:o:t:w:a:h opt; do
	case $opt in
	m) mmstall=$OPTARG ;;
	o) out=$OPTARG ;;
	t) thr=$OPTARG ;;
	w) warmup=$OPTARG ;;
	a) result=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))

show() {
	python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
a = r.get('attribution')
if not a:
	sys.exit(f'{sys.argv[1]}: no attribution in this result (run with --attribute on)')
if a['status'] != 'ok':
	sys.exit(f'{sys.argv[1]}: attribution failed: {a["error"]}')
def ms(ns): return f'{ns / 1e6:.1f}'
def pct(x): return '-' if x is None else f'{x * 100:.1f}%'
t = a['trace']
print(f'kernel {r["kernel"]["release"]}; threshold {ms(a["min_ns"])} ms; {a["method"]}')
print(f'trace: {t["events"]} events ({t["lock_events"]} lock, {t["sched_switch"]} sched_switch), '
      f'{t["stacks"]} stacks, {t["bytes"]} bytes; overrun {t["buffer"]["overrun"]}, dropped {t["buffer"]["dropped"]}, '
      f'complete from {t["complete_from_s"] if t["complete_from_s"] is not None else "the start"}; '
      f'anomalies {t["anomalies"]}')
print('\nhi waits on lo\'s mm over the threshold, and the share explained by a named holder path:')
for name, s in [('all', a['total'])] + sorted(a['probes'].items()):
	u = s['unexplained']
	print(f'  {name:<13} {s["waits_over_min"]:>5} of {s["waits"]:>6} waits, {ms(s["wait_ns"]):>10} ms, '
	      f'longest {ms(s["max_wait_ns"]):>9} ms, explained {pct(s["explained_share"]):>6} '
	      f'(handoff {ms(u.get("handoff_ns", 0))}, lock free {ms(u["lock_free_ns"])}, '
	      f'unseen holder {ms(u["unseen_holder_ns"])}, no path {ms(u["no_path_ns"])} ms)')
print('\nholders, by the hi wait time they caused:')
for h in a['holders'][:10]:
	print(f'  {ms(h["stall_ns"]):>10} ms {h["waits"]:>4} waits {h["holds"]:>4} holds  {h["thread"]} {h["mode"]} '
	      f'{h["call"] or "?"}, {h["state"]}: {" <- ".join(h["frames"]) or "?"}')
print('\nwriters queued meanwhile:')
for w in a['writers'][:5]:
	print(f'  {ms(w["stall_ns"]):>10} ms {w["waits"]:>4} waits, {w["requests"]} requests, longest queued '
	      f'{ms(w["max_queued_ns"])} ms, never acquired {w["never_acquired"]}: {w["call"]}')
print('\nthe longest chains:')
for c in a['chains'][:8]:
	h, w = c['holder'], c['writer']
	print(f'  t={c["t_s"]:.3f} s {c["probe"]} waited {ms(c["wait_ns"])} ms{" (still waiting)" if c["open"] else ""}'
	      f'{" [lost events]" if c["in_lost_part"] else ""}'
	      + (f', behind {w["call"]} (tid {w["tid"]}, queued {ms(w["queued_ns"])} ms)' if w else ''))
	if h:
		print(f'    holder {h["thread"]} tid {h["tid"]} {h["mode"]} via {h["call"] or "?"}, held {ms(h["held_ns"])} ms'
		      f'{" (acquired before the trace)" if h["acquire_lost"] else ""}{" (still held)" if h["open"] else ""}, '
		      f'{h["state"]} {ms(h["off_cpu_ns"])} ms off CPU: {" <- ".join(h["frames"])}')
for l in a['limits']:
	print(f'limit: {l}')
PY
}

if [ -n "$result" ]; then
	show "$result"
	exit $?
fi
pos=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do pos+=("$1"); shift; done
[ "${1:-}" = -- ] && shift
if [ ${#pos[@]} -lt 1 ] || [ ${#pos[@]} -gt 3 ]; then usage; fi
kernel=${pos[0]} scenario=${pos[1]:-dirty-throttle} duration=${pos[2]:-10s}
case $kernel in
*=*) label=${kernel%%=*} ;;
*) label=$(echo "$kernel" | sed 's/^deb:linux-image-//; s/[^A-Za-z0-9._-]/_/g'); kernel=$label=$kernel ;;
esac
[ -n "$out" ] || out=$here/results/$(date -u +%Y%m%d-%H%M%S)-trace-$label
echo "==> mmstall vm --kernel $kernel --scenario $scenario --duration $duration --warmup $warmup --attribute on into $out"
"$mmstall" vm --kernel "$kernel" --results "$out" --scenario "$scenario" --duration "$duration" --warmup "$warmup" \
	--attribute on --attribute-min "${thr}ms" "$@"
rc=$?
[ -s "$out/$label.json" ] || { echo "no result (mmstall vm exit $rc); see $out" >&2; exit 1; }
show "$out/$label.json" | tee "$out/summary.txt"
src=${PIPESTATUS[0]}
[ "$rc" -ne 0 ] && exit "$rc"
exit "$src"
