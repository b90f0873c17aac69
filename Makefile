# summary: non-recursive build of tcplab: the core library, the program,
# the lab programs and the tests.
#
#   make run      build and open tcplab's lab menu; lab 1 headless without a terminal
#                 (installs missing libraries on Debian/Ubuntu)
#   make test     build and run every test, then again under AddressSanitizer and UBSan
#   make check-valgrind  the unit tests that run no lab, under valgrind (memcheck)
#   make bench    compare 'tcplab inspect' with libpcap, tcpdump and tshark on 1M segments,
#                 and time the syscall tracer's cost per traced call
#   make soak     every variant of every lab SOAK times (default 50): verdicts never change;
#                 LOAD=1 keeps both CPUs busy meanwhile; LABS="5 6" soaks only those labs
#   make po       refresh po/tcplab.pot from the sources and merge it into po/*.po
#   make fuzz     run each libFuzzer target FUZZ_TIME seconds (clang; fuzz-ci: FUZZ_CI_TIME)
#   make install  install into PREFIX (default /usr/local), staged under DESTDIR if given;
#                 make uninstall removes what it installed
#
# Variables: BUILD (output directory), WERROR=1 (warnings are errors; CI sets it),
# SAN=1 (build with -fsanitize=address,undefined), PREFIX and DESTDIR (install; the
# folders below PREFIX too: BINDIR, LIBEXECDIR, DATADIR, LOCALEDIR, MANDIR, DOCDIR,
# BASHCOMPDIR).

BUILD    ?= build
CC       ?= cc
CFLAGS   ?= -O2 -g
WARN      = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
            -Wwrite-strings
# C++ (the course notes' lab programs): the C warnings that apply to it.
CXXWARN   = -Wall -Wextra -Wshadow -Wformat=2 -Wwrite-strings
ifeq ($(WERROR),1)
WARN     += -Werror
CXXWARN  += -Werror
endif
ifeq ($(SAN),1)
SANFLAGS  = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif

# Expanded when a recipe runs, that is after 'deps' has installed what pkg-config looks for.
PKG_CFLAGS = $(shell pkg-config --cflags libpcap ncursesw)
PKG_LIBS   = $(shell pkg-config --libs libpcap ncursesw) -pthread
CRIT_FLAGS = $(shell pkg-config --cflags criterion)
CRIT_LIBS  = $(shell pkg-config --libs criterion)

# The one place tcplab's version is written: VERSION, read here into the generated header.
VERSION   := $(shell cat VERSION)

# Where 'make install' puts things. The program finds its labs, lab programs and catalogs
# there by these paths, compiled in (engine/paths.c), so changing one rebuilds what uses it.
PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
LIBEXECDIR  ?= $(PREFIX)/libexec
DATAROOTDIR ?= $(PREFIX)/share
DATADIR     ?= $(DATAROOTDIR)
LOCALEDIR   ?= $(DATAROOTDIR)/locale
MANDIR      ?= $(DATAROOTDIR)/man
DOCDIR      ?= $(DATAROOTDIR)/doc/tcplab
BASHCOMPDIR ?= $(DATAROOTDIR)/bash-completion/completions
PKGDATADIR   = $(DATADIR)/tcplab
PKGLIBEXECDIR = $(LIBEXECDIR)/tcplab

GEN       := $(BUILD)/gen
CONFIG_H  := $(GEN)/tcplab_config.h

ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -I. -I$(GEN) $(WARN) $(CFLAGS) $(SANFLAGS) -MMD -MP

