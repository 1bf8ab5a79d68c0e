// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kmod's binary module indexes: what the real depmod wrote
 * (tests/fixtures/modindex/, see its record script) gives the same
 * variants as the text files, images with only the .bin files choose
 * variants, and no input makes the reader step outside the file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"

#define E1000 "pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00"
#define E1000E "pci:v00008086d000010D3sv00008086sd00000000bc02sc00i00"
#define VIRTIO "pci:v00001AF4d00001041sv00001AF4sd00001100bc02sc00i00"

static const char *const files[] = {
	"modules.alias", "modules.dep", "modules.builtin",
};

static char *recorded(const char *recording, const char *file, size_t *len)
{
	const char *src = getenv("VFIOBIND_SRCDIR");
	char path[PATH_MAX];
	char *buf;

	snprintf(path, sizeof(path), "%s/tests/fixtures/modindex/%s/%s",
		 src ? src : ".", recording, file);
	buf = vb_slurp(path, len);
	assert_non_null(buf);
	return buf;
}

/* len bytes as the file name under the fixture's module directory. */
static void put_bytes(const struct fx *fx, const char *name, const void *buf,
		      size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	fx_path(fx, path, sizeof(path), "lib/modules/" FX_KVER "/%s", name);
	f = fopen(path, "we");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
}

/* The recording's indexes under the fixture root: text, .bin, or both. */
static void put_indexes(struct fx *fx, const char *recording, bool text,
			bool bin)
{
	char name[64], path[PATH_MAX];
	size_t i, len;
	char *buf;

	for (i = 0; i < 3; i++)
		for (int b = 0; b < 2; b++) {
			snprintf(name, sizeof(name), "%s%s", files[i],
				 b ? ".bin" : "");
			fx_path(fx, path, sizeof(path),
				"lib/modules/" FX_KVER "/%s", name);
			unlink(path);
			if (!(b ? bin : text))
				continue;
			buf = recorded(recording, name, &len);
			put_bytes(fx, name, buf, len);
			free(buf);
		}
}

static void expect_variants(const struct vb_modules *mods)
{
	assert_true(mods->loaded);
	assert_true(mods->have_dep);
	assert_int_equal(mods->nalias, 3);
	assert_string_equal(vb_variant_for(mods, E1000), "vfio_test_variant");
	assert_string_equal(vb_variant_for(mods, E1000E), "vfio_test_vendor");
	assert_string_equal(vb_variant_for(mods, VIRTIO), "vfio_pci");
	assert_true(vb_modules_known(mods, "vfio_pci_core"));
	assert_true(vb_modules_known(mods, "e1000"));
	assert_true(vb_modules_known(mods, "pci_stub"));
	assert_false(vb_modules_known(mods, "nvme"));
	assert_true(vb_modules_builtin(mods, "pci_stub"));
	assert_false(vb_modules_builtin(mods, "vfio"));
}

/*
 * mkinitcpio's images: only the .bin files.  Both module orders: the more
 * specific alias wins for the e1000 whichever comes first.
 */
static void binary_only_chooses_variants(void **state)
{
	static const char *const recs[] = { "vendor-first", "specific-first" };
	struct fx *fx = *state;
	struct vb_modules mods;

	for (size_t r = 0; r < 2; r++) {
		put_indexes(fx, recs[r], false, true);
		vb_modules_load(&fx->ctx, &mods);
		expect_variants(&mods);
		vb_modules_free(&mods);
	}
	assert_false(fx_msg(fx, "no modules.alias"));
}

