# Synap - build, test, benchmark, install.
#   make                build libsynap and the programs into bin/
#   make test           the layer check, unit tests + integration tests (bats), "N passed, N failed"
#   make check-layers   includes point down the layers of lib/LAYERS, no include cycles
#   make sanitize       the same tests against an ASan+UBSan build
#   make bench          benchmarks side by side with Redis (tests/bench/)
#   make soak           SOAK_MINUTES of random writes, faults and promotions
#   make run            start a local master (see README)
#   make install / uninstall   PREFIX=/usr/local DESTDIR=

PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share/synap
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/site-functions

CC      ?= cc
PKGS    := yaml-0.1 zlib sqlite3 jansson lua5.1
OPT     ?= -O2
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
ifeq ($(WERROR),1)
WARN    += -Werror
endif
CFLAGS  ?=
CFLAGS  += -std=c11 $(OPT) -g $(WARN) -D_GNU_SOURCE -pthread -Ilib $(shell pkg-config --cflags $(PKGS)) $(EXTRA_CFLAGS)
LDLIBS  += $(shell pkg-config --libs $(PKGS)) -pthread -lm
LDFLAGS += $(EXTRA_LDFLAGS)

BUILD   ?= build
BIN     ?= bin

PROGRAMS := synap-master synap-replica synap-stat synap-promote synap-snapshot
# The layer folders, bottom first, as lib/LAYERS lists them.
LAYER_DIRS := $(shell awk '$$2 ~ /^lib\/[a-z]+\/$$/ { print $$2 }' lib/LAYERS)
LIB_SRC  := $(sort $(wildcard lib/*.c $(LAYER_DIRS:%=%*.c)))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/*.c))
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/%.o)
LIBSYNAP := $(BUILD)/libsynap.a
BINS     := $(PROGRAMS:%=$(BIN)/%)

.PHONY: all test unit integration sanitize bench soak run install uninstall clean deps fuzz completions check-docs check-layers

FUZZ_TARGETS := resp http frame snap conf control dump resp3 pack reply
FUZZ_REPLAY  := $(FUZZ_TARGETS:%=$(BUILD)/fuzz-replay-%)

all: $(BINS) $(BUILD)/unit-tests $(FUZZ_REPLAY)

# Header dependencies come from the compiler (-MMD).
$(BUILD)/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(wildcard $(BUILD)/lib/*.d $(BUILD)/lib/*/*.d $(BUILD)/cmd/*.d $(BUILD)/tests/unit/*.d $(BUILD)/tests/bench/*.d $(BUILD)/tests/fuzz/*.d)

$(LIBSYNAP): $(LIB_OBJ)
	$(AR) rcs $@ $^

$(BIN)/%: $(BUILD)/cmd/%.o $(LIBSYNAP)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIBSYNAP) $(LDLIBS)

# Every program shares its command-line conventions; the two daemons share
# their start-up code.
$(BINS): $(BUILD)/cmd/cli.o
$(BIN)/synap-master $(BIN)/synap-replica: $(BUILD)/cmd/daemon.o
$(BIN)/synap-stat: $(BUILD)/cmd/stat-top.o

$(BUILD)/unit-tests: $(UNIT_OBJ) $(LIBSYNAP)
	$(CC) $(LDFLAGS) -o $@ $(UNIT_OBJ) $(LIBSYNAP) $(LDLIBS)

# The fuzz targets' entry points, run on files by an ordinary driver.
$(BUILD)/fuzz-replay-%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/replay.o $(LIBSYNAP)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The include graph against lib/LAYERS (tests/layers.bats checks the check).
check-layers:
	@tests/check-layers

test: all check-layers
	@SYNAP_BIN=$(abspath $(BIN)) UNIT=$(abspath $(BUILD)/unit-tests) FUZZ_REPLAY=$(abspath $(BUILD)) tests/run

unit: $(BUILD)/unit-tests
	$(BUILD)/unit-tests

# Every bats file but sentinel.bats: its minutes are Sentinel's timers, and
# the commands it drives (REPLICAOF, ROLE, INFO, CLIENT KILL, CONFIG REWRITE,
# PUBLISH) run under the sanitizers in commands.bats and failover.bats.
SAN_BATS  := $(filter-out tests/sentinel.bats,$(sort $(wildcard tests/*.bats)))
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
sanitize:
	$(MAKE) BUILD=build/san BIN=build/san/bin OPT=-O1 EXTRA_CFLAGS="$(SAN_FLAGS)" EXTRA_LDFLAGS="$(SAN_FLAGS)" all
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	 SYNAP_BIN=$(abspath build/san/bin) UNIT=$(abspath build/san/unit-tests) FUZZ_REPLAY=$(abspath build/san) \
	 SYNAP_SANITIZE=1 tests/run $(SAN_BATS)

# libFuzzer (clang): each target for FUZZ_TIME seconds from its seed corpus
# (tests/fuzz/corpus/T); new inputs go to build/fuzz/corpus/T, crashes to
# build/fuzz/crash-*. A crash found becomes a regression input: copy it
# into tests/fuzz/corpus/T and `make test` replays it for ever after.
FUZZ_TIME ?= 60
FUZZ_CC   ?= clang
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=build/fuzz/%.o)

build/fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -pthread -Ilib $(shell pkg-config --cflags $(PKGS)) $(FUZZ_FLAGS) -c -o $@ $<

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_OBJ)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -pthread -Ilib $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

.SECONDARY: $(FUZZ_LIB_OBJ)

fuzz: $(FUZZ_TARGETS:%=build/fuzz/fuzz_%)
	@set -e; for t in $(FUZZ_TARGETS); do \
	  mkdir -p build/fuzz/corpus/$$t; \
	  echo "fuzz: $$t for $(FUZZ_TIME) s"; \
	  ASAN_OPTIONS=detect_leaks=1 build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_TIME) -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=build/fuzz/crash-$$t- \
	    build/fuzz/corpus/$$t tests/fuzz/corpus/$$t 2>&1 | \
	    grep -E 'stat::number_of_executed_units|stat::peak_rss|ERROR|SUMMARY|Done' || true; \
	  if ls build/fuzz/crash-$$t-* >/dev/null 2>&1; then echo "fuzz: $$t crashed: see build/fuzz/crash-$$t-*"; exit 1; fi; \
	done

$(BUILD)/bench-micro: $(BUILD)/tests/bench/micro.o $(LIBSYNAP)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBSYNAP) $(LDLIBS)

$(BUILD)/bench-ryw: $(BUILD)/tests/bench/ryw.o
	$(CC) $(LDFLAGS) -o $@ $<

$(BUILD)/bench-wait: $(BUILD)/tests/bench/waitbench.o
	$(CC) $(LDFLAGS) -o $@ $< -pthread

$(BUILD)/bench-queue: $(BUILD)/tests/bench/queue.o
	$(CC) $(LDFLAGS) -o $@ $<

bench: all $(BUILD)/bench-micro $(BUILD)/bench-ryw $(BUILD)/bench-wait $(BUILD)/bench-queue
	$(BUILD)/bench-micro
	tests/bench/run
	tests/bench/collections
	QUEUE=$(abspath $(BUILD)/bench-queue) tests/bench/lists
	RYW=$(abspath $(BUILD)/bench-ryw) tests/bench/replication
	tests/bench/durability
	WAITBENCH=$(abspath $(BUILD)/bench-wait) tests/bench/failover
	tests/bench/fullsync-load
	tests/bench/sentinel

# Not part of make test: SOAK_MINUTES (default 10) of writes, faults and
# promotions; one summary line.
soak: all
	tests/soak/run

run: all
	share/run-local

deps:
	sh share/install-deps

# Completions are generated from each program's own option table.
completions: $(BINS)
	completions/gen $(BIN)

check-docs: $(BINS)
	completions/gen --check $(BIN)
	mandoc -T lint -W warning share/man/*.[1-9]

# What install puts under $(DESTDIR)$(PREFIX) besides the PROGRAMS' binaries,
# man pages and completions; uninstall removes exactly these. The units'
# ExecStart is rewritten from /usr/local/bin to $(BINDIR).
install uninstall: UNITDIR = $(PREFIX)/lib/systemd/system
install uninstall: DATA_FILES = share/master.yml share/replica.yml share/snapshot-format.md
install uninstall: UNITS = synap-master.service synap-replica@.service
install: $(BINS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	  $(DESTDIR)$(DATADIR)/grafana $(DESTDIR)$(DATADIR)/prometheus \
	  $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(UNITDIR)
	for p in $(PROGRAMS); do \
	  install -m 755 $(BIN)/$$p $(DESTDIR)$(BINDIR)/$$p && \
	  install -m 644 share/man/$$p.1 $(DESTDIR)$(MANDIR)/man1/$$p.1 && \
	  install -m 644 completions/bash/$$p $(DESTDIR)$(BASHCOMPDIR)/$$p && \
	  install -m 644 completions/zsh/_$$p $(DESTDIR)$(ZSHCOMPDIR)/_$$p || exit 1; done
	install -m 644 share/man/synap.yml.5 $(DESTDIR)$(MANDIR)/man5/synap.yml.5
	install -m 644 $(DATA_FILES) $(DESTDIR)$(DATADIR)/
	install -m 644 share/grafana/synap-replication.json $(DESTDIR)$(DATADIR)/grafana/
	install -m 644 share/prometheus/synap-alerts.yml $(DESTDIR)$(DATADIR)/prometheus/
	for u in $(UNITS); do \
	  sed '/^ExecStart=/s|/usr/local/bin/|$(BINDIR)/|' share/systemd/$$u >$(DESTDIR)$(UNITDIR)/$$u && \
	  chmod 644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; done

uninstall:
	for p in $(PROGRAMS); do rm -f $(DESTDIR)$(BINDIR)/$$p $(DESTDIR)$(MANDIR)/man1/$$p.1 \
	  $(DESTDIR)$(BASHCOMPDIR)/$$p $(DESTDIR)$(ZSHCOMPDIR)/_$$p; done
	rm -f $(DESTDIR)$(MANDIR)/man5/synap.yml.5 $(DATA_FILES:share/%=$(DESTDIR)$(DATADIR)/%) \
	  $(DESTDIR)$(DATADIR)/grafana/synap-replication.json \
	  $(DESTDIR)$(DATADIR)/prometheus/synap-alerts.yml
	for u in $(UNITS); do rm -f $(DESTDIR)$(UNITDIR)/$$u; done
	rmdir $(DESTDIR)$(DATADIR)/grafana $(DESTDIR)$(DATADIR)/prometheus $(DESTDIR)$(DATADIR) 2>/dev/null || true

clean:
	rm -rf build bin
