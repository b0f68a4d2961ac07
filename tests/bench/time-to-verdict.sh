#!/usr/bin/env bash
# Time to a verdict (issue 13), measured here.  Four steps, each a compare
# whose runs and summary.json say where the time went:
#
#   ab      the default A/B compare with a 10 s window: 2 kernels x 5 runs,
#           --duration 10s --warmup 2s; its wall time (target: under 150 s)
#           and the per-run overhead beyond warm-up and window, device
#           baseline included (once per variant: target at most 3 s)
#   shape   the --jobs model's check: 2 kernels x 2 runs of 1-CPU guests,
#           --jobs 1 against --jobs 2 (wall time of each, their ratio)
#   pin     what pinning alone does: 1 kernel x PIN_REPS runs of a 1-CPU
#           guest, unpinned and --pin; the control probe's p99 per run
#   before  (only with -b OLD_MMSTALL) one 10 s ps-latency run of kernel B
#           with the old binary and this one, device baseline on: overhead_s
#
#   tests/bench/time-to-verdict.sh [-s STEPS] [-o DIR] [-m MMSTALL] [-b OLD_MMSTALL]
#
# STEPS: comma-separated (default ab,shape,pin).  Kernels: KERNEL_A
# (6.1=deb:linux-image-6.1), KERNEL_B (6.12=deb:linux-image-6.12); ACCEL
# (tcg), PIN_REPS (3).  Boots guests: run it under the machine's guest lock
# (flock /tmp/mmstall-guest.lock tests/bench/time-to-verdict.sh).  The load
# average of the host is printed with every step: a shared machine's other
# work shows in every figure.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
mmstall=$here/build/mmstall old= steps=ab,shape,pin
out=$here/results/$(date -u +%Y%m%d-%H%M%S)-ttv
while getopts s:o:m:b: opt; do
	case $opt in
	s) steps=$OPTARG ;;
	o) out=$OPTARG ;;
	m) mmstall=$OPTARG ;;
	b) old=$OPTARG ;;
	*) sed -n '2,25p' "$0"; exit 2 ;;
	esac
