// SPDX-License-Identifier: GPL-2.0-or-later
/* The shipped static binary, run on fixture roots: usage, exit codes, JSON. */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"

static char out[1 << 16], err[1 << 16];

static void twins(struct fx *fx)
{
	fx_dev(fx, "0000:00:03.0", NULL, 0x8086, 0x100e, 0x020000, 3);
	fx_dev(fx, "0000:00:04.0", NULL, 0x8086, 0x100e, 0x020000, 4);
	fx_bind(fx, "0000:00:04.0", "e1000");
}

static void usage_errors_exit_2(void **state)
{
	struct fx fx;

	(void)state;
	fx_init(&fx);
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err), "--help", NULL), 0);
	assert_non_null(strstr(out, "Exit status: 0 everything planned"));
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err), NULL), 2);
	assert_non_null(strstr(err, "missing command"));
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err), "bind", NULL), 2);
	assert_non_null(strstr(err, "unknown command 'bind'"));
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err), "--frob", "plan", NULL), 2);
	assert_non_null(strstr(err, "unknown option '--frob'"));
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err), "--wait", "x", "plan", NULL), 2);
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err), "--json", "apply", NULL), 2);
	fx_free(&fx);
}

/* apply under --root must not run the host's modprobe on the host's
 * kernel while its sysfs writes go under the root. */
static void apply_root_needs_modprobe(void **state)
{
	struct fx fx;
	char *argv[] = { "vfiobind", "--root", NULL, "--cmdline",
			 "vfio.bind=00:03.0", "apply", NULL };

	(void)state;
	fx_init(&fx);
	twins(&fx);
	argv[2] = fx.root;
	assert_int_equal(vfiobind_main(6, argv), 2);
	assert_false(vb_exists(&fx.ctx, "/run/vfiobind/state.json"));
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err),
				"--cmdline", "vfio.bind=00:03.0", "plan", NULL), 0);
	fx_free(&fx);
}

static void plan_json_lists_exactly_the_claims(void **state)
{
	struct fx fx;

	(void)state;
	fx_init(&fx);
	twins(&fx);
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err),
				"--cmdline", "quiet vfio.bind=00:03.0", "plan",
				"--json", NULL), 0);
	assert_non_null(strstr(out, "\"devices\": [\n    {\n      \"address\": \"0000:00:03.0\""));
	assert_non_null(strstr(out, "\"driver\": \"vfio-pci\""));
	assert_non_null(strstr(out, "\"module\": \"vfio_pci\""));
	assert_null(strstr(out, "0000:00:04.0"));
	assert_non_null(strstr(out, "\"sriov\": []"));
	assert_non_null(strstr(out, "\"errors\": []"));
	assert_non_null(strstr(out, "\"warnings\": []"));
	fx_free(&fx);
}

static void exit_statuses(void **state)
{
	struct fx fx;

	(void)state;
	fx_init(&fx);
	twins(&fx);
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err),
				"--cmdline", "vfio.bind=00:03.0,zz", "plan", NULL), 2);
	assert_non_null(strstr(out, "claim   0000:00:03.0"));
	assert_non_null(strstr(err, "vfiobind: error: vfio.bind item 'zz'"));
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err),
				"--cmdline", "vfio.bind=00:09.0", "plan", NULL), 1);
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err),
				"--cmdline", "vfio.bind=00:03.0 vfio.bind=off", "plan", NULL), 0);
	assert_non_null(strstr(out, "disabled: nothing is claimed"));
	fx_write(&fx, "cfg", "bind 00:04.0\nfoo\n");
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err),
				"--cmdline", "", "--config", "/nonexistent/x.conf", "plan", NULL), 2);
	assert_non_null(strstr(err, "/nonexistent/x.conf: cannot open"));
	/* the null device is an empty config, not a bad one */
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err),
				"--cmdline", "vfio.bind=00:03.0", "--config", "/dev/null", "plan", NULL), 0);
	assert_string_equal(err, "");
	fx_free(&fx);
}