CORE_SRC  := $(wildcard util/*.c capture/*.c engine/*.c)
CLI_SRC   := $(wildcard cli/*.c tui/*.c)
LABLIB_SRC:= $(wildcard labs/lib/*.c)
LAB_SRC   := $(wildcard labs/[0-9]*/*.c)
TESTLIB_SRC := $(wildcard tests/lib/*.c)
TEST_SRC  := $(wildcard tests/test_*.c)
TESTPROG_SRC := $(wildcard tests/progs/*.c)
BENCH_SRC := $(wildcard bench/*.c)

CORE_OBJ  := $(CORE_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ   := $(CLI_SRC:%.c=$(BUILD)/%.o)
LABLIB_OBJ:= $(LABLIB_SRC:%.c=$(BUILD)/%.o)
TESTLIB_OBJ := $(TESTLIB_SRC:%.c=$(BUILD)/%.o)
# The course notes' own programs, Winsock-style C++ (labs/include is their <winsock2.h>).
LAB_CXX_SRC := $(wildcard labs/[0-9]*/*.cpp)
LAB_BIN   := $(LAB_SRC:%.c=$(BUILD)/%) $(LAB_CXX_SRC:%.cpp=$(BUILD)/%)
TEST_BIN  := $(TEST_SRC:%.c=$(BUILD)/%)
TESTPROG_BIN := $(TESTPROG_SRC:%.c=$(BUILD)/%)
BENCH_BIN := $(BENCH_SRC:%.c=$(BUILD)/%)
LIB       := $(BUILD)/libtcplab.a
PROGRAM   := $(BUILD)/tcplab
# The TUI's words in each language of po/ (docs/tui.md, "Translating tcplab's own words").
MO        := $(patsubst po/%.po,$(BUILD)/locale/%/LC_MESSAGES/tcplab.mo,$(wildcard po/*.po))
# Each lab's short texts (title, summaries, check names) in each language: labs/SLUG/LANG.po
# (docs/lab-format.md, "Translations"), read from BUILD/labs/SLUG/LANG.mo.
LAB_MO    := $(patsubst labs/%.po,$(BUILD)/labs/%.mo,$(wildcard labs/[0-9]*/*.po))

.PHONY: all run test check-unit soak bench deps deps-test clean fuzz fuzz-ci fuzz-build fuzz-deps po \
        install uninstall apparmor FORCE
.DEFAULT_GOAL := all

all: $(PROGRAM) $(LAB_BIN) $(MO) $(LAB_MO)

# On a terminal the TUI's lab menu; anywhere else lab 1, headless.
run: all
	@if [ -t 0 ] && [ -t 1 ]; then $(PROGRAM); else $(PROGRAM) run 1; fi

# Ubuntu 23.10 and later: the AppArmor profile that lets this build's tcplab create user
# namespaces without root (mk/apparmor.sh; needs root to load: sudo make apparmor).
apparmor: $(PROGRAM)
	@sh mk/apparmor.sh $(abspath $(PROGRAM)) $(DESTDIR)

deps:
	@sh mk/deps.sh libpcap ncursesw gettext newuidmap g++

deps-test:
	@sh mk/deps.sh libpcap ncursesw gettext criterion tmux newuidmap g++ tshark groff

TOTALS = $(abspath $(BUILD)/test-totals)
FAILURES = $(abspath $(BUILD)/test-failures)
SOAK ?= 50
# CI's share of the soak: every variant a few times, enough to catch a flaky expectation.
SOAK_CI ?= 3

# The whole suite twice: as built for users, then with the sanitizers; the corpus of
# submissions is graded with three seeds in all, each once: the first two as built for
# users, the third with the sanitizers. Then a short soak and every fuzz target for a short
# bounded time.
test: deps-test
	@mkdir -p $(BUILD) && rm -f $(TOTALS) $(FAILURES)
	@st=0; export TCPLAB_FAILURES=$(FAILURES); \
	TCPLAB_TOTALS=$(TOTALS) TCPLAB_CORPUS_SEEDS=2 $(MAKE) --no-print-directory check-unit || st=1; \
	TCPLAB_TOTALS=$(TOTALS) TCPLAB_CORPUS_SEEDS=1 TCPLAB_CORPUS_SEED_FIRST=2 $(MAKE) \
		--no-print-directory check-unit BUILD=$(BUILD)/san SAN=1 || st=1; \
	TCPLAB_TOTALS=$(TOTALS) $(MAKE) --no-print-directory soak \
		SOAK=$(SOAK_CI) || st=1; \
	TCPLAB_TOTALS=$(TOTALS) $(MAKE) --no-print-directory fuzz-ci || st=1; \
	awk '{p += $$1; f += $$2; s += $$3} END {printf "tests: %d passed, %d failed, %d skipped\n", p, f, s}' \
		$(TOTALS); \
	if [ -s $(FAILURES) ]; then echo "what failed:"; cat $(FAILURES); fi; \
	exit $$st

