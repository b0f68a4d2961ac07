#!/usr/bin/env python3
"""A/A false alarms of the sequential rule, resampled from measured boots.

Real A/A compares ('tests/bench/aa-false-alarms.sh') cost 8-10 runs a side
each here, so 20 of them take hours.  The boots of one kernel and scenario
are exchangeable under A/A, so this script draws simulated compares from the
pool of boots the real ones measured: each draws 2 x MAX boots without
replacement, labels them A rep 1..MAX and A-aa rep 1..MAX, and replays
'--reps auto' with 'mmstall gate' at every look (3, 4, ... MAX runs a side):
it stops when a gated probe regressed or improved, or every one is decided,
as compare does.  A false alarm is a regressed verdict (the gate's exit 1).

  tests/bench/aa-resample.py [-n SIMS] [-m MMSTALL] [-s SEED] AA-DIR...

AA-DIR: result directories of A/A compares (aa-false-alarms.sh's aa-NN);
their compare.json gives the rule.  Prints the pool, the stopping looks and
the false-alarm count with its 95% Clopper-Pearson interval.
"""
import argparse, glob, json, math, os, random, re, shutil, subprocess, sys, tempfile

ap = argparse.ArgumentParser()
ap.add_argument('-n', type=int, default=200)
ap.add_argument('-m', default=os.path.join(os.path.dirname(__file__), '../../build/mmstall'))
ap.add_argument('-s', type=int, default=1)
ap.add_argument('dirs', nargs='+')
a = ap.parse_args()

pool = []
for d in a.dirs:
    for f in sorted(glob.glob(os.path.join(d, '*.rep*.json'))):
        j = json.load(open(f))
        if j.get('status') == 'ok':
            pool.append(j)
settings = json.load(open(os.path.join(a.dirs[0], 'compare.json')))
mx = settings['rule'].get('reps_auto_max') or settings['reps']
if len(pool) < 2 * mx:
    sys.exit(f'{len(pool)} ok boots in the pool: at least {2 * mx} needed')
rnd = random.Random(a.s)
tmp = tempfile.mkdtemp(prefix='aa-resample-')

def write(d, j, label, idx, rep):
    j = json.loads(json.dumps(j))
    j['label'] = label
    vm = j.setdefault('vm', {})
    vm.update(label=label, variant_index=idx, repetition=rep, repetitions=mx)
    vm.pop('plan', None)
    json.dump(j, open(os.path.join(d, f'{label}.rep{rep}.json'), 'w'))

alarms = improved = decided = 0
stops = {}
for n in range(a.n):
    boots = rnd.sample(pool, 2 * mx)
    d = os.path.join(tmp, f's{n}')
    os.makedirs(d)
    json.dump(settings, open(os.path.join(d, 'compare.json'), 'w'))
    outcome = 'inconclusive'
    for k in range(1, mx + 1):
        write(d, boots[k - 1], 'A', 0, k)
        write(d, boots[mx + k - 1], 'A-aa', 1, k)
        if k < 3:
            continue
        g = subprocess.run([a.m, 'gate', d, '--baseline', 'A'], capture_output=True, text=True)
        words = re.findall(r'\): (REGRESSED|improved|no change|inconclusive)', g.stdout)
        if 'REGRESSED' in words:
            outcome = 'regressed'
        elif 'improved' in words:
            outcome = 'improved'
        elif words and all(w == 'no change' for w in words):
            outcome = 'no change'
        if outcome != 'inconclusive' or k == mx:
            stops[k] = stops.get(k, 0) + 1
            break
    alarms += outcome == 'regressed'
    improved += outcome == 'improved'
    decided += outcome == 'no change'
    shutil.rmtree(d)
shutil.rmtree(tmp)

def cp(x, n, q):
    # Clopper-Pearson bound by bisection on the binomial tail
    def tail(p):
        return sum(math.comb(n, i) * p**i * (1 - p)**(n - i) for i in range(x, n + 1)) if q == 'lo' else \
               sum(math.comb(n, i) * p**i * (1 - p)**(n - i) for i in range(0, x + 1))
    if q == 'lo' and x == 0: return 0.0
    if q == 'hi' and x == n: return 1.0
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if q == 'lo':
            lo, hi = (mid, hi) if tail(mid) < 0.025 else (lo, mid)
        else:
            lo, hi = (mid, hi) if tail(mid) > 0.025 else (lo, mid)
    return (lo + hi) / 2

print(f'pool: {len(pool)} ok boots from {len(a.dirs)} A/A compares; {a.n} simulated compares of up to {mx} a side')
print('stopped after runs a side: ' + ', '.join(f'{k}: {v}' for k, v in sorted(stops.items())))
print(f'false alarms (regressed): {alarms} of {a.n} = {100 * alarms / a.n:.1f}% '
      f'(95% CI {100 * cp(alarms, a.n, "lo"):.1f}%-{100 * cp(alarms, a.n, "hi"):.1f}%); '
      f'improved: {improved}; no change: {decided}; inconclusive: {a.n - alarms - improved - decided}')
