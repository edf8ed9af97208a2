#!/bin/sh
# 80-rtl.sh: the RTL co-simulated against the sim engine on the corpus (hw/rtl.mk).
# Skipped when Verilator is not installed (scripts/deps.sh installs it).
cd "$(dirname "$0")/../.."
if ! command -v verilator >/dev/null 2>&1; then
	echo "skip rtl: verilator is not installed"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
if ! make -s -f hw/rtl.mk build/hw/cosim >/dev/null 2>build/hw-build.err; then
	echo "FAIL rtl: build (build/hw-build.err)"
	echo "0 passed, 1 failed"
	exit 1
fi
exec hw/sim/run_corpus.sh
