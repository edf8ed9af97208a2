# hxdp check: every corpus program (v1 and v3) x every generated pcap, against the
# running kernel, under ASan. One ok/FAIL line per pair; SKIP when bpf() is unavailable.
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
for o in build/progs/*.o; do
	n=$(basename $o .o)
	n=${n%.v[0-9]}
	maps=tests/progs/$n.maps.json
	for p in $DIR/*.pcap; do
		t="$(basename $o) $(basename $p .pcap)"
		if [ -n "$nobpf" ]; then
			echo "skip $t: $nobpf"
			S=$((S + 1))
			continue
		fi
		out=$($HXDP check $o --pcap $p --maps $maps 2>&1)
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
		   echo "SKIP $t: $nobpf (every further pair is skipped)"
		   S=$((S + 1)) ;;
		*) echo "FAIL $t: exit $rc"
		   echo "$out" | grep -v '^nondet' | head -n 8 | sed 's/^/    /'
		   F=$((F + 1)) ;;
		esac
	done
done
echo "check: $(ls build/progs/*.o | wc -l) objects x $(ls $DIR/*.pcap | wc -l) pcaps:" \
	"$PKTS packets, $MIS mismatches, $(($(date +%s) - start)) s"
echo "$P passed, $F failed, $S skipped"
