# the cycle model (docs/timing.md): calibration against the paper's microbenchmarks,
# and the sim engine gives exactly the vliw engine's results on all corpus traffic
# (every build/progs/*.o on every class of `build/pktgen all build/pcaps`). ASan+UBSan.
set -u
mkdir -p build/pcaps
if ! build/pktgen all build/pcaps >/dev/null; then
	echo "FAIL sim: build/pktgen all build/pcaps"
	echo "0 passed, 1 failed"
	exit 1
fi
exec build/asan/unit sim_
