# The vliw engine against the kernel (hxdp check --engine vliw), 0 mismatches expected:
#  - every corpus program (v3 objects) at 1..8 lanes and -O1/-O2, and -O0 at 1 and 8
#    lanes (-O0 puts one instruction per row, the lane count only adds empty lanes), on a
#    40-packet mix of every traffic class;
#  - every object (v1 and v3) at the default setting (4 lanes, -O2) on all generated
#    traffic at once (the class pcaps concatenated, v3) or on the mix (v1).
# Two checks run at a time; about 3 minutes.
HXDP=${HXDP:-build/asan/hxdp}
DIR=build/pcaps
SUB=build/pcaps-vliw
start=$(date +%s)
mkdir -p $DIR $SUB
if ! build/pktgen all $DIR >/dev/null || ! build/pktgen --count 40 mix $SUB/mix40.pcap >/dev/null
then
	echo "FAIL pktgen: cannot generate traffic"
	echo "0 passed, 1 failed"
	exit 0
fi
# one pcap of every class: the first file whole, the others without their 24-byte header
first=1
for p in $DIR/*.pcap; do
	if [ $first = 1 ]; then cat $p; first=0; else tail -c +25 $p; fi
done > $SUB/all.pcap

nolanes=""
$HXDP check --help 2>&1 | grep -q -- '--lanes' || nolanes="check does not take --lanes/-O yet"

jobs=$(mktemp)
for o in build/progs/*.v3.o; do
	for l in 1 2 3 4 5 6 7 8; do
		for O in 1 2; do
			echo "$o $SUB/mix40.pcap $l $O"
		done
	done
	echo "$o $SUB/mix40.pcap 1 0"
	echo "$o $SUB/mix40.pcap 8 0"
	echo "$o $SUB/all.pcap 4 2"
done >> $jobs
for o in build/progs/*.v1.o; do
	echo "$o $DIR/mix.pcap 4 2"
done >> $jobs

run() {	# lines of "object pcap lanes opt" on stdin; one result block per line
	while read o p l O; do
		n=$(basename $o .o)
		n=${n%.v[0-9]}
		t="$(basename $o) $(basename $p .pcap) lanes $l -O$O"
		if [ -n "$nolanes" ] && { [ $l != 4 ] || [ $O != 2 ]; }; then
			echo "skip $t: $nolanes"
			continue
		fi
		if [ -n "$nolanes" ]; then
			out=$($HXDP check $o --engine vliw --pcap $p --maps tests/progs/$n.maps.json 2>&1)
		else
			out=$($HXDP check $o --engine vliw --lanes $l -O$O --pcap $p \
				--maps tests/progs/$n.maps.json 2>&1)
		fi
		rc=$?
		sum=$(echo "$out" | grep -E '^[0-9]+ packets, [0-9]+ mismatches$' | tail -n 1)
		case $rc in
		0) echo "ok $t: $sum" ;;
		3) echo "skip $t: $(echo "$out" | tail -n 1)" ;;
		*) echo "FAIL $t: exit $rc"
		   echo "$out" | grep -v '^nondet' | head -n 8 | sed 's/^/    /' ;;
		esac
	done
}

n=$(wc -l < $jobs)
half=$(( (n + 1) / 2 ))
a=$(mktemp) b=$(mktemp)
head -n $half $jobs | run > $a &
tail -n +$((half + 1)) $jobs | run > $b &
wait
cat $a $b
P=$(grep -c '^ok ' $a $b | awk -F: '{s += $2} END {print s}')
F=$(grep -c '^FAIL ' $a $b | awk -F: '{s += $2} END {print s}')
S=$(grep -c '^skip ' $a $b | awk -F: '{s += $2} END {print s}')
PKTS=$(cat $a $b | sed -nE 's/^ok .*: ([0-9]+) packets, ([0-9]+) mismatches$/\1/p' |
	awk '{s += $1} END {print s + 0}')
rm -f $jobs $a $b
echo "vliw: $PKTS packets matched the kernel in $P runs, $F runs failed, $(($(date +%s) - start)) s"
echo "$P passed, $F failed, $S skipped"
