#!/bin/sh
# make demo: the stateful firewall from tests/progs, compiled for a 4-lane Sephirot,
# run over generated traffic on the cycle-accurate model, checked against the kernel.
set -e
cd "$(dirname "$0")/.."
H=build/hxdp
OBJ=build/progs/xdp_firewall.v3.o
MAPS=tests/progs/xdp_firewall.maps.json
D=build/demo
mkdir -p $D
build/pktgen --seed 1 mix $D/mix.pcap >/dev/null

echo "== 1. compile $OBJ for 4 lanes (-O2)"
$H compile $OBJ --lanes 4 -O2 -o $D/firewall.img
echo
echo "== 2. the first VLIW rows (lanes side by side, eBPF origin in brackets)"
$H disasm $D/firewall.img | head -n 24
echo
echo "== 3. simulate $D/mix.pcap on the cycle-accurate model (156.25 MHz)"
$H run $D/firewall.img --engine sim --pcap $D/mix.pcap --maps $MAPS --out $D/out.pcap
echo
echo "== 4. the same program and packets in the Linux kernel vs hxdp (vliw engine)"
rc=0
$H check $OBJ --engine vliw --pcap $D/mix.pcap --maps $MAPS || rc=$?
if [ $rc -eq 3 ]; then
	echo "(skipped: bpf() is not available here, so the kernel cannot be asked)"
elif [ $rc -ne 0 ]; then
	exit $rc
fi