/* The same answers from text and from .bin, aliases and ties alike. */
static void binary_agrees_with_text(void **state)
{
	static const char *const recs[] = { "vendor-first", "specific-first" };
	struct fx *fx = *state;
	struct vb_modules text, bin;

	for (size_t r = 0; r < 2; r++) {
		put_indexes(fx, recs[r], true, false);
		vb_modules_load(&fx->ctx, &text);
		expect_variants(&text);
		put_indexes(fx, recs[r], false, true);
		vb_modules_load(&fx->ctx, &bin);
		assert_int_equal(text.nalias, bin.nalias);
		/* the file order of modules, as the priorities give it */
		for (size_t i = 0; i < text.nalias; i++)
			for (size_t j = 0; j < text.nalias; j++) {
				const struct vb_alias *ti = &text.alias[i],
						      *tj = &text.alias[j];
				const struct vb_alias *bi = NULL, *bj = NULL;

				for (size_t k = 0; k < bin.nalias; k++) {
					if (!strcmp(bin.alias[k].pattern, ti->pattern))
						bi = &bin.alias[k];
					if (!strcmp(bin.alias[k].pattern, tj->pattern))
						bj = &bin.alias[k];
				}
				assert_non_null(bi);
				assert_non_null(bj);
				assert_string_equal(bi->module, ti->module);
				assert_int_equal(bi->wildcards, ti->wildcards);
				assert_int_equal(ti->order < tj->order,
						 bi->order < bj->order);
			}
		vb_modules_free(&text);
		vb_modules_free(&bin);
	}
}

/* Where both exist, the .bin decides, as it does for modprobe. */
static void binary_preferred(void **state)
{
	struct fx *fx = *state;
	struct vb_modules mods;

	put_indexes(fx, "vendor-first", false, true);
	fx_alias(fx, "alias vfio_pci:v00008086d0000100Esv*sd*bc*sc*i* stale_text\n");
	vb_modules_load(&fx->ctx, &mods);
	assert_string_equal(vb_variant_for(&mods, E1000), "vfio_test_variant");
	vb_modules_free(&mods);
}

/* A .bin that is not an index: named, and the text index is read. */
static void malformed_binary_falls_back(void **state)
{
	struct fx *fx = *state;
	struct vb_modules mods;
	char *buf;
	size_t len;

	put_indexes(fx, "vendor-first", true, false);
	buf = recorded("vendor-first", "modules.alias.bin", &len);
	/* cut inside the last node: some keys read, then an error */
	put_bytes(fx, "modules.alias.bin", buf, len - 3);
	free(buf);
	vb_modules_load(&fx->ctx, &mods);
	assert_true(fx_msg(fx, "modules.alias.bin: not a module index kmod writes, reading the text index instead"));
	expect_variants(&mods);
	vb_modules_free(&mods);
}

/* vfiobind modules from an image-like tree: variants and native drivers. */
static void image_modules_from_binary(void **state)
{
	struct fx *fx = *state;
	char out[4096], err[4096];

	put_indexes(fx, "vendor-first", false, true);
	assert_int_equal(fx_run(fx, out, sizeof(out), err, sizeof(err),
				"--cmdline", "", "modules", "--all", NULL), 0);
	assert_string_equal(out, "vfio\nvfio_pci\nvfio_iommu_type1\npci_stub\n"
				 "pci_pf_stub\nvfio_test_vendor\nvfio_test_variant\n");
	assert_null(strstr(err, "lacks"));
	fx_dev(fx, "0000:00:03.0", NULL, 0x8086, 0x100e, 0x020000, 3);
	fx_sriov(fx, "0000:00:03.0", 2, 0);
	fx_write(fx, "sys/bus/pci/devices/0000:00:03.0/sriov_vf_device", "10d3\n");
	/* the PF's native driver from the "pci:" keys, its VFs' variant */
	assert_int_equal(fx_run(fx, out, sizeof(out), err, sizeof(err),
				"--cmdline", "vfio.sriov=00:03.0=1", "modules",
				NULL), 0);
	assert_string_equal(out, "vfio\nvfio_pci\nvfio_iommu_type1\ne1000\n"
				 "vfio_test_vendor\n");
}

struct count {
	size_t calls;
};

static int counted(void *data, const char *key, const char *value,
		   uint32_t priority)
{
	struct count *c = data;

	(void)priority;
	assert_true(strlen(key) < VB_INDEX_KEY_MAX);
	assert_non_null(value);
	c->calls++;
	return 0;
}

