// SPDX-License-Identifier: GPL-2.0
/*
 * SysV shared memory for fio on a kernel without it (CONFIG_SYSVIPC not
 * set), preloaded into fio by mmstall (LD_PRELOAD) only then.
 *
 * fio keeps its job table in SysV segments whatever its options
 * (add_thread_segment(): shmget, shmat, then IPC_RMID at once; shmdt and
 * IPC_RMID at exit), and stops with "failed to setup shm segment" when
 * shmget fails.  Here shmget() still asks the kernel first; only when the
 * kernel answers ENOSYS does it hand out a MAP_SHARED anonymous mapping,
 * made at shmget() time so that processes fio forks after shmat() share it
 * as they would share the segment.  IPC_PRIVATE segments only: fio uses no
 * other kind.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_SEGS 64
#define FAKE_ID_BASE 0x6d6d0000	/* "mm": ids the kernel does not hand out in practice */

static struct {
	void *addr;
	size_t size;
} segs[MAX_SEGS];

static int fake(int id)
{
	return id >= FAKE_ID_BASE && id < FAKE_ID_BASE + MAX_SEGS && segs[id - FAKE_ID_BASE].addr;
}

int shmget(key_t key, size_t size, int flags)
{
	long id = syscall(SYS_shmget, key, size, flags);
	int i;

	if (id >= 0 || errno != ENOSYS || key != IPC_PRIVATE)
		return (int)id;
	for (i = 0; i < MAX_SEGS; i++) {
		if (segs[i].addr)
			continue;
		segs[i].addr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (segs[i].addr == MAP_FAILED) {
			segs[i].addr = NULL;
			errno = ENOMEM;
			return -1;
		}
		segs[i].size = size;
		return FAKE_ID_BASE + i;
	}
	errno = ENOSPC;
	return -1;
}

void *shmat(int id, const void *addr, int flags)
{
	if (fake(id))
		return segs[id - FAKE_ID_BASE].addr;
	return (void *)syscall(SYS_shmat, id, addr, flags);
}

int shmdt(const void *addr)
{
	int i;

	for (i = 0; i < MAX_SEGS; i++) {
		if (segs[i].addr != addr)
			continue;
		munmap(segs[i].addr, segs[i].size);
		segs[i].addr = NULL;
		return 0;
	}
	return (int)syscall(SYS_shmdt, addr);
}

int shmctl(int id, int cmd, struct shmid_ds *buf)
{
	/* IPC_RMID of a mapping: it goes with its last user, as a removed segment does */
	if (fake(id))
		return cmd == IPC_RMID ? 0 : (errno = EINVAL, -1);
	return (int)syscall(SYS_shmctl, id, cmd, buf);
}
