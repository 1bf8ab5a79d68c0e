// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Runs that meet: two processes on one fake tree, a fault hook that
 * makes one run act between the other's read and write, and the lock
 * that keeps them apart (src/lock.c).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"

static char out[8192], err[8192];

/* A dual e1000 behind a conventional bridge: one IOMMU group. */
static void dual(struct fx *fx)
{
	fx_dev(fx, "0000:00:1e.0", NULL, 0x1b36, 0x000e, 0x060400, 5);
	fx_dev(fx, "0000:01:01.0", "0000:00:1e.0", 0x8086, 0x100e, 0x020000, 5);
	fx_dev(fx, "0000:01:01.1", "0000:00:1e.0", 0x8086, 0x100e, 0x020000, 5);
	fx_native(fx, "0000:01:01.0", "e1000");
	fx_native(fx, "0000:01:01.1", "e1000");
	fx_bind(fx, "0000:01:01.0", "e1000");
	fx_bind(fx, "0000:01:01.1", "e1000");
}

static int dual_setup(void **state)
{
	struct fx *fx = fx_new();

	dual(fx);
	*state = fx;
	return 0;
}

/* What cli.c does for apply: the lock, then read, plan, apply, verify. */
static int locked_apply(struct fx *fx, const char *cmdline)
{
	struct fx_pipeline p;
	int lock, status;

	lock = vb_lock_take(&fx->ctx, 20000);
	if (lock == -ETIMEDOUT)
		return VB_EXIT_FAILED;
	fx_plan(fx, &p, cmdline, NULL);
	vb_run_apply(&fx->ctx, &p.inv, &p.rules, &p.mods, &p.plan, &p.res);
	status = vb_exit_status(&fx->ctx, &p.plan, &p.res);
	vb_lock_drop(lock);
	fx_pipeline_free(fx, &p);
	return status;
}

/* Another run unbinds the device between this run's read and its own
 * unbind: driver/unbind is gone (ENOENT), which is no failure. */
static void unbind_found_done(struct fx *fx, const char *rel,
			      const char *value)
{
	(void)value;
	if (strcmp(rel, "/sys/bus/pci/devices/0000:01:01.1/driver/unbind"))
		return;
	fx_bind(fx, "0000:01:01.1", NULL);
}

static void already_unbound_is_no_failure(void **state)
{
	struct fx *fx = *state;
	char buf[64];

	fx->on_write = unbind_found_done;
	assert_int_equal(locked_apply(fx, "vfio.bind=01:01.0"), VB_EXIT_OK);
	assert_true(fx_msg(fx, "0000:01:01.1: already unbound from e1000"));
	assert_false(fx_msg(fx, "failed"));
	assert_string_equal(fx_driver_of(fx, "0000:01:01.0", buf, sizeof(buf)), "vfio-pci");
	assert_string_equal(fx_driver_of(fx, "0000:01:01.1", buf, sizeof(buf)), "vfio-pci");
}

/*
 * Two runs on one group, as udev runs the siblings of one slot: run A
 * reaches the unbind of 01:01.1 and lets run B go; B (apply --device
 * 01:01.1) unbinds it and stops before probing until A is gone.  Without
 * the lock, A's unbind finds the device unbound under it, and a run that
 * gives its group back on failure clears B's overrides: e1000 takes both.
 * With it, B waits, reads the inventory again, and finds A's work done.
 */
static int go_b[2], b_stopped[2], a_done[2];

static void a_meets_b(struct fx *fx, const char *rel, const char *value)
{
	struct pollfd pfd = { .events = POLLIN };
	int i;

	(void)value;
	if (strcmp(rel, "/sys/bus/pci/devices/0000:01:01.1/driver/unbind"))
		return;
	fx->on_write = NULL;
	assert_int_equal(write(go_b[1], "g", 1), 1);
	/* until B stopped after its unbind, or waits for the lock */
	pfd.fd = b_stopped[0];
	for (i = 0; i < 3000; i++)
		if (poll(&pfd, 1, 10) > 0 ||
		    fx_msg(fx, "waiting for another vfiobind run"))
			return;
}

