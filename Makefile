# vxscope - one plain Makefile.
#
#   make                 release build: build/release/vxscope
#   make SANITIZER=asan  ASan+UBSan build: build/asan/vxscope
#   make unit            build and run the cmocka unit tests
#   make fuzz            libFuzzer harnesses (clang): build/fuzz/fuzz_*
#   make check           everything CI runs (tests/run.sh): deps, builds, all four tiers
#   make example         deps, build, and `vxscope analyze` on the bundled example
#   make deps            install the Debian packages the build and tests need
#   make format          clang-format every source file
#
# Warnings are errors (WERROR=0 to relax locally).

CC        ?= cc
SANITIZER ?=
WERROR    ?= 1
BUILD     := build/$(if $(SANITIZER),$(SANITIZER),release)

WARN      := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla \
             -Wformat=2 -Wno-format-nonliteral -Wpointer-arith -Wundef
ifeq ($(WERROR),1)
WARN      += -Werror
endif
# snprintf truncating a message is intended; gcc-only warning
GCC_ONLY  := $(if $(findstring clang,$(shell $(CC) --version 2>/dev/null | head -1)),,-Wno-format-truncation)
CPPFLAGS  += -Isrc -D_GNU_SOURCE -MMD -MP
CFLAGS    ?= -O2 -g
CFLAGS    += -std=c11 -pipe -fno-strict-aliasing $(WARN) $(GCC_ONLY)
LDLIBS    += -lpcap -ljansson -lz -lm -lpthread -lmicrohttpd
# nDPI (Debian libndpi-dev) is optional: flow classification when found (NDPI=0 turns it off)
NDPI      ?= $(shell pkg-config --exists libndpi 2>/dev/null && echo 1 || echo 0)
ifeq ($(NDPI),1)
CPPFLAGS  += -DVXS_HAVE_NDPI
LDLIBS    += $(shell pkg-config --libs libndpi)
endif

ifeq ($(SANITIZER),asan)
CFLAGS    += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS   += -fsanitize=address,undefined
endif
ifeq ($(SANITIZER),tsan)
CFLAGS    += -O1 -fsanitize=thread
LDFLAGS   += -fsanitize=thread
endif

LIB_SRC   := $(sort $(wildcard src/base/*.c src/decode/*.c src/capture/*.c src/mirror/*.c \
               src/flow/*.c src/analyze/*.c src/app/*.c src/report/*.c src/output/*.c \
               src/engine/*.c))
CLI_SRC   := $(sort $(wildcard src/cli/*.c))
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ   := $(CLI_SRC:%.c=$(BUILD)/%.o)
LIB       := $(BUILD)/libvxscope.a
BIN       := $(BUILD)/vxscope

UNIT_SRC  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC  := $(sort $(wildcard tests/tools/*.c bench/*.c))
TOOL_BIN  := $(patsubst %.c,$(BUILD)/tools/%,$(notdir $(TOOL_SRC)))

.PHONY: all unit tools fuzz check example deps format clean bench
all: $(BIN) tools

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(CLI_OBJ) $(LIB)
	$(CC) $(LDFLAGS) $(CLI_OBJ) $(LIB) $(LDLIBS) -o $@

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Itests/unit $< $(LIB) $(LDFLAGS) $(LDLIBS) -lcmocka -o $@

tools: $(TOOL_BIN)
$(BUILD)/tools/%: tests/tools/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $< $(LIB) $(LDFLAGS) $(LDLIBS) -o $@
$(BUILD)/tools/%: bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $< $(LIB) $(LDFLAGS) $(LDLIBS) -o $@

unit: $(UNIT_BIN)
	@fail=0; for t in $(UNIT_BIN); do $$t || fail=1; done; exit $$fail

# libFuzzer harnesses: clang, with ASan+UBSan; the same sources also link into a replay driver
# (tests/fuzz/replay.c) so any compiler can replay the corpus.
FUZZ_SRC  := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=build/fuzz/%.o)
FUZZ_BIN  := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
build/fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS) -std=c11 $(WARN) -Wno-unused-command-line-argument $(FUZZ_FLAGS) -c $< -o $@
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_OBJ)
	clang $(CPPFLAGS) -std=c11 $(WARN) -O1 -g -fsanitize=fuzzer,address,undefined $< \
		$(FUZZ_LIB_OBJ) $(LDLIBS) -o $@
fuzz: $(FUZZ_BIN)

# Corpus replay with the ASan build (gcc or clang): one binary per harness.
REPLAY_BIN := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=$(BUILD)/replay/replay_%)
$(BUILD)/replay/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $< tests/fuzz/replay.c $(LIB) $(LDFLAGS) $(LDLIBS) -o $@
replay: $(REPLAY_BIN)

deps:
	@scripts/deps.sh

check: deps
	@tests/run.sh

example: deps
	@$(MAKE) --no-print-directory $(BIN)
	$(BIN) analyze examples/seed-504.pcapng

bench: $(BIN) tools
	bench/run.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
