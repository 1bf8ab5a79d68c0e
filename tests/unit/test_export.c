// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfiobind export, run as the shipped binary on fixture roots: where it
 * writes (command line, config, defaults that exist), what a missing
 * directory means, and the refresh after an apply --device that changed
 * something.  What node_exporter, promtool and NFD make of the files is
 * tests/export/run's job (make check-export).
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture-tree.h"
#include "unit.h"

#define PROM_DIR "var/lib/prometheus/node-exporter"
#define NFD_DIR "etc/kubernetes/node-feature-discovery/features.d"

static char out[1 << 16], err[1 << 16], buf[1 << 16];

static void twins(struct fx *fx)
{
	fx_dev(fx, "0000:00:03.0", NULL, 0x8086, 0x100e, 0x020000, 3);
	fx_dev(fx, "0000:00:04.0", NULL, 0x8086, 0x100e, 0x020000, 4);
	fx_bind(fx, "0000:00:04.0", "e1000");
	fx_modules(fx, "vfio_pci e1000");
}

static void mkdirs(const struct fx *fx, const char *rel)
{
	char path[PATH_MAX];

	fx_path(fx, path, sizeof(path), "%s/x", rel);
	fixture_mkparent(path);
}

static bool has(const struct fx *fx, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	fx_path(fx, path, sizeof(path), "%s", rel);
	return lstat(path, &st) == 0;
}

/* The names in a directory of the root, space-separated and sorted. */
static char *names(const struct fx *fx, const char *rel)
{
	struct dirent **de;
	char path[PATH_MAX];
	int i, n;

	fx_path(fx, path, sizeof(path), "%s", rel);
	buf[0] = '\0';
	n = scandir(path, &de, NULL, alphasort);
	for (i = 0; i < n; i++) {
		if (strcmp(de[i]->d_name, ".") && strcmp(de[i]->d_name, "..")) {
			strcat(buf, buf[0] ? " " : "");
			strcat(buf, de[i]->d_name);
		}
		free(de[i]);
	}
	if (n >= 0)
		free(de);
	return buf;
}

static void writes_only_default_dirs_that_exist(void **state)
{
	struct fx fx;

	(void)state;
	fx_init(&fx);
	twins(&fx);
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err),
				"--cmdline", "vfio.bind=00:03.0,00:04.0", "export",
				NULL), 0);
	assert_false(has(&fx, "var/lib/prometheus"));
	assert_false(has(&fx, "etc/kubernetes"));
	mkdirs(&fx, PROM_DIR);
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err),
				"--cmdline", "vfio.bind=00:03.0,00:04.0", "export",
				NULL), 0);
	assert_string_equal(names(&fx, PROM_DIR), "vfiobind.prom");
	fx_read(&fx, PROM_DIR "/vfiobind.prom", buf, sizeof(buf));
	/* both unbound now: planned vfio-pci, neither bound as planned */
	assert_non_null(strstr(buf, "# TYPE vfiobind_device_bound gauge\nvfiobind_device_bound{address=\"0000:00:03.0\",vendor=\"8086\",device=\"100e\",class=\"020000\",iommu_group=\"3\",planned_driver=\"vfio-pci\",driver=\"\"} 0\n"));
	assert_non_null(strstr(buf, "iommu_group=\"4\",planned_driver=\"vfio-pci\",driver=\"e1000\"} 0\n"));
	assert_non_null(strstr(buf, "\nvfiobind_rule_errors 0"));
	/* no apply recorded yet: no last-apply series */
	assert_null(strstr(buf, "vfiobind_last_apply"));
	assert_false(has(&fx, "etc/kubernetes"));
	mkdirs(&fx, NFD_DIR);
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err),
				"--cmdline", "vfio.bind=00:03.0 vfio.bind=zz",
				"export", NULL), 0);
	fx_read(&fx, NFD_DIR "/vfiobind", buf, sizeof(buf));
	assert_non_null(strstr(buf, "\nvfiobind-devices=0\nvfiobind-as-planned=false"));
	fx_read(&fx, PROM_DIR "/vfiobind.prom", buf, sizeof(buf));
	assert_non_null(strstr(buf, "\nvfiobind_rule_errors 1"));
	assert_null(strstr(buf, "0000:00:04.0"));
	assert_string_equal(names(&fx, NFD_DIR), "vfiobind");
	fx_free(&fx);
}

/* --prometheus/--nfd write only there, a missing one is an error; the
 * config's directories replace the defaults, under the root. */