static void b_stops_before_probe(struct fx *fx, const char *rel,
				 const char *value)
{
	char c;

	(void)value;
	if (strcmp(rel, "/sys/bus/pci/drivers_probe"))
		return;
	fx->on_write = NULL;
	assert_int_equal(write(b_stopped[1], "s", 1), 1);
	while (read(a_done[0], &c, 1) > 0)	/* EOF: A has exited */
		;
}

static void two_runs_interleave(void **state)
{
	struct fx *fx = *state;
	struct vb_selector sel;
	int sa, sb;
	pid_t a, b;
	char buf[64], c;

	assert_int_equal(pipe(go_b), 0);
	assert_int_equal(pipe(b_stopped), 0);
	assert_int_equal(pipe(a_done), 0);
	a = fork();
	assert_true(a >= 0);
	if (a == 0) {
		fx->on_write = a_meets_b;
		_exit(locked_apply(fx, "vfio.bind=01:01.0"));
	}
	close(a_done[1]);
	b = fork();
	assert_true(b >= 0);
	if (b == 0) {
		if (read(go_b[0], &c, 1) != 1)
			_exit(99);
		assert_int_equal(vb_parse_addr("0000:01:01.1", &sel), 0);
		fx->ctx.scope = &sel;
		fx->ctx.nscope = 1;
		fx->on_write = b_stops_before_probe;
		_exit(locked_apply(fx, "vfio.bind=01:01.0"));
	}
	assert_int_equal(waitpid(a, &sa, 0), a);
	assert_int_equal(waitpid(b, &sb, 0), b);
	close(a_done[0]);
	close(go_b[0]);
	close(go_b[1]);
	close(b_stopped[0]);
	close(b_stopped[1]);
	assert_true(WIFEXITED(sa) && WIFEXITED(sb));
	assert_int_equal(WEXITSTATUS(sa), VB_EXIT_OK);
	assert_int_equal(WEXITSTATUS(sb), VB_EXIT_OK);
	assert_false(fx_msg(fx, "given back"));
	assert_string_equal(fx_driver_of(fx, "0000:01:01.0", buf, sizeof(buf)), "vfio-pci");
	assert_string_equal(fx_driver_of(fx, "0000:01:01.1", buf, sizeof(buf)), "vfio-pci");
	assert_string_equal(fx_read(fx, "sys/bus/pci/devices/0000:01:01.0/driver_override",
				    buf, sizeof(buf)), "vfio-pci");
	assert_string_equal(fx_read(fx, "sys/bus/pci/devices/0000:01:01.1/driver_override",
				    buf, sizeof(buf)), "vfio-pci");
}

/* The binary: apply waits for the lock (and gives up inside --timeout
 * having written nothing); plan and status never wait. */
static void apply_waits_read_only_commands_do_not(void **state)
{
	struct fx *fx = *state;
	char buf[64];
	int lock;

	lock = vb_lock_take(&fx->ctx, 0);
	assert_true(lock >= 0);
	assert_int_equal(fx_run(fx, out, sizeof(out), err, sizeof(err),
				"--cmdline", "vfio.bind=01:01.0", "plan", NULL), 0);
	assert_int_equal(fx_run(fx, out, sizeof(out), err, sizeof(err),
				"status", NULL), 0);
	assert_int_equal(fx_run(fx, out, sizeof(out), err, sizeof(err),
				"--stderr", "--cmdline", "vfio.bind=01:01.0",
				"--timeout", "2", "apply", NULL), 1);
	assert_non_null(strstr(err, "waiting for another vfiobind run (pid "));
	assert_non_null(strstr(err, "held "));
	assert_non_null(strstr(err, "/run/vfiobind/lock for 1500 ms: this run wrote nothing"));
	assert_string_equal(fx_read(fx, "sys/bus/pci/devices/0000:01:01.0/driver_override",
				    buf, sizeof(buf)), "(null)");
	vb_lock_drop(lock);
}

