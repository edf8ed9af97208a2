# Optional make fragment for the XDP test corpus and the traffic generator.
# Include it from the top-level Makefile, after its default goal (the first
# explicit target here would otherwise become the default); paths are
# relative to the repo root:
#   include tests/progs/progs.mk
#   all: $(CORPUS_OBJS) $(PKTGEN)
CORPUS_SRCS  := $(wildcard tests/progs/*.c)
CORPUS_NAMES := $(patsubst tests/progs/%.c,%,$(CORPUS_SRCS))
CORPUS_OBJS  := $(foreach p,$(CORPUS_NAMES),build/progs/$(p).v1.o build/progs/$(p).v3.o)
CORPUS_HDRS  := tests/progs/common.h $(wildcard tests/progs/asm/*.h)
BPF_CLANG    ?= clang
BPF_CFLAGS   ?= -O2 -g -Wall -target bpf -I tests/progs

build/progs/%.v1.o: tests/progs/%.c $(CORPUS_HDRS)
	@mkdir -p $(@D)
	$(BPF_CLANG) $(BPF_CFLAGS) -mcpu=v1 -c $< -o $@

build/progs/%.v3.o: tests/progs/%.c $(CORPUS_HDRS)
	@mkdir -p $(@D)
	$(BPF_CLANG) $(BPF_CFLAGS) -mcpu=v3 -c $< -o $@

PKTGEN := build/pktgen
$(PKTGEN): tests/gen/pktgen.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -O2 -Wall -Wextra -Werror -o $@ $< -lpcap

# build/pcaps/CLASS.pcap for every class, seed 1, 200 packets each
build/pcaps/.stamp: $(PKTGEN)
	$(PKTGEN) all build/pcaps
	@touch $@