static void status_shows_groups_and_claims(void **state)
{
	struct fx fx;

	(void)state;
	fx_init(&fx);
	twins(&fx);
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err),
				"--cmdline", "vfio.bind=00:03.0", "status", NULL), 0);
	assert_non_null(strstr(out, "IOMMU group 3: usable by vfio\n  0000:00:03.0  8086:100e"));
	assert_non_null(strstr(out, "IOMMU group 4: not usable by vfio"));
	assert_non_null(strstr(out, "rule vfio.bind 00:03.0"));
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err),
				"--cmdline", "", "status", "--json", NULL), 0);
	assert_non_null(strstr(out, "\"group\": 4,\n      \"viable\": false"));
	assert_non_null(strstr(out, "\"driver\": \"e1000\""));
	fx_free(&fx);
}

/* Names from pci.ids as lspci gives them, when it is installed; the
 * numbers stay, and unknown devices keep numbers only. */
static void status_names_from_pci_ids(void **state)
{
	struct fx fx;

	(void)state;
	fx_init(&fx);
	twins(&fx);
	fx_dev(&fx, "0000:00:05.0", NULL, 0x1234, 0x5678, 0x028000, 5);
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err),
				"--cmdline", "", "status", NULL), 0);
	assert_null(strstr(out, "Ethernet"));
	fx_write(&fx, "usr/share/misc/pci.ids",
		 "# comment\n"
		 "8086  Intel Corporation\n"
		 "\t100e  82540EM Gigabit Ethernet Controller\n"
		 "\t\t8086 001e  PRO/1000 MT Desktop Adapter\n"
		 "8087  Intel Corp.\n"
		 "\t100e  Not this one\n"
		 "C 02  Network controller\n"
		 "\t00  Ethernet controller\n"
		 "C 03  Display controller\n");
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err),
				"--cmdline", "", "status", NULL), 0);
	assert_non_null(strstr(out, "  0000:00:03.0  8086:100e  class 020000"));
	assert_non_null(strstr(out, "rule -\n                Ethernet controller: Intel Corporation 82540EM Gigabit Ethernet Controller\n"));
	assert_null(strstr(out, "Not this one"));
	assert_null(strstr(out, "1234"  "  Network"));
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err),
				"--cmdline", "", "status", "--json", NULL), 0);
	assert_non_null(strstr(out, "\"name\": \"Ethernet controller: Intel Corporation 82540EM Gigabit Ethernet Controller\""));
	assert_non_null(strstr(out, "\"vendor\": \"1234\""));
	fx_free(&fx);
}

/* Without a kernel behind the files nothing binds: apply says so (exit 1)
 * and still leaves its record. */
static void apply_records_even_on_failure(void **state)
{
	struct fx fx;
	char buf[8192];

	(void)state;
	fx_init(&fx);
	twins(&fx);
	fx_write(&fx, "run/.keep", "");
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err),
				"--cmdline", "vfio.bind=00:03.0", "--wait", "20",
				"apply", NULL), 1);
	fx_read(&fx, "run/vfiobind/state.json", buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"exit_status\": 1"));
	assert_non_null(strstr(buf, "not bound to vfio-pci after probing"));
	fx_read(&fx, "sys/bus/pci/devices/0000:00:03.0/driver_override", buf, sizeof(buf));
	assert_string_equal(buf, "vfio-pci");
	fx_read(&fx, "dev/kmsg", buf, sizeof(buf));
	assert_non_null(strstr(buf, "<3>vfiobind: 0000:00:03.0: not bound"));
	fx_free(&fx);
}

static int occurrences(const char *s, const char *needle)
{
	int n = 0;

	for (; (s = strstr(s, needle)); s++)
		n++;
	return n;
}

/* udev runs apply --device for every PCI device: such a run says nothing
 * about the command line, nothing about a group already bound as planned
 * and nothing about other devices; the full run reports the bad item, once. */
