# translated images (src/xlate.c) against the interpreters: the vliw and sim engines
# translated and interpreted give the same action, fault, rows, output bytes, maps
# and (sim) cycles and timing rows on every packet, for every corpus program on every
# traffic class at 1, 4 and 8 lanes (tests/unit/test_xlate.c). ASan+UBSan.
set -u
mkdir -p build/pcaps
if ! build/pktgen all build/pcaps >/dev/null; then
	echo "FAIL xlate: build/pktgen all build/pcaps"
	echo "0 passed, 1 failed"
	exit 1
fi
HXDP_XLATE_CORPUS=1 exec build/asan/unit xlate_
