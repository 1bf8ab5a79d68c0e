// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Expands a recorded fixture ("vfiobind fixture v1", tests/fixtures/
 * README.md) into a directory: "d PATH", "f PATH CONTENT" with \\ \n \t
 * \xhh escapes, "l PATH TARGET".  Shared by the unit tests and by
 * expand-fixture, which the benchmarks use.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture-tree.h"

static void mkdirs(char *path)
{
	char *p;

	for (p = path + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0755);
			*p = '/';
		}
	mkdir(path, 0755);
}

void fixture_mkparent(const char *path)
{
	char tmp[PATH_MAX], *slash;

	snprintf(tmp, sizeof(tmp), "%s", path);
	slash = strrchr(tmp, '/');
	if (slash) {
		*slash = '\0';
		mkdirs(tmp);
	}
}

static size_t unescape(const char *s, char *out)
{
	size_t n = 0, i;

	for (i = 0; s[i]; i++) {
		if (s[i] != '\\') {
			out[n++] = s[i];
			continue;
		}
		switch (s[++i]) {
		case 'n':
			out[n++] = '\n';
			break;
		case 't':
			out[n++] = '\t';
			break;
		case 'x': {
			char hex[3] = { s[i + 1], s[i + 2], 0 };

			out[n++] = (char)strtol(hex, NULL, 16);
			i += 2;
			break;
		}
		case '\0':
			return n;
		default:
			out[n++] = s[i];
		}
	}
	return n;
}

static int entry(const char *root, char *line, char *err, size_t errlen)
{
	char path[PATH_MAX], data[8192], *rel = line + 2, *arg;
	size_t n;
	int fd;

	if (line[1] != ' ' || !strchr("dfl", line[0]))
		goto bad;
	arg = strchr(rel, ' ');
	if (arg)
		*arg++ = '\0';
	if (snprintf(path, sizeof(path), "%s/%s", root, rel) >= (int)sizeof(path))
		goto bad;
	switch (line[0]) {
	case 'd':
		mkdirs(path);
		return 0;
	case 'l':
		if (!arg)
			goto bad;
		fixture_mkparent(path);
		unlink(path);
		return symlink(arg, path) ? -errno : 0;
	}
	n = arg ? unescape(arg, data) : 0;
	fixture_mkparent(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, data, n) != (ssize_t)n) {
		close(fd);
		return -EIO;
	}
	close(fd);
	return 0;
bad:
	snprintf(err, errlen, "bad fixture line: %.80s", line);
	return -EINVAL;
}

int fixture_tree_expand(const char *manifest, const char *root, char *err,
			size_t errlen)
{
	char line[8192];
	FILE *f = fopen(manifest, "re");
	int r = 0;

	if (!f) {
		snprintf(err, errlen, "%s: %s", manifest, strerror(errno));
		return -errno;
	}
	while (r == 0 && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		r = entry(root, line, err, errlen);
		if (r < 0 && !err[0])
			snprintf(err, errlen, "%.80s: %s", line, strerror(-r));
	}
	fclose(f);
	return r;
}