static void device_runs_are_quiet(void **state)
{
	static const char cmdline[] = "vfio.bind=00:03.0,0000:zz:00.0 vfio.bind=10de:ffff";
	struct fx fx;
	char buf[8192];

	(void)state;
	fx_init(&fx);
	twins(&fx);
	fx_driver(&fx, "vfio-pci", "vfio_pci");
	fx_bind(&fx, "0000:00:03.0", "vfio-pci");
	fx_write(&fx, "sys/bus/pci/devices/0000:00:03.0/driver_override", "vfio-pci\n");
	fx_write(&fx, "run/.keep", "");
	fx_write(&fx, "dev/kmsg", "");
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err), "--cmdline", cmdline,
				"--config", "/dev/null", "--device", "00:03.0", "apply", NULL), 2);
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err), "--cmdline", cmdline,
				"--config", "/dev/null", "--device", "00:04.0", "apply", NULL), 2);
	fx_read(&fx, "dev/kmsg", buf, sizeof(buf));
	assert_string_equal(buf, "");
	assert_false(vb_exists(&fx.ctx, "/run/vfiobind/device-0000:00:03.0.json"));
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err), "--cmdline", cmdline,
				"--config", "/dev/null", "apply", NULL), 2);
	fx_read(&fx, "dev/kmsg", buf, sizeof(buf));
	assert_int_equal(occurrences(buf, "item '0000:zz:00.0'"), 1);
	assert_int_equal(occurrences(buf, "'10de:ffff' matches no PCI device"), 1);
	assert_int_equal(occurrences(buf, "nothing to do"), 1);
	fx_free(&fx);
}

/* The udev rule runs apply --device only where /run/vfiobind/rules
 * exists: full applies make it when rules exist and remove it when none
 * do (or off); --device runs and plan leave it alone. */
static void full_runs_keep_the_rules_marker(void **state)
{
	struct fx fx;

	(void)state;
	fx_init(&fx);
	twins(&fx);
	fx_write(&fx, "run/.keep", "");
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err), "--config", "/dev/null",
				"--cmdline", "quiet", "apply", NULL), 0);
	assert_false(vb_exists(&fx.ctx, "/run/vfiobind/rules"));
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err), "--config", "/dev/null",
				"--cmdline", "vfio.bind=10de:ffff", "plan", NULL), 1);
	assert_false(vb_exists(&fx.ctx, "/run/vfiobind/rules"));
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err), "--config", "/dev/null",
				"--cmdline", "vfio.bind=10de:ffff", "apply", NULL), 1);
	assert_true(vb_exists(&fx.ctx, "/run/vfiobind/rules"));
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err), "--config", "/dev/null",
				"--cmdline", "quiet", "--device", "00:03.0", "apply", NULL), 0);
	assert_true(vb_exists(&fx.ctx, "/run/vfiobind/rules"));
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err), "--config", "/dev/null",
				"--cmdline", "vfio.bind=10de:ffff vfio.bind=off", "apply", NULL), 0);
	assert_false(vb_exists(&fx.ctx, "/run/vfiobind/rules"));
	fx_free(&fx);
}

/* "ADDR=DRIVER ..." for the devices array of plan --json, or "nothing". */
static void claims_of(const char *json, char *buf, size_t len)
{
	const char *p = strstr(json, "\"devices\": ["), *end;
	char addr[VB_ADDR_LEN], drv[VB_NAME_MAX];

	buf[0] = '\0';
	assert_non_null(p);
	end = strstr(p, "\"refused\": [");
	assert_non_null(end);
	while ((p = strstr(p, "\"address\": \"")) && p < end) {
		assert_int_equal(sscanf(p, "\"address\": \"%16[^\"]", addr), 1);
		p = strstr(p, "\"driver\": \"");
		assert_non_null(p);
		assert_int_equal(sscanf(p, "\"driver\": \"%63[^\"]", drv), 1);
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s=%s",
			 buf[0] ? " " : "", addr, drv);
	}
	if (!buf[0])
		snprintf(buf, len, "nothing");
}