static void named_and_configured_dirs(void **state)
{
	char dir[PATH_MAX];
	struct fx fx;

	(void)state;
	fx_init(&fx);
	twins(&fx);
	mkdirs(&fx, PROM_DIR);
	mkdirs(&fx, "out");
	fx_path(&fx, dir, sizeof(dir), "out");
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err),
				"--cmdline", "", "export", "--nfd", dir, NULL), 0);
	assert_string_equal(names(&fx, "out"), "vfiobind");
	assert_string_equal(names(&fx, PROM_DIR), "");
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err),
				"--cmdline", "", "export", "--prometheus",
				"/nonexistent/prom", NULL), 1);
	assert_non_null(strstr(err, "--prometheus /nonexistent/prom: not a directory"));
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err),
				"--prometheus", dir, "plan", NULL), 2);
	assert_non_null(strstr(err, "--prometheus and --nfd go with export"));

	mkdirs(&fx, "srv/prom");
	fx_write(&fx, "etc/vfiobind.conf",
		 "bind 00:03.0\nexport prometheus=/srv/prom, nfd=/srv/none\n");
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err),
				"--cmdline", "", "export", NULL), 0);
	assert_string_equal(names(&fx, "srv/prom"), "vfiobind.prom");
	assert_string_equal(names(&fx, PROM_DIR), "");
	assert_string_equal(err, "");
	/* bad export items are named; the good rule still counts */
	fx_write(&fx, "etc/vfiobind.conf",
		 "bind 00:03.0\nexport nfd=srv  graphite=/x\nexport\n");
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err),
				"--cmdline", "", "export", NULL), 0);
	assert_non_null(strstr(err, "/etc/vfiobind.conf:2:12: export nfd: 'srv' is not an absolute path"));
	assert_non_null(strstr(err, "/etc/vfiobind.conf:2:17: unknown export item 'graphite=/x' (want prometheus=DIR or nfd=DIR)"));
	assert_non_null(strstr(err, "/etc/vfiobind.conf:3:7: 'export' without any item"));
	fx_read(&fx, PROM_DIR "/vfiobind.prom", buf, sizeof(buf));
	assert_non_null(strstr(buf, "\nvfiobind_rule_errors 3"));
	assert_non_null(strstr(buf, "address=\"0000:00:03.0\""));
	fx_free(&fx);
}

/* udev's apply --device refreshes the export when it changed something,
 * never when it did nothing, never in the initramfs; and the record of a
 * full apply gives the last-apply series. */
static void device_run_refreshes_export(void **state)
{
	struct fx fx;

	(void)state;
	fx_init(&fx);
	twins(&fx);
	mkdirs(&fx, PROM_DIR);
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err),
				"--cmdline", "vfio.bind=00:03.0", "--wait", "0",
				"--device", "0000:00:04.0", "apply", NULL), 0);
	assert_string_equal(names(&fx, PROM_DIR), "");
	fx_write(&fx, "etc/initrd-release", "");
	fx_run(&fx, out, sizeof(out), err, sizeof(err), "--cmdline",
	       "vfio.bind=00:03.0", "--wait", "0", "--device", "0000:00:03.0",
	       "apply", NULL);
	assert_string_equal(names(&fx, PROM_DIR), "");
	fx_write(&fx, "sys/bus/pci/devices/0000:00:03.0/driver_override",
		 "(null)\n");
	fx_path(&fx, buf, sizeof(buf), "etc/initrd-release");
	assert_int_equal(unlink(buf), 0);
	fx_run(&fx, out, sizeof(out), err, sizeof(err), "--cmdline",
	       "vfio.bind=00:03.0", "--wait", "0", "--device", "0000:00:03.0",
	       "apply", NULL);
	assert_string_equal(names(&fx, PROM_DIR), "vfiobind.prom");
	fx_read(&fx, PROM_DIR "/vfiobind.prom", buf, sizeof(buf));
	assert_non_null(strstr(buf, "address=\"0000:00:03.0\""));
	assert_null(strstr(buf, "vfiobind_last_apply"));

	mkdirs(&fx, "run");
	fx_run(&fx, out, sizeof(out), err, sizeof(err), "--cmdline",
	       "vfio.bind=00:03.0", "--wait", "0", "apply", NULL);
	assert_int_equal(fx_run(&fx, out, sizeof(out), err, sizeof(err),
				"--cmdline", "vfio.bind=00:03.0", "export", NULL), 0);
	fx_read(&fx, PROM_DIR "/vfiobind.prom", buf, sizeof(buf));
	assert_non_null(strstr(buf, "# TYPE vfiobind_last_apply_exit_status gauge\nvfiobind_last_apply_exit_status "));
	assert_non_null(strstr(buf, "\nvfiobind_last_apply_failures{kind=\"claim\"} "));
	assert_non_null(strstr(buf, "\nvfiobind_last_apply_timestamp_seconds "));
	assert_string_equal(names(&fx, PROM_DIR), "vfiobind.prom");
	fx_free(&fx);
}

