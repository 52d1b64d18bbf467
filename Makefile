# SPDX-License-Identifier: MIT
#
# brudvagt — plain Makefile, pkg-config for libraries, -MMD dependencies.
#
#   make                 build/brudvagtd, build/brudvagtctl, build/brudvagt-milter
#   make check           install missing Debian packages, build, run every test
#                        (unit, integration, and the unit tests again under
#                        ASan+UBSan)
#   make SANITIZE=1 ...  the same with AddressSanitizer+UBSan, in build-san/
#   make bench           benchmarks (never part of check)
#   make fuzz FUZZ_SECONDS=N  each libFuzzer target (tests/fuzz/) N s, in
#                        build-fuzz/ (clang, ASan+UBSan); check runs 60 s each
#   make deps            install the Debian packages brudvagt needs
#   make demo            the main job on an embedded default, end to end
#   make install PREFIX=/usr DESTDIR=...

SANITIZE ?= 0
ifeq ($(SANITIZE),1)
BUILD    ?= build-san
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	     -fno-sanitize-recover=all
else
BUILD    ?= build
SAN_FLAGS :=
endif

CC       ?= cc
PREFIX   ?= /usr/local
DESTDIR  ?=
PKGS     := libetpan libconfig jansson libxml-2.0 sqlite3 gnutls libsystemd

WARN     := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
	    -Wmissing-prototypes -Werror
CFLAGS   ?= -O2 -g
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libetpan's .pc drags in Debian's no-pie specs, which fights ASan: drop it.
PKG_LIBS   := $(filter-out -specs=%,$(shell pkg-config --libs $(PKGS) 2>/dev/null))
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SAN_FLAGS) \
	      -I. -I$(BUILD)/gen $(PKG_CFLAGS) -MMD -MP
ALL_LDFLAGS := $(SAN_FLAGS) $(LDFLAGS)
LIBS     := $(PKG_LIBS) -lpthread