/* Every row of the examples table in kernel-cmdline.md, on its fixture. */
static void documented_examples_hold(void **state)
{
	const char *src = getenv("VFIOBIND_SRCDIR");
	char path[PATH_MAX], line[1024], cmdline[256], fixture[64];
	char claims[512], got[512];
	int want_exit, rows = 0;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/kernel-cmdline.md", src ? src : ".");
	f = fopen(path, "re");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		struct fx fx;
		int status;

		if (sscanf(line, "| `%255[^`]` | %63s | %511[^|]| %d |", cmdline,
			   fixture, claims, &want_exit) != 4)
			continue;
		/* strip the backquotes and trailing blanks of the claims cell */
		{
			char *c = claims, *o = claims;

			for (; *c; c++)
				if (*c != '`')
					*o++ = *c;
			*o = '\0';
			while (o > claims && o[-1] == ' ')
				*--o = '\0';
		}
		fx_init(&fx);
		fx_expand(&fx, fx_fixture(fixture));
		status = fx_run(&fx, out, sizeof(out), err, sizeof(err),
				"--cmdline", cmdline, "plan", "--json", NULL);
		claims_of(out, got, sizeof(got));
		if (strcmp(got, claims) || status != want_exit)
			fail_msg("%s on %s: claims '%s' exit %d, documented '%s' exit %d\n%s",
				 cmdline, fixture, got, status, claims,
				 want_exit, err);
		fx_free(&fx);
		rows++;
	}
	fclose(f);
	assert_true(rows >= 15);
}

/* The state a real kernel was left in after claiming: apply has nothing
 * to do and status says the groups are usable. */
static void recorded_vfio_state_is_done(void **state)
{
	struct fx fx;

	(void)state;
	fx_init(&fx);
	fx_expand(&fx, fx_fixture("qemu-twin-e1000-vfio"));
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err),
				"--cmdline", "vfio.bind=0000:00:03.0", "plan",
				"--json", NULL), 0);
	assert_non_null(strstr(out, "\"current_driver\": \"vfio-pci\",\n      \"companion\": false,\n      \"done\": true"));
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err),
				"--cmdline", "vfio.bind=0000:00:03.0", "status", NULL), 0);
	assert_non_null(strstr(out, "IOMMU group 2: usable by vfio\n  0000:00:03.0  8086:100e  class 020000  driver vfio-pci     override vfio-pci"));
	assert_non_null(strstr(out, "IOMMU group 3: not usable by vfio"));
	fx_free(&fx);

	fx_init(&fx);
	fx_expand(&fx, fx_fixture("qemu-sriov-nvme-vfio"));
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err),
				"--cmdline", "vfio.sriov=0000:01:00.0=2", "plan", NULL), 0);
	assert_non_null(strstr(out, "sriov   0000:01:00.0  VFs 2 -> 2 (as is), PF driver native, VFs to vfio"));
	assert_non_null(strstr(out, "claim   0000:01:00.1  1b36:0010  -> vfio-pci (module vfio_pci), already bound"));
	assert_non_null(strstr(out, "claim   0000:01:00.2  1b36:0010  -> vfio-pci (module vfio_pci), already bound"));
	fx_free(&fx);
}

/* Runs the dracut pre-udev hook the way dracut's init does (sourced, with
 * its warn()), with vfiobind replaced by 'binder'. */
