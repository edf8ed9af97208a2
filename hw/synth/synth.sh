#!/bin/sh
# synth.sh: Yosys synth_xilinx -family xc7 per component, lanes 2/4/8 for Sephirot;
# the figures go to hw/synth/resources.md (see hw/synth/table.sh).
set -u
cd "$(dirname "$0")/../.."
out=hw/synth/out; mkdir -p $out
run() {	# name top lanes files...
	n=$1 top=$2 lanes=$3; shift 3
	[ -s $out/${n}.stat ] && return 0
	{
		echo "read_verilog -Ihw/rtl $*"
		[ "$lanes" != - ] && echo "chparam -set N $lanes $top"
		echo "synth_xilinx -family xc7 -top $top -flatten"
		echo "tee -o $out/${n}.stat stat"
	} > $out/$n.ys
	timeout 7200 yosys -q -s $out/$n.ys > $out/$n.log 2>&1 || echo "synth $n: failed (see $out/$n.log)"
}
run piq piq - hw/rtl/piq.v
for l in 4 2 8; do
	run sephirot_$l sephirot $l hw/rtl/hx_alu.v hw/rtl/sephirot.v
done
run nic_4 hx_nic 4 hw/rtl/hx_nic.v
hw/synth/table.sh > hw/synth/resources.md