/* One walk over an exact-size copy, so ASan sees any read past the end. */
static int walk_copy(const unsigned char *bytes, size_t len,
		     const char *prefix)
{
	struct count c = { 0 };
	unsigned char *copy = malloc(len ? len : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, bytes, len);
	r = vb_index_walk(copy, len, prefix, counted, &c);
	free(copy);
	assert_true(r == 0 || r == -EINVAL);
	assert_true(c.calls <= len);
	return r;
}

/*
 * Every truncation of the real indexes, and every byte of them replaced
 * by values that break offsets, flags, lengths and terminators: the walk
 * ends with a result or -EINVAL, inside the buffer (check-asan).
 */
static void every_cut_and_byte_stays_inside(void **state)
{
	static const char *const bins[] = { "modules.alias.bin",
					    "modules.dep.bin",
					    "modules.builtin.bin" };
	static const unsigned char values[] = { 0x00, 0x01, 0x0f, 0x7f,
						0x80, 0xff };
	unsigned char *m;
	size_t len, i, v, b;
	char *buf;

	(void)state;
	for (b = 0; b < 3; b++) {
		buf = recorded("vendor-first", bins[b], &len);
		assert_int_equal(walk_copy((unsigned char *)buf, len, ""), 0);
		for (i = 0; i < len; i++) {
			walk_copy((unsigned char *)buf, i, "");
			walk_copy((unsigned char *)buf, i, "vfio_pci:");
		}
		m = malloc(len);
		assert_non_null(m);
		for (i = 0; i < len; i++)
			for (v = 0; v < sizeof(values); v++) {
				memcpy(m, buf, len);
				m[i] = values[v];
				walk_copy(m, len, "");
				m[i] = (unsigned char)(buf[i] ^ 0x40);
				walk_copy(m, len, "vfio_pci:");
			}
		free(m);
		free(buf);
	}
}

/*
 * A test writer for kmod's format (libkmod-index.c): one node per
 * character (no prefixes), children before parents.  keys must be sorted.
 */
struct entry {
	const char *key, *value;
	uint32_t prio;
};