static int run_hook(struct fx *fx, const char *binder, const char *timeout)
{
	const char *src = getenv("VFIOBIND_SRCDIR");
	char hook[PATH_MAX], bin[PATH_MAX], path[PATH_MAX];
	char script[PATH_MAX * 3];
	char *argv[] = { "sh", "-c", script, NULL };
	int ofd, status;
	pid_t pid;

	snprintf(hook, sizeof(hook), "%s/dracut-module/90vfiobind/vfiobind-pre-udev.sh",
		 src ? src : ".");
	fx_write(fx, "binder", binder);
	fx_path(fx, bin, sizeof(bin), "binder");
	chmod(bin, 0755);
	snprintf(script, sizeof(script),
		 "warn() { echo \"WARN $*\"; }; VFIOBIND=%s VFIOBIND_TIMEOUT=%s; . %s; echo DONE",
		 bin, timeout, hook);
	fx_path(fx, path, sizeof(path), "hook.out");
	ofd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	assert_true(ofd >= 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(ofd, 1);
		dup2(ofd, 2);
		execv("/bin/sh", argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close(ofd);
	fx_read(fx, "hook.out", out, sizeof(out));
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* A write that blocks in the kernel must not stall the boot: the hook
 * and every unit give up waiting after the binder's bound, and each
 * unit's own timeout lies above it. */
static void initrd_run_is_bounded(void **state)
{
	const char *src = getenv("VFIOBIND_SRCDIR");
	char path[PATH_MAX], unit[4096];
	const char *pid;
	struct fx fx;
	long t0;

	(void)state;
	fx_init(&fx);
	twins(&fx);
	/* a module load that hangs: apply --timeout returns all the same */
	fx_write(&fx, "modprobe", "#!/bin/sh\nsleep 4\n");
	t0 = fx_now_ms();
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err), "--stderr",
				"--cmdline", "vfio.bind=00:03.0", "--timeout", "1",
				"apply", NULL), 1);
	assert_true(fx_now_ms() - t0 < 3500);
	assert_non_null(strstr(err, "apply still running after 1 s (pid "));
	/* the run left behind ends on its own; the tree outlives it */
	pid = strstr(err, "(pid ") + 5;
	while (kill(atoi(pid), 0) == 0 && fx_now_ms() - t0 < 20000)
		usleep(50000);
	/* and one that ends is not kept waiting for a polling interval */
	fx_write(&fx, "modprobe", "#!/bin/sh\nexit 0\n");
	t0 = fx_now_ms();
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err), "--wait", "0", "--stderr",
				"--cmdline", "vfio.bind=00:09.0", "--timeout", "60",
				"apply", NULL), 1);
	assert_true(fx_now_ms() - t0 < 3000);
	assert_non_null(strstr(err, "matches no PCI device"));
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err),
				"--timeout", "5", "plan", NULL), 2);
	assert_non_null(strstr(err, "--timeout goes with apply"));

	/* the dracut hook runs it so and warns when it fails */
	run_hook(&fx, "#!/bin/sh\necho \"$@\" > \"$0.args\"\nexit 1\n", "7");
	assert_non_null(strstr(out, "WARN vfiobind: not every rule holds"));
	assert_string_equal(fx_read(&fx, "binder.args", unit, sizeof(unit)),
			    "apply --timeout 7");
	run_hook(&fx, "#!/bin/sh\nexit 0\n", "1");
	assert_string_equal(out, "DONE");
	fx_free(&fx);

	snprintf(path, sizeof(path), "%s/dracut-module/90vfiobind/vfiobind.service",
		 src ? src : ".");
	assert_true(vb_read_file(path, unit, sizeof(unit)) > 0);
	assert_non_null(strstr(unit, "\nExecStart=-/usr/sbin/vfiobind apply --timeout 120\n"));
	assert_non_null(strstr(unit, "\nTimeoutStartSec=150s\n"));
	snprintf(path, sizeof(path), "%s/systemd/vfiobind.service", src ? src : ".");
	assert_true(vb_read_file(path, unit, sizeof(unit)) > 0);
	assert_non_null(strstr(unit, "\nExecStart=-/usr/sbin/vfiobind apply --timeout 120\n"));
	assert_non_null(strstr(unit, "\nTimeoutStartSec=150s\n"));
	snprintf(path, sizeof(path), "%s/dracut-module/90vfiobind/vfiobind-pre-udev.sh",
		 src ? src : ".");
	assert_true(vb_read_file(path, unit, sizeof(unit)) > 0);
	assert_non_null(strstr(unit, "${VFIOBIND_TIMEOUT:-120}"));
}

const struct CMUnitTest cli_tests[] = {
	cmocka_unit_test(recorded_vfio_state_is_done),
	cmocka_unit_test(documented_examples_hold),
	cmocka_unit_test(usage_errors_exit_2),
	cmocka_unit_test(apply_root_needs_modprobe),
	cmocka_unit_test(plan_json_lists_exactly_the_claims),
	cmocka_unit_test(exit_statuses),
	cmocka_unit_test(status_shows_groups_and_claims),
	cmocka_unit_test(status_names_from_pci_ids),
	cmocka_unit_test(apply_records_even_on_failure),
	cmocka_unit_test(initrd_run_is_bounded),
	cmocka_unit_test(device_runs_are_quiet),
	cmocka_unit_test(full_runs_keep_the_rules_marker),
};
const size_t cli_tests_count = sizeof(cli_tests) / sizeof(cli_tests[0]);