# The folders go to mk/install.sh through the environment; DESTDIR stages a package's tree.
INSTALL_ENV = VERSION='$(VERSION)' DESTDIR='$(DESTDIR)' PREFIX='$(PREFIX)' BINDIR='$(BINDIR)' \
              PKGLIBEXECDIR='$(PKGLIBEXECDIR)' PKGDATADIR='$(PKGDATADIR)' \
              LOCALEDIR='$(LOCALEDIR)' MANDIR='$(MANDIR)' DOCDIR='$(DOCDIR)' \
              BASHCOMPDIR='$(BASHCOMPDIR)'
install: all
	@$(INSTALL_ENV) sh mk/install.sh install $(BUILD)

uninstall:
	@$(INSTALL_ENV) sh mk/install.sh uninstall $(BUILD)

LOAD ?= 0
LABS ?=
soak: all
	@sh tests/soak.sh $(BUILD) $(SOAK) $(LOAD) "$(LABS)"

check-unit: all $(TEST_BIN) $(TESTPROG_BIN) $(TESTPROG_STATIC)
	@sh tests/run.sh $(BUILD) $(TEST_BIN)

# The unit tests that do not run real labs, under valgrind's memcheck (leaks, bad reads).
VALGRIND_TESTS := $(addprefix $(BUILD)/tests/test_,capfile conv dfilter dissect expect flow lab labcheck msgcat ready spin \
                    pcapio pktindex progress textcols textesc zipwrite)
check-valgrind: all $(VALGRIND_TESTS)
	@sh tests/valgrind.sh $(BUILD) $(VALGRIND_TESTS)

bench: all $(BENCH_BIN)
	@sh bench/run.sh $(BUILD)

# The version and the install folders, as C strings. Written only when they change (the
# recipe runs every time, the file's date moves only with its text), so 'make install
# PREFIX=/usr' after 'make' rebuilds what compiled the old folders in, and nothing else.
$(CONFIG_H): FORCE
	@mkdir -p $(@D)
	@{ echo '/* summary: generated by the Makefile: the version and the install folders. */'; \
	   echo '#define TCPLAB_VERSION "$(VERSION)"'; \
	   echo '#define TCPLAB_BINDIR "$(BINDIR)"'; \
	   echo '#define TCPLAB_PKGDATADIR "$(PKGDATADIR)"'; \
	   echo '#define TCPLAB_PKGLIBEXECDIR "$(PKGLIBEXECDIR)"'; \
	   echo '#define TCPLAB_LOCALEDIR "$(LOCALEDIR)"'; } > $@.tmp$$$$; \
	if cmp -s $@.tmp$$$$ $@; then rm -f $@.tmp$$$$; else mv -f $@.tmp$$$$ $@; fi
FORCE:

$(BUILD)/%.o: %.c | deps $(CONFIG_H)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

# A catalog whose translations do not match their msgids' printf formats is an error.
$(BUILD)/locale/%/LC_MESSAGES/tcplab.mo: po/%.po | deps
	@mkdir -p $(@D)
	msgfmt --check -o $@ $<

$(BUILD)/labs/%.mo: labs/%.po | deps
	@mkdir -p $(@D)
	msgfmt --check -o $@ $<

# For translators: po/tcplab.pot from the sources, merged into every po/LANG.po.
po:
	@sh mk/po.sh update

