# hxdp: `make` builds build/hxdp; `make test` runs every test; `make demo` shows it work.
CC      ?= cc
CLANG   ?= clang
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -MMD -MP -Isrc
LDLIBS  := -lbpf -lelf -lz -lpcap -ljson-c -lm -lpthread -ldl
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

SRC     := $(filter-out src/main.c,$(wildcard src/*.c))
OBJ     := $(SRC:src/%.c=build/obj/%.o)
SOBJ    := $(SRC:src/%.c=build/asan/obj/%.o)
UNIT    := $(wildcard tests/unit/*.c)
PROGS   := $(wildcard tests/progs/*.c)
BPFOBJ  := $(foreach p,$(PROGS:tests/progs/%.c=%),build/progs/$(p).v1.o build/progs/$(p).v3.o)

all: build/hxdp build/pktgen progs

build/obj/%.o: src/%.c | deps-check
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<
build/asan/obj/%.o: src/%.c | deps-check
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN) -c -o $@ $<

# the headers translated images are compiled against are embedded (.incbin)
XLHDRS  := src/env.h src/mem.h src/xdp.h src/sem.h src/sim.h src/xlate_rt.h
build/obj/xlate_hdrs.o build/asan/obj/xlate_hdrs.o: $(XLHDRS)

# objects are linked directly, not through an archive: commands and engines are found
# through weak references, which do not pull members out of an archive
build/hxdp: build/obj/main.o $(OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
build/asan/hxdp: build/asan/obj/main.o $(SOBJ)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LDLIBS)
build/asan/unit: $(UNIT) $(SOBJ)
	$(CC) $(CFLAGS) $(SAN) -Itests/unit -o $@ $(UNIT) $(SOBJ) $(LDLIBS)
build/pktgen: tests/gen/pktgen.c | deps-check
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< -lpcap

progs: $(BPFOBJ)
build/progs/%.v1.o: tests/progs/%.c $(wildcard tests/progs/*.h)
	@mkdir -p $(@D)
	$(CLANG) -O2 -g -Wall -target bpf -mcpu=v1 -Itests/progs -c -o $@ $<
build/progs/%.v3.o: tests/progs/%.c $(wildcard tests/progs/*.h)
	@mkdir -p $(@D)
	$(CLANG) -O2 -g -Wall -target bpf -mcpu=v3 -Itests/progs -c -o $@ $<

# install missing Debian packages once (scripts/deps.sh is idempotent and quick)
deps-check: build/.deps
build/.deps: scripts/deps.sh
	@mkdir -p build
	scripts/deps.sh
	@touch $@

# the generated traffic every suite reads (unit tests too)
build/pcaps/mix.pcap: build/pktgen
	build/pktgen all build/pcaps >/dev/null

test: all build/asan/hxdp build/asan/unit build/pcaps/mix.pcap
	tests/run.sh

demo: all
	scripts/demo.sh

bench: all
	scripts/bench.sh

clean:
	rm -rf build

# fuzzing (make fuzz-smoke, make fuzz) and the hardware (make rtl-test, make rtl-synth)
-include tests/fuzz/fuzz.mk
-include hw/rtl.mk

.PHONY: all progs test demo bench clean deps-check
-include $(OBJ:.o=.d) $(SOBJ:.o=.d) build/obj/main.d build/asan/obj/main.d
