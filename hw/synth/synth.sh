#!/bin/sh
# synth.sh: Yosys synth_xilinx -family xc7 per component (hw/synth/run1.sh); the figures
# go to hw/synth/resources.md (hw/synth/table.sh). A run with a .stat is not repeated.
set -u
cd "$(dirname "$0")/../.."
o=hw/synth/runs
r() { [ -s $o/$1.stat ] || hw/synth/run1.sh "$@"; }
r piq piq 900 - hw/rtl/piq.v
r alu hx_alu 900 - hw/rtl/hx_alu.v
r alu_div hx_alu 900 "-set HAS_DIV 1" hw/rtl/hx_alu.v
r sephirot_2 sephirot 1800 "-set N 2" hw/rtl/hx_alu.v hw/rtl/sephirot.v
r sephirot_4 sephirot 3600 "-set N 4" hw/rtl/hx_alu.v hw/rtl/sephirot.v
r nic_4 hx_nic 3600 "-set N 4" hw/rtl/hx_nic.v
hw/synth/table.sh > hw/synth/resources.md