done
ka=${KERNEL_A:-6.1=deb:linux-image-6.1} kb=${KERNEL_B:-6.12=deb:linux-image-6.12}
accel=${ACCEL:-tcg} pin_reps=${PIN_REPS:-3}
mkdir -p "$out" || exit 2
command -v python3 >/dev/null || { echo "python3 is needed to read the results"; exit 2; }
has() { [[ ",$steps," == *",$1,"* ]]; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

# compare NAME ARGS...: run it into $out/NAME, print its wall time in seconds
compare() {
	local name=$1 start rc
	shift
	start=$(date +%s.%N)
	"$mmstall" compare --accel "$accel" --results "$out/$name" "$@" >"$out/$name.log" 2>&1
	rc=$?
	python3 -c "print(round($(date +%s.%N) - $start, 1))" >"$out/$name.wall"
	[ $rc -le 1 ] || echo "  $name: compare exit $rc (see $out/$name.log)" >&2
}

# what the runs of a directory spent: wall, per-run overhead (mean, min, max), phases
spent() {
	python3 - "$out/$1" "$(cat "$out/$1.wall")" <<'EOF'
import glob, json, sys, statistics as st
d, wall = sys.argv[1], float(sys.argv[2])
runs = [json.load(open(f)) for f in sorted(glob.glob(d + '/*.rep*.json'))]
over = [r['vm']['timings']['overhead_s'] for r in runs if r.get('vm', {}).get('timings', {}).get('overhead_s') is not None]
boot = [r['vm']['timings']['boot_s'] for r in runs if r['vm']['timings'].get('boot_s') is not None]
base = [r.get('timings', {}).get('device_baseline_s') or 0 for r in runs]
t = json.load(open(d + '/summary.json')).get('time_spent') or {}
print(f"  wall {wall:.1f} s for {len(runs)} runs ({sum(r['status'] == 'ok' for r in runs)} ok); "
      f"overhead per run mean {st.mean(over):.2f} s (min {min(over):.2f}, max {max(over):.2f}), "
      f"boot mean {st.mean(boot):.2f} s, device baselines {sum(b > 0 for b in base)} ({sum(base):.1f} s)")
ph = t.get('phases', {})
print("  phases summed: " + ", ".join(f"{k[:-2]} {v:.1f}" for k, v in ph.items() if abs(v) >= 0.05)
      + f"; measuring {100 * t.get('measurement_share', 0):.0f}%")
EOF
}

# the control probe's p99 of each run of a directory, and their median
control_p99() {
	python3 - "$out/$1" <<'EOF'
import glob, json, sys, statistics as st
v = []
for f in sorted(glob.glob(sys.argv[1] + '/*.rep*.json')):
    r = json.load(open(f))
    for name, p in (r.get('probes') or {}).items():
        if p.get('control'):
            v.append(p['corrected']['p99_ns'] / 1e6)
print("  control p99 per run (ms): " + " ".join(f"{x:.2f}" for x in v)
      + (f"; median {st.median(v):.2f} ms" if v else ""))
EOF
}

if [ -n "$old" ]; then
	echo "== before/after: one 10 s ps-latency run of $kb, device baseline on (load $(load))"
	for bin in "$old" "$mmstall"; do
		tag=$([ "$bin" = "$old" ] && echo before || echo after)
		"$bin" vm --kernel "$kb" --scenario ps-latency --duration 10s --warmup 2s --accel "$accel" \
			--results "$out/$tag" >"$out/$tag.log" 2>&1
		python3 - "$out/$tag" "$tag" <<'EOF'
import glob, json, sys
r = json.load(open(glob.glob(sys.argv[1] + '/*.json')[0]))
vt, gt = r['vm']['timings'], r.get('timings', {})
print(f"  {sys.argv[2]}: overhead_s {vt['overhead_s']:.2f} (boot {vt['boot_s']:.2f}, device baseline "
      f"{gt.get('device_baseline_s', 0):.2f}, guest command beyond warm-up+window "
      f"{vt['guest_run_s'] - gt.get('warmup_s', 0) - gt.get('window_s', 0):.2f})")
EOF
	done
fi

if has ab; then
	echo "== A/B: $ka vs $kb, 5 runs each, --duration 10s --warmup 2s (load $(load))"
	compare ab --kernel "$ka" --kernel "$kb" --reps 5 --duration 10s --warmup 2s
	spent ab
	python3 -c "import sys; w=float(open('$out/ab.wall').read()); print(f'  target: under 150 s: {\"met\" if w < 150 else \"not met\"} ({w:.0f} s)')"
fi

if has shape; then
	echo "== --jobs shape: $ka vs $kb, 2 runs each, 1-CPU guests, --duration 10s --warmup 2s (load $(load))"
	compare jobs1 --kernel "$ka" --kernel "$kb" --reps 2 --cpus 1 --duration 10s --warmup 2s --jobs 1
	spent jobs1
	compare jobs2 --kernel "$ka" --kernel "$kb" --reps 2 --cpus 1 --duration 10s --warmup 2s --jobs 2
	spent jobs2
	python3 -c "a=float(open('$out/jobs1.wall').read()); b=float(open('$out/jobs2.wall').read()); print(f'  --jobs 2 / --jobs 1 wall: {b / a:.2f} ({b:.0f} s / {a:.0f} s)')"
fi

if has pin; then
	echo "== pinning alone: $kb, $pin_reps runs of a 1-CPU guest, unpinned then --pin (load $(load))"
	compare unpinned --kernel "$kb" --reps "$pin_reps" --cpus 1 --duration 10s --warmup 2s
	control_p99 unpinned
	compare pinned --kernel "$kb" --reps "$pin_reps" --cpus 1 --duration 10s --warmup 2s --pin
	control_p99 pinned
fi
echo "results in $out (load $(load))"
