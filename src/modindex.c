// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kmod's binary module indexes (modules.alias.bin, modules.dep.bin,
 * modules.builtin.bin), read without libkmod.  Some initramfs generators
 * keep only these: mkinitcpio runs depmod on the image and then deletes
 * every modules.* file but modules.*.bin, modules.devname and
 * modules.softdep (its functions, install_modules()).
 *
 * The format, as kmod's libkmod/libkmod-index.c describes and depmod
 * writes it: big-endian u32 magic 0xB007F457, version (major 2 in the
 * high half), root node offset.  A node offset carries flags in its high
 * nibble (0x8: a NUL-terminated prefix follows, 0x4: values, 0x2:
 * children) and the file position in the rest.  A node is [prefix]
 * [first, last bytes, (last - first + 1) u32 child offsets, 0 = none]
 * [u32 count, count x (u32 priority, NUL-terminated value)].  The key of
 * a node is the labels on the path from the root: each child adds its
 * character in the parent's array, then its own prefix.  Values of one key
 * are sorted by priority; depmod gives an alias the index of its module
 * in its module order, the order it writes modules.alias in.
 *
 * The file is untrusted: every read is checked against its size, and a
 * file whose nodes overlap or loop is refused.  depmod writes each node
 * once, so a well-formed walk reads each byte at most once: the walk may
 * read as many node bytes as the file has and no more, which also bounds
 * the time any input can take.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vfiobind.h"

#define INDEX_MAGIC	0xB007F457u
#define INDEX_MAJOR	2u
#define NODE_PREFIX	0x80000000u
#define NODE_VALUES	0x40000000u
#define NODE_CHILDS	0x20000000u
#define NODE_MASK	0x0FFFFFFFu
#define INDEX_HEADER	12u
#define CHILD_MAX	128u	/* kmod's INDEX_CHILDMAX: keys are ASCII */
#define INDEX_MAX_BYTES	(64 * 1024 * 1024)	/* as for the text indexes */

struct walk {
	const unsigned char *buf;
	size_t len;
	size_t budget;		/* node bytes the walk may still read */
	char key[VB_INDEX_KEY_MAX];
	vb_index_fn fn;
	void *data;
};

struct node {
	const char *prefix;
	size_t plen;
	unsigned first, last;	/* no children: first > last */
	size_t children;	/* file position of the child offsets */
	uint32_t nvalues;
	size_t values;		/* file position of the first value */
};

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static int get_u32(const struct walk *w, size_t *pos, uint32_t *v)
{
	if (*pos > w->len || w->len - *pos < 4)
		return -EINVAL;
	*v = be32(w->buf + *pos);
	*pos += 4;
	return 0;
}

/* A NUL-terminated string that ends inside the file. */
static int get_str(const struct walk *w, size_t *pos, const char **s,
		   size_t *n)
{
	const unsigned char *nul;

	if (*pos >= w->len)
		return -EINVAL;
	nul = memchr(w->buf + *pos, '\0', w->len - *pos);
	if (!nul)
		return -EINVAL;
	*s = (const char *)w->buf + *pos;
	*n = (size_t)(nul - (w->buf + *pos));
	*pos += *n + 1;
	return 0;
}

static int charge(struct walk *w, size_t n)
{
	if (n > w->budget)
		return -EINVAL;	/* nodes overlap or loop */
	w->budget -= n;
	return 0;
}

static int read_node(struct walk *w, uint32_t off, struct node *n)
{
	size_t pos = off & NODE_MASK, start = pos, count;
	int r;

	if (pos < INDEX_HEADER || pos >= w->len)
		return -EINVAL;
	n->prefix = "";
	n->plen = 0;
	if ((off & NODE_PREFIX) &&
	    (r = get_str(w, &pos, &n->prefix, &n->plen)) < 0)
		return r;
	n->first = 1;
	n->last = 0;
	n->children = 0;
	if (off & NODE_CHILDS) {
		if (w->len - pos < 2)
			return -EINVAL;
		n->first = w->buf[pos];
		n->last = w->buf[pos + 1];
		pos += 2;
		if (n->first > n->last || n->last >= CHILD_MAX)
			return -EINVAL;
		count = n->last - n->first + 1;
		if (w->len - pos < 4 * count)
			return -EINVAL;
		n->children = pos;
		pos += 4 * count;
	}
	n->nvalues = 0;
	if ((off & NODE_VALUES) && (r = get_u32(w, &pos, &n->nvalues)) < 0)
		return r;
	n->values = pos;
	return charge(w, pos - start);
}

