# oakley: plain GNU make.  `make` builds build/oakleyd and build/oakleyctl;
# `make SANITIZE=1` builds the same under ASan+UBSan in build/san/.
# `make check` installs what it needs (scripts/deps.sh) and runs every test.

CC      ?= gcc
CLANG   ?= clang
BUILD   ?= build
SANITIZE ?=

ifeq ($(SANITIZE),1)
OUT      := $(BUILD)/san
OPTFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
SANLD    := -fsanitize=address,undefined
else
OUT      := $(BUILD)
OPTFLAGS := -O2 -g -D_FORTIFY_SOURCE=2
SANLD    :=
endif

WARN     := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wno-unused-parameter
HARDEN   := -fstack-protector-strong -fPIE -fstack-clash-protection -fcf-protection
CPPFLAGS += -Isrc -D_GNU_SOURCE
CFLAGS   += -std=gnu11 $(WARN) $(HARDEN) $(OPTFLAGS) -MMD -MP
LDFLAGS  += -pie -Wl,-z,relro,-z,now $(SANLD)
LDLIBS   := -lcrypto -lmnl -lpcap

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

$(OUT)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(OUT)/liboakley.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(OUT)/oakleyd: $(OUT)/obj/src/cmd/oakleyd.o $(OUT)/liboakley.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(OUT)/oakleyctl: $(OUT)/obj/src/cmd/oakleyctl.o $(OUT)/liboakley.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(OUT)/tests/%: $(OUT)/obj/tests/unit/%.o $(OUT)/liboakley.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

# Fuzz targets: the library rebuilt with clang and libFuzzer's instrumentation.
# OAKLEY_FUZZING makes crypto_random() predictable so a fuzzer can follow
# a responder past its cookie; it exists only in these objects.
FUZZ_CFLAGS := -std=gnu11 -g -O1 -Isrc -D_GNU_SOURCE -MMD -MP -DOAKLEY_FUZZING \
               -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/fuzz/obj/%.o)

$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -c -o $@ $<

.SECONDARY: $(FUZZ_LIB_OBJS)

$(BUILD)/fuzz/%: fuzz/%.c $(FUZZ_LIB_OBJS)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $(filter %.c %.o,$^) $(LDLIBS)

.PHONY: all deps unit check check-unit check-fuzz check-net check-vm fuzz fuzz-long demo clean format

deps:
	@scripts/deps.sh

unit: $(UNIT_BINS)

# Every unit test binary runs; the summary line counts them all.
check-unit:
	@$(MAKE) --no-print-directory SANITIZE=1 unit
	@scripts/run-unit.sh $(BUILD)/san/tests

check-fuzz: $(FUZZ_BINS)
	@scripts/run-fuzz.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	@scripts/run-fuzz.sh $(or $(SECONDS),600) $(FUZZ_BINS)

# The campaign: FUZZ_RUNS executions per target, one job each, its corpus
# minimised into fuzz/corpus/ (commit it).  make fuzz-long FUZZ_TARGETS=...
FUZZ_TARGETS ?= $(FUZZ_BINS)
fuzz-long: $(FUZZ_TARGETS)
	@scripts/run-fuzz.sh -runs $(FUZZ_RUNS) $(FUZZ_TARGETS)

check-net:
	@$(MAKE) --no-print-directory SANITIZE=1 all
	@tests/net/run.sh $(BUILD)/san

check-vm:
	@$(MAKE) --no-print-directory SANITIZE=1 all
	@tests/vm/run.sh $(BUILD)/san

check: deps
	@scripts/check.sh

demo: deps
	@$(MAKE) -s --no-print-directory all
	@scripts/demo.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)

-include $(LIB_OBJS:.o=.d) $(FUZZ_LIB_OBJS:.o=.d) $(FUZZ_BINS:=.d) $(UNIT_SRCS:tests/unit/%.c=$(OUT)/obj/tests/unit/%.d) \
	 $(OUT)/obj/src/cmd/oakleyd.d $(OUT)/obj/src/cmd/oakleyctl.d