# Modules, one direction of dependency: lib <- conf <- filters/spool <- daemon.
CORE_SRC := $(wildcard lib/*.c conf/*.c spool/*.c) \
	    $(filter-out filters/milter%.c,$(wildcard filters/*.c)) \
	    $(filter-out daemon/brudvagtd.c daemon/brudvagtctl.c,$(wildcard daemon/*.c))
MILTER_SRC := $(filter-out filters/milter_main.c,$(wildcard filters/milter*.c))
TEMPLATES := $(sort $(wildcard conf/templates/*.txt))
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/default_conf.o \
	    $(BUILD)/gen/templates.o
MILTER_OBJ := $(MILTER_SRC:%.c=$(BUILD)/%.o)

BINS := $(BUILD)/brudvagtd $(BUILD)/brudvagtctl $(BUILD)/brudvagt-milter
UNIT_TESTS := $(patsubst tests/test_%.c,$(BUILD)/tests/test_%,$(wildcard tests/test_*.c))
# Helper programs for the integration scripts (tests/integration/*.sh); built
# by check, run only by those scripts.
# itest_faultfs is an LD_PRELOAD shim (tests/integration/faults_disk.sh),
# built on its own and never linked into a product binary.
ITEST_BINS := $(patsubst tests/itest_%.c,$(BUILD)/tests/itest_%,$(filter-out \
	      tests/itest_faultfs.c,$(wildcard tests/itest_*.c))) \
	      $(BUILD)/tests/itest_faultfs.so

.SECONDARY:
.PHONY: all check check-unit check-integration check-corpus bench deps demo \
	install uninstall clean fuzz fuzz-build
all: $(BINS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The example configuration doubles as the embedded default (brudvagtctl parse
# without -c), so the two can never drift apart.
$(BUILD)/gen/default_conf.c: conf/brudvagt.conf scripts/embed.sh
	@mkdir -p $(dir $@)
	sh scripts/embed.sh conf_default_text < $< > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/default_conf.o: $(BUILD)/gen/default_conf.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The Danish mail templates, compiled in as the defaults (conf/template.h).
$(BUILD)/gen/templates.c: $(TEMPLATES) scripts/embed_templates.sh
	@mkdir -p $(dir $@)
	sh scripts/embed_templates.sh $(TEMPLATES) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/templates.o: $(BUILD)/gen/templates.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libbrudvagt.a: $(CORE_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/brudvagtd: $(BUILD)/daemon/brudvagtd.o $(BUILD)/libbrudvagt.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/brudvagtctl: $(BUILD)/daemon/brudvagtctl.o $(BUILD)/libbrudvagt.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/brudvagt-milter: $(BUILD)/filters/milter_main.o $(MILTER_OBJ) $(BUILD)/libbrudvagt.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) -lmilter

# Each unit test links the core library; tests/test_X.wrap may hold extra
# link flags (e.g. -Wl,--wrap=fsync for fault injection).
$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $(MILTER_OBJ) $(BUILD)/libbrudvagt.a
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(MILTER_OBJ) $(BUILD)/libbrudvagt.a \
		$(shell cat tests/test_$*.wrap 2>/dev/null) $(LIBS) -lmilter -lcmocka

$(BUILD)/tests/itest_%: $(BUILD)/tests/itest_%.o $(BUILD)/libbrudvagt.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# The bench's reference milters share brudvagt-milter's socket setup.
$(BUILD)/tests/itest_nullmilter: $(BUILD)/tests/itest_nullmilter.o $(MILTER_OBJ) $(BUILD)/libbrudvagt.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) -lmilter

# No sanitizers in the shim: ASan must come first among preloaded libraries.
$(BUILD)/tests/itest_faultfs.so: tests/itest_faultfs.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -fPIC -shared -o $@ $< -ldl

# libFuzzer targets: the core rebuilt by clang with the fuzzer's coverage
# hooks and ASan+UBSan in build-fuzz/ (a recursive make with BUILD, CC and
# SAN_FLAGS set); tests/fuzz/run.sh runs them with their seeds and limits.
FUZZ_CC      ?= $(shell command -v clang-14 >/dev/null 2>&1 && echo clang-14 || echo clang)
FUZZ_SECONDS ?= 60
FUZZ_BINS    := $(patsubst tests/fuzz/fuzz_%.c,build-fuzz/tests/fuzz/fuzz_%,$(wildcard tests/fuzz/fuzz_*.c)) \
		build-fuzz/tests/fuzz/fuzz_canary

$(BUILD)/tests/fuzz/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/libbrudvagt.a
	$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LIBS)

# run.sh's proof that its limits hold (tests/fuzz/canary.c); never fuzzed.
$(BUILD)/tests/fuzz/fuzz_canary: $(BUILD)/tests/fuzz/canary.o
	$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $^

fuzz-build:
	$(MAKE) BUILD=build-fuzz CC=$(FUZZ_CC) SAN_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" $(FUZZ_BINS)

fuzz: deps fuzz-build
	sh tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

deps:
	@sh scripts/deps.sh

check: deps
	$(MAKE) all $(UNIT_TESTS) $(ITEST_BINS)
	$(MAKE) SANITIZE=1 all $(patsubst $(BUILD)/%,build-san/%,$(UNIT_TESTS) $(ITEST_BINS))
	sh tests/run.sh $(BUILD) build-san

check-unit: $(UNIT_TESTS)

check-integration: all $(ITEST_BINS)
	sh tests/run.sh --integration-only $(BUILD)
	sh tests/run.sh --unit-only $(BUILD)

bench: all
	sh tests/bench/run.sh $(BUILD)

demo: deps all
	sh scripts/demo.sh $(BUILD)

install: all
	sh scripts/install.sh "$(DESTDIR)" "$(PREFIX)" "$(BUILD)"

uninstall:
	sh scripts/install.sh --uninstall "$(DESTDIR)" "$(PREFIX)"

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
