#!/usr/bin/env bash
# Who holds lo's mmap_lock across a sleep?  Boots one kernel under QEMU with
# 'mmstall vm --guest-cmd', enables the mmap_lock tracepoints (filtered to
# lo's memcg, with a kernel stack on every acquisition), sched_switch of lo's
# threads (with the stack each one sleeps in), the memcg reclaim /
# reclaim_throttle events and writeback:balance_dirty_pages, runs 'mmstall
# run' with the scenario, brings the trace back (mmstall vm keeps only the
# guest's result.json, so the trace comes back gzip+base64 on the console
# log), then pairs acquire/release per task and prints the holds of lo's
# mmap_lock longer than a threshold: holder, read/write, the kernel path that
# took the lock, what the holder slept in while holding it (and what it slept
# in just before, without the lock), and which holds kept hi waiting.
#
#   tests/bench/trace-mmap-lock.sh [-m MMSTALL] [-o DIR] [-t MS] [-w WARMUP]
#                                  [-b KB] KERNEL [SCENARIO [DURATION]]
#                                  [-- MORE SCENARIO SETTINGS...]
#
#   KERNEL    an 'mmstall vm --kernel' value, LABEL=SPEC or SPEC
#             (e.g. 6.12=deb:linux-image-6.12, deb:linux-image-6.1)
#   SCENARIO  a built-in scenario or scenario file [reclaim]
#   DURATION  measured time [6s]; warm-up -w [1s]
#   -m        the host mmstall [build/mmstall]; its build dir must hold
#             mmstall-static (the guest's binary)
#   -o        results dir [results/<stamp>-trace-<label>]; it gets the vm
#             result, trace.txt.gz, trace-stats.txt, events.txt and summary.txt
#   -t        long-hold threshold in ms [50]
#   -b        trace buffer per guest CPU in KiB [32768]
#   -a FILE   only analyse an existing trace (trace.txt or trace.txt.gz)
#
# Needs what 'mmstall vm' needs; the analysis is a python3 script (this is a
# developer tool, not part of mmstall).  Exit status: that of mmstall vm, or
# of the analysis.  Note: the tracepoints see mmap_lock only (never per-VMA
# locks), and the filter keeps events whose mm belongs to a memcg path ending
# in /lo, i.e. lo's mm, whoever takes it (hi's /proc readers too).
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
mmstall=$here/build/mmstall out='' thr=50 warmup=1s bufkb=32768 analyse=''
usage() { awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"; exit 2; }
while getopts m:o:t:w:b:a:h opt; do
	case $opt in
	m) mmstall=$OPTARG ;;
	o) out=$OPTARG ;;
	t) thr=$OPTARG ;;
	w) warmup=$OPTARG ;;
	b) bufkb=$OPTARG ;;
	a) analyse=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))

