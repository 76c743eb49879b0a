# oakley: plain GNU make.  `make` builds build/oakleyd and build/oakleyctl;
# `make SANITIZE=1` builds the same under ASan+UBSan in build/san/.
# `make check` installs what it needs (scripts/deps.sh) and runs every test.
# Warnings are shown but not fatal, so a newer compiler's new warning does not
# break a user's build; `make WERROR=1` (CI, developers, every `make check`
# build) makes them errors.

CC      ?= gcc
CLANG   ?= clang
BUILD   ?= build
SANITIZE ?=
WERROR  ?=
PKG_CONFIG ?= pkg-config

# Before anything compiles: the -dev packages, with a one-line message that
# names the missing ones instead of an error inside a header.  deps, check
# and demo install them first (their sub-makes check again); clean and
# format need none.
NODEPS_GOALS := deps check demo clean format uninstall
ifneq ($(if $(MAKECMDGOALS),$(filter-out $(NODEPS_GOALS),$(MAKECMDGOALS)),all),)
NEED_PKGS := openssl:openssl/evp.h:libssl-dev libmnl:libmnl/libmnl.h:libmnl-dev \
             libpcap:pcap/pcap.h:libpcap-dev libseccomp:seccomp.h:libseccomp-dev \
             libcrypt:crypt.h:libcrypt-dev pam:security/pam_appl.h:libpam0g-dev
ifneq ($(filter unit check-unit $(BUILD)/san/tests/% $(BUILD)/tests/%,$(MAKECMDGOALS)),)
NEED_PKGS += cmocka:cmocka.h:libcmocka-dev
endif
MISSING_PKGS := $(shell PKG_CONFIG='$(PKG_CONFIG)' scripts/missing-pkgs.sh '$(CC)' $(NEED_PKGS))
ifneq ($(filter fuzz% check-fuzz $(BUILD)/fuzz/%,$(MAKECMDGOALS)),)
MISSING_PKGS += $(if $(shell command -v $(CLANG)),,clang)
endif
ifneq ($(MISSING_PKGS),)
$(error missing Debian packages: $(MISSING_PKGS); `make deps` installs them (as root), and so do `make demo` and `make check`)
endif
endif

ifeq ($(SANITIZE),1)
OUT      := $(BUILD)/san
OPTFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
SANLD    := -fsanitize=address,undefined
else
OUT      := $(BUILD)
OPTFLAGS := -O2 -g -D_FORTIFY_SOURCE=2
SANLD    :=
endif

WARN     := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wno-unused-parameter
ifeq ($(WERROR),1)
WARN     += -Werror
endif
HARDEN   := -fstack-protector-strong -fPIE -fstack-clash-protection -fcf-protection
CPPFLAGS += -Isrc -D_GNU_SOURCE
CFLAGS   += -std=gnu11 $(WARN) $(HARDEN) $(OPTFLAGS) -MMD -MP -pthread
LDFLAGS  += -pie -Wl,-z,relro,-z,now $(SANLD) -pthread
LDLIBS   := -lcrypto -lmnl -lpcap -lseccomp -lcrypt -lpam