static void be32_put(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t write_node(unsigned char *out, size_t *len,
			   const struct entry *e, size_t n, size_t depth)
{
	uint32_t child[128] = { 0 }, flags = 0, off;
	unsigned first = 128, last = 0, ch;
	size_t i, j, nvalues = 0;

	for (i = 0; i < n; i = j) {
		if (!e[i].key[depth]) {
			nvalues++;
			j = i + 1;
			continue;
		}
		ch = (unsigned char)e[i].key[depth];
		for (j = i; j < n && e[j].key[depth] == (char)ch; j++)
			;
		child[ch] = write_node(out, len, e + i, j - i, depth + 1);
		first = ch < first ? ch : first;
		last = ch > last ? ch : last;
	}
	off = (uint32_t)*len;
	if (first <= last) {
		flags |= 0x20000000u;
		out[(*len)++] = (unsigned char)first;
		out[(*len)++] = (unsigned char)last;
		for (ch = first; ch <= last; ch++, *len += 4)
			be32_put(out + *len, child[ch]);
	}
	if (nvalues) {
		flags |= 0x40000000u;
		be32_put(out + *len, (uint32_t)nvalues);
		*len += 4;
		for (i = 0; i < n; i++)
			if (!e[i].key[depth]) {
				be32_put(out + *len, e[i].prio);
				*len += 4;
				strcpy((char *)out + *len, e[i].value);
				*len += strlen(e[i].value) + 1;
			}
	}
	return off | flags;
}

static size_t write_index(unsigned char *out, const struct entry *e, size_t n)
{
	size_t len = 12;

	be32_put(out, 0xB007F457u);
	be32_put(out + 4, 0x00020001u);
	be32_put(out + 8, write_node(out, &len, e, n, 0));
	return len;
}

/*
 * Two aliases as specific as each other: the text index lists its modules
 * in depmod's order, and the .bin gives that order as the priority.  The
 * trie's key order differs ('*' sorts before '0'); the priority decides.
 */
static void ties_go_to_depmod_order(void **state)
{
	static const struct entry e[] = {
		{ "vfio_pci:v*d0000100Esv*sd*bc*sc*i*", "second_in_order", 7 },
		{ "vfio_pci:v00008086d*sv*sd*bc*sc*i*", "first_in_order", 3 },
		{ "vfio_pci:v*d*sv*sd*bc*sc*i*", "vfio_pci", 1 },
	};
	struct entry sorted[3] = { e[2], e[0], e[1] };
	static unsigned char buf[4096];
	struct fx *fx = *state;
	struct vb_modules mods;

	assert_true(strcmp(sorted[0].key, sorted[1].key) < 0 &&
		    strcmp(sorted[1].key, sorted[2].key) < 0);
	put_bytes(fx, "modules.alias.bin", buf, write_index(buf, sorted, 3));
	vb_modules_load(&fx->ctx, &mods);
	assert_int_equal(mods.nalias, 3);
	assert_string_equal(vb_variant_for(&mods, E1000), "first_in_order");
	vb_modules_free(&mods);
}

/* A node that is its own child, and nodes shared by many parents. */
static void loops_and_shared_nodes_refused(void **state)
{
	unsigned char buf[64] = { 0 };
	struct count c = { 0 };
	size_t i;

	(void)state;
	be32_put(buf, 0xB007F457u);
	be32_put(buf + 4, 0x00020001u);
	be32_put(buf + 8, 12 | 0x20000000u);
	buf[12] = 'a';
	buf[13] = 'a';
	be32_put(buf + 14, 12 | 0x20000000u);
	assert_int_equal(vb_index_walk(buf, 18, "", counted, &c), -EINVAL);
	assert_int_equal(vb_index_walk(buf, 18, "aaaa", counted, &c), -EINVAL);

	/* root 'a', 'b' -> node N; N 'a', 'b' -> leaf L: 4 paths, 3 nodes */
	be32_put(buf + 8, 12 | 0x20000000u);
	buf[12] = 'a';
	buf[13] = 'b';
	for (i = 0; i < 2; i++)
		be32_put(buf + 14 + 4 * i, 22 | 0x20000000u);
	buf[22] = 'a';
	buf[23] = 'b';
	for (i = 0; i < 2; i++)
		be32_put(buf + 24 + 4 * i, 32 | 0x40000000u);
	be32_put(buf + 32, 1);
	be32_put(buf + 36, 0);
	buf[40] = 'm';
	buf[41] = '\0';
	assert_int_equal(vb_index_walk(buf, 42, "", counted, &c), -EINVAL);
	assert_int_equal(vb_index_walk(buf, 42, "ab", counted, &c), 0);
}

static int setup(void **state)
{
	*state = fx_new();
	return *state ? 0 : -1;
}

const struct CMUnitTest modindex_tests[] = {
	cmocka_unit_test_setup_teardown(binary_only_chooses_variants, setup, fx_teardown),
	cmocka_unit_test_setup_teardown(binary_agrees_with_text, setup, fx_teardown),
	cmocka_unit_test_setup_teardown(binary_preferred, setup, fx_teardown),
	cmocka_unit_test_setup_teardown(malformed_binary_falls_back, setup, fx_teardown),
	cmocka_unit_test_setup_teardown(image_modules_from_binary, setup, fx_teardown),
	cmocka_unit_test(every_cut_and_byte_stays_inside),
	cmocka_unit_test_setup_teardown(ties_go_to_depmod_order, setup, fx_teardown),
	cmocka_unit_test(loops_and_shared_nodes_refused),
};
const size_t modindex_tests_count = sizeof(modindex_tests) / sizeof(modindex_tests[0]);
