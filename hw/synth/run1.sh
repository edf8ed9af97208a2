#!/bin/sh
# run1.sh NAME TOP TIMEOUT "chparam args or -" FILES...: one Yosys synth_xilinx -family xc7 run;
# writes hw/synth/runs/NAME.{ys,log,stat,time} (time: wall seconds and exit status).
set -u
cd "$(dirname "$0")/../.."
out=hw/synth/runs; mkdir -p $out
n=$1 top=$2 to=$3 par=$4; shift 4
{
	echo "read_verilog -Ihw/rtl $*"
	[ "$par" != - ] && echo "chparam $par $top"
	echo "synth_xilinx -family xc7 -top $top -flatten"
	echo "tee -o $out/${n}.stat stat"
} > $out/$n.ys
rm -f $out/$n.stat
t0=$(date +%s)
timeout $to yosys -q -s $out/$n.ys > $out/$n.log 2>&1; rc=$?
echo "wall_s=$(( $(date +%s) - t0 )) rc=$rc timeout_s=$to" > $out/$n.time
cat $out/$n.time
