#!/bin/sh
# synth.sh: Yosys synth_xilinx -family xc7 per component (hw/synth/run1.sh); the figures
# go to hw/synth/resources.md (hw/synth/table.sh). A run with a .stat is not repeated
# (delete hw/synth/runs/NAME.stat to redo one). Runs one at a time: 4 lanes ~15 min,
# 8 lanes about an hour on one core.
set -u
cd "$(dirname "$0")/../.."
o=hw/synth/runs
r() { [ -s $o/$1.stat ] || hw/synth/run1.sh "$@"; }
S="hw/rtl/hx_alu.v hw/rtl/sephirot.v"
r sephirot_4 sephirot 3600 "-set N 4" $S
r sephirot_2 sephirot 1800 "-set N 2" $S
r alu hx_alu 900 - hw/rtl/hx_alu.v
r alu_div hx_alu 900 "-set HAS_DIV 1" hw/rtl/hx_alu.v
r piq piq 900 - hw/rtl/piq.v
r sephirot_8 sephirot 7200 "-set N 8" $S
[ "${HX_NIC:-0}" = 1 ] && r nic_4 hx_nic 3600 "-set N 4" hw/rtl/hx_nic.v
hw/synth/table.sh > hw/synth/resources.md
