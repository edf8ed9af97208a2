# the CLI paths once under valgrind (memcheck: invalid accesses, uninitialised values,
# definite leaks), on the normal build: ASan covers the rest of the suite
cd "$(dirname "$0")/../.."
if ! command -v valgrind >/dev/null 2>&1; then
	echo "skip valgrind: valgrind is not installed"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
H=build/hxdp
D=build/valgrind
mkdir -p $D
build/pktgen --count 20 mix $D/mix.pcap >/dev/null
O=build/progs/xdp_firewall.v3.o
M=tests/progs/xdp_firewall.maps.json
P=0 F=0
vg() {
	name=$1; shift
	valgrind -q --suppressions=tests/valgrind.supp --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
		"$@" >$D/out 2>$D/err
	rc=$?
	if [ $rc -eq 99 ] || grep -q "^==[0-9]*==" $D/err; then
		echo "FAIL valgrind $name: $(grep -m3 '^==' $D/err | tr '\n' ' ')"; F=$((F + 1))
	else
		echo "ok valgrind $name (exit $rc)"; P=$((P + 1))
	fi
}
vg "compile" $H compile $O -o $D/fw.img
vg "disasm image" $H disasm $D/fw.img
vg "disasm object" $H disasm $O
vg "run vm" $H run $O --pcap $D/mix.pcap --maps $M
vg "run vliw" $H run $D/fw.img --engine vliw --pcap $D/mix.pcap --maps $M -j
vg "run sim" $H run $D/fw.img --engine sim --pcap $D/mix.pcap --maps $M
vg "check vm" $H check $O --pcap $D/mix.pcap --maps $M
[ -d ../shared/conformance ] &&
	vg "conformance" $H conformance ../shared/conformance/alu64-arith.data \
		../shared/conformance/call_local.data ../shared/conformance/lock_cmpxchg32.data
vg "bad input" $H run tests/progs/common.h --pcap $D/mix.pcap
echo "$P passed, $F failed"
