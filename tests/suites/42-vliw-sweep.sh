# every v3 corpus program x lanes 1..8 x -O0..-O2 x every generated pcap on the vliw
# engine against the kernel (normal build; suite 40 runs a slice of this under ASan).
# One line per program; skipped loudly without bpf().
cd "$(dirname "$0")/../.."
H=build/hxdp
[ -f build/pcaps/mix.pcap ] || build/pktgen all build/pcaps >/dev/null
P=0 F=0 S=0 runs=0 pkts=0
for o in build/progs/*.v3.o; do
	b=$(basename "$o" .v3.o) m=0 bad="" n=0
	for l in 1 2 3 4 5 6 7 8; do
		for O in 0 1 2; do
			for p in build/pcaps/*.pcap; do
				out=$($H check "$o" --engine vliw --lanes $l -O$O --pcap "$p" \
					--maps tests/progs/$b.maps.json -j 2>&1)
				rc=$?
				if [ $rc -eq 3 ]; then
					echo "skip vliw-sweep: bpf() unavailable: $out"
					echo "0 passed, 0 failed, 1 skipped"
					exit 0
				fi
				runs=$((runs + 1))
				k=$(echo "$out" | grep -o '"packets":[0-9]*' | cut -d: -f2)
				n=$((n + ${k:-0}))
				[ $rc -eq 0 ] || bad="$bad lanes $l -O$O $(basename "$p") (exit $rc);"
			done
		done
	done
	pkts=$((pkts + n))
	if [ -z "$bad" ]; then echo "ok vliw-sweep $b: 24 settings, $n packets"; P=$((P + 1))
	else echo "FAIL vliw-sweep $b:$bad"; F=$((F + 1)); fi
done
echo "vliw-sweep: $runs runs, $pkts packets"
echo "$P passed, $F failed, $S skipped"