/* flock, not a file whose existence is the lock: a holder killed by
 * SIGKILL leaves nothing that stops the next run. */
static void killed_holder_leaves_no_lock(void **state)
{
	struct fx *fx = *state;
	int ready[2], lock;
	pid_t pid;
	char c;

	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (vb_lock_take(&fx->ctx, 0) < 0)
			_exit(1);
		if (write(ready[1], "l", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(vb_lock_take(&fx->ctx, 0), -ETIMEDOUT);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	lock = vb_lock_take(&fx->ctx, 0);
	assert_true(lock >= 0);
	vb_lock_drop(lock);
	close(ready[0]);
	close(ready[1]);
}

/* Two runs never share a temporary: each record's is made with O_EXCL
 * under a name of its own, so what another run (or anyone) left at the
 * old fixed name is neither written into nor followed. */
static void records_use_temporaries_of_their_own(void **state)
{
	struct fx *fx = *state;
	struct fx_pipeline p;
	char buf[4096];

	fx_link(fx, "run/vfiobind/.state.json.tmp", "../../victim");
	fx_plan(fx, &p, "vfio.bind=01:01.0", NULL);
	assert_int_equal(vb_record_write(&fx->ctx, &p.inv, &p.plan, 0), 0);
	fx_path(fx, buf, sizeof(buf), "victim");
	assert_int_equal(access(buf, F_OK), -1);
	fx_read(fx, "run/vfiobind/state.json", buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"address\": \"0000:01:01.1\""));
	fx_pipeline_free(fx, &p);
}

/* A run killed half way: the log names the signal, and the record it
 * wrote before its first write says what it set out to claim, without
 * an exit_status. */
static void killed_run_named_and_recorded(void **state)
{
	struct fx *fx = *state;
	char buf[4096];

	fx_write(fx, "modprobe", "#!/bin/sh\nkill -KILL $PPID\n");
	assert_int_equal(fx_run(fx, out, sizeof(out), err, sizeof(err),
				"--stderr", "--cmdline", "vfio.bind=01:01.0",
				"--timeout", "60", "apply", NULL), 1);
	assert_non_null(strstr(err, ") was killed by SIGKILL before it finished"));
	fx_read(fx, "run/vfiobind/state.json", buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"address\": \"0000:01:01.1\""));
	assert_null(strstr(buf, "exit_status"));
}

/* What cli.c does for apply --device ADDR, with the fake kernel. */
static int device_apply(struct fx *fx, const char *addr, const char *cmdline)
{
	struct vb_selector sel;
	struct fx_pipeline p;
	int status;

	assert_int_equal(vb_parse_addr(addr, &sel), 0);
	fx->ctx.scope = &sel;
	fx->ctx.nscope = 1;
	memset(&p, 0, sizeof(p));
	vb_cmdline_rules(&fx->ctx, cmdline, &p.rules);
	assert_int_equal(vb_inventory_read(&fx->ctx, &p.inv, &p.rules), 0);
	assert_int_equal(vb_run_settle(&fx->ctx, &p.inv, &p.rules), 0);
	vb_modules_load(&fx->ctx, &p.mods);
	assert_int_equal(vb_plan_build(&p.inv, &p.rules, &p.mods, &p.plan), 0);
	vb_plan_log(&fx->ctx, &p.plan);
	vb_run_apply(&fx->ctx, &p.inv, &p.rules, &p.mods, &p.plan, &p.res);
	status = vb_exit_status(&fx->ctx, &p.plan, &p.res);
	fx_pipeline_free(fx, &p);
	fx->ctx.scope = NULL;
	fx->ctx.nscope = 0;
	return status;
}

/* A slot whose second function is listed in the group but not yet a PCI
 * device: the run for the first waits for it (bounded) and claims the
 * whole group, instead of refusing it. */
