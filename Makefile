# vfiobind: build, test, install.  `make check` runs every test.
VERSION    := 0.1
PREFIX     ?= /usr
SBINDIR    ?= $(PREFIX)/sbin
DOCDIR     ?= $(PREFIX)/share/doc/vfiobind
DATADIR    ?= $(PREFIX)/share/vfiobind
MANDIR     ?= $(PREFIX)/share/man
DRACUTDIR  ?= $(PREFIX)/lib/dracut/modules.d
INITRAMFSTOOLSDIR ?= $(PREFIX)/share/initramfs-tools
INITCPIODIR ?= $(PREFIX)/lib/initcpio
UDEVRULESDIR ?= $(PREFIX)/lib/udev/rules.d
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc
DESTDIR    ?=

MUSL_CC    ?= musl-gcc
CC         ?= cc
CLANG      ?= clang
B          := build

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 \
           -Wno-format-nonliteral
CFLAGS  ?= -Os
CFLAGS  += -std=gnu11 $(WARN) -D_GNU_SOURCE -DVFIOBIND_VERSION='"$(VERSION)"'
SRCS    := $(filter-out src/main.c,$(wildcard src/*.c))
HDRS    := $(wildcard src/*.h)
TESTS   := $(wildcard tests/unit/*.c) tests/tools/fixture-tree.c
# Tests build paths with snprintf freely; truncation there is a test bug
# that an assertion catches, not a warning to chase.
TEST_CFLAGS := -O1 -g -Wno-format-truncation

.PHONY: all check check-unit check-asan check-fuzz check-size check-boot check-shell check-hooks \
        check-export unit fuzz bench demo deps install clean packages deb rpm arch srcinfo \
        check-packages check-system

all: $(B)/vfiobind

$(B)/vfiobind: $(SRCS) src/main.c $(HDRS) Makefile
	@command -v $(MUSL_CC) >/dev/null || { echo "$(MUSL_CC) not found: apt-get install musl-tools" >&2; exit 1; }
	@mkdir -p $(B)
	$(MUSL_CC) $(CFLAGS) -static -s -o $@ $(SRCS) src/main.c

# Unit tests link the program's sources with cmocka; the test harness
# substitutes the sysfs writer and the module loader.
$(B)/unit-tests: $(SRCS) $(HDRS) $(TESTS) tests/unit/unit.h tests/tools/fixture-tree.h Makefile
	@mkdir -p $(B)
	$(CC) $(CFLAGS) $(TEST_CFLAGS) -Isrc -Itests/tools -o $@ $(SRCS) $(TESTS) -lcmocka

$(B)/unit-tests-asan: $(SRCS) $(HDRS) $(TESTS) tests/unit/unit.h tests/tools/fixture-tree.h Makefile
	@mkdir -p $(B)
	$(CC) $(CFLAGS) $(TEST_CFLAGS) -fsanitize=address,undefined \
	    -fno-sanitize-recover=all -fno-omit-frame-pointer -Isrc -Itests/tools -o $@ \
	    $(SRCS) $(TESTS) -lcmocka

unit check-unit: $(B)/unit-tests $(B)/vfiobind
	VFIOBIND_BIN=$(CURDIR)/$(B)/vfiobind $(B)/unit-tests

check-asan: $(B)/unit-tests-asan $(B)/vfiobind
	VFIOBIND_BIN=$(CURDIR)/$(B)/vfiobind ASAN_OPTIONS=detect_leaks=1 \
	    UBSAN_OPTIONS=print_stacktrace=1 $(B)/unit-tests-asan

# The fuzz targets built as plain programs replay every stored input.
$(B)/fuzz-replay-%: tests/fuzz/fuzz-%.c tests/fuzz/replay.c $(SRCS) $(HDRS)
	@mkdir -p $(B)
	$(CC) $(CFLAGS) $(TEST_CFLAGS) -fsanitize=address,undefined \
	    -fno-sanitize-recover=all -Isrc -o $@ $< tests/fuzz/replay.c $(SRCS)

check-fuzz: $(B)/fuzz-replay-cmdline $(B)/fuzz-replay-config $(B)/fuzz-replay-modindex
	$(B)/fuzz-replay-cmdline tests/fuzz/corpus/cmdline/*
	$(B)/fuzz-replay-config tests/fuzz/corpus/config/*
	$(B)/fuzz-replay-modindex tests/fuzz/corpus/modindex/*

# libFuzzer builds (clang) for finding new inputs. The stored corpus is
# minimized from long runs (command line: 10 million executions, config:
# 10 million, binary module index: 3 million from the recorded .bin files
# of tests/fixtures/modindex; no crash), then, for serial:, path:, slot:
# and @ guards, 150 s more of the first two from new seeds (580000 and
# 156000 runs; no crash), merged into the stored corpus as below (150 and
# 84 inputs added):
#   make fuzz && mkdir -p /tmp/fz && cp tests/fuzz/corpus/cmdline/* /tmp/fz
#   build/fuzz-cmdline -runs=10000000 -max_len=4096 /tmp/fz
#   build/fuzz-cmdline -merge=1 tests/fuzz/corpus/cmdline /tmp/fz
# and the same with fuzz-config and -max_len=8192, fuzz-modindex and
# -runs=3000000 -max_len=4096.
fuzz: $(B)/fuzz-cmdline $(B)/fuzz-config $(B)/fuzz-modindex
$(B)/fuzz-%: tests/fuzz/fuzz-%.c $(SRCS) $(HDRS)
	@mkdir -p $(B)
	$(CLANG) -std=gnu11 -D_GNU_SOURCE -g -O1 \
	    -fsanitize=fuzzer,address,undefined -Isrc -o $@ $< $(SRCS)

check-size: $(B)/vfiobind
	@file $(B)/vfiobind | grep -q 'statically linked' || { echo "$(B)/vfiobind is not static" >&2; exit 1; }
	@size=$$(stat -c %s $(B)/vfiobind); echo "$(B)/vfiobind: $$size bytes, static"; \
	    test $$size -le 262144 || { echo "over the 256 KiB budget" >&2; exit 1; }

# The mkinitcpio install hooks run as mkinitcpio runs build hooks (root:
# a private mount namespace puts the binder at /usr/sbin/vfiobind).
check-hooks: $(B)/vfiobind
	VFIOBIND_BIN=$(CURDIR)/$(B)/vfiobind tests/hooks/mkinitcpio-build

check-boot: $(B)/vfiobind
	tests/boot/selftest/run
	tests/boot/run --kind all

# vfiobind export read by node_exporter, promtool and NFD's label rules;
# plan/status/state JSON against the shipped schema; on fixtures and a boot.
check-export: $(B)/vfiobind $(B)/expand-fixture
	tests/export/run

# Every shell file we ship or boot with.
SHELL_FILES = $(shell git ls-files '*.sh' \
	'*/hooks/*' '*/install/*' '*/scripts/init-top/*' .ci/run .ci/deps tests/boot/run \
	tests/boot/demo tests/boot/record-fixture tests/boot/selftest/run \
	tests/fixtures/modindex/record \
	tests/boot/guest/init-minimal tests/bench/run tests/bench/ns-claim tests/export/run \
	packaging/build packaging/check tests/system/run)

check-shell:
	shellcheck -S warning $(SHELL_FILES)

# The tools first (.ci/deps), then the tests, in a sub-make so that
# make -j cannot start compiling before the compiler is installed.
check: deps
	@$(MAKE) --no-print-directory check-size check-shell check-unit check-asan \
	    check-fuzz check-hooks check-boot check-export check-packages check-system

$(B)/expand-fixture: tests/tools/expand-fixture.c tests/tools/fixture-tree.c tests/tools/fixture-tree.h
	@mkdir -p $(B)
	$(CC) $(CFLAGS) -O2 -Itests/tools -o $@ tests/tools/expand-fixture.c tests/tools/fixture-tree.c

$(B)/gen-tree: tests/bench/gen-tree.c
	@mkdir -p $(B)
	$(CC) $(CFLAGS) -O2 -Wno-format-truncation -o $@ tests/bench/gen-tree.c

# Numbers, not assertions: size, plan time on recorded fixtures; on
# synthetic trees, claiming 64 devices against driverctl, system calls and
# peak RSS; apply time and the binder's share of two boots.
bench: $(B)/vfiobind $(B)/expand-fixture $(B)/gen-tree
	tests/bench/run

demo: deps
	@$(MAKE) --no-print-directory $(B)/vfiobind
	tests/boot/demo

# The Debian packages in .ci/packages: installed when missing if we are
# root, otherwise named with the command that installs them.
deps:
	.ci/deps

install: $(B)/vfiobind
	install -D -m 0755 $(B)/vfiobind $(DESTDIR)$(SBINDIR)/vfiobind
	install -D -m 0644 doc/vfiobind.8 $(DESTDIR)$(MANDIR)/man8/vfiobind.8
	install -D -m 0644 doc/vfiobind.conf.5 $(DESTDIR)$(MANDIR)/man5/vfiobind.conf.5
	install -D -m 0644 conf/vfiobind.conf $(DESTDIR)$(DOCDIR)/examples/vfiobind.conf
	install -D -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	install -D -m 0644 kernel-cmdline.md $(DESTDIR)$(DOCDIR)/kernel-cmdline.md
	install -D -m 0644 doc/vfiobind.schema.json $(DESTDIR)$(DATADIR)/vfiobind.schema.json
	install -D -m 0644 doc/vfiobind-alerts.yml $(DESTDIR)$(DOCDIR)/examples/vfiobind-alerts.yml
	install -d $(DESTDIR)$(SYSCONFDIR)/vfiobind.d
	test -e $(DESTDIR)$(SYSCONFDIR)/vfiobind.conf || \
	    install -m 0644 conf/vfiobind.conf $(DESTDIR)$(SYSCONFDIR)/vfiobind.conf
	install -d $(DESTDIR)$(DRACUTDIR)/90vfiobind
	install -m 0755 dracut-module/90vfiobind/*.sh $(DESTDIR)$(DRACUTDIR)/90vfiobind/
	install -m 0644 dracut-module/90vfiobind/*.service $(DESTDIR)$(DRACUTDIR)/90vfiobind/
	install -D -m 0755 initramfs-tools/hooks/vfiobind $(DESTDIR)$(INITRAMFSTOOLSDIR)/hooks/vfiobind
	install -D -m 0755 initramfs-tools/scripts/init-top/00-vfiobind \
	    $(DESTDIR)$(INITRAMFSTOOLSDIR)/scripts/init-top/00-vfiobind
	install -D -m 0644 mkinitcpio/install/vfiobind $(DESTDIR)$(INITCPIODIR)/install/vfiobind
	install -D -m 0644 mkinitcpio/install/sd-vfiobind $(DESTDIR)$(INITCPIODIR)/install/sd-vfiobind
	install -D -m 0644 mkinitcpio/hooks/vfiobind $(DESTDIR)$(INITCPIODIR)/hooks/vfiobind
	install -D -m 0644 dracut-module/90vfiobind/vfiobind.service \
	    $(DESTDIR)$(INITCPIODIR)/vfiobind/vfiobind.service
	install -D -m 0644 udev/69-vfiobind.rules $(DESTDIR)$(UDEVRULESDIR)/69-vfiobind.rules
	install -D -m 0644 systemd/vfiobind.service $(DESTDIR)$(SYSTEMDUNITDIR)/vfiobind.service

clean:
	rm -rf $(B)

# Packages into $(B)/packages/ (packaging/build): .deb, .rpm and Arch's
# .pkg.tar.zst, each installing what `make install` installs.
PACKAGING := VERSION=$(VERSION) packaging/build

packages: deb rpm arch
deb:
	$(PACKAGING) deb
rpm:
	$(PACKAGING) rpm
arch:
	$(PACKAGING) arch
# Builds all three, lints, checks the file sets against make install and
# the .deb's bytes across two builds; as root, installs the .deb here
# (running the update-initramfs trigger), checks it and purges it.
check-packages:
	VERSION=$(VERSION) packaging/check

# A real Debian bookworm root (mmdebstrap, cached in /var/cache/vfiobind-test)
# with the .deb installed by apt, booted three times under QEMU: the
# initramfs claim, a config edit the late unit applies, an initramfs
# rebuild (tests/system/run). Needs root.
check-system:
	VERSION=$(VERSION) tests/system/run

# Rewrites packaging/arch/.SRCINFO from the PKGBUILD, as the AUR wants it.
srcinfo:
	$(PACKAGING) srcinfo > packaging/arch/.SRCINFO
