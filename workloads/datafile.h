/* SPDX-License-Identifier: GPL-2.0 */
/* The data files the workloads map and read. */
#ifndef MMSTALL_DATAFILE_H
#define MMSTALL_DATAFILE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Make sure path is a regular file of exactly size bytes.  A missing or
 * wrong-sized file is (re)written with pseudo-random, non-sparse contents
 * (so every page read is real I/O and nothing compresses), through a
 * temporary file renamed into place: a crash never leaves a short file.
 */
int datafile_ensure(const char *path, uint64_t size, uint64_t seed, char *err, size_t errlen);
/* Drop the file's pages from the page cache so the run starts cold. */
int datafile_evict(const char *path);

/*
 * A swap file of size bytes at path (made like a data file, then given a
 * swap header: mkswap's format, written here so no tool is needed) and
 * swapon()ed.  swapfile_off() undoes it.
 */
int swapfile_on(const char *path, uint64_t size, char *err, size_t errlen);
void swapfile_off(const char *path);

#endif