/* In process (so ASan and UBSan see export.c): a record of an older
 * format gives no last-apply series and a warning; labels escaped; two
 * PFs' VF counts; refused groups counted once per group. */
static void in_process_record_and_sriov(void **state)
{
	struct fx_pipeline p;
	char dir[PATH_MAX];
	struct fx fx;

	(void)state;
	fx_init(&fx);
	twins(&fx);
	fx_dev(&fx, "0000:00:1f.0", NULL, 0x8086, 0x2918, 0x060100, 7);
	fx_dev(&fx, "0000:00:1f.2", NULL, 0x8086, 0x2922, 0x010601, 7);
	fx_dev(&fx, "0000:01:00.0", NULL, 0x1b36, 0x0010, 0x010802, 8);
	fx_bind(&fx, "0000:01:00.0", "nvme");
	fx_sriov(&fx, "0000:01:00.0", 4, 0);
	fx_modules(&fx, "vfio_pci e1000 nvme");
	mkdirs(&fx, "out");
	fx_path(&fx, dir, sizeof(dir), "out");
	fx.ctx.export_dir[EXPORT_PROMETHEUS] = dir;
	fx_write(&fx, "run/vfiobind/state.json",
		 "{\n  \"version\": 1,\n  \"exit_status\": 0\n}\n");
	fx_plan(&fx, &p, "vfio.bind=00:03.0,00:1f.2 vfio.sriov=01:00.0=3", NULL);
	assert_int_equal(vb_export(&fx.ctx, &p.rules, &p.inv, &p.plan), 0);
	assert_true(fx_msg(&fx, "state.json: not a record of a full apply this version writes"));
	fx_read(&fx, "out/vfiobind.prom", buf, sizeof(buf));
	assert_null(strstr(buf, "vfiobind_last_apply"));
	assert_non_null(strstr(buf, "\nvfiobind_refused_groups 1\n"));
	assert_non_null(strstr(buf, "\nvfiobind_sriov_vfs_wanted{pf=\"0000:01:00.0\"} 3\n"));
	assert_non_null(strstr(buf, "\nvfiobind_sriov_vfs{pf=\"0000:01:00.0\"} 0"));
	assert_string_equal(names(&fx, "out"), "vfiobind.prom");
	fx_write(&fx, "run/vfiobind/state.json",
		 "{\n  \"schema\": \"vfiobind-state/1\",\n  \"exit_status\": 1,\n  \"started\": 1700000000,\n  \"duration_ms\": 2500,\n  \"failed_claims\": 0,\n  \"failed_sriov\": 1,\n  \"not_viable_groups\": 0,\n  \"devices\": [\n    {\n      \"rule\": \"x.conf:1:1 \\\"failed_claims\\\": 9\"\n    }\n  ]\n}\n");
	assert_int_equal(vb_export(&fx.ctx, &p.rules, &p.inv, &p.plan), 0);
	fx_read(&fx, "out/vfiobind.prom", buf, sizeof(buf));
	assert_non_null(strstr(buf, "\nvfiobind_last_apply_failures{kind=\"claim\"} 0\nvfiobind_last_apply_failures{kind=\"sriov\"} 1\n"));
	assert_non_null(strstr(buf, "\nvfiobind_last_apply_exit_status 1\n"));
	assert_non_null(strstr(buf, "\nvfiobind_last_apply_timestamp_seconds 1700000000\n"));
	assert_non_null(strstr(buf, "\nvfiobind_last_apply_duration_seconds 2.500"));
	fx_pipeline_free(&fx, &p);
	fx_free(&fx);
}

const struct CMUnitTest export_tests[] = {
	cmocka_unit_test(in_process_record_and_sriov),
	cmocka_unit_test(writes_only_default_dirs_that_exist),
	cmocka_unit_test(named_and_configured_dirs),
	cmocka_unit_test(device_run_refreshes_export),
};
const size_t export_tests_count = ARRAY_SIZE(export_tests);
