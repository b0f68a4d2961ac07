// SPDX-License-Identifier: GPL-2.0
/*
 * Stall attribution from an ftrace text trace: parsing, chain matching,
 * aggregated blame.  See attrib.h for the method.
 */
#include "harness/attrib.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "harness/kernel/features.h"
#include "harness/util.h"

/* ---- small containers: string interning, stack interning, hash maps ---- */

/* qsort() wants a valid base even for nothing to sort */
static void sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

static uint64_t fnv(const void *p, size_t n, uint64_t h)
{
	const unsigned char *c = p;

	while (n--) {
		h ^= *c++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Interned strings: id -> string, string -> id.  Id 0 is "". */
struct strtab {
	char **s;
	uint32_t n, cap;
	uint32_t *slot;		/* open addressing: id + 1, 0 empty */
	uint32_t nslot;
};

static void strtab_grow(struct strtab *t)
{
	uint32_t i, n = t->nslot ? t->nslot * 2 : 1024;
	uint32_t *slot = xcalloc(n, sizeof(*slot));

	for (i = 0; i < t->n; i++) {
		uint32_t h = (uint32_t)fnv(t->s[i], strlen(t->s[i]), HASH_INIT) & (n - 1);

		while (slot[h])
			h = (h + 1) & (n - 1);
		slot[h] = i + 1;
	}
	free(t->slot);
	t->slot = slot;
	t->nslot = n;
}

static uint32_t strtab_id(struct strtab *t, const char *s, size_t len)
{
	uint32_t h;

	if (2 * (t->n + 1) >= t->nslot)
		strtab_grow(t);
	h = (uint32_t)fnv(s, len, HASH_INIT) & (t->nslot - 1);
	while (t->slot[h]) {
		const char *c = t->s[t->slot[h] - 1];

		if (strlen(c) == len && !memcmp(c, s, len))
			return t->slot[h] - 1;
		h = (h + 1) & (t->nslot - 1);
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 1024;
		t->s = xrealloc(t->s, t->cap * sizeof(*t->s));
	}
	t->s[t->n] = xmalloc(len + 1);
	memcpy(t->s[t->n], s, len);
	t->s[t->n][len] = '\0';
	t->slot[h] = t->n + 1;
	return t->n++;
}

static void strtab_free(struct strtab *t)
{
	uint32_t i;

	for (i = 0; i < t->n; i++)
		free(t->s[i]);
	free(t->s);
	free(t->slot);
}

/* Interned stacks: arrays of frame ids.  Id 0 is "no stack". */
struct stacktab {
	uint32_t *pool;		/* frames of every stack, back to back */
	size_t npool, cappool;
	struct {
		size_t off;
		uint32_t len;
	} *st;
	uint32_t n, cap;
	uint32_t *slot;
	uint32_t nslot;
};

static uint64_t stack_hash(const uint32_t *f, uint32_t n)
{
	return fnv(f, n * sizeof(*f), HASH_INIT);
}

static void stacktab_grow(struct stacktab *t)
{
	uint32_t i, n = t->nslot ? t->nslot * 2 : 1024;
	uint32_t *slot = xcalloc(n, sizeof(*slot));

	for (i = 1; i < t->n; i++) {
		uint32_t h = (uint32_t)stack_hash(t->pool + t->st[i].off, t->st[i].len) & (n - 1);

		while (slot[h])
			h = (h + 1) & (n - 1);
		slot[h] = i;
	}
	free(t->slot);
	t->slot = slot;
	t->nslot = n;
}

static uint32_t stacktab_id(struct stacktab *t, const uint32_t *f, uint32_t n)
{
	uint32_t h;

	if (!t->n) {	/* id 0: none */
		t->cap = 256;
		t->st = xcalloc(t->cap, sizeof(*t->st));
		t->n = 1;
	}
	if (2 * (t->n + 1) >= t->nslot)
		stacktab_grow(t);
	h = (uint32_t)stack_hash(f, n) & (t->nslot - 1);
	while (t->slot[h]) {
		uint32_t id = t->slot[h];

		if (t->st[id].len == n && !memcmp(t->pool + t->st[id].off, f, n * sizeof(*f)))
			return id;
		h = (h + 1) & (t->nslot - 1);
	}
	if (t->npool + n > t->cappool) {
		t->cappool = (t->npool + n) * 2 + 4096;
		t->pool = xrealloc(t->pool, t->cappool * sizeof(*t->pool));
	}
	if (t->n == t->cap) {
		t->cap *= 2;
		t->st = xrealloc(t->st, t->cap * sizeof(*t->st));
	}
	if (n)
		memcpy(t->pool + t->npool, f, n * sizeof(*f));
	t->st[t->n].off = t->npool;
	t->st[t->n].len = n;
	t->npool += n;
	t->slot[h] = t->n;
	return t->n++;
}

static void stacktab_free(struct stacktab *t)
{
	free(t->pool);
	free(t->st);
	free(t->slot);
}

/* string -> index map (aggregation keys) */
struct strmap {
	char **key;
	size_t *val;
	size_t n, nslot;
};

static size_t *strmap_get(struct strmap *m, const char *key, bool *added)
{
	size_t h, i;

	if (2 * (m->n + 1) >= m->nslot) {
		size_t n = m->nslot ? m->nslot * 2 : 256;
		char **k = xcalloc(n, sizeof(*k));
		size_t *v = xcalloc(n, sizeof(*v));

		for (i = 0; i < m->nslot; i++) {
			if (!m->key[i])
				continue;
			h = fnv(m->key[i], strlen(m->key[i]), HASH_INIT) & (n - 1);
			while (k[h])
				h = (h + 1) & (n - 1);
			k[h] = m->key[i];
			v[h] = m->val[i];
		}
		free(m->key);
		free(m->val);
		m->key = k;
		m->val = v;
		m->nslot = n;
	}
	h = fnv(key, strlen(key), HASH_INIT) & (m->nslot - 1);
	while (m->key[h]) {
		if (!strcmp(m->key[h], key)) {
			*added = false;
			return &m->val[h];
		}
		h = (h + 1) & (m->nslot - 1);
	}
	m->key[h] = xstrdup(key);
	m->n++;
	*added = true;
	return &m->val[h];
}

static void strmap_free(struct strmap *m)
{
	size_t i;

	for (i = 0; i < m->nslot; i++)
		free(m->key[i]);
	free(m->key);
	free(m->val);
}

/* u64 set (distinct hold per blame entry) */
struct u64set {
	uint64_t *v;	/* stored as value + 1 */
	size_t n, nslot;
};

static bool u64set_add(struct u64set *s, uint64_t x)
{
	size_t h, i;

	if (2 * (s->n + 1) >= s->nslot) {
		size_t n = s->nslot ? s->nslot * 2 : 256;
		uint64_t *v = xcalloc(n, sizeof(*v));

		for (i = 0; i < s->nslot; i++) {
			if (!s->v[i])
				continue;
			h = fnv(&s->v[i], sizeof(s->v[i]), HASH_INIT) & (n - 1);
			while (v[h])
				h = (h + 1) & (n - 1);
			v[h] = s->v[i];
		}
		free(s->v);
		s->v = v;
		s->nslot = n;
	}
	x++;
	h = fnv(&x, sizeof(x), HASH_INIT) & (s->nslot - 1);
	while (s->v[h]) {
		if (s->v[h] == x)
			return false;
		h = (h + 1) & (s->nslot - 1);
	}
	s->v[h] = x;
	s->n++;
	return true;
}

/* ---- the parsed trace ---- */

enum ev_type { EV_START, EV_ACQUIRE, EV_RELEASE, EV_SWITCH };

struct ev {
	uint64_t ts;
	int32_t pid;		/* the task (sched_switch: prev_pid) */
	int32_t tgid;		/* -1: unknown */
	int32_t next_pid;	/* sched_switch */
	uint32_t mm;		/* interned mm value (lock events) */
	uint32_t comm;		/* interned: the line's comm (sched_switch: prev_comm) */
	uint32_t stack;
	uint32_t seq;		/* input order: timestamps are printed to the microsecond and tie */
	uint16_t cpu;
	uint8_t type;
	uint8_t write : 1, success : 1;
	char state;		/* sched_switch prev_state, first letter */
};

struct attrib_trace {
	struct strtab str;
	struct stacktab stacks;
	struct ev *ev;
	size_t nev, capev;
	/* per CPU: index + 1 of the last event (for its <stack trace>), and restart markers */
	size_t *last_on_cpu;
	uint64_t *restart_first_ts;	/* first event after a "buffer started" marker; 0 none */
	bool *restarted;
	unsigned int ncpu;
	/* the stack being read */
	size_t stack_for;	/* event index + 1; 0 none */
	uint32_t *frames;
	uint32_t nframes, capframes;
	uint64_t *lost_ts;	/* timestamps near "[LOST n EVENTS]" lines */
	size_t nlost;
	uint64_t last_ts;
	struct attrib_trace_counts c;
};

struct attrib_trace *attrib_trace_new(void)
{
	struct attrib_trace *t = xcalloc(1, sizeof(*t));

	strtab_id(&t->str, "", 0);
	stacktab_id(&t->stacks, NULL, 0); /* initialises id 0 */
	return t;
}

void attrib_trace_free(struct attrib_trace *t)
{
	if (!t)
		return;
	strtab_free(&t->str);
	stacktab_free(&t->stacks);
	free(t->ev);
	free(t->last_on_cpu);
	free(t->restart_first_ts);
	free(t->restarted);
	free(t->frames);
	free(t->lost_ts);
	free(t);
}

static void ensure_cpu(struct attrib_trace *t, unsigned int cpu)
{
	unsigned int n = t->ncpu, i;

	if (cpu < n)
		return;
	n = cpu + 8;
	t->last_on_cpu = xrealloc(t->last_on_cpu, n * sizeof(*t->last_on_cpu));
	t->restart_first_ts = xrealloc(t->restart_first_ts, n * sizeof(*t->restart_first_ts));
	t->restarted = xrealloc(t->restarted, n * sizeof(*t->restarted));
	for (i = t->ncpu; i < n; i++) {
		t->last_on_cpu[i] = 0;
		t->restart_first_ts[i] = 0;
		t->restarted[i] = false;
	}
	t->ncpu = n;
}

/* The frames read so far belong to the event they followed. */
static void finish_stack(struct attrib_trace *t)
{
	if (t->stack_for && t->nframes) {
		t->ev[t->stack_for - 1].stack = stacktab_id(&t->stacks, t->frames, t->nframes);
		t->c.stacks++;
	}
	t->stack_for = 0;
	t->nframes = 0;
}

static const char *skip_sp(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* "12.345678" -> ns; the end of the number in *end.  false if not a timestamp. */
static bool parse_ts(const char *p, uint64_t *ns, const char **end)
{
	uint64_t sec = 0, frac = 0, scale = NSEC_PER_SEC;
	const char *q = p;

	if (!isdigit((unsigned char)*q))
		return false;
	while (isdigit((unsigned char)*q))
		sec = sec * 10 + (uint64_t)(*q++ - '0');
	if (*q != '.')
		return false;
	q++;
	if (!isdigit((unsigned char)*q))
		return false;
	while (isdigit((unsigned char)*q)) {
		if (scale > 1) {
			scale /= 10;
			frac += (uint64_t)(*q - '0') * scale;
		}
		q++;
	}
	*ns = sec * NSEC_PER_SEC + frac;
	*end = q;
	return true;
}

/* The value of "key=" in s as a token (up to a blank); NULL when absent. */
static const char *field(const char *s, const char *key, size_t *len)
{
	size_t kl = strlen(key);
	const char *p = s;

	while ((p = strstr(p, key))) {
		if (p == s || p[-1] == ' ') {
			p += kl;
			*len = strcspn(p, " \t\r\n");
			return p;
		}
		p += kl;
	}
	return NULL;
}

static bool field_true(const char *s, const char *key)
{
	size_t n;
	const char *v = field(s, key, &n);

	return v && ((n == 4 && !memcmp(v, "true", 4)) || (n == 1 && *v == '1'));
}

static int32_t field_int(const char *s, const char *key, int32_t def)
{
	size_t n;
	const char *v = field(s, key, &n);

	return v && n ? (int32_t)strtol(v, NULL, 10) : def;
}

static struct ev *new_event(struct attrib_trace *t)
{
	if (t->nev == t->capev) {
		t->capev = t->capev ? t->capev * 2 : 4096;
		t->ev = xrealloc(t->ev, t->capev * sizeof(*t->ev));
	}
	memset(&t->ev[t->nev], 0, sizeof(t->ev[0]));
	t->ev[t->nev].seq = (uint32_t)t->nev;
	return &t->ev[t->nev++];
}

/* "##### CPU 1 buffer started ####", "CPU:1 [LOST 42 EVENTS]" */
static bool marker_line(struct attrib_trace *t, const char *l)
{
	const char *p;
	unsigned int cpu;

	if (sscanf(l, "##### CPU %u buffer started", &cpu) == 1) {
		ensure_cpu(t, cpu);
		t->restarted[cpu] = true;
		t->restart_first_ts[cpu] = 0;
		t->c.cpu_restarts++;
		return true;
	}
	p = strstr(l, "[LOST ");
	if (p && strstr(p, "EVENTS]")) {
		t->c.lost_markers++;
		t->c.lost_events += strtoull(p + 6, NULL, 10);
		t->lost_ts = xrealloc(t->lost_ts, (t->nlost + 1) * sizeof(*t->lost_ts));
		t->lost_ts[t->nlost++] = t->last_ts;
		return true;
	}
	return false;
}

/*
 * "<comm>-<pid> [(<tgid>)] [<cpu>] [<flags>] <sec>.<frac>: <name>: <fields>"
 * The comm may hold blanks and dashes: the line is read from the "[cpu]".
 */
static void event_line(struct attrib_trace *t, const char *l)
{
	const char *b = l, *e, *p, *name, *rest, *dash;
	char *endp;
	long cpu = -1, pid, tgid = -1;
	uint64_t ts;
	struct ev *ev;
	size_t nlen;

	while ((b = strchr(b, '['))) {
		cpu = strtol(b + 1, &endp, 10);
		if (endp > b + 1 && *endp == ']' && b > l && b[-1] == ' ')
			break;
		b++;
	}
	if (!b || cpu < 0 || cpu > 65535) {
		t->c.unparsed++;
		return;
	}
	/* left of "[cpu]": "comm-pid" and maybe "(tgid)" */
	e = b;
	while (e > l && e[-1] == ' ')
		e--;
	if (e > l && e[-1] == ')') {
		p = e - 1;
		while (p > l && *p != '(')
			p--;
		if (*p == '(') {
			const char *q = skip_sp(p + 1);

			tgid = isdigit((unsigned char)*q) ? strtol(q, NULL, 10) : -1;
			e = p;
			while (e > l && e[-1] == ' ')
				e--;
		}
	}
	dash = e;
	while (dash > l && isdigit((unsigned char)dash[-1]))
		dash--;
	if (dash == e || dash == l || dash[-1] != '-') {
		t->c.unparsed++;
		return;
	}
	pid = strtol(dash, NULL, 10);
	/* right of "[cpu]": flags (optional), timestamp, name */
	p = skip_sp(endp + 1);
	if (!parse_ts(p, &ts, &e) || *e != ':') {
		p += strcspn(p, " ");
		p = skip_sp(p);
		if (!parse_ts(p, &ts, &e) || *e != ':') {
			t->c.unparsed++;
			return;
		}
	}
	name = skip_sp(e + 1);
	t->last_ts = ts;
	ensure_cpu(t, (unsigned int)cpu);
	if (t->restarted[cpu] && !t->restart_first_ts[cpu])
		t->restart_first_ts[cpu] = ts;
	if (!strncmp(name, "<stack trace>", 13)) {
		size_t last = t->last_on_cpu[cpu];

		/* the stack follows its event on the same CPU, recorded by the same task */
		if (last && t->ev[last - 1].pid == pid && !t->ev[last - 1].stack) {
			t->stack_for = last;
		} else {
			t->c.orphan_stacks++;
			t->stack_for = 0;
		}
		t->last_on_cpu[cpu] = 0;
		return;
	}
	nlen = strcspn(name, ": ");
	rest = name[nlen] == ':' ? skip_sp(name + nlen + 1) : name + nlen;
	t->last_on_cpu[cpu] = 0;
	if (nlen == 23 && !strncmp(name, "mmap_lock_start_locking", nlen)) {
		ev = new_event(t);
		ev->type = EV_START;
	} else if (nlen == 26 && !strncmp(name, "mmap_lock_acquire_returned", nlen)) {
		ev = new_event(t);
		ev->type = EV_ACQUIRE;
		ev->success = field_true(rest, "success=");
	} else if (nlen == 18 && !strncmp(name, "mmap_lock_released", nlen)) {
		ev = new_event(t);
		ev->type = EV_RELEASE;
	} else if (nlen == 12 && !strncmp(name, "sched_switch", nlen)) {
		size_t n;
		const char *v;

		ev = new_event(t);
		ev->type = EV_SWITCH;
		pid = field_int(rest, "prev_pid=", (int32_t)pid);
		ev->next_pid = field_int(rest, "next_pid=", -1);
		v = field(rest, "prev_state=", &n);
		ev->state = v && n ? *v : '?';
		v = field(rest, "prev_comm=", &n);
		ev->comm = v ? strtab_id(&t->str, v, n) : 0;
		t->c.switches++;
	} else {
		t->c.other_events++;
		return;
	}
	if (ev->type != EV_SWITCH) {
		size_t n;
		const char *v = field(rest, "mm=", &n);

		ev->mm = v ? strtab_id(&t->str, v, n) : 0;
		ev->write = field_true(rest, "write=");
		ev->comm = strtab_id(&t->str, skip_sp(l), (size_t)(dash - 1 - skip_sp(l)));
		t->c.lock_events++;
	}
	ev->ts = ts;
	ev->pid = (int32_t)pid;
	ev->tgid = (int32_t)tgid;
	ev->cpu = (uint16_t)cpu;
	t->c.events++;
	t->last_on_cpu[cpu] = t->nev;
}

void attrib_trace_line(struct attrib_trace *t, const char *line)
{
	const char *p = skip_sp(line);
	size_t n;

	t->c.lines++;
	if (!strncmp(p, "=>", 2)) {
		if (!t->stack_for)
			return;
		p = skip_sp(p + 2);
		/* "func+0x1c/0x80" with sym-offset; "func.isra.0", ".part.0", ".cold": the same function */
		n = strcspn(p, " +.\t\r\n");
		if (!n)
			return;
		if (t->nframes == t->capframes) {
			t->capframes = t->capframes ? t->capframes * 2 : 64;
			t->frames = xrealloc(t->frames, t->capframes * sizeof(*t->frames));
		}
		t->frames[t->nframes++] = strtab_id(&t->str, p, n);
		return;
	}
	finish_stack(t);
	if (!*p || *p == '\n' || *p == '\r')
		return;
	if (marker_line(t, p))
		return;
	if (*p == '#')
		return;
	event_line(t, line);
}

int attrib_trace_read(struct attrib_trace *t, FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	while ((n = getline(&line, &cap, f)) >= 0)
		attrib_trace_line(t, line);
	free(line);
	finish_stack(t);
	return ferror(f) ? -EIO : 0;
}

void attrib_trace_counts(const struct attrib_trace *t, struct attrib_trace_counts *c)
{
	*c = t->c;
	if (t->stack_for && t->nframes)
		c->stacks++;	/* the one still being read */
}

/* ---- frames: what a stack says ---- */

/* Tracing machinery and the scheduler's own frames: never the answer to "where". */
static bool noise_frame(const char *f)
{
	static const char *const prefix[] = {
		"trace_event_raw_event_", "__traceiter_", "__mmap_lock_do_trace_", "__mmap_lock_trace_",
		"trace_", "perf_trace_", "__trace_", "__do_trace_", "event_triggers_", "ftrace_",
	};
	static const char *const exact[] = {
		"__schedule", "schedule", "schedule_timeout", "io_schedule", "io_schedule_timeout",
		"schedule_preempt_disabled", "schedule_hrtimeout_range", "schedule_hrtimeout_range_clock",
		"preempt_schedule", "preempt_schedule_common", "preempt_schedule_irq", "preempt_schedule_notrace",
		"__cond_resched", "_cond_resched", "__sched_text_start", "stack_trace_save",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(prefix); i++)
		if (!strncmp(f, prefix[i], strlen(prefix[i])))
			return true;
	for (i = 0; i < ARRAY_SIZE(exact); i++)
		if (!strcmp(f, exact[i]))
			return true;
	return false;
}

/*
 * The syscall entry ends the interesting part of a stack.  Exception and
 * interrupt entry frames are skipped instead: past them the unwinder goes
 * on into the interrupted kernel code (where a holder was preempted).
 */
static bool entry_frame(const char *f)
{
	return !strcmp(f, "do_syscall_64") || !strncmp(f, "entry_SYSCALL", 13) || !strncmp(f, "ret_from_fork", 13) ||
	       !strcmp(f, "x64_sys_call") || !strncmp(f, "__x64_sys_", 10) || !strncmp(f, "__do_sys_", 9);
}

static bool irq_frame(const char *f)
{
	return !strncmp(f, "asm_exc_", 8) || !strncmp(f, "exc_", 4) || !strncmp(f, "asm_sysvec_", 11) ||
	       !strncmp(f, "sysvec_", 7) || !strncmp(f, "irqentry_", 9) || !strncmp(f, "asm_common_interrupt", 20) ||
	       !strcmp(f, "common_interrupt") || !strncmp(f, "preempt_schedule_", 17) ||
	       !strcmp(f, "raw_irqentry_exit_cond_resched") || !strncmp(f, "__irq_exit", 10) ||
	       !strcmp(f, "irq_exit_rcu");
}

/* The mmap_lock wrappers and the rwsem slow path are how the lock was taken, not why. */
static bool lock_frame(const char *f)
{
	return !strncmp(f, "down_read", 9) || !strncmp(f, "down_write", 10) || !strncmp(f, "__down_", 7) ||
	       !strncmp(f, "rwsem_down_", 11) || !strncmp(f, "mmap_read_lock", 14) ||
	       !strncmp(f, "mmap_write_lock", 15) || !strncmp(f, "__mmap_lock", 11);
}

/* What a stack took the lock for (a hi waiter's probe, a holder's or writer's call). */
static const struct {
	const char *frame;
	const char *call;
	int probe;	/* index in attrib_probe_names, -1 none */
} calls[] = {
	{ "show_smaps_rollup", "/proc/pid/smaps_rollup", 1 },
	{ "proc_pid_cmdline_read", "/proc/pid/cmdline", 2 },
	{ "get_mm_cmdline", "/proc/pid/cmdline", 2 },
	{ "environ_read", "/proc/pid/environ", 3 },
	{ "m_start", "/proc/pid/maps", 0 },
	{ "show_map", "/proc/pid/maps", 0 },
	{ "proc_get_vma", "/proc/pid/maps", 0 },
	{ "lock_next_vma", "/proc/pid/maps", 0 },	/* 6.17+: the mmap_lock fallback of the per-VMA read */
	{ "mem_rw", "/proc/pid/mem", -1 },
	{ "access_remote_vm", "access_remote_vm", -1 },
	{ "do_mprotect_pkey", "mprotect", -1 },
	{ "__vm_munmap", "munmap", -1 },
	{ "__do_munmap", "munmap", -1 },
	{ "do_vmi_munmap", "munmap", -1 },
	{ "vm_munmap", "munmap", -1 },
	{ "vm_mmap_pgoff", "mmap", -1 },
	{ "do_mmap", "mmap", -1 },
	{ "dup_mmap", "fork", -1 },
	{ "do_madvise", "madvise", -1 },
	{ "do_mremap", "mremap", -1 },
	{ "__do_sys_mremap", "mremap", -1 },
	{ "__do_sys_brk", "brk", -1 },
	{ "exit_mmap", "exit", -1 },
	{ "mmput", "exit", -1 },
	{ "lock_mm_and_find_vma", "page fault", -1 },
	{ "do_user_addr_fault", "page fault", -1 },
	{ "handle_mm_fault", "page fault", -1 },
	{ "get_user_pages_remote", "get_user_pages", -1 },
	{ "__get_user_pages", "get_user_pages", -1 },
	{ "khugepaged", "khugepaged", -1 },
	{ "hpage_collapse_scan_pmd", "khugepaged", -1 },
};

const char *const attrib_probe_names[] = { "maps", "smaps_rollup", "cmdline", "environ", "unknown" };
const unsigned int attrib_nr_probes = ARRAY_SIZE(attrib_probe_names);
#define PROBE_UNKNOWN 4

/* Innermost matching frame wins: a fault inside mprotect is a fault. */
static int classify(const struct attrib_trace *t, uint32_t stack, const char **call)
{
	uint32_t i, k, n;
	const uint32_t *f;

	*call = NULL;
	if (!stack)
		return PROBE_UNKNOWN;
	f = t->stacks.pool + t->stacks.st[stack].off;
	n = t->stacks.st[stack].len;
	for (i = 0; i < n; i++) {
		const char *fr = t->str.s[f[i]];

		for (k = 0; k < ARRAY_SIZE(calls); k++) {
			if (!strcmp(fr, calls[k].frame)) {
				*call = calls[k].call;
				return calls[k].probe >= 0 ? calls[k].probe : PROBE_UNKNOWN;
			}
		}
	}
	return PROBE_UNKNOWN;
}

/* A stack's frames as kept in results: noise and lock frames dropped, cut at the entry, at most ATTRIB_MAX_FRAMES. */
struct frames {
	const char *f[ATTRIB_MAX_FRAMES];
	unsigned int n;
};

static void clean_frames(const struct attrib_trace *t, uint32_t stack, struct frames *out)
{
	uint32_t i, n;
	const uint32_t *f;

	out->n = 0;
	if (!stack)
		return;
	f = t->stacks.pool + t->stacks.st[stack].off;
	n = t->stacks.st[stack].len;
	for (i = 0; i < n && out->n < ATTRIB_MAX_FRAMES; i++) {
		const char *fr = t->str.s[f[i]];

		if (entry_frame(fr))
			break;
		if (noise_frame(fr) || irq_frame(fr) || (!out->n && lock_frame(fr)))
			continue;
		out->f[out->n++] = fr;
	}
}

/* ---- the analysis ---- */

struct hold {
	uint64_t t0, t1;
	uint32_t mm, comm, stack;
	int32_t tid, tgid;
	bool write, acq_lost, open;
};

struct wait {
	uint64_t t0, t1;
	uint32_t mm, comm, stack;
	int32_t tid, tgid;
	bool write, open, success, acquired;
	bool no_end;		/* a second start_locking came first: its acquire was lost */
};

struct offcpu {
	uint64_t t0, t1;
	uint32_t stack;
	char state;
};

#define MAX_DEPTH 8

struct task {
	int32_t tid, tgid;
	uint32_t comm;
	struct offcpu *off;
	size_t noff, capoff;
	uint64_t *off_maxt1;	/* prefix max of t1 */
	bool out_pending;
	bool switches_seen;	/* its sched_switch events are traced (lo's threads) */
	struct offcpu out;
	long wait;		/* open wait index or -1 */
	long held[MAX_DEPTH];	/* open hold indices, innermost last */
	int depth;
};

struct ctx {
	struct attrib_trace *t;
	const struct attrib_params *p;
	struct attrib_result *r;
	uint64_t end;
	struct hold *h;
	size_t nh, caph;
	struct wait *w;
	size_t nw, capw;
	struct task *tasks;
	size_t ntask, captask;
	size_t *tslot;		/* tid hash -> task index + 1 */
	size_t ntslot;
	/* per mm: holds and writer waits sorted by t0 with prefix max t1 */
	size_t *hold_order, *wwait_order;
	uint64_t *hold_maxt1, *wwait_maxt1;
	size_t nworder;
	/* aggregation */
	struct strmap blame_idx, writer_idx;
	struct u64set blame_holds, writer_reqs;
	struct attrib_blame *blame;
	size_t nblame, capblame;
	uint64_t *blame_last_wait;
	struct attrib_writer *wr;
	size_t nwr, capwr;
	uint64_t *wr_last_wait;
	/* frames kept for results */
	const char **fpool;
	size_t nfpool;
	char **owned;
	size_t nowned;
};

static struct task *task_of(struct ctx *c, int32_t tid)
{
	size_t h, i;

	if (2 * (c->ntask + 1) >= c->ntslot) {
		size_t n = c->ntslot ? c->ntslot * 2 : 256;
		size_t *s = xcalloc(n, sizeof(*s));

		for (i = 0; i < c->ntask; i++) {
			h = (uint32_t)c->tasks[i].tid * 2654435761u & (n - 1);
			while (s[h])
				h = (h + 1) & (n - 1);
			s[h] = i + 1;
		}
		free(c->tslot);
		c->tslot = s;
		c->ntslot = n;
	}
	h = (uint32_t)tid * 2654435761u & (c->ntslot - 1);
	while (c->tslot[h]) {
		if (c->tasks[c->tslot[h] - 1].tid == tid)
			return &c->tasks[c->tslot[h] - 1];
		h = (h + 1) & (c->ntslot - 1);
	}
	if (c->ntask == c->captask) {
		c->captask = c->captask ? c->captask * 2 : 64;
		c->tasks = xrealloc(c->tasks, c->captask * sizeof(*c->tasks));
	}
	memset(&c->tasks[c->ntask], 0, sizeof(c->tasks[0]));
	c->tasks[c->ntask].tid = tid;
	c->tasks[c->ntask].tgid = -1;
	c->tasks[c->ntask].wait = -1;
	c->tslot[h] = ++c->ntask;
	return &c->tasks[c->ntask - 1];
}

static struct task *find_task(const struct ctx *c, int32_t tid)
{
	size_t h;

	if (!c->ntslot)
		return NULL;
	h = (uint32_t)tid * 2654435761u & (c->ntslot - 1);
	while (c->tslot[h]) {
		if (c->tasks[c->tslot[h] - 1].tid == tid)
			return &c->tasks[c->tslot[h] - 1];
		h = (h + 1) & (c->ntslot - 1);
	}
	return NULL;
}

static long add_hold(struct ctx *c, const struct ev *e, uint64_t t0)
{
	struct hold *h;

	if (c->nh == c->caph) {
		c->caph = c->caph ? c->caph * 2 : 1024;
		c->h = xrealloc(c->h, c->caph * sizeof(*c->h));
	}
	h = &c->h[c->nh];
	*h = (struct hold){ .t0 = t0, .mm = e->mm, .comm = e->comm, .stack = e->stack, .tid = e->pid,
			    .tgid = e->tgid, .write = e->write };
	return (long)c->nh++;
}

static long add_wait(struct ctx *c, const struct ev *e)
{
	struct wait *w;

	if (c->nw == c->capw) {
		c->capw = c->capw ? c->capw * 2 : 1024;
		c->w = xrealloc(c->w, c->capw * sizeof(*c->w));
	}
	w = &c->w[c->nw];
	*w = (struct wait){ .t0 = e->ts, .mm = e->mm, .comm = e->comm, .stack = e->stack, .tid = e->pid,
			    .tgid = e->tgid, .write = e->write };
	return (long)c->nw++;
}

static int cmp_ev(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void on_lock_event(struct ctx *c, const struct ev *e)
{
	struct task *k = task_of(c, e->pid);
	long i;
	int d;

	if (e->tgid >= 0)
		k->tgid = e->tgid;
	if (!k->comm)
		k->comm = e->comm;
	switch (e->type) {
	case EV_START:
		if (k->wait >= 0) {
			c->w[k->wait].t1 = e->ts;
			c->w[k->wait].no_end = true;
			c->r->wait_without_end++;
		}
		k->wait = add_wait(c, e);
		break;
	case EV_ACQUIRE:
		i = k->wait;
		if (i >= 0 && c->w[i].mm == e->mm) {
			c->w[i].t1 = e->ts;
			c->w[i].success = e->success;
			c->w[i].acquired = true;
			if (!c->w[i].stack)
				c->w[i].stack = e->stack;
			k->wait = -1;
		} else {
			i = -1;
		}
		if (!e->success)
			break;
		/* mmap_write_downgrade() reports a read acquisition while the write hold goes on */
		if (i < 0 && !e->write && k->depth && c->h[k->held[k->depth - 1]].write &&
		    c->h[k->held[k->depth - 1]].mm == e->mm) {
			struct hold *w = &c->h[k->held[k->depth - 1]];
			long n;

			w->t1 = e->ts;
			n = add_hold(c, e, e->ts);
			w = &c->h[k->held[k->depth - 1]]; /* add_hold may move the array */
			c->h[n].stack = w->stack;
			k->held[k->depth - 1] = n;
			break;
		}
		if (k->depth == MAX_DEPTH) {
			/* releases were lost: forget the oldest */
			memmove(k->held, k->held + 1, (MAX_DEPTH - 1) * sizeof(k->held[0]));
			k->depth--;
		}
		k->held[k->depth++] = add_hold(c, e, e->ts);
		break;
	case EV_RELEASE:
		for (d = k->depth - 1; d >= 0; d--)
			if (c->h[k->held[d]].mm == e->mm)
				break;
		if (d < 0) {
			i = add_hold(c, e, c->r->first_ns);
			c->h[i].t1 = e->ts;
			c->h[i].acq_lost = true;
			c->h[i].stack = 0;
			c->r->release_without_acquire++;
			break;
		}
		c->h[k->held[d]].t1 = e->ts;
		memmove(k->held + d, k->held + d + 1, (size_t)(k->depth - d - 1) * sizeof(k->held[0]));
		k->depth--;
		break;
	}
}

static bool is_lo(const struct ctx *c, int32_t tgid, uint32_t comm)
{
	if (c->p->lo_tgid > 0 && tgid >= 0)
		return tgid == c->p->lo_tgid;
	return !strncmp(c->t->str.s[comm], "mmstall-lo", 10);
}

static void on_switch(struct ctx *c, const struct ev *e)
{
	struct task *k = task_of(c, e->pid);

	if (!k->comm)
		k->comm = e->comm;
	/*
	 * Only lo's threads are traced when they leave the CPU (with a stack);
	 * other tasks show up when they hand the CPU to one of lo's, which says
	 * nothing of their other sleeps: keep no off-CPU time for them.
	 */
	if (e->stack || is_lo(c, e->tgid, e->comm)) {
		k->out = (struct offcpu){ .t0 = e->ts, .stack = e->stack, .state = e->state };
		k->out_pending = true;
		k->switches_seen = true;
	}
	if (e->next_pid > 0) {
		struct task *n = find_task(c, e->next_pid);

		if (n && n->out_pending) {
			n->out.t1 = e->ts;
			if (n->noff == n->capoff) {
				n->capoff = n->capoff ? n->capoff * 2 : 64;
				n->off = xrealloc(n->off, n->capoff * sizeof(*n->off));
			}
			n->off[n->noff++] = n->out;
			n->out_pending = false;
		}
	}
}

/* Build holds, waits and off-CPU intervals from the events. */
static void replay(struct ctx *c)
{
	struct attrib_trace *t = c->t;
	size_t i;
	int d;

	sort(t->ev, t->nev, sizeof(*t->ev), cmp_ev);	/* already in order; this makes sure */
	for (i = 0; i < t->nev; i++) {
		if (t->ev[i].type == EV_SWITCH) {
			/* a switch-in of a task seen before: create the task now so a later lock event finds its sleeps */
			on_switch(c, &t->ev[i]);
		} else {
			on_lock_event(c, &t->ev[i]);
		}
	}
	for (i = 0; i < c->ntask; i++) {
		struct task *k = &c->tasks[i];

		for (d = 0; d < k->depth; d++) {
			c->h[k->held[d]].t1 = c->end;
			c->h[k->held[d]].open = true;
			c->r->acquire_without_release++;
		}
		if (k->wait >= 0) {
			c->w[k->wait].t1 = c->end;
			c->w[k->wait].open = true;
		}
		if (k->out_pending) {
			k->out.t1 = c->end;
			if (k->noff == k->capoff) {
				k->capoff = k->capoff ? k->capoff * 2 : 64;
				k->off = xrealloc(k->off, k->capoff * sizeof(*k->off));
			}
			k->off[k->noff++] = k->out;
			k->out_pending = false;
		}
	}
}

/* Sorting index arrays by t0, for interval queries with a prefix max of t1. */
static const struct ctx *sort_ctx;

static int cmp_hold_idx(const void *a, const void *b)
{
	const struct hold *x = &sort_ctx->h[*(const size_t *)a], *y = &sort_ctx->h[*(const size_t *)b];

	if (x->mm != y->mm)
		return x->mm < y->mm ? -1 : 1;
	return x->t0 < y->t0 ? -1 : x->t0 > y->t0;
}

static int cmp_wait_idx(const void *a, const void *b)
{
	const struct wait *x = &sort_ctx->w[*(const size_t *)a], *y = &sort_ctx->w[*(const size_t *)b];

	if (x->mm != y->mm)
		return x->mm < y->mm ? -1 : 1;
	return x->t0 < y->t0 ? -1 : x->t0 > y->t0;
}

static void index_intervals(struct ctx *c)
{
	size_t i, k;

	c->hold_order = xcalloc(c->nh + 1, sizeof(size_t));
	c->hold_maxt1 = xcalloc(c->nh + 1, sizeof(uint64_t));
	for (i = 0; i < c->nh; i++)
		c->hold_order[i] = i;
	sort_ctx = c;
	sort(c->hold_order, c->nh, sizeof(size_t), cmp_hold_idx);
	for (i = 0; i < c->nh; i++) {
		uint64_t t1 = c->h[c->hold_order[i]].t1;
		bool same = i && c->h[c->hold_order[i - 1]].mm == c->h[c->hold_order[i]].mm;

		c->hold_maxt1[i] = same && c->hold_maxt1[i - 1] > t1 ? c->hold_maxt1[i - 1] : t1;
	}
	c->wwait_order = xcalloc(c->nw + 1, sizeof(size_t));
	c->wwait_maxt1 = xcalloc(c->nw + 1, sizeof(uint64_t));
	for (i = 0, k = 0; i < c->nw; i++)
		if (c->w[i].write)
			c->wwait_order[k++] = i;
	c->nworder = k;
	sort(c->wwait_order, k, sizeof(size_t), cmp_wait_idx);
	for (i = 0; i < k; i++) {
		uint64_t t1 = c->w[c->wwait_order[i]].t1;
		bool same = i && c->w[c->wwait_order[i - 1]].mm == c->w[c->wwait_order[i]].mm;

		c->wwait_maxt1[i] = same && c->wwait_maxt1[i - 1] > t1 ? c->wwait_maxt1[i - 1] : t1;
	}
	for (i = 0; i < c->ntask; i++) {
		struct task *tk = &c->tasks[i];

		tk->off_maxt1 = xcalloc(tk->noff + 1, sizeof(uint64_t));
		for (k = 0; k < tk->noff; k++)
			tk->off_maxt1[k] = k && tk->off_maxt1[k - 1] > tk->off[k].t1 ? tk->off_maxt1[k - 1]
									: tk->off[k].t1;
	}
	sort_ctx = NULL;
}

static uint64_t overlap(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1)
{
	uint64_t lo = a0 > b0 ? a0 : b0, hi = a1 < b1 ? a1 : b1;

	return hi > lo ? hi - lo : 0;
}

/*
 * Indices (into order[]) of the intervals on mm overlapping [a, b): walk
 * back from the last one starting before b while the prefix max of t1 says
 * an earlier one can still reach a.
 */
static size_t collect(const size_t *order, const uint64_t *maxt1, size_t n, uint32_t mm,
		      uint64_t (*t0)(const struct ctx *, size_t), uint64_t (*t1)(const struct ctx *, size_t),
		      uint32_t (*mmof)(const struct ctx *, size_t), const struct ctx *c, uint64_t a, uint64_t b,
		      size_t **out)
{
	size_t lo = 0, hi = n, k = 0, cap = 0, i;

	*out = NULL;
	/* first index past the last interval of mm starting before b */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		uint32_t m = mmof(c, order[mid]);

		if (m < mm || (m == mm && t0(c, order[mid]) < b))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i-- > 0;) {
		if (mmof(c, order[i]) != mm || maxt1[i] <= a)
			break;
		if (t1(c, order[i]) > a) {
			if (k == cap) {
				cap = cap ? cap * 2 : 16;
				*out = xrealloc(*out, cap * sizeof(**out));
			}
			(*out)[k++] = order[i];
		}
	}
	return k;
}

static uint64_t hold_t0(const struct ctx *c, size_t i) { return c->h[i].t0; }
static uint64_t hold_t1(const struct ctx *c, size_t i) { return c->h[i].t1; }
static uint32_t hold_mm(const struct ctx *c, size_t i) { return c->h[i].mm; }
static uint64_t wait_t0(const struct ctx *c, size_t i) { return c->w[i].t0; }
static uint64_t wait_t1(const struct ctx *c, size_t i) { return c->w[i].t1; }
static uint32_t wait_mm(const struct ctx *c, size_t i) { return c->w[i].mm; }

static const char *thread_of(const struct ctx *c, int32_t tid, int32_t tgid, uint32_t comm)
{
	const char *name = c->t->str.s[comm];
	const struct task *k = find_task(c, tid);

	if (tgid < 0 && k)
		tgid = k->tgid;
	if (c->p->lo_tgid > 0 && tgid >= 0)
		return tgid == c->p->lo_tgid ? "lo" : tgid == c->p->hi_tgid ? "hi" : name[0] ? name : "other";
	if (!strncmp(name, "mmstall-lo", 10))
		return "lo";
	if (!strncmp(name, "mmstall-hi", 10))
		return "hi";
	return name[0] ? name : "other";
}

static bool is_hi(const struct ctx *c, const struct wait *w)
{
	const struct task *k = find_task(c, w->tid);
	int32_t tgid = w->tgid >= 0 ? w->tgid : k ? k->tgid : -1;

	if (c->p->hi_tgid > 0 && tgid >= 0)
		return tgid == c->p->hi_tgid;
	return !strncmp(c->t->str.s[w->comm], "mmstall-hi", 10);
}

/* Keep a frames array alive for the result (points into the trace's strings). */
static const char *const *keep_frames(struct ctx *c, const struct frames *f)
{
	const char **a;

	if (!f->n)
		return NULL;
	a = xmalloc(f->n * sizeof(*a));
	memcpy(a, f->f, f->n * sizeof(*a));
	c->owned = xrealloc(c->owned, (c->nowned + 1) * sizeof(*c->owned));
	c->owned[c->nowned++] = (char *)a;
	return a;
}

static void frames_key(char *buf, size_t len, const struct frames *f)
{
	size_t used = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < f->n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s;", f->f[i]);
}

static const char *const state_names[] = { "running", "sleeping", "preempted", "unknown", "queued" };

static enum attrib_state state_of(char s)
{
	if (s == 'R')
		return ATTRIB_PREEMPTED;
	if (s == '?')
		return ATTRIB_UNKNOWN_STATE;
	return ATTRIB_SLEEPING;
}

/* A piece of a wait charged to one holder in one state. */
struct piece {
	size_t hold;		/* index in c->h; in c->w when queued */
	enum attrib_state state;
	uint32_t stack;		/* sleep stack, or the hold's acquisition stack when running */
	uint64_t ns;
	bool queued;		/* a queued writer's time (ATTRIB_QUEUED), not a hold's */
};

static struct attrib_blame *blame_entry(struct ctx *c, const struct hold *h, enum attrib_state st, uint32_t stack,
					size_t *idx)
{
	char key[2048], fk[1600];
	struct frames f;
	const char *call, *thread = thread_of(c, h->tid, h->tgid, h->comm);
	bool added;
	size_t *v;

	classify(c->t, h->stack, &call);
	clean_frames(c->t, stack, &f);
	frames_key(fk, sizeof(fk), &f);
	snprintf(key, sizeof(key), "%s|%d|%s|%d|%s", thread, h->write, call ? call : "", st, fk);
	v = strmap_get(&c->blame_idx, key, &added);
	if (added) {
		if (c->nblame == c->capblame) {
			c->capblame = c->capblame ? c->capblame * 2 : 64;
			c->blame = xrealloc(c->blame, c->capblame * sizeof(*c->blame));
			c->blame_last_wait = xrealloc(c->blame_last_wait, c->capblame * sizeof(uint64_t));
		}
		*v = c->nblame++;
		memset(&c->blame[*v], 0, sizeof(c->blame[0]));
		c->blame[*v] = (struct attrib_blame){ .thread = thread, .write = h->write, .call = call, .state = st,
						      .frames = keep_frames(c, &f), .n_frames = f.n };
		c->blame_last_wait[*v] = UINT64_MAX;
	}
	*idx = *v;
	return &c->blame[*v];
}

static struct attrib_writer *writer_entry(struct ctx *c, const struct wait *w, size_t *idx)
{
	char key[2048], fk[1600];
	struct frames f;
	const char *call;
	bool added;
	size_t *v;

	classify(c->t, w->stack, &call);
	clean_frames(c->t, w->stack, &f);
	frames_key(fk, sizeof(fk), &f);
	snprintf(key, sizeof(key), "%s|%s", call ? call : "", fk);
	v = strmap_get(&c->writer_idx, key, &added);
	if (added) {
		if (c->nwr == c->capwr) {
			c->capwr = c->capwr ? c->capwr * 2 : 16;
			c->wr = xrealloc(c->wr, c->capwr * sizeof(*c->wr));
			c->wr_last_wait = xrealloc(c->wr_last_wait, c->capwr * sizeof(uint64_t));
		}
		*v = c->nwr++;
		c->wr[*v] = (struct attrib_writer){ .call = call ? call : "unknown", .frames = keep_frames(c, &f),
						    .n_frames = f.n };
		c->wr_last_wait[*v] = UINT64_MAX;
	}
	*idx = *v;
	return &c->wr[*v];
}

/* One past the last off-CPU interval of k starting before b; walk back from there while off_maxt1 > a. */
static size_t off_last(const struct task *k, uint64_t b)
{
	size_t lo = 0, hi = k->noff;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (k->off[mid].t0 < b)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Charge [a, b) of hold h to its holder's states: off-CPU intervals by their stack, the rest as running. */
static size_t split_by_state(const struct ctx *c, size_t hi, uint64_t a, uint64_t b, struct piece **pc, size_t np,
			     size_t *cap)
{
	const struct hold *h = &c->h[hi];
	const struct task *k = find_task(c, h->tid);
	uint64_t off = 0;
	size_t i;

#define PUSH(st_, stack_, ns_)                                                  \
	do {                                                                    \
		if (np == *cap) {                                               \
			*cap = *cap ? *cap * 2 : 16;                            \
			*pc = xrealloc(*pc, *cap * sizeof(**pc));               \
		}                                                               \
		(*pc)[np++] = (struct piece){ hi, (st_), (stack_), (ns_), false };      \
	} while (0)

	if (k) {
		for (i = off_last(k, b); i-- > 0 && k->off_maxt1[i] > a;) {
			uint64_t o = overlap(a, b, k->off[i].t0, k->off[i].t1);

			if (o) {
				PUSH(state_of(k->off[i].state), k->off[i].stack, o);
				off += o;
			}
		}
	}
	/* on CPU, or unknown for a holder whose sched_switch events are not traced (not lo's) */
	if (b - a > off)
		PUSH((k && k->switches_seen) || !strcmp(thread_of(c, h->tid, h->tgid, h->comm), "lo")
			     ? ATTRIB_RUNNING
			     : ATTRIB_UNKNOWN_STATE,
		     h->stack, b - a - off);
#undef PUSH
	return np;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool lost_near(const struct ctx *c, uint64_t a, uint64_t b)
{
	size_t i;

	if (c->r->complete_from_ns && a < c->r->complete_from_ns)
		return true;
	for (i = 0; i < c->t->nlost; i++)
		if (c->t->lost_ts[i] + NSEC_PER_MSEC >= a && c->t->lost_ts[i] <= b)
			return true;
	return false;
}

/* What one hi wait is made of: the holds and write requests around it, cut into pieces. */
struct wait_cut {
	size_t *hs, nhs;		/* holds on the mm overlapping the wait */
	size_t *ws, nws;		/* write requests on the mm overlapping it */
	uint64_t *hold_ns, *wr_ns;	/* time each was the blocker / the queued writer */
	struct piece *pc;		/* the blockers' time by holder state */
	size_t np, capp;
	uint64_t lock_free, handoff, unseen;
};

/* Every time the lock's state on the mm changes within the wait (sorted, unique enough). */
static size_t wait_bounds(const struct ctx *c, const struct wait *w, const struct wait_cut *k, uint64_t **out)
{
	uint64_t *bound = xmalloc((2 * (k->nhs + k->nws) + 2) * sizeof(*bound));
	size_t i, nb = 0;

#define BOUND(t)                                        \
	do {                                            \
		if ((t) > w->t0 && (t) < w->t1)         \
			bound[nb++] = (t);              \
	} while (0)
	bound[nb++] = w->t0;
	bound[nb++] = w->t1;
	for (i = 0; i < k->nhs; i++) {
		if (c->h[k->hs[i]].tid != w->tid) {
			BOUND(c->h[k->hs[i]].t0);
			BOUND(c->h[k->hs[i]].t1);
		}
	}
	for (i = 0; i < k->nws; i++) {
		if (c->w[k->ws[i]].tid != w->tid) {
			BOUND(c->w[k->ws[i]].t0);
			BOUND(c->w[k->ws[i]].t1);
		}
	}
#undef BOUND
	sort(bound, nb, sizeof(*bound), cmp_u64);
	*out = bound;
	return nb;
}

/* The blocking hold in [a, b): the write hold in force, else the read hold released last.  Index in k->hs or -1. */
static long blocker_of(struct ctx *c, const struct wait *w, const struct wait_cut *k, uint64_t a, uint64_t b)
{
	long best = -1;
	int nwrite = 0;
	size_t i;

	for (i = 0; i < k->nhs; i++) {
		const struct hold *h = &c->h[k->hs[i]], *x = best >= 0 ? &c->h[k->hs[best]] : NULL;

		if (h->tid == w->tid || h->t0 > a || h->t1 < b)
			continue;
		if (h->write) {
			nwrite++;
			if (!x || !x->write || h->t0 < x->t0)
				best = (long)i;
		} else if (!x || (!x->write && h->t1 > x->t1)) {
			best = (long)i;
		}
	}
	if (nwrite > 1)
		c->r->overlapping_writes++;
	return best;
}

/* The write request queued in [a, b) (the oldest).  Index in k->ws or -1. */
static long writer_of(const struct ctx *c, const struct wait *w, const struct wait_cut *k, uint64_t a, uint64_t b)
{
	long best = -1;
	size_t i;

	for (i = 0; i < k->nws; i++) {
		const struct wait *x = &c->w[k->ws[i]];

		if (x->tid == w->tid || x->t0 > a || x->t1 < b)
			continue;
		if (best < 0 || x->t0 < c->w[k->ws[best]].t0)
			best = (long)i;
	}
	return best;
}

static void charge_writer(struct ctx *c, size_t wi, uint64_t ns, uint64_t wait_id)
{
	size_t e;
	struct attrib_writer *we = writer_entry(c, &c->w[wi], &e);

	we->stall_ns += ns;
	if (c->wr_last_wait[e] != wait_id) {
		c->wr_last_wait[e] = wait_id;
		we->waits++;
	}
	if (u64set_add(&c->writer_reqs, (uint64_t)wi)) {
		uint64_t q = c->w[wi].t1 - c->w[wi].t0;

		we->requests++;
		if (q > we->max_queued_ns)
			we->max_queued_ns = q;
		if (!c->w[wi].acquired)
			we->never_acquired++;
	}
}

/* Cut the wait at every change of the lock's state; charge writers, collect the blockers' pieces. */
static void cut_wait(struct ctx *c, const struct wait *w, struct wait_cut *k, uint64_t wait_id)
{
	uint64_t *bound;
	size_t j, nb;

	k->nhs = collect(c->hold_order, c->hold_maxt1, c->nh, w->mm, hold_t0, hold_t1, hold_mm, c, w->t0, w->t1,
			 &k->hs);
	k->nws = collect(c->wwait_order, c->wwait_maxt1, c->nworder, w->mm, wait_t0, wait_t1, wait_mm, c, w->t0,
			 w->t1, &k->ws);
	k->hold_ns = xcalloc(k->nhs + 1, sizeof(*k->hold_ns));
	k->wr_ns = xcalloc(k->nws + 1, sizeof(*k->wr_ns));
	nb = wait_bounds(c, w, k, &bound);
	for (j = 0; j + 1 < nb; j++) {
		uint64_t a = bound[j], b = bound[j + 1];
		long bi, wri;

		if (a == b)
			continue;
		bi = blocker_of(c, w, k, a, b);
		wri = writer_of(c, w, k, a, b);
		if (wri >= 0) {
			charge_writer(c, k->ws[wri], b - a, wait_id);
			k->wr_ns[wri] += b - a;
		}
		if (bi >= 0) {
			k->hold_ns[bi] += b - a;
			k->np = split_by_state(c, k->hs[bi], a, b, &k->pc, k->np, &k->capp);
		} else if (wri >= 0 && lost_near(c, a, b)) {
			k->unseen += b - a;	/* around lost events: a hold may be missing */
		} else if (wri >= 0) {
			/*
			 * A writer queued on a free lock: the lock is reserved for
			 * it while it is woken and not yet running (or readers
			 * steal it until the handoff).  The writer is what hi
			 * waits behind: its call and request stack are the path.
			 */
			if (k->np == k->capp) {
				k->capp = k->capp ? k->capp * 2 : 16;
				k->pc = xrealloc(k->pc, k->capp * sizeof(*k->pc));
			}
			k->pc[k->np++] = (struct piece){ .hold = k->ws[wri], .state = ATTRIB_QUEUED,
							 .stack = c->w[k->ws[wri]].stack, .ns = b - a, .queued = true };
		} else {
			k->lock_free += b - a;
		}
	}
	free(bound);
}

/* Charge the blockers' pieces to the holder stacks; returns the time explained (a call or a stack known). */
static uint64_t charge_pieces(struct ctx *c, const struct wait_cut *k, int probe, uint64_t wait_id, uint64_t *no_path)
{
	uint64_t explained = 0;
	size_t i, e;

	for (i = 0; i < k->np; i++) {
		const struct piece *p = &k->pc[i];
		const struct wait *qw = p->queued ? &c->w[p->hold] : NULL;
		/* a queued writer stands in as the holder: its thread, mode and request stack */
		const struct hold as_hold = qw ? (struct hold){ .t0 = qw->t0, .t1 = qw->t1, .mm = qw->mm, .comm = qw->comm,
							       .stack = qw->stack, .tid = qw->tid, .tgid = qw->tgid,
							       .write = qw->write }
					       : c->h[p->hold];
		struct attrib_blame *be = blame_entry(c, &as_hold, p->state, p->stack, &e);

		if (!be->call && !be->n_frames) {
			*no_path += p->ns;
			continue;
		}
		explained += p->ns;
		be->stall_ns += p->ns;
		be->probe_ns[probe] += p->ns;
		if (c->blame_last_wait[e] != wait_id) {
			c->blame_last_wait[e] = wait_id;
			be->waits++;
		}
		/* distinct holds (a queued writer's request counts as one, in its own key space) */
		if (u64set_add(&c->blame_holds, (uint64_t)e << 32 | (uint64_t)p->hold << 1 | p->queued))
			be->holds++;
	}
	return explained;
}

static int cmp_piece(const void *a, const void *b)
{
	const struct piece *x = a, *y = b;

	if (x->queued != y->queued)
		return x->queued ? 1 : -1;
	if (x->hold != y->hold)
		return x->hold < y->hold ? -1 : 1;
	if (x->state != y->state)
		return x->state < y->state ? -1 : 1;
	return x->stack < y->stack ? -1 : x->stack > y->stack;
}

/* The chain's holder: the hold charged most, in its dominant state (its pieces of equal state and stack summed). */
static void chain_holder(struct ctx *c, struct wait_cut *k, size_t hi_idx, struct attrib_holder_info *hi)
{
	const struct hold *h = &c->h[k->hs[hi_idx]];
	uint64_t best = 0, sum = 0;
	size_t i, best_i = 0;
	struct frames f;

	hi->tid = h->tid;
	hi->thread = thread_of(c, h->tid, h->tgid, h->comm);
	hi->write = h->write;
	classify(c->t, h->stack, &hi->call);
	hi->held_ns = h->t1 - h->t0;
	hi->acquire_lost = h->acq_lost;
	hi->open = h->open;
	hi->charged_ns = k->hold_ns[hi_idx];
	hi->state = ATTRIB_UNKNOWN_STATE;
	sort(k->pc, k->np, sizeof(*k->pc), cmp_piece);
	for (i = 0; i < k->np; i++) {
		const struct piece *p = &k->pc[i];

		if (p->queued || p->hold != k->hs[hi_idx])
			continue;
		if (p->state == ATTRIB_SLEEPING || p->state == ATTRIB_PREEMPTED)
			hi->off_cpu_ns += p->ns;
		sum += p->ns;
		if (i + 1 == k->np || cmp_piece(p, p + 1)) {	/* the end of a run of equal pieces */
			if (sum > best) {
				best = sum;
				best_i = i;
			}
			sum = 0;
		}
	}
	if (best) {
		hi->state = k->pc[best_i].state;
		clean_frames(c->t, k->pc[best_i].stack, &f);
		hi->frames = keep_frames(c, &f);
		hi->n_frames = f.n;
	}
}

static void keep_chain(struct attrib_result *r, const struct attrib_chain *ch)
{
	size_t i, m = 0;

	if (r->n_chains < ATTRIB_MAX_CHAINS) {
		r->chains[r->n_chains++] = *ch;
		return;
	}
	/* keep the longest: replace the shortest kept */
	for (i = 1; i < r->n_chains; i++)
		if (r->chains[i].wait_ns < r->chains[m].wait_ns)
			m = i;
	if (r->chains[m].wait_ns < ch->wait_ns)
		r->chains[m] = *ch;
	r->chains_dropped++;
}

static void add_sums(struct attrib_sum *s, uint64_t explained, const struct wait_cut *k, uint64_t no_path)
{
	s->explained_ns += explained;
	s->un.lock_free_ns += k->lock_free;
	s->un.handoff_ns += k->handoff;
	s->un.unseen_holder_ns += k->unseen;
	s->un.no_path_ns += no_path;
}

/* One hi wait over the threshold: slices, blame, chain. */
static void analyse_wait(struct ctx *c, size_t wi, int probe, uint64_t wait_id)
{
	const struct wait *w = &c->w[wi];
	struct wait_cut k = { 0 };
	struct attrib_chain ch = { 0 };
	uint64_t explained, no_path = 0;
	long best_hold = -1, best_writer = -1;
	size_t i;

	cut_wait(c, w, &k, wait_id);
	explained = charge_pieces(c, &k, probe, wait_id, &no_path);
	add_sums(&c->r->total, explained, &k, no_path);
	add_sums(&c->r->probe[probe], explained, &k, no_path);
	for (i = 0; i < k.nhs; i++)
		if (k.hold_ns[i] && (best_hold < 0 || k.hold_ns[i] > k.hold_ns[best_hold]))
			best_hold = (long)i;
	for (i = 0; i < k.nws; i++)
		if (k.wr_ns[i] && (best_writer < 0 || k.wr_ns[i] > k.wr_ns[best_writer]))
			best_writer = (long)i;

	ch.t_ns = w->t0;
	ch.wait_ns = w->t1 - w->t0;
	ch.probe = attrib_probe_names[probe];
	ch.tid = w->tid;
	ch.open = w->open;
	ch.in_lost_part = lost_near(c, w->t0, w->t1);
	ch.explained_ns = explained;
	if (best_writer >= 0) {
		const struct wait *x = &c->w[k.ws[best_writer]];

		ch.has_writer = true;
		ch.writer_tid = x->tid;
		classify(c->t, x->stack, &ch.writer_call);
		if (!ch.writer_call)
			ch.writer_call = "unknown";
		ch.writer_queued_ns = x->t1 - x->t0;
		ch.writer_acquired = x->acquired;
	}
	if (best_hold >= 0) {
		ch.has_holder = true;
		chain_holder(c, &k, (size_t)best_hold, &ch.holder);
	}
	keep_chain(c->r, &ch);
	free(k.hs);
	free(k.ws);
	free(k.hold_ns);
	free(k.wr_ns);
	free(k.pc);
}

/* Holds of lo's mm overlapping the window; the long ones are kept. */
static void long_holds(struct ctx *c)
{
	const struct attrib_params *p = c->p;
	size_t i, j, n = 0;

	for (i = 0; i < c->nh; i++) {
		const struct hold *h = &c->h[i];
		struct attrib_hold x = { 0 };
		const struct task *k;
		struct frames f;
		uint64_t best = 0;

		if (h->t1 <= p->window_start_ns)
			continue;
		if (strcmp(thread_of(c, h->tid, h->tgid, h->comm), "lo"))
			continue;
		c->r->holds_total++;
		if (h->t1 - h->t0 < p->min_ns)
			continue;
		c->r->holds_over++;
		x.t_ns = h->t0;
		x.tid = h->tid;
		x.thread = "lo";
		x.write = h->write;
		classify(c->t, h->stack, &x.call);
		x.held_ns = h->t1 - h->t0;
		x.acquire_lost = h->acq_lost;
		x.open = h->open;
		k = find_task(c, h->tid);
		for (j = k ? off_last(k, h->t1) : 0; j-- > 0 && k->off_maxt1[j] > h->t0;) {
			uint64_t o = overlap(h->t0, h->t1, k->off[j].t0, k->off[j].t1);

			x.off_cpu_ns += o;
			if (o > best) {
				best = o;
				x.state = state_of(k->off[j].state);
				clean_frames(c->t, k->off[j].stack, &f);
				x.frames = keep_frames(c, &f);
				x.n_frames = f.n;
			}
		}
		clean_frames(c->t, h->stack, &f);
		x.acquire_frames = keep_frames(c, &f);
		x.n_acquire_frames = f.n;
		if (x.held_ns - x.off_cpu_ns >= best) {
			x.state = ATTRIB_RUNNING;
			x.frames = x.acquire_frames;
			x.n_frames = x.n_acquire_frames;
		}
		if (n < ATTRIB_MAX_HOLDS) {
			c->r->holds[n++] = x;
		} else {
			size_t m = 0;

			for (j = 1; j < n; j++)
				if (c->r->holds[j].held_ns < c->r->holds[m].held_ns)
					m = j;
			if (c->r->holds[m].held_ns < x.held_ns)
				c->r->holds[m] = x;
		}
	}
	c->r->n_holds = n;
}

static int cmp_chain(const void *a, const void *b)
{
	const struct attrib_chain *x = a, *y = b;

	return x->wait_ns > y->wait_ns ? -1 : x->wait_ns < y->wait_ns;
}

static int cmp_blame(const void *a, const void *b)
{
	const struct attrib_blame *x = a, *y = b;

	return x->stall_ns > y->stall_ns ? -1 : x->stall_ns < y->stall_ns;
}

static int cmp_writer(const void *a, const void *b)
{
	const struct attrib_writer *x = a, *y = b;

	return x->stall_ns > y->stall_ns ? -1 : x->stall_ns < y->stall_ns;
}

static int cmp_hold(const void *a, const void *b)
{
	const struct attrib_hold *x = a, *y = b;

	return x->held_ns > y->held_ns ? -1 : x->held_ns < y->held_ns;
}

/* Owned allocations of the result: frames arrays. */
struct attrib_result_priv {
	struct attrib_result pub;
	char **owned;
	size_t nowned;
};

int attrib_analyse(const struct attrib_trace *tc, const struct attrib_params *p, struct attrib_result **out)
{
	struct attrib_trace *t = (struct attrib_trace *)tc;	/* sorted in place; nothing else changes */
	struct attrib_result_priv *rp = xcalloc(1, sizeof(*rp));
	struct attrib_result *r = &rp->pub;
	struct ctx c = { .t = t, .p = p, .r = r };
	uint64_t mms = 0, wait_id = 0;
	size_t i;

	finish_stack(t);
	r->chains = xcalloc(ATTRIB_MAX_CHAINS, sizeof(*r->chains));
	r->holds = xcalloc(ATTRIB_MAX_HOLDS, sizeof(*r->holds));
	for (i = 0; i < t->nev; i++)
		if (!r->first_ns || t->ev[i].ts < r->first_ns)
			r->first_ns = t->ev[i].ts;
	c.end = p->trace_end_ns > t->last_ts ? p->trace_end_ns : t->last_ts;
	for (i = 0; i < t->nev; i++)
		if (t->ev[i].ts > c.end)
			c.end = t->ev[i].ts;
	r->last_ns = c.end;
	for (i = 0; i < t->ncpu; i++)
		if (t->restarted[i] && t->restart_first_ts[i] > r->complete_from_ns)
			r->complete_from_ns = t->restart_first_ts[i];
	replay(&c);
	index_intervals(&c);

	for (i = 0; i < c.nh; i++)
		if (!i || c.h[c.hold_order[i]].mm != c.h[c.hold_order[i - 1]].mm)
			mms++;
	r->mms = mms;
	for (i = 0; i < c.nw; i++) {
		const struct wait *w = &c.w[i];
		const char *call;
		int probe;

		/* from the window's start on: after its end only samples due in it run (the drain) */
		if (w->t0 < p->window_start_ns || w->write || !is_hi(&c, w))
			continue;
		probe = classify(t, w->stack, &call);
		r->total.waits++;
		r->probe[probe].waits++;
		if (w->t1 - w->t0 < p->min_ns)
			continue;
		r->total.waits_over++;
		r->probe[probe].waits_over++;
		if (w->t0 >= p->window_end_ns)
			r->drain_waits++;
		r->total.wait_ns += w->t1 - w->t0;
		r->probe[probe].wait_ns += w->t1 - w->t0;
		if (w->t1 - w->t0 > r->total.max_wait_ns)
			r->total.max_wait_ns = w->t1 - w->t0;
		if (w->t1 - w->t0 > r->probe[probe].max_wait_ns)
			r->probe[probe].max_wait_ns = w->t1 - w->t0;
		analyse_wait(&c, i, probe, wait_id++);
	}
	long_holds(&c);

	sort(r->chains, r->n_chains, sizeof(*r->chains), cmp_chain);
	sort(r->holds, r->n_holds, sizeof(*r->holds), cmp_hold);
	sort(c.blame, c.nblame, sizeof(*c.blame), cmp_blame);
	sort(c.wr, c.nwr, sizeof(*c.wr), cmp_writer);
	r->holders = c.blame;
	r->n_holders = c.nblame;
	r->writers = c.wr;
	r->n_writers = c.nwr;
	rp->owned = c.owned;
	rp->nowned = c.nowned;

	free(c.h);
	free(c.w);
	for (i = 0; i < c.ntask; i++) {
		free(c.tasks[i].off);
		free(c.tasks[i].off_maxt1);
	}
	free(c.tasks);
	free(c.tslot);
	free(c.hold_order);
	free(c.hold_maxt1);
	free(c.wwait_order);
	free(c.wwait_maxt1);
	strmap_free(&c.blame_idx);
	strmap_free(&c.writer_idx);
	free(c.blame_holds.v);
	free(c.writer_reqs.v);
	free(c.blame_last_wait);
	free(c.wr_last_wait);
	*out = r;
	return 0;
}

void attrib_result_free(struct attrib_result *r)
{
	struct attrib_result_priv *rp = (struct attrib_result_priv *)r;
	size_t i;

	if (!r)
		return;
	for (i = 0; i < rp->nowned; i++)
		free(rp->owned[i]);
	free(rp->owned);
	free(r->chains);
	free(r->holds);
	free(r->holders);
	free(r->writers);
	free(rp);
}

/* ---- JSON ---- */

static json_t *frames_json(const char *const *f, unsigned int n)
{
	json_t *a = json_array();
	unsigned int i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(f[i]));
	return a;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *ns_json(uint64_t ns)
{
	return json_integer((json_int_t)ns);
}

static json_t *share_json(uint64_t part, uint64_t whole)
{
	return whole ? json_real((double)part / (double)whole) : json_null();
}

/* seconds relative to the window's start, to the microsecond */
static json_t *rel_s(const struct attrib_params *p, uint64_t t)
{
	double us = (double)((int64_t)(t / 1000) - (int64_t)(p->window_start_ns / 1000));

	return json_real(us / 1e6);
}

static json_t *sum_json(const struct attrib_sum *s)
{
	return json_pack("{s:I,s:I,s:o,s:o,s:o,s:o,s:{s:o,s:o,s:o,s:o}}", "waits", (json_int_t)s->waits,
			 "waits_over_min", (json_int_t)s->waits_over, "wait_ns", ns_json(s->wait_ns), "max_wait_ns",
			 ns_json(s->max_wait_ns), "explained_ns", ns_json(s->explained_ns), "explained_share",
			 share_json(s->explained_ns, s->wait_ns), "unexplained", "handoff_ns",
			 ns_json(s->un.handoff_ns), "lock_free_ns", ns_json(s->un.lock_free_ns), "unseen_holder_ns",
			 ns_json(s->un.unseen_holder_ns), "no_path_ns", ns_json(s->un.no_path_ns));
}

static json_t *holder_json(const struct attrib_holder_info *h)
{
	return json_pack("{s:i,s:s,s:s,s:o,s:o,s:b,s:b,s:s,s:o,s:o,s:o}", "tid", (int)h->tid, "thread", h->thread,
			 "mode", h->write ? "write" : "read", "call", str_or_null(h->call), "held_ns",
			 ns_json(h->held_ns), "acquire_lost", h->acquire_lost, "open", h->open, "state",
			 state_names[h->state], "frames", frames_json(h->frames, h->n_frames), "off_cpu_ns",
			 ns_json(h->off_cpu_ns), "charged_ns", ns_json(h->charged_ns));
}

static json_t *chain_json(const struct attrib_params *p, const struct attrib_chain *c)
{
	json_t *o = json_pack("{s:o,s:s,s:i,s:o,s:b,s:b,s:o,s:o,s:o}", "t_s", rel_s(p, c->t_ns), "probe", c->probe,
			      "tid", (int)c->tid, "wait_ns", ns_json(c->wait_ns), "open", c->open, "in_lost_part",
			      c->in_lost_part, "explained_ns", ns_json(c->explained_ns), "writer", json_null(),
			      "holder", c->has_holder ? holder_json(&c->holder) : json_null());

	if (c->has_writer)
		json_object_set_new(o, "writer",
				    json_pack("{s:i,s:s,s:o,s:b}", "tid", (int)c->writer_tid, "call", c->writer_call,
					      "queued_ns", ns_json(c->writer_queued_ns), "acquired",
					      c->writer_acquired));
	return o;
}

static json_t *blame_json(const struct attrib_blame *b)
{
	json_t *pr = json_object();
	unsigned int i;

	for (i = 0; i < attrib_nr_probes; i++)
		if (b->probe_ns[i])
			json_object_set_new(pr, attrib_probe_names[i], ns_json(b->probe_ns[i]));
	return json_pack("{s:o,s:s,s:s,s:o,s:s,s:o,s:I,s:I,s:o}", "frames", frames_json(b->frames, b->n_frames),
			 "state", state_names[b->state], "thread", b->thread, "call", str_or_null(b->call), "mode",
			 b->write ? "write" : "read", "stall_ns", ns_json(b->stall_ns), "waits", (json_int_t)b->waits,
			 "holds", (json_int_t)b->holds, "probes_ns", pr);
}

static json_t *writer_json(const struct attrib_writer *w)
{
	return json_pack("{s:s,s:o,s:o,s:I,s:I,s:o,s:I}", "call", w->call, "frames", frames_json(w->frames, w->n_frames),
			 "stall_ns", ns_json(w->stall_ns), "waits", (json_int_t)w->waits, "requests",
			 (json_int_t)w->requests, "max_queued_ns", ns_json(w->max_queued_ns), "never_acquired",
			 (json_int_t)w->never_acquired);
}

static json_t *hold_json(const struct attrib_params *p, const struct attrib_hold *h)
{
	return json_pack("{s:o,s:i,s:s,s:s,s:o,s:o,s:o,s:b,s:b,s:s,s:o,s:o}", "t_s", rel_s(p, h->t_ns), "tid",
			 (int)h->tid, "thread", h->thread, "mode", h->write ? "write" : "read", "call",
			 str_or_null(h->call), "held_ns", ns_json(h->held_ns), "off_cpu_ns", ns_json(h->off_cpu_ns),
			 "acquire_lost", h->acquire_lost, "open", h->open, "state", state_names[h->state], "frames",
			 frames_json(h->frames, h->n_frames), "acquire_frames",
			 frames_json(h->acquire_frames, h->n_acquire_frames));
}

static json_t *base_json(const struct attrib_params *p, const char *status, const char *error)
{
	return json_pack("{s:s,s:o,s:o,s:o,s:o,s:o}", "status", status, "error", str_or_null(error), "method",
			 str_or_null(p->method), "min_ns", ns_json(p->min_ns), "limits",
			 attrib_limits_json(p->kernel_release), "unattributable_probes",
			 attrib_unattributable_json(p->kernel_release));
}

json_t *attrib_failed_json(const char *why, const struct attrib_params *p)
{
	return base_json(p, "failed", why);
}

json_t *attrib_to_json(const struct attrib_trace *t, const struct attrib_result *r, const struct attrib_params *p)
{
	json_t *o = base_json(p, "ok", NULL), *a, *probes = json_object(), *tr;
	struct attrib_trace_counts tc;
	size_t i;

	attrib_trace_counts(t, &tc);
	tr = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:o,s:o,s:I}", "lines", (json_int_t)tc.lines,
		       "events", (json_int_t)tc.events, "lock_events", (json_int_t)tc.lock_events, "sched_switch",
		       (json_int_t)tc.switches, "stacks", (json_int_t)tc.stacks, "orphan_stacks",
		       (json_int_t)tc.orphan_stacks, "unparsed_lines", (json_int_t)tc.unparsed, "lost_markers",
		       (json_int_t)tc.lost_markers, "lost_events", (json_int_t)tc.lost_events, "cpu_restarts",
		       (json_int_t)tc.cpu_restarts, "first_s", r->first_ns ? rel_s(p, r->first_ns) : json_null(),
		       "end_s", rel_s(p, r->last_ns), "complete_from_s",
		       r->complete_from_ns ? rel_s(p, r->complete_from_ns) : json_null(), "mms", (json_int_t)r->mms);
	json_object_set_new(tr, "anomalies",
			    json_pack("{s:I,s:I,s:I,s:I}", "release_without_acquire",
				      (json_int_t)r->release_without_acquire, "wait_without_end",
				      (json_int_t)r->wait_without_end, "held_at_end",
				      (json_int_t)r->acquire_without_release, "overlapping_write_holds",
				      (json_int_t)r->overlapping_writes));
	if (p->buffer)
		json_object_set_new(tr, "buffer",
				    json_pack("{s:I,s:i,s:I,s:I,s:I,s:I}", "kb_per_cpu",
					      (json_int_t)p->buffer->buffer_kb_per_cpu, "cpus", (int)p->buffer->cpus,
					      "entries", (json_int_t)p->buffer->entries, "overrun",
					      (json_int_t)p->buffer->overrun, "commit_overrun",
					      (json_int_t)p->buffer->commit_overrun, "dropped",
					      (json_int_t)p->buffer->dropped));
	json_object_set_new(o, "trace", tr);
	json_object_set_new(o, "total", sum_json(&r->total));
	json_object_set_new(json_object_get(o, "total"), "drain_waits", json_integer((json_int_t)r->drain_waits));
	for (i = 0; i < attrib_nr_probes; i++)
		if (r->probe[i].waits)
			json_object_set_new(probes, attrib_probe_names[i], sum_json(&r->probe[i]));
	json_object_set_new(o, "probes", probes);
	a = json_array();
	for (i = 0; i < r->n_holders && i < ATTRIB_MAX_BLAME; i++)
		json_array_append_new(a, blame_json(&r->holders[i]));
	json_object_set_new(o, "holders", a);
	json_object_set_new(o, "holders_dropped",
			    json_integer((json_int_t)(r->n_holders > ATTRIB_MAX_BLAME ? r->n_holders - ATTRIB_MAX_BLAME
										: 0)));
	a = json_array();
	for (i = 0; i < r->n_writers && i < ATTRIB_MAX_BLAME; i++)
		json_array_append_new(a, writer_json(&r->writers[i]));
	json_object_set_new(o, "writers", a);
	a = json_array();
	for (i = 0; i < r->n_chains; i++)
		json_array_append_new(a, chain_json(p, &r->chains[i]));
	json_object_set_new(o, "chains", a);
	json_object_set_new(o, "chains_dropped", json_integer((json_int_t)r->chains_dropped));
	a = json_array();
	for (i = 0; i < r->n_holds; i++)
		json_array_append_new(a, hold_json(p, &r->holds[i]));
	json_object_set_new(o, "long_holds", a);
	json_object_set_new(o, "holds",
			    json_pack("{s:I,s:I,s:I}", "total", (json_int_t)r->holds_total, "over_min",
				      (json_int_t)r->holds_over, "kept", (json_int_t)r->n_holds));
	return o;
}

/* ---- what a kernel can do ---- */

/* release is that version or later (false when unreadable) */
static bool at_least(const char *release, unsigned int major, unsigned int minor)
{
	return kfeatures_version(release) >= KFEATURE_VERSION(major, minor);
}

json_t *attrib_unattributable_json(const char *release)
{
	json_t *o = json_object();

	if (!release || at_least(release, 6, 17))
		json_object_set_new(o, "maps", json_string("/proc/pid/maps is read under per-VMA locks and RCU (6.17+): "
							   "its waits fire no mmap_lock tracepoint"));
	return o;
}

json_t *attrib_limits_json(const char *release)
{
	json_t *a = json_array();

	json_array_append_new(a, json_string("only lo's mm is traced (the tracepoints are filtered on lo's memory "
					     "cgroup): waits of hi on its own mm (the mmap and mprotect probes) and "
					     "stalls that are no mmap_lock wait (io, status) are not attributed"));
	if (!release || at_least(release, 6, 4))
		json_array_append_new(a, json_string(
			"per-VMA lock acquisitions fire no mmap_lock tracepoint (6.4+ with CONFIG_PER_VMA_LOCK, on "
			"by default on x86-64): a page fault that holds only its VMA's lock is never a holder here, "
			"and a holder or writer seen asleep in vma_start_write waits for one"));
	if (!release || at_least(release, 6, 17))
		json_array_append_new(a, json_string(
			"maps: /proc/pid/maps is read under per-VMA locks and RCU (6.17+) and takes mmap_lock only "
			"when that fails: its stalls cannot be attributed this way"));
	return a;
}