static int emit_values(struct walk *w, const struct node *n)
{
	size_t pos = n->values, start, vlen;
	const char *value;
	uint32_t i, prio;
	int r;

	for (i = 0; i < n->nvalues; i++) {
		start = pos;
		if ((r = get_u32(w, &pos, &prio)) < 0 ||
		    (r = get_str(w, &pos, &value, &vlen)) < 0 ||
		    (r = charge(w, pos - start)) < 0)
			return r;
		if ((r = w->fn(w->data, w->key, value, prio)) != 0)
			return r;
	}
	return 0;
}

/*
 * The node at off, whose key so far is key[0..klen): its keys that start
 * with want (what is left of the prefix asked for) go to the callback, in
 * the index's order (bytewise by key, then by priority).  A key longer
 * than VB_INDEX_KEY_MAX is skipped with its subtree: no alias or module
 * name the binder uses comes near it, and it bounds the recursion.
 */
static int walk_node(struct walk *w, uint32_t off, size_t klen,
		     const char *want)
{
	size_t wlen = strlen(want), cmp;
	struct node n;
	unsigned ch;
	uint32_t child;
	int r;

	if ((r = read_node(w, off, &n)) < 0)
		return r;
	cmp = n.plen < wlen ? n.plen : wlen;
	if (memcmp(n.prefix, want, cmp))
		return 0;
	if (klen + n.plen >= sizeof(w->key))
		return 0;
	memcpy(w->key + klen, n.prefix, n.plen);
	klen += n.plen;
	w->key[klen] = '\0';
	want += cmp;
	if (*want) {
		/* the key asked for goes on: one child at most */
		ch = (unsigned char)*want;
		if (ch < n.first || ch > n.last || klen + 1 >= sizeof(w->key))
			return 0;
		child = be32(w->buf + n.children + 4 * (ch - n.first));
		if (!(child & NODE_MASK))
			return 0;
		w->key[klen] = (char)ch;
		w->key[klen + 1] = '\0';
		return walk_node(w, child, klen + 1, want + 1);
	}
	if ((r = emit_values(w, &n)) != 0)
		return r;
	for (ch = n.first; ch <= n.last; ch++) {
		child = be32(w->buf + n.children + 4 * (ch - n.first));
		if (!(child & NODE_MASK))
			continue;
		if (ch == 0)
			return -EINVAL;	/* no key holds a NUL */
		if (klen + 1 >= sizeof(w->key))
			continue;
		w->key[klen] = (char)ch;
		w->key[klen + 1] = '\0';
		if ((r = walk_node(w, child, klen + 1, "")) != 0)
			return r;
	}
	return 0;
}

int vb_index_walk(const void *buf, size_t len, const char *prefix,
		  vb_index_fn fn, void *data)
{
	struct walk w = { .buf = buf, .len = len, .fn = fn, .data = data };
	uint32_t root;

	if (len < INDEX_HEADER || be32(w.buf) != INDEX_MAGIC ||
	    be32(w.buf + 4) >> 16 != INDEX_MAJOR)
		return -EINVAL;
	root = be32(w.buf + 8);
	if (!(root & NODE_MASK))
		return 0;	/* an empty index */
	w.budget = len - INDEX_HEADER;
	return walk_node(&w, root, 0, prefix);
}

/*
 * Mapped, not read: the binder needs a few pages of modules.alias.bin
 * (over a megabyte on a distribution kernel), and a copy would cost more
 * than the walk.  depmod replaces an index by renaming a new file over
 * it, never by rewriting it in place, so the mapping cannot shrink under
 * the walk.
 */
int vb_index_each(const char *path, const char *prefix, vb_index_fn fn,
		  void *data)
{
	struct stat st;
	void *map;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < INDEX_HEADER ||
	    st.st_size > INDEX_MAX_BYTES) {
		close(fd);
		return st.st_size > INDEX_MAX_BYTES ? -EFBIG : -EINVAL;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		r = -errno;
		close(fd);
		return r;
	}
	close(fd);
	r = vb_index_walk(map, (size_t)st.st_size, prefix, fn, data);
	munmap(map, (size_t)st.st_size);
	return r;
}
