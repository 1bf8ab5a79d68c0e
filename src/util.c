// SPDX-License-Identifier: GPL-2.0-or-later
/* Paths under the root directory, sysfs attribute I/O, small helpers. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "vfiobind.h"

int vb_path(const struct vb_ctx *ctx, char *buf, size_t len, const char *fmt,
	    ...)
{
	size_t rl = strlen(ctx->root);
	va_list ap;
	int n;

	if (rl >= len)
		return -ENAMETOOLONG;
	memcpy(buf, ctx->root, rl);
	va_start(ap, fmt);
	n = vsnprintf(buf + rl, len - rl, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - rl)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * rel with every symbolic link followed as it would be inside the root:
 * component by component, an absolute target starts again at the root,
 * and ".." never climbs above it (as in a chroot).  The result is a path
 * inside the root, for vb_path; a host's absolute link is never followed.
 */
int vb_resolve(const struct vb_ctx *ctx, const char *rel, char *buf,
	       size_t len)
{
	char done[PATH_MAX] = "", todo[PATH_MAX], next[PATH_MAX];
	char host[PATH_MAX], target[PATH_MAX], *comp, *rest, *slash;
	int links = 0;
	ssize_t n;

	if (strlen(rel) >= sizeof(todo))
		return -ENAMETOOLONG;
	strcpy(todo, rel);
	for (comp = todo; comp;) {
		while (*comp == '/')
			comp++;
		if (!*comp)
			break;
		rest = strchr(comp, '/');
		if (rest)
			*rest++ = '\0';
		if (!strcmp(comp, ".")) {
			comp = rest;
			continue;
		}
		if (!strcmp(comp, "..")) {
			slash = strrchr(done, '/');
			if (slash)
				*slash = '\0';
			comp = rest;
			continue;
		}
		if (snprintf(next, sizeof(next), "%s/%s", done, comp) >=
		    (int)sizeof(next) ||
		    vb_path(ctx, host, sizeof(host), "%s", next) < 0)
			return -ENAMETOOLONG;
		n = readlink(host, target, sizeof(target) - 1);
		if (n < 0) {
			strcpy(done, next);
			comp = rest;
			continue;
		}
		if (++links > 40)
			return -ELOOP;
		target[n] = '\0';
		if (target[0] == '/')
			done[0] = '\0';
		if (snprintf(next, sizeof(next), "%s%s%s", target,
			     rest ? "/" : "", rest ? rest : "") >=
		    (int)sizeof(next))
			return -ENAMETOOLONG;
		strcpy(todo, next);
		comp = todo;
	}
	if (snprintf(buf, len, "%s", done[0] ? done : "/") >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * Reads a small file whole, relative to the directory dfd, and drops one
 * trailing newline.  openat, not open: musl's open(O_CLOEXEC) adds an
 * fcntl for kernels before 2.6.23, a system call per attribute.
 */
int vb_read_at(int dfd, const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	buf[0] = '\0';
	fd = openat(dfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do
		n = read(fd, buf, len - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return n;
}

int vb_read_file(const char *path, char *buf, size_t len)
{
	return vb_read_at(AT_FDCWD, path, buf, len);
}

int vb_read_attr(const struct vb_ctx *ctx, const char *rel, char *buf,
		 size_t len)
{
	char path[PATH_MAX];
	int r;

	buf[0] = '\0';
	r = vb_path(ctx, path, sizeof(path), "%s", rel);
	if (r < 0)
		return r;
	return vb_read_file(path, buf, len);
}

/* readlink reduced to the last component, as pciutils does. */
int vb_read_link_base(const struct vb_ctx *ctx, const char *rel, char *buf,
		      size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;
	int r;

	buf[0] = '\0';
	r = vb_path(ctx, path, sizeof(path), "%s", rel);
	if (r < 0)
		return r;
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= len)
		return -ENAMETOOLONG;
	strcpy(buf, base);
	return 0;
}

int vb_write_attr_real(struct vb_ctx *ctx, const char *rel, const char *value)
{
	char path[PATH_MAX];
	size_t len = strlen(value);
	ssize_t n;
	int fd, r;

	r = vb_path(ctx, path, sizeof(path), "%s", rel);
	if (r < 0)
		return r;
	fd = openat(AT_FDCWD, path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ELOOP)
		fd = openat(AT_FDCWD, path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do
		n = write(fd, value, len);
	while (n < 0 && errno == EINTR);
	r = n < 0 ? -errno : (size_t)n == len ? 0 : -EIO;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

/* Every write the program makes passes here, so tests can record them. */
int vb_write_attr(struct vb_ctx *ctx, const char *rel, const char *value)
{
	int r = ctx->write_attr ? ctx->write_attr(ctx, rel, value)
				: vb_write_attr_real(ctx, rel, value);

	ctx->writes++;
	vb_dbg(ctx, "write '%s' to %s: %s", value, rel,
	       r < 0 ? strerror(-r) : "ok");
	return r;
}

/*
 * Calls fn for every entry of the directory rel under the root, hidden
 * ones and "." and ".." aside, until fn returns nonzero (which it then
 * returns).  -errno when the directory cannot be opened.  getdents64 with
 * a buffer of 16 KiB: a directory of 4096 PCI devices takes 9 calls, not
 * the 64 of readdir's 2 KiB, and no allocation.
 */
struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

int vb_dir_each(const struct vb_ctx *ctx, const char *rel,
		int (*fn)(void *data, const char *name), void *data)
{
	char path[PATH_MAX];
	union {
		char buf[16384];
		struct linux_dirent64 align;
	} u;
	struct linux_dirent64 *de;
	long n, off;
	int fd, r = 0;

	if (vb_path(ctx, path, sizeof(path), "%s", rel) < 0)
		return -ENAMETOOLONG;
	fd = openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (r == 0 &&
	       (n = syscall(SYS_getdents64, fd, u.buf, sizeof(u.buf))) > 0)
		for (off = 0; r == 0 && off < n; off += de->d_reclen) {
			de = (struct linux_dirent64 *)(u.buf + off);
			if (de->d_name[0] != '.')
				r = fn(data, de->d_name);
		}
	if (r == 0 && n < 0)
		r = -errno;
	close(fd);
	return r;
}

bool vb_exists(const struct vb_ctx *ctx, const char *rel)
{
	char path[PATH_MAX];

	return vb_path(ctx, path, sizeof(path), "%s", rel) == 0 &&
	       access(path, F_OK) == 0;
}

void *vb_grow(void *base, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return base;
	ncap = *cap ? *cap * 2 : 16;
	p = realloc(base, ncap * size);
	if (!p)
		return NULL;
	*cap = ncap;
	return p;
}

/*
 * A set of numbers (device addresses, IOMMU groups) with open addressing:
 * a lazy read of 4096 devices asks it once per directory entry.  Slots
 * hold id + 1, so 0 is free; ids are below 2^63.
 */
static size_t idset_slot(const struct vb_idset *s, uint64_t id)
{
	size_t mask = s->cap - 1, i;

	i = (size_t)((id * 0x9e3779b97f4a7c15ULL) >> 20) & mask;
	while (s->slot[i] && s->slot[i] != id + 1)
		i = (i + 1) & mask;
	return i;
}

bool vb_idset_has(const struct vb_idset *s, uint64_t id)
{
	return s->cap && s->slot[idset_slot(s, id)] == id + 1;
}

/* 1 when id is new, 0 when it was there, -ENOMEM. */
int vb_idset_add(struct vb_idset *s, uint64_t id)
{
	struct vb_idset big;
	size_t i;

	if (vb_idset_has(s, id))
		return 0;
	if (2 * (s->n + 1) > s->cap) {
		big.cap = s->cap ? 2 * s->cap : 64;
		big.n = s->n;
		big.slot = calloc(big.cap, sizeof(*big.slot));
		if (!big.slot)
			return -ENOMEM;
		for (i = 0; i < s->cap; i++)
			if (s->slot[i])
				big.slot[idset_slot(&big, s->slot[i] - 1)] =
					s->slot[i];
		free(s->slot);
		*s = big;
	}
	s->slot[idset_slot(s, id)] = id + 1;
	s->n++;
	return 1;
}

void vb_idset_free(struct vb_idset *s)
{
	free(s->slot);
	memset(s, 0, sizeof(*s));
}

/* Driver and module names go into sysfs and an argv: keep them plain. */
bool vb_valid_name(const char *name)
{
	size_t i;

	if (!name[0] || strlen(name) >= VB_NAME_MAX)
		return false;
	for (i = 0; name[i]; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return name[0] != '-';
}

/* kmod treats '-' and '_' alike in module names; we keep '_'. */
void vb_module_name(char *dst, size_t len, const char *name)
{
	size_t i;

	for (i = 0; name[i] && i + 1 < len; i++)
		dst[i] = name[i] == '-' ? '_' : name[i];
	dst[i] = '\0';
}

/* Milliseconds of CLOCK_MONOTONIC: every bound the program keeps. */
long vb_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void vb_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}
