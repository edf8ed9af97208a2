# tests/fuzz/fuzz.mk: libFuzzer harnesses, included by the top-level Makefile.
#   make fuzz-smoke   each harness FUZZ_TIME seconds (CI), 0 crashes expected
#   make fuzz         each harness FUZZ_LONG seconds
#   make fuzz-replay  the replay builds (ASan, no libFuzzer) used by tests/suites/75-fuzz.sh
# Executions are appended to build/fuzz/execs.log; crashes land in build/fuzz/crash/.
FUZZ_CC     ?= clang
FUZZ_TIME   ?= 20
FUZZ_LONG   ?= 3600
FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -Isrc -Itests/fuzz -Itests/rand
FUZZ_NAMES  := $(patsubst tests/fuzz/fuzz_%.c,%,$(filter-out tests/fuzz/fuzz_util.c,\
		$(wildcard tests/fuzz/fuzz_*.c)))
# the library without the command-line commands (they need main.c's cli_error)
FUZZ_SRC    := $(filter-out src/cmd_%.c,$(SRC))
FUZZ_OBJ    := $(FUZZ_SRC:src/%.c=build/fuzz/obj/%.o)
FUZZ_SOBJ   := $(FUZZ_SRC:src/%.c=build/asan/obj/%.o)
FUZZ_LIB    := tests/fuzz/fuzz_util.c tests/rand/rprog.c
# harnesses whose inputs declare maps create them small (mapcap.c)
FUZZ_MAPCAP := -Wl,--wrap=map__init tests/fuzz/mapcap.c
FUZZ_LINK_obj   := $(FUZZ_MAPCAP)
FUZZ_LINK_image := $(FUZZ_MAPCAP)
FUZZ_LINK_ctl   := $(FUZZ_MAPCAP)
FUZZ_BIN    := $(FUZZ_NAMES:%=build/fuzz/fuzz_%)
REPLAY_BIN  := $(FUZZ_NAMES:%=build/fuzz/replay_%)

# isa_decode scans the opcode table: traced comparisons there were most of the time of
# every harness that decodes (asm, image, obj, vm) and guide nothing a byte can't find
build/fuzz/obj/isa.o: FUZZ_COV := -fno-sanitize-coverage=trace-cmp
# the same for the verifier: its comparisons are of abstract register states (pruning,
# precision), most of the obj harness's time, and no input byte reaches them directly
build/fuzz/obj/verify.o: FUZZ_COV := -fno-sanitize-coverage=trace-cmp
build/fuzz/obj/%.o: src/%.c | deps-check
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link $(FUZZ_COV) -MMD -MP -c \
		-o $@ $<
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB) tests/fuzz/fuzz.h tests/fuzz/mapcap.c \
		$(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB) \
		$(FUZZ_LINK_$*) $(FUZZ_OBJ) $(LDLIBS)
build/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(FUZZ_LIB) tests/fuzz/fuzz.h \
		tests/fuzz/mapcap.c $(FUZZ_SOBJ)
	@mkdir -p $(@D)
	$(CC) $(filter-out -MMD -MP,$(CFLAGS)) $(SAN) -Itests/fuzz -Itests/rand -o $@ $< \
		tests/fuzz/replay.c $(FUZZ_LIB) $(FUZZ_LINK_$*) $(FUZZ_SOBJ) $(LDLIBS)

fuzz-build: $(FUZZ_BIN)
fuzz-replay: $(REPLAY_BIN)
fuzz-smoke: $(FUZZ_BIN) progs
	tests/fuzz/run.sh $(FUZZ_TIME) $(FUZZ_NAMES)
fuzz: $(FUZZ_BIN) progs
	tests/fuzz/run.sh $(FUZZ_LONG) $(FUZZ_NAMES)

.PHONY: fuzz fuzz-smoke fuzz-build fuzz-replay
-include $(FUZZ_OBJ:.o=.d)

# random-program differential tester (tests/rand): optimized for long runs, ASan for CI
RAND_SRC    := tests/rand/rdiff.c tests/rand/rgen.c tests/rand/kload.c tests/rand/rprog.c \
		tests/fuzz/fuzz_util.c
RAND_DEPS   := $(RAND_SRC) $(wildcard tests/rand/*.h)
build/rand/rdiff: $(RAND_DEPS) $(filter-out build/obj/cmd_%.o,$(OBJ))
	@mkdir -p $(@D)
	$(CC) $(filter-out -MMD -MP,$(CFLAGS)) -Itests/rand -Itests/fuzz -o $@ $(RAND_SRC) \
		$(filter-out build/obj/cmd_%.o,$(OBJ)) $(LDLIBS)
build/asan/rdiff: $(RAND_DEPS) $(FUZZ_SOBJ)
	@mkdir -p $(@D)
	$(CC) $(filter-out -MMD -MP,$(CFLAGS)) $(SAN) -Itests/rand -Itests/fuzz -o $@ \
		$(RAND_SRC) $(FUZZ_SOBJ) $(LDLIBS)
rand: build/rand/rdiff build/asan/rdiff
.PHONY: rand