# LIB_DIRS narrows the library to some layers, for building one test while
# other layers are being edited: make LIB_DIRS="src/util src/wire" ...
LIB_DIRS  ?= $(filter-out src/cmd,$(wildcard src/*))
LIB_SRCS  := $(sort $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c)))
LIB_SRCS  := $(filter-out src/cmd/%,$(LIB_SRCS))
LIB_OBJS  := $(LIB_SRCS:%.c=$(OUT)/obj/%.o)
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(OUT)/tests/%)
FUZZ_SRCS := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_SECONDS ?= 60
FUZZ_RUNS ?= 10000000

all: $(OUT)/oakleyd $(OUT)/oakleyctl

# Objects depend on the flags they were compiled with, so `make WERROR=1`
# after a plain `make` compiles again and the warnings are seen as errors.
# The stamp is rewritten only when the flags differ from it.
FLAGS_STAMP := $(OUT)/.flags
FLAGS_NOW   := $(strip $(CC) $(CPPFLAGS) $(CFLAGS))
ifneq ($(strip $(shell cat $(FLAGS_STAMP) 2>/dev/null)),$(FLAGS_NOW))
$(FLAGS_STAMP): FORCE
	@mkdir -p $(@D)
	@echo '$(FLAGS_NOW)' >$@
endif

$(OUT)/obj/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(OUT)/liboakley.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(OUT)/oakleyd: $(OUT)/obj/src/cmd/oakleyd.o $(OUT)/liboakley.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(OUT)/oakleyctl: $(OUT)/obj/src/cmd/oakleyctl.o $(OUT)/liboakley.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# bench/xfrm-bulk: N tunnels into the kernel and out, batched or one ack at
# a time (tests/vm/t_xfrm_bulk.sh).  Built with `all`, so check-vm has it.
all: $(OUT)/xfrm-bulk
$(OUT)/xfrm-bulk: $(OUT)/obj/bench/xfrm-bulk.o $(OUT)/liboakley.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Bench tools, on the same engine as oakleyd; not part of `all`: `make bench`.
BENCH_BINS := $(OUT)/oakley-load

bench: $(BENCH_BINS)

$(OUT)/oakley-load: $(OUT)/obj/bench/oakley-load.o $(OUT)/liboakley.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(OUT)/tests/%: $(OUT)/obj/tests/unit/%.o $(OUT)/liboakley.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

# Fuzz targets: the library rebuilt with clang and libFuzzer's instrumentation.
# OAKLEY_FUZZING makes crypto_random() predictable so a fuzzer can follow
# a responder past its cookie; it exists only in these objects.
FUZZ_CFLAGS := -std=gnu11 $(WARN) -g -O1 -Isrc -D_GNU_SOURCE -MMD -MP -DOAKLEY_FUZZING \
               -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/fuzz/obj/%.o)

FUZZ_STAMP := $(BUILD)/fuzz/.flags
FUZZ_NOW   := $(strip $(CLANG) $(FUZZ_CFLAGS))
ifneq ($(strip $(shell cat $(FUZZ_STAMP) 2>/dev/null)),$(FUZZ_NOW))
$(FUZZ_STAMP): FORCE
	@mkdir -p $(@D)
	@echo '$(FUZZ_NOW)' >$@
endif

$(BUILD)/fuzz/obj/%.o: %.c $(FUZZ_STAMP)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -c -o $@ $<

.SECONDARY: $(FUZZ_LIB_OBJS)

$(BUILD)/fuzz/%: fuzz/%.c $(FUZZ_LIB_OBJS) $(FUZZ_STAMP)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $(filter %.c %.o,$^) $(LDLIBS)

.PHONY: FORCE all bench coverage deps unit check check-unit check-fuzz check-net check-net-opt check-build check-vm fuzz fuzz-long demo clean format

deps:
	@scripts/deps.sh

# The test PKI (tests/pki/mkpki.sh, openssl only) for the certificate tests,
# made once per build directory; check-unit passes it in OAKLEY_PKI.
PKI := $(BUILD)/pki
$(PKI)/.done:
	@tests/pki/mkpki.sh $(PKI) >/dev/null

unit: $(UNIT_BINS) $(PKI)/.done
$(UNIT_BINS): | $(PKI)/.done

# Every unit test binary runs; the summary line counts them all.  Where
# the sanitizers change what a test exercises (ASan's allocator is not
# glibc's), the optimised build's binary runs too.
UNIT_OPT_TESTS ?= test_pool_seccomp test_xauth_check
check-unit:
	@$(MAKE) --no-print-directory SANITIZE=1 unit
	@$(MAKE) --no-print-directory $(UNIT_OPT_TESTS:%=$(BUILD)/tests/%)
	@OAKLEY_PKI=$(abspath $(PKI)) scripts/run-unit.sh $(BUILD)/san/tests $(UNIT_OPT_TESTS:%=$(BUILD)/tests/%)

# Which rows of the exchange tables (handler and resume) the in-process
# exchange tests reach: gcov counts, in a build of its own (build/cov);
# fails if one never runs.
coverage:
	@scripts/row-coverage.sh

check-fuzz: $(FUZZ_BINS)
	@scripts/run-fuzz.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	@scripts/run-fuzz.sh $(or $(SECONDS),600) $(FUZZ_BINS)

# The campaign: FUZZ_RUNS executions per target, one job each, its corpus
# minimised into fuzz/corpus/ (commit it).  make fuzz-long FUZZ_TARGETS=...
FUZZ_TARGETS ?= $(FUZZ_BINS)
fuzz-long: $(FUZZ_TARGETS)
	@scripts/run-fuzz.sh -runs $(FUZZ_RUNS) $(FUZZ_TARGETS)

# t_scale's 20,000 tunnels run in the optimised build (check-net-opt); under
# the sanitizers the same paths run at 5,000, a quarter of the time.
check-net:
	@$(MAKE) --no-print-directory SANITIZE=1 all
	@SCALE_N=$${SCALE_N:-5000} tests/net/run.sh $(BUILD)/san

# The optimised build users run carries tunnels too, not only the sanitizer
# build: -O2 and _FORTIFY_SOURCE change what the code does at the edges.
NET_OPT_TESTS ?= t_basic t_algorithms t_scale
check-net-opt:
	@$(MAKE) --no-print-directory all
	@NET_SUITE=net-O2 tests/net/run.sh $(BUILD) $(NET_OPT_TESTS)

check-build:
	@tests/build/run.sh

# The certificate scenarios read the PKI made on the host (RSA keys are slow under TCG).
check-vm: $(PKI)/.done
	@$(MAKE) --no-print-directory SANITIZE=1 all
	@tests/vm/run.sh $(BUILD)/san

check: deps
	@scripts/check.sh

demo: deps
	@$(MAKE) -s --no-print-directory all
	@scripts/demo.sh

# make install [PREFIX=/usr/local] [DESTDIR=] [SYSCONFDIR=/etc]: the binaries,
# man pages, the systemd unit and sysusers.d file, and an example
# ipsec.conf and ipsec.secrets (0600) only where none exist.  With an empty
# DESTDIR it also creates the user oakley when missing.  The unit goes under
# $(PREFIX)/lib/systemd/system (systemd reads /usr/local/lib too), or where
# pkg-config's systemd says when PREFIX=/usr; SYSTEMDUNITDIR= overrides.
# make uninstall removes those files again, never the configuration or
# the user.  (tests/install/t_install.sh checks both.)
PREFIX      ?= /usr/local
SBINDIR     ?= $(PREFIX)/sbin
MANDIR      ?= $(PREFIX)/share/man
SYSCONFDIR  ?= /etc
SYSTEMD_PC   = $(if $(filter /usr,$(PREFIX)),$(shell $(PKG_CONFIG) --variable=$(1) systemd 2>/dev/null))
SYSTEMDUNITDIR ?= $(or $(call SYSTEMD_PC,systemdsystemunitdir),$(PREFIX)/lib/systemd/system)
SYSUSERSDIR ?= $(or $(call SYSTEMD_PC,sysusersdir),$(PREFIX)/lib/sysusers.d)
MAN5_PAGES  := $(wildcard man/*.5)
MAN8_PAGES  := $(wildcard man/*.8)
INSTALL_FILES = $(SBINDIR)/oakleyd $(SBINDIR)/oakleyctl $(SYSTEMDUNITDIR)/oakleyd.service \
		$(SYSUSERSDIR)/oakley.conf $(MAN5_PAGES:man/%=$(MANDIR)/man5/%) \
		$(MAN8_PAGES:man/%=$(MANDIR)/man8/%)

.PHONY: install uninstall deb check-install

# The unit with this install's paths, rewritten only when they change.
$(OUT)/oakleyd.service: systemd/oakleyd.service.in FORCE
	@mkdir -p $(@D)
	@sed 's|@SBINDIR@|$(SBINDIR)|g' $< >$@.tmp && \
	 if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

install: $(OUT)/oakleyd $(OUT)/oakleyctl $(OUT)/oakleyd.service
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSUSERSDIR)
	install -m 0755 $(OUT)/oakleyd $(OUT)/oakleyctl $(DESTDIR)$(SBINDIR)/
	install -m 0644 $(OUT)/oakleyd.service $(DESTDIR)$(SYSTEMDUNITDIR)/oakleyd.service
	install -m 0644 systemd/oakley.sysusers $(DESTDIR)$(SYSUSERSDIR)/oakley.conf
	$(if $(MAN5_PAGES),install -d $(DESTDIR)$(MANDIR)/man5 && install -m 0644 $(MAN5_PAGES) $(DESTDIR)$(MANDIR)/man5/)
	$(if $(MAN8_PAGES),install -d $(DESTDIR)$(MANDIR)/man8 && install -m 0644 $(MAN8_PAGES) $(DESTDIR)$(MANDIR)/man8/)
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/oakley
	@for f in ipsec.conf:0644 ipsec.secrets:0600; do \
		n=$${f%:*} m=$${f#*:} d=$(DESTDIR)$(SYSCONFDIR)/oakley/$${f%:*}; \
		if [ -e "$$d" ]; then echo "install: keeping $$d"; \
		else echo "install -m $$m etc/$$n $$d" && install -m $$m etc/$$n "$$d" || exit 1; fi; \
	done
	@if [ -z "$(DESTDIR)" ] && ! getent passwd oakley >/dev/null; then \
		if command -v systemd-sysusers >/dev/null; then \
			echo "systemd-sysusers $(SYSUSERSDIR)/oakley.conf"; \
			systemd-sysusers $(SYSUSERSDIR)/oakley.conf; \
		else \
			echo "useradd --system oakley"; \
			useradd --system --user-group --no-create-home --home-dir / \
				--shell /usr/sbin/nologin --comment "oakley IKEv1 keying daemon" oakley; \
		fi; \
	fi
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi

# make deb: dpkg-buildpackage -us -uc -b (debian/, debhelper), the .deb and
# its .changes/.buildinfo moved from .. into $(BUILD)/deb/.  Not in make check.
deb:
	@command -v dh >/dev/null || { echo "make deb: needs debhelper (apt-get install debhelper)" >&2; exit 1; }
	dpkg-buildpackage -us -uc -b
	@mkdir -p $(BUILD)/deb
	@v=$$(dpkg-parsechangelog -S Version); \
	 mv ../oakley_$${v}_*.deb ../oakley-dbgsym_$${v}_*.deb ../oakley_$${v}_*.buildinfo \
	    ../oakley_$${v}_*.changes $(BUILD)/deb/ 2>/dev/null; \
	 ls -l $(BUILD)/deb/

# tests/install/: install/uninstall into a DESTDIR, systemd-analyze on the
# unit, and oakleyd's sd_notify messages under the unit's bounding set.
check-install: $(OUT)/oakleyd $(OUT)/oakleyctl
	@tests/install/run.sh $(OUT)

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALL_FILES))
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
	@echo "uninstall: $(DESTDIR)$(SYSCONFDIR)/oakley and the user oakley stay (remove them by hand)"

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)

-include $(LIB_OBJS:.o=.d) $(FUZZ_LIB_OBJS:.o=.d) $(FUZZ_BINS:=.d) $(UNIT_SRCS:tests/unit/%.c=$(OUT)/obj/tests/unit/%.d) \
	 $(OUT)/obj/src/cmd/oakleyd.d $(OUT)/obj/src/cmd/oakleyctl.d $(OUT)/obj/bench/xfrm-bulk.d $(OUT)/obj/bench/oakley-load.d
