// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One run that writes at a time.  udev runs apply --device for the
 * functions of one slot in parallel, the late unit runs a full apply
 * meanwhile, and release may come at any moment: without an order, one
 * run unbinds what another has just claimed, or gives back what another
 * has just set.  Every writing run holds an exclusive flock on
 * /run/vfiobind/lock from before it reads the inventory to the end of its
 * verification; read-only commands take none.
 *
 * flock, not a file whose existence is the lock: the kernel drops it when
 * the holder exits, however it exits, so a run killed by SIGKILL never
 * blocks the next one.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vfiobind.h"

/* The holder writes its pid into the file, for the message of a waiter. */
static void holder_pid(int fd, char *buf, size_t len)
{
	ssize_t n = pread(fd, buf, len - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (!buf[0])
		snprintf(buf, len, "unknown");
}

/*
 * Takes the lock, waiting at most wait_ms for the run that holds it.
 * Returns the descriptor that holds it (close it, or exit, to let go), or
 * -errno: -ETIMEDOUT when another run held it all that time, and the run
 * must not write.  On any other error (no writable /run) the run goes on
 * without it, as it did before there was one: a boot is never left
 * unclaimed for want of a lock.
 */
int vb_lock_take(struct vb_ctx *ctx, unsigned wait_ms)
{
	char run[PATH_MAX], dir[PATH_MAX], path[PATH_MAX], pid[32];
	long end = vb_now_ms() + wait_ms;
	bool waited = false;
	int fd, r;

	if (vb_path(ctx, run, sizeof(run), "/run") < 0 ||
	    vb_path(ctx, dir, sizeof(dir), "/run/vfiobind") < 0 ||
	    vb_path(ctx, path, sizeof(path), "/run/vfiobind/lock") < 0)
		return -ENAMETOOLONG;
	if ((mkdir(run, 0755) < 0 && errno != EEXIST) ||
	    (mkdir(dir, 0755) < 0 && errno != EEXIST)) {
		r = -errno;
		vb_warn(ctx, "cannot create %s for the run's lock: %s; running without it",
			dir, strerror(-r));
		return r;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		r = -errno;
		vb_warn(ctx, "cannot open the run's lock %s: %s; running without it",
			path, strerror(-r));
		return r;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			r = -errno;
			vb_warn(ctx, "cannot lock %s: %s; running without it",
				path, strerror(-r));
			close(fd);
			return r;
		}
		if (!waited) {
			holder_pid(fd, pid, sizeof(pid));
			vb_info(ctx, "waiting for another vfiobind run (pid %s) to finish", pid);
			waited = true;
		}
		if (vb_now_ms() >= end) {
			holder_pid(fd, pid, sizeof(pid));
			vb_err(ctx, "another vfiobind run (pid %s) held %s for %u ms: this run wrote nothing",
			       pid, path, wait_ms);
			close(fd);
			return -ETIMEDOUT;
		}
		vb_sleep_ms(5);
	}
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == 0 &&
	    pwrite(fd, pid, strlen(pid), 0) < 0)
		vb_dbg(ctx, "cannot note the pid in %s: %s", path,
		       strerror(errno));
	return fd;
}

/* Lets the next run go: its verification is over. */
void vb_lock_drop(int fd)
{
	if (fd >= 0)
		close(fd);
}