$(LIB): $(CORE_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

$(PROGRAM): $(CLI_OBJ) $(LIB)
	$(CC) $(ALL_CFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(PKG_LIBS)

# Lab programs are what students read and run: plain builds, one file each plus labs/lib.
$(BUILD)/labs/%: SANFLAGS =
$(BUILD)/labs/%: labs/%.c $(LABLIB_SRC) $(wildcard labs/lib/*.h) | deps
	@mkdir -p $(@D)
	$(CC) -std=c11 -D_GNU_SOURCE -I. $(WARN) $(CFLAGS) -o $@ $< $(LABLIB_SRC)

$(BUILD)/labs/%: labs/%.cpp $(wildcard labs/include/*.h) | deps
	@mkdir -p $(@D)
	$(CXX) -std=c++17 -D_GNU_SOURCE -Ilabs/include $(CXXWARN) $(CFLAGS) -o $@ $<

# Programs the tests run under the tracer: plain builds, like lab programs.
$(BUILD)/tests/progs/%: SANFLAGS =
$(BUILD)/tests/progs/%: tests/progs/%.c | deps
	@mkdir -p $(@D)
	$(CC) -std=c11 -D_GNU_SOURCE -I. $(WARN) $(CFLAGS) -o $@ $<

# The same test program linked statically: what the tracer sees must not depend on libc
# being loaded. A system without a static libc builds nothing here and the test that runs
# it says why it is skipped.
TESTPROG_STATIC := $(BUILD)/tests/progs/trace_prog_static
$(TESTPROG_STATIC): tests/progs/trace_prog.c | deps
	@mkdir -p $(@D)
	$(CC) -std=c11 -D_GNU_SOURCE -I. $(WARN) $(CFLAGS) -static -o $@ $< || \
		{ rm -f $@; echo "note: no static libc: $@ is not built (its test is skipped)"; }

$(BUILD)/tests/%.o: tests/%.c | deps $(CONFIG_H)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) $(CRIT_FLAGS) -c -o $@ $<

$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $(TESTLIB_OBJ) $(LIB)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(TESTLIB_OBJ) $(LIB) $(PKG_LIBS) $(CRIT_LIBS)

# The report formats belong to the command line, not the library: linked in for their test
# (with the text ladder the Markdown report shows).
$(BUILD)/tests/test_grade_format: $(BUILD)/tests/test_grade_format.o $(BUILD)/cli/grade_format.o \
                                  $(BUILD)/cli/ladder.o $(TESTLIB_OBJ) $(LIB)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/cli/grade_format.o $(BUILD)/cli/ladder.o $(TESTLIB_OBJ) \
		$(LIB) $(PKG_LIBS) $(CRIT_LIBS)

$(BUILD)/bench/%: bench/%.c $(LIB) | deps
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) -o $@ $< $(LIB) $(PKG_LIBS)

# libFuzzer targets: clang with ASan and UBSan, the capture sources compiled in directly
# (libtcplab.a is gcc's and uninstrumented). 'make test' runs fuzz-ci; see fuzz/run.sh.
FUZZ_CC      ?= clang
FUZZ_TIME    ?= 300
FUZZ_CI_TIME ?= 20
FUZZ_DIR      = $(BUILD)/fuzz
FUZZ_FLAGS    = -std=c11 -D_GNU_SOURCE -I. -I$(GEN) $(WARN) -g -O1 -fno-omit-frame-pointer
FUZZ_LIBSRC  := $(wildcard util/*.c capture/*.c) engine/ksock.c engine/lesson.c engine/record.c engine/timeline.c engine/trace.c
FUZZ_HDR     := $(wildcard fuzz/*.h util/*.h capture/*.h engine/*.h)
FUZZ_BIN     := $(patsubst fuzz/%.c,$(FUZZ_DIR)/%,$(wildcard fuzz/fuzz_*.c))

fuzz: fuzz-build
	@sh fuzz/run.sh $(FUZZ_DIR) $(FUZZ_TIME)

fuzz-ci: fuzz-build
	@sh fuzz/run.sh $(FUZZ_DIR) $(FUZZ_CI_TIME)

fuzz-build: $(FUZZ_BIN) $(FUZZ_DIR)/mkseeds

fuzz-deps: deps
	@sh mk/fuzz-deps.sh $(FUZZ_CC)

$(FUZZ_DIR)/fuzz_%: fuzz/fuzz_%.c $(FUZZ_LIBSRC) $(FUZZ_HDR) $(CONFIG_H) | fuzz-deps
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		$(PKG_CFLAGS) -o $@ $< $(FUZZ_LIBSRC) $(PKG_LIBS)

$(FUZZ_DIR)/mkseeds: fuzz/mkseeds.c $(FUZZ_LIBSRC) $(FUZZ_HDR) $(CONFIG_H) | fuzz-deps
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(PKG_CFLAGS) -o $@ $< $(FUZZ_LIBSRC) $(PKG_LIBS)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
