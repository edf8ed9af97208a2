# hw/rtl.mk: the RTL (docs/hw.md). Targets: rtl-test (Verilator co-simulation against
# the sim engine on the corpus), rtl-synth (Yosys synth_xilinx per component).
# Included by the top-level Makefile; alone: make -f hw/rtl.mk rtl-test
HW_CC      ?= cc
HW_CFLAGS  := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Isrc
HW_LDLIBS  := -lbpf -lelf -lz -lpcap -ljson-c -lm -lpthread
HW_OBJ     := $(filter-out build/obj/main.o,$(patsubst src/%.c,build/obj/%.o,$(wildcard src/*.c)))
HW_RTL     := hw/rtl/hxdp_top.v hw/rtl/piq.v hw/rtl/hx_nic.v hw/rtl/sephirot.v hw/rtl/hx_alu.v
HW_B       ?= build/hw
HW_VFLAGS  ?=
HW_LANES   ?= 4

hw/rtl/isa_defs.vh: hw/gen/isa_vh.c src/isa.h src/isa_ext.h src/insn.h $(HW_OBJ)
	@mkdir -p $(HW_B)
	$(HW_CC) $(HW_CFLAGS) -o $(HW_B)/isa_vh $< $(HW_OBJ) $(HW_LDLIBS)
	$(HW_B)/isa_vh > $@.tmp && mv $@.tmp $@

# the model reads the image's structures (src/image.h): its object follows their headers
$(HW_B)/model.o: hw/sim/model.c hw/sim/model.h src/image.h
	@mkdir -p $(HW_B)
	$(HW_CC) $(HW_CFLAGS) -MMD -MP -Ihw/sim -c -o $@ $<
-include $(HW_B)/model.d

# Verilator skips its build when the Verilog did not change, and its make does not see
# the objects passed in LDFLAGS (and finds $@ through its VPATH): both binaries are
# removed first and the link made again after
$(HW_B)/cosim: hw/sim/cosim.cpp $(HW_B)/model.o $(HW_RTL) hw/rtl/isa_defs.vh $(HW_OBJ)
	rm -f $@ $(HW_B)/obj_dir/cosim
	verilator --cc --exe --build -O2 -GN=$(HW_LANES) $(HW_VFLAGS) -Wno-fatal -Wno-WIDTH -Wno-UNOPTFLAT -Wno-lint \
	  -Ihw/rtl --top-module hxdp_top --Mdir $(HW_B)/obj_dir -j 2 \
	  -CFLAGS "-O1 -DHX_LANES=$(HW_LANES) -I$(CURDIR)/src -I$(CURDIR)/hw/sim" \
	  -LDFLAGS "$(CURDIR)/$(HW_B)/model.o $(addprefix $(CURDIR)/,$(HW_OBJ)) $(HW_LDLIBS)" \
	  -o cosim $(HW_RTL) $(CURDIR)/hw/sim/cosim.cpp >$(HW_B)/verilator.log 2>&1 || \
	  { tail -30 $(HW_B)/verilator.log; exit 1; }
	$(MAKE) -s -C $(HW_B)/obj_dir -f Vhxdp_top.mk cosim >>$(HW_B)/verilator.log 2>&1 || \
	  { tail -30 $(HW_B)/verilator.log; exit 1; }
	cp $(HW_B)/obj_dir/cosim $@

rtl-test: $(HW_B)/cosim
	HW_B=$(HW_B) HW_LANES=$(HW_LANES) hw/sim/run_corpus.sh

# the same corpus with the core built for 2 and 8 lanes (images compiled to match)
rtl-test-lanes:
	$(MAKE) -f hw/rtl.mk rtl-test HW_B=build/hw-l2 HW_LANES=2
	$(MAKE) -f hw/rtl.mk rtl-test HW_B=build/hw-l8 HW_LANES=8

rtl-synth:
	hw/synth/synth.sh

.PHONY: rtl-test rtl-test-lanes rtl-synth