static void group_filling_in_is_waited_for(void **state)
{
	struct fx *fx = fx_new();
	char buf[64];
	pid_t pid;
	int i;

	(void)state;
	fx_dev(fx, "0000:00:1e.0", NULL, 0x1b36, 0x000e, 0x060400, 5);
	fx_dev(fx, "0000:01:01.0", "0000:00:1e.0", 0x8086, 0x100e, 0x020000, 5);
	fx_native(fx, "0000:01:01.0", "e1000");
	fx_bind(fx, "0000:01:01.0", "e1000");
	fx_link(fx, "sys/kernel/iommu_groups/5/devices/0000:01:01.1",
		"../../../../devices/pci0000:00/0000:00:1e.0/0000:01:01.1");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {	/* the kernel, adding the function a moment later */
		for (i = 0; i < 3000 && !fx_msg(fx, "waiting for 0000:01:01.1"); i++)
			usleep(10000);
		fx_dev(fx, "0000:01:01.1", "0000:00:1e.0", 0x8086, 0x100e, 0x020000, 5);
		_exit(0);
	}
	assert_int_equal(device_apply(fx, "0000:01:01.0", "vfio.bind=01:01.0"), VB_EXIT_OK);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_true(fx_msg(fx, "IOMMU group 5: waiting for 0000:01:01.1 to become a readable PCI device"));
	assert_false(fx_msg(fx, "refused"));
	assert_string_equal(fx_driver_of(fx, "0000:01:01.0", buf, sizeof(buf)), "vfio-pci");
	assert_string_equal(fx_driver_of(fx, "0000:01:01.1", buf, sizeof(buf)), "vfio-pci");
	fx_free(fx);
	free(fx);
}

/* The run for an early function claimed it; a later member (a storage
 * controller nobody selected) makes the group refused: the earlier claim
 * is given back, and the log says why. */
static void later_member_refusing_gives_claims_back(void **state)
{
	struct fx *fx = *state;
	char buf[64];

	fx_dev(fx, "0000:00:1e.0", NULL, 0x1b36, 0x000e, 0x060400, 6);
	fx_dev(fx, "0000:02:01.0", "0000:00:1e.0", 0x8086, 0x100e, 0x020000, 6);
	fx_native(fx, "0000:02:01.0", "e1000");
	fx_bind(fx, "0000:02:01.0", "e1000");
	assert_int_equal(device_apply(fx, "0000:02:01.0", "vfio.bind=02:01.0"), VB_EXIT_OK);
	assert_string_equal(fx_driver_of(fx, "0000:02:01.0", buf, sizeof(buf)), "vfio-pci");
	fx_dev(fx, "0000:02:01.1", "0000:00:1e.0", 0x8086, 0x2922, 0x010601, 6);
	assert_int_equal(device_apply(fx, "0000:02:01.1", "vfio.bind=02:01.0"), VB_EXIT_FAILED);
	assert_true(fx_msg(fx, "IOMMU group 6: refused now that all its members are here: giving back the claims earlier runs made in it"));
	assert_string_equal(fx_read(fx, "sys/bus/pci/devices/0000:02:01.0/driver_override",
				    buf, sizeof(buf)), "(null)");
	assert_string_equal(fx_driver_of(fx, "0000:02:01.0", buf, sizeof(buf)), "e1000");
	assert_string_equal(fx_driver_of(fx, "0000:02:01.1", buf, sizeof(buf)), "");
}

const struct CMUnitTest lock_tests[] = {
	cmocka_unit_test(group_filling_in_is_waited_for),
	cmocka_unit_test_setup_teardown(later_member_refusing_gives_claims_back, dual_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(killed_run_named_and_recorded, dual_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(records_use_temporaries_of_their_own, dual_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(already_unbound_is_no_failure, dual_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(two_runs_interleave, dual_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(apply_waits_read_only_commands_do_not, dual_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(killed_holder_leaves_no_lock, dual_setup, fx_teardown),
};
const size_t lock_tests_count = sizeof(lock_tests) / sizeof(lock_tests[0]);
