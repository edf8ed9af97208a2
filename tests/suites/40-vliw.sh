# The vliw engine against the kernel: every corpus program at 1..8 lanes and -O0/-O1/-O2
# on the mixed traffic (v3 objects), and every object on all generated traffic at the
# default setting (4 lanes, -O2). 0 mismatches expected everywhere. ~3 minutes.
HXDP=${HXDP:-build/asan/hxdp}
DIR=build/pcaps
P=0 F=0 S=0 PKTS=0 MIS=0
start=$(date +%s)
mkdir -p $DIR
if ! build/pktgen all $DIR >/dev/null; then
	echo "FAIL pktgen: cannot generate traffic"
	echo "0 passed, 1 failed"
	exit 0
fi
nobpf=""
nolanes=""
$HXDP check --help 2>&1 | grep -q -- '--lanes' || nolanes="check does not take --lanes/-O yet"

one() {	# object pcap lanes opt
	o=$1 p=$2 l=$3 O=$4
	n=$(basename $o .o)
	n=${n%.v[0-9]}
	t="$(basename $o) $(basename $p .pcap) lanes $l -O$O"
	if [ -n "$nobpf" ]; then
		echo "skip $t: $nobpf"
		S=$((S + 1))
		return
	fi
	if [ -n "$nolanes" ] && { [ $l != 4 ] || [ $O != 2 ]; }; then
		echo "skip $t: $nolanes"
		S=$((S + 1))
		return
	fi
	if [ -n "$nolanes" ]; then
		out=$($HXDP check $o --engine vliw --pcap $p --maps tests/progs/$n.maps.json 2>&1)
	else
		out=$($HXDP check $o --engine vliw --lanes $l -O$O --pcap $p \
			--maps tests/progs/$n.maps.json 2>&1)
	fi
	rc=$?
	sum=$(echo "$out" | grep -E '^[0-9]+ packets, [0-9]+ mismatches$' | tail -n 1)
	if [ -n "$sum" ]; then
		PKTS=$((PKTS + ${sum%% *}))
		m=${sum#*, }
		MIS=$((MIS + ${m%% *}))
	fi
	case $rc in
	0) echo "ok $t: $sum"; P=$((P + 1)) ;;
	3) nobpf=$(echo "$out" | tail -n 1)
	   echo "skip $t: $nobpf (every further run is skipped)"
	   S=$((S + 1)) ;;
	*) echo "FAIL $t: exit $rc"
	   echo "$out" | grep -v '^nondet' | head -n 8 | sed 's/^/    /'
	   F=$((F + 1)) ;;
	esac
}

for o in build/progs/*.v3.o; do
	for l in 1 2 3 4 5 6 7 8; do
		for O in 0 1 2; do
			one $o $DIR/mix.pcap $l $O
		done
	done
done
for o in build/progs/*.o; do
	for p in $DIR/*.pcap; do
		one $o $p 4 2
	done
done
echo "vliw: $PKTS packets checked, $MIS mismatches, $(($(date +%s) - start)) s"
echo "$P passed, $F failed, $S skipped"