analysis() {
	python3 - "$1" "$thr" <<'PY'
import gzip, re, sys, collections, statistics

path, thr_ms = sys.argv[1], float(sys.argv[2])
op = gzip.open if path.endswith('.gz') else open
line_re = re.compile(r'^\s*(.+?)-(\d+)\s+(?:\(\s*([-\d]+)\)\s+)?\[(\d+)\]\s+\S+\s+([\d.]+):\s+(<stack trace>|\w+):?\s?(.*)$')
kv_re = re.compile(r'(\w+)=(\S*)')

events = []		# [ts, tid, comm, tgid, name, fields, stack]
last_of = {}		# tid -> its last event: a <stack trace> entry belongs to it
with op(path, 'rt', errors='replace') as f:
	cur = None
	for ln in f:
		if ln.startswith(' => '):
			if cur is not None:
				cur[6].append(ln[4:].strip())
			continue
		m = line_re.match(ln)
		if not m:
			cur = None
			continue
		comm, tid, tgid, cpu, ts, name, rest = m.groups()
		if name == '<stack trace>':
			cur = last_of.get(int(tid))
			continue
		ev = [float(ts), int(tid), comm, tgid, name, dict(kv_re.findall(rest)), []]
		events.append(ev)
		last_of[ev[1]] = ev
		cur = None

SKIP = re.compile(r'^(__schedule|schedule|schedule_\w+|io_schedule\w*|__traceiter_\w+|trace_\w+|'
		  r'__mmap_lock_do_trace_\w+|__mmap_lock_trace_\w+|mmap_(read|write)_lock\w*|down_(read|write)\w*|'
		  r'rwsem_down_\w+|__down_\w+|preempt_schedule\w*|__cond_resched|entry_SYSCALL_64\w*|do_syscall_64|'
		  r'x64_sys_call|asm_\w+|__x64_sys_\w+|\w*_after_hwframe|irqentry_\w+|__sched_text_start)\b')

def fn(fr):
	return re.sub(r'[+.].*$', '', fr.split()[0]) if fr else '?'

def frames(stack):
	return [fn(s) for s in stack]

def path_of(stack):
	fs = set(frames(stack))
	for key, name in (('do_mprotect_pkey', 'mprotect'), ('lock_mm_and_find_vma', 'page fault (mmap_lock path)'),
			  ('do_user_addr_fault', 'page fault (mmap_lock path)'), ('show_map', '/proc/pid/maps'),
			  ('m_start', '/proc/pid/maps'), ('proc_pid_cmdline_read', '/proc/pid/cmdline'),
			  ('get_mm_cmdline', '/proc/pid/cmdline'), ('access_remote_vm', 'access_remote_vm'),
			  ('do_madvise', 'madvise'), ('__vm_munmap', 'munmap'), ('do_mmap', 'mmap'),
			  ('vm_mmap_pgoff', 'mmap'), ('do_exit', 'exit'), ('exit_mmap', 'exit'),
			  ('proc_pid_status', '/proc/pid/status'), ('get_user_pages_remote', 'gup remote')):
		if key in fs:
			return name
	useful = [f for f in frames(stack) if not SKIP.match(f)]
	return useful[0] if useful else '?'

def sleep_site(stack):
	useful = [f for f in frames(stack) if not SKIP.match(f)]
	return ' < '.join(useful[:3]) if useful else '?'

def excerpt(stack, n=12):
	fs = [f for f in frames(stack) if not f.startswith(('__traceiter', 'trace_', '__mmap_lock_do_trace', '__mmap_lock_trace'))]
	return ' < '.join(fs[:n])

# lo's threads: comm mmstall-lo; hi's: mmstall-hi
comm_of = {}
for ev in events:
	comm_of.setdefault(ev[1], ev[2])
	if ev[4] == 'sched_switch':
		comm_of.setdefault(int(ev[5].get('prev_pid', -1)), ev[5].get('prev_comm', '?'))

holds, waits, open_h, open_w = [], [], {}, {}
sleeps = collections.defaultdict(list)	# tid -> [(t_out, t_in, state, stack)]
out_at = {}
reclaim = collections.defaultdict(list)	# tid -> [(t0, t1)]
rec_open = {}
throttled = collections.defaultdict(list)	# tid -> [(ts, usec_delayed, reason)]
bdp = collections.defaultdict(list)	# tid -> [(ts, fields)] of writeback:balance_dirty_pages (dirty throttling)
mms = collections.Counter()
first_ts = events[0][0] if events else 0
last_ts = events[-1][0] if events else 0
for ts, tid, comm, tgid, name, fl, st in events:
	if name == 'mmap_lock_start_locking':
		open_w[tid] = (ts, fl.get('write') == 'true')
	elif name == 'mmap_lock_acquire_returned':
		mms[fl.get('mm')] += 1
		w = open_w.pop(tid, None)
		wr = fl.get('write') == 'true'
		if w:
			waits.append(dict(tid=tid, comm=comm, t0=w[0], t1=ts, write=wr, stack=st, path=path_of(st)))
		if fl.get('success') == 'true':
			open_h[tid] = dict(tid=tid, comm=comm, tgid=tgid, t0=ts, write=wr, stack=st, path=path_of(st), mm=fl.get('mm'),
					   asked=w[0] if w else ts)
	elif name == 'mmap_lock_released':
		h = open_h.pop(tid, None)
		if h:
			h['t1'] = ts
			holds.append(h)
	elif name == 'sched_switch':
		p, n = int(fl.get('prev_pid', -1)), int(fl.get('next_pid', -1))
		out_at[p] = (ts, fl.get('prev_state', '?'), st)
		if n in out_at:
			t_out, state, sst = out_at.pop(n)
			sleeps[n].append((t_out, ts, state, sst))
	elif name == 'mm_vmscan_memcg_reclaim_begin':
		rec_open[tid] = ts
	elif name == 'mm_vmscan_memcg_reclaim_end':
		if tid in rec_open:
			reclaim[tid].append((rec_open.pop(tid), ts))
	elif name == 'balance_dirty_pages':
		bdp[tid].append((ts, fl))
	elif name == 'mm_vmscan_throttled':
		throttled[tid].append((ts, int(fl.get('usect_delayed', fl.get('usec_delayed', '0')) or 0), fl.get('reason', '?')))
for tid, h in open_h.items():	# still held at the end of the trace
	h['t1'] = last_ts
	h['open'] = True
	holds.append(h)

def overlap(a0, a1, b0, b1):
	return max(0.0, min(a1, b1) - max(a0, b0))

def during(h):
	tid, t0, t1 = h['tid'], h['t0'], h['t1']
	sl = collections.defaultdict(float)
	for s0, s1, state, sst in sleeps.get(tid, []):
		o = overlap(t0, t1, s0, s1)
		if o > 0:
			kind = 'preempted' if state.startswith('R') else sleep_site(sst)
			sl[kind] += o
	rec = sum(overlap(t0, t1, a, b) for a, b in reclaim.get(tid, []))
	nrec = sum(1 for a, b in reclaim.get(tid, []) if overlap(t0, t1, a, b) > 0)
	thr = [x for x in throttled.get(tid, []) if t0 <= x[0] <= t1]
	return sl, rec, nrec, thr

def dirty_throttle(h):
	return [fl for ts, fl in bdp.get(h['tid'], []) if h['t0'] <= ts <= h['t1']]

print(f'trace: {len(events)} events over {last_ts - first_ts:.1f} s; mmap_lock acquisitions of {len(mms)} mm(s) '
      f'(filtered to lo\'s memcg): {sum(mms.values())}; holds paired: {len(holds)}, waits: {len(waits)}')
print(f'memcg reclaim calls: {sum(len(v) for v in reclaim.values())} '
      f'({sum(b - a for v in reclaim.values() for a, b in v):.2f} s in total); '
      f'reclaim_throttle events: {sum(len(v) for v in throttled.values())}; '
      f'balance_dirty_pages events (lo): {sum(len(v) for v in bdp.values())}')
# memcg reclaim by who, and how much of it ran with lo's mmap_lock held by the reclaiming task
rec_by = collections.defaultdict(lambda: [0, 0.0, 0, 0.0])	# comm -> calls, s, calls under mmap_lock, s under it
holds_of = collections.defaultdict(list)
for h in holds:
	holds_of[h['tid']].append(h)
for tid, v in reclaim.items():
	for a, b in v:
		r = rec_by[comm_of.get(tid, '?')]
		r[0] += 1
		r[1] += b - a
		o = sum(overlap(a, b, h['t0'], h['t1']) for h in holds_of.get(tid, []))
		if o > 0:
			r[2] += 1
			r[3] += o
for c, (n, t, nl, tl) in sorted(rec_by.items(), key=lambda kv: -kv[1][1]):
	print(f'  memcg reclaim by {c}: {n} calls, {t:.2f} s; {nl} of them ({tl:.2f} s) with lo\'s mmap_lock held')

def pct(xs, p):
	xs = sorted(xs)
	return xs[min(len(xs) - 1, int(p / 100 * len(xs)))] if xs else 0

def ms(s):
	return f'{s * 1000:.1f}'

# every hold, grouped
print('\nAll holds of lo\'s mmap_lock, by holder and path (ms):')
groups = collections.defaultdict(list)
for h in holds:
	groups[(h['comm'], 'write' if h['write'] else 'read', h['path'])].append(h['t1'] - h['t0'])
print(f'  {"holder":<14} {"mode":<5} {"path":<30} {"n":>6} {"p50":>8} {"p99":>8} {"max":>8} {">thr":>5}')
for (c, m, p), d in sorted(groups.items(), key=lambda kv: -max(kv[1])):
	print(f'  {c:<14} {m:<5} {p[:30]:<30} {len(d):>6} {ms(pct(d, 50)):>8} {ms(pct(d, 99)):>8} {ms(max(d)):>8} '
	      f'{sum(1 for x in d if x * 1000 > thr_ms):>5}')

print('\nWaits for lo\'s mmap_lock (start_locking -> acquire_returned), by waiter and path (ms):')
wg = collections.defaultdict(list)
for w in waits:
	wg[(w['comm'], 'write' if w['write'] else 'read', w['path'])].append(w['t1'] - w['t0'])
print(f'  {"waiter":<14} {"mode":<5} {"path":<30} {"n":>6} {"p50":>8} {"p99":>8} {"max":>8} {">thr":>5}')
for (c, m, p), d in sorted(wg.items(), key=lambda kv: -max(kv[1])):
	print(f'  {c:<14} {m:<5} {p[:30]:<30} {len(d):>6} {ms(pct(d, 50)):>8} {ms(pct(d, 99)):>8} {ms(max(d)):>8} '
	      f'{sum(1 for x in d if x * 1000 > thr_ms):>5}')

long = sorted([h for h in holds if (h['t1'] - h['t0']) * 1000 > thr_ms], key=lambda h: -(h['t1'] - h['t0']))
def held_by(tid, t):
	return any(h['tid'] == tid and h['t0'] <= t <= h['t1'] for h in holds)

def before(h):
	# the holder's last sleep (not a preemption) that ended before it asked for mmap_lock, within 1 s
	prev = [s for s in sleeps.get(h['tid'], []) if s[1] <= h['asked'] and h['asked'] - s[1] < 1.0
		and not s[2].startswith('R')]
	if not prev:
		return None
	s = prev[-1]
	return None if held_by(h['tid'], s[0]) else s

print(f'\nHolds longer than {thr_ms:g} ms: {len(long)}')
agg = collections.defaultdict(lambda: [0, 0.0, 0.0, collections.defaultdict(float), 0.0, 0, 0, 0])
for h in long:
	d = h['t1'] - h['t0']
	sl, rec, nrec, thr = during(h)
	a = agg[(h['comm'], 'write' if h['write'] else 'read', h['path'])]
	a[0] += 1; a[1] += d; a[2] = max(a[2], d); a[4] += rec; a[5] += nrec; a[6] += len(thr)
	a[7] += len(dirty_throttle(h))
	for k, v in sl.items():
		a[3][k] += v
for (c, m, p), a in sorted(agg.items(), key=lambda kv: -kv[1][1]):
	print(f'  {c} {m} via {p}: {a[0]} holds, {a[1]:.2f} s in total, longest {ms(a[2])} ms; '
	      f'in memcg reclaim {a[4]:.2f} s ({a[5]} calls), {a[6]} reclaim_throttle events, '
	      f'{a[7]} balance_dirty_pages pauses')
	for k, v in sorted(a[3].items(), key=lambda kv: -kv[1])[:6]:
		print(f'      {v / a[1] * 100:5.1f}% of the held time off CPU in: {k}')
	pre = collections.Counter()
	for h in long:
		if (h['comm'], 'write' if h['write'] else 'read', h['path']) == (c, m, p):
			pb = before(h)
			pre[sleep_site(pb[3]) if pb else None] += 1
	for k, v in pre.most_common(3):
		print(f'      {v} of them right after a sleep, holding no mmap_lock, in: {k}' if k else
		      f'      {v} of them not right after such a sleep')

print('\nThe longest holds:')
for h in long[:8]:
	d = h['t1'] - h['t0']
	sl, rec, nrec, thr = during(h)
	print(f'  {h["comm"]}-{h["tid"]} {"write" if h["write"] else "read"} held {ms(d)} ms from t={h["t0"]:.6f}'
	      f'{" (still held at the end)" if h.get("open") else ""}; memcg reclaim {ms(rec)} ms in {nrec} call(s), '
	      f'{len(thr)} reclaim_throttle event(s)'
	      + (f' ({", ".join(sorted(set(x[2] for x in thr)))})' if thr else ''))
	print(f'    taken at: {excerpt(h["stack"])}')
	for k, v in sorted(sl.items(), key=lambda kv: -kv[1])[:4]:
		print(f'    off CPU {ms(v)} ms in: {k}')
	# the full stack of the longest sleep inside this hold
	best = None
	for s0, s1, state, sst in sleeps.get(h['tid'], []):
		o = overlap(h['t0'], h['t1'], s0, s1)
		if o > 0 and not state.startswith('R') and (best is None or o > best[0]):
			best = (o, state, sst)
	if best:
		print(f'    longest sleep ({ms(best[0])} ms, state {best[1]}): {excerpt(best[2], 16)}')
	dt = dirty_throttle(h)
	if dt:
		pauses = [int(fl.get('pause', 0)) for fl in dt]
		x = dt[len(dt) // 2]
		print(f'    dirty throttling: {len(dt)} balance_dirty_pages pause(s), {sum(pauses)} ms asked in total; e.g. '
		      + ' '.join(f'{k}={x.get(k)}' for k in ('limit', 'setpoint', 'dirty', 'bdi_dirty', 'task_ratelimit',
							       'pause', 'cgroup_ino') if k in x))
	pb = before(h)
	if pb:
		print(f'    just before asking for mmap_lock ({ms(h["asked"] - pb[1])} ms earlier) it slept {ms(pb[1] - pb[0])} ms, '
		      f'holding no mmap_lock, in: {excerpt(pb[3], 16)}')

# hi's long waits: which hold kept hi out (the one covering most of the wait), and the queued writers
hw = [w for w in waits if w['comm'].startswith('mmstall-hi') and (w['t1'] - w['t0']) * 1000 > thr_ms]
if hw:
	tot = sum(w['t1'] - w['t0'] for w in hw)
	print(f'\nhi\'s waits for lo\'s mmap_lock longer than {thr_ms:g} ms: {len(hw)}, {tot:.2f} s in total; '
	      'the hold that covered most of each:')
	blk = collections.defaultdict(lambda: [0, 0.0])
	for w in hw:
		best = max(((overlap(w['t0'], w['t1'], h['t0'], h['t1']), h) for h in holds if h['tid'] != w['tid']),
			   key=lambda x: x[0], default=(0, None))
		if best[1] is None or best[0] <= 0:
			key = '(no overlapping hold)'
		else:
			sl, _, _, _ = during(best[1])
			site = max(sl.items(), key=lambda kv: kv[1])[0] if sl else None
			key = (f'{best[1]["comm"]} {"write" if best[1]["write"] else "read"} via {best[1]["path"]}, '
			       + (f'mostly off CPU in {site}' if site else 'never off CPU'))
		blk[key][0] += 1
		blk[key][1] += best[0]
	for k, (n, v) in sorted(blk.items(), key=lambda kv: -kv[1][1]):
		print(f'  {n} wait(s), covering {v / tot * 100:.0f}% of their time: {k}')
	wq = [w for w in waits if w['write'] and any(overlap(w['t0'], w['t1'], x['t0'], x['t1']) > 0 for x in hw)]
	if wq:
		print(f'  meanwhile {len(wq)} write request(s) queued (longest {ms(max(w["t1"] - w["t0"] for w in wq))} ms, '
		      f'via {", ".join(sorted(set(w["path"] for w in wq)))}): new readers wait behind a queued writer')
PY
}

if [ -n "$analyse" ]; then
	analysis "$analyse"
	exit $?
fi

pos=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do pos+=("$1"); shift; done
[ "${1:-}" = -- ] && shift
if [ ${#pos[@]} -lt 1 ] || [ ${#pos[@]} -gt 3 ]; then usage; fi
kernel=${pos[0]} scenario=${pos[1]:-reclaim} duration=${pos[2]:-6s}
case $kernel in
*=*) label=${kernel%%=*} ;;
*) label=$(echo "$kernel" | sed 's/^deb:linux-image-//; s/[^A-Za-z0-9._-]/_/g'); kernel=$label=$kernel ;;
esac
[ -n "$out" ] || out=$here/results/$(date -u +%Y%m%d-%H%M%S)-trace-$label
mkdir -p "$out" || exit 2

q() { printf "'%s'" "$(printf %s "$1" | sed "s/'/'\\\\''/g")"; }
extra=
for a in "$@"; do extra="$extra $(q "$a")"; done

# The guest's script (busybox sh).  stderr goes to the console and /out/stderr.txt.
guest=$(cat <<EOF
BUFKB=$bufkb LABEL=$(q "$label") SCEN=$(q "$scenario") DUR=$(q "$duration") WARM=$(q "$warmup")
EOF
cat <<'EOF'
T=/sys/kernel/tracing E=/sys/kernel/tracing/events
[ -e $T/trace ] || mount -t tracefs nodev $T
log() { echo "trace-mmap-lock: $*" >&2; }
{ uname -r; ls $E/mmap_lock $E/vmscan; } >/out/events.txt 2>&1
echo 0 >$T/tracing_on
echo mono >$T/trace_clock || log 'no mono trace clock'
echo 1 >$T/options/record-tgid 2>/dev/null
echo $BUFKB >$T/buffer_size_kb || log "cannot size the buffer to $BUFKB KiB"
LO='memcg_path ~ "*/lo"'
[ -d $E/mmap_lock/mmap_lock_start_locking/ ] || log 'no mmap_lock tracepoints in this kernel'
for ev in mmap_lock_start_locking mmap_lock_acquire_returned mmap_lock_released; do
	echo "$LO" >$E/mmap_lock/$ev/filter || log "filter on $ev refused"
	echo 1 >$E/mmap_lock/$ev/enable || log "cannot enable $ev"
done
echo "stacktrace if $LO" >$E/mmap_lock/mmap_lock_acquire_returned/trigger || log 'stacktrace trigger refused'
for ev in mm_vmscan_memcg_reclaim_begin mm_vmscan_memcg_reclaim_end mm_vmscan_throttled; do
	[ -d $E/vmscan/$ev ] && { echo 1 >$E/vmscan/$ev/enable || log "cannot enable $ev"; } || log "no $ev"
done
if [ -d $E/writeback/balance_dirty_pages ]; then
	echo 'comm == "mmstall-lo"' >$E/writeback/balance_dirty_pages/filter
	echo 1 >$E/writeback/balance_dirty_pages/enable || log 'cannot enable balance_dirty_pages'
fi
echo 'prev_comm == "mmstall-lo" || next_comm == "mmstall-lo"' >$E/sched/sched_switch/filter || log 'sched_switch filter refused'
echo 1 >$E/sched/sched_switch/enable
echo 'stacktrace if prev_comm == "mmstall-lo"' >$E/sched/sched_switch/trigger || log 'sched_switch trigger refused'
KC=; [ -e /boot/config ] && KC='--kernel-config /boot/config'
echo 1 >$T/tracing_on
eval /bin/mmstall run --disposable --data-dir /data --output /out/result.json --label "$LABEL" $KC \
	--scenario "$SCEN" --duration "$DUR" --warmup "$WARM" $EXTRA
rc=$?
echo 0 >$T/tracing_on
for c in $T/per_cpu/cpu*; do echo "${c##*/}"; cat $c/stats; done >/out/trace-stats.txt
cat $T/trace | gzip >/out/trace.txt.gz
# mmstall vm keeps only result.json and the console of what the guest left in
# /out: the trace comes back on the console (stdout is copied there after the
# run), gzip+base64 between markers, with kernel messages kept off it.
dmesg -n 1
for f in trace-stats.txt events.txt trace.txt.gz; do
	echo "==trace-mmap-lock $f begin=="; gzip -c /out/$f | base64; echo "==trace-mmap-lock $f end=="
done
exit $rc
EOF
)
guest="EXTRA=$(q "$extra")
$guest"

echo "==> mmstall vm --kernel $kernel --scenario $scenario --duration $duration --warmup $warmup (traced) into $out"
"$mmstall" vm --kernel "$kernel" --results "$out" --timeout-margin 600s --guest-cmd "$guest" \
	--scenario "$scenario" --duration "$duration" --warmup "$warmup" "$@"
rc=$?
# take the files back from the console log
for f in trace-stats.txt events.txt trace.txt.gz; do
	tr -d '\r' <"$out/$label.console.log" |
		sed -n "/^==trace-mmap-lock $f begin==\$/,/^==trace-mmap-lock $f end==\$/p" |
		grep -E '^[A-Za-z0-9+/=]{1,76}$' | base64 -d | gzip -dc >"$out/$f" 2>/dev/null
done
if [ ! -s "$out/trace.txt.gz" ]; then
	echo "no trace came back (mmstall vm exit $rc); see $out/$label.console.log" >&2
	exit 1
fi
grep -H -E 'overrun|dropped' "$out/trace-stats.txt" | grep -v ': 0$'
"$mmstall" report "$out" 2>/dev/null
analysis "$out/trace.txt.gz" | tee "$out/summary.txt"
arc=${PIPESTATUS[0]}
[ "$rc" -ne 0 ] && exit "$rc"
exit "$arc"
