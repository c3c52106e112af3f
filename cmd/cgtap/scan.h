/* cgtap's walk module (scan.c): the cgroup directories of a cgroupfs, for --scan. */
#ifndef CTRWATCH_SCAN_H
#define CTRWATCH_SCAN_H

#include <stddef.h>
#include <sys/stat.h>

/* The walk's visitor: path relative to the hierarchy root ("/" for the root). Non-zero stops. */
typedef int (*scan_visit_fn)(void *ctx, const char *path, size_t len, unsigned level,
			     const struct stat *st);

/*
 * Walk the cgroup directories under dirfd (the mount of a hierarchy whose directory is prefix)
 * depth first, parents before children. Directories that vanish meanwhile are skipped. Returns
 * the visitor's non-zero value when it stopped the walk, else 0; dirfd is closed.
 */
int scan_tree(int dirfd, const char *prefix, scan_visit_fn visit, void *ctx);

#endif
