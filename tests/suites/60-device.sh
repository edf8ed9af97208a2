#!/bin/sh
# The emulated NIC (docs/device.md): control socket, program swap, user-space map access
# while 10^6 packets stream through the firewall, hot swap under load, live topology.
cd "$(dirname "$0")/../.." || exit 2
H=${HXDP:-$PWD/build/hxdp}
T=$(mktemp -d /tmp/hxdp-dev.XXXXXX)
chmod 755 "$T"
export HXDP_RUNDIR="$T/run"
P=0 F=0 S=0
ok() { echo "ok $1"; P=$((P + 1)); }
bad() { echo "FAIL $1${2:+: $2}"; F=$((F + 1)); }
skip() { echo "skip $1: $2"; S=$((S + 1)); }
t() { name=$1; shift; if "$@" >"$T/out" 2>&1; then ok "$name"; else bad "$name" "$(tail -n 3 "$T/out" | tr '\n' ' ')"; fi; }
# the command fails and its message contains a phrase
refuses() {
	name=$1 want=$2; shift 2
	if "$@" >"$T/out" 2>&1; then bad "$name" "succeeded"; return; fi
	if grep -q -- "$want" "$T/out"; then ok "$name"; else bad "$name" "$(cat "$T/out")"; fi
}
devs=""
finish() {
	for d in $devs; do "$H" dev stop --dev "$d" >/dev/null 2>&1; done
	rm -rf "$T"
	echo "$P passed, $F failed, $S skipped"
	exit 0
}
trap finish EXIT INT TERM

if ! "$H" dev --help >/dev/null 2>&1; then
	bad "device commands" "$H has no 'dev' command"
	exit 0
fi
FW=build/progs/xdp_firewall.v3.o
FWJ=tests/progs/xdp_firewall.maps.json
cc -O2 -Wall -o "$T/fwtool" tests/dev/fwtool.c -lpcap -ljson-c || { bad "build fwtool"; exit 0; }
for v in 1 2; do
	clang -O2 -g -Wall -target bpf -mcpu=v3 -Itests/progs -DVERSION=$v \
		-c tests/dev/xdp_stamp.c -o "$T/stamp$v.o" || { bad "build xdp_stamp v$v"; exit 0; }
done
FT="$T/fwtool"

# ---- start, socket, basics ----
devs="t1"
t "dev start returns when ready" "$H" dev start --dev t1 --engine vm
t "socket is 0600" test "$(stat -c %a "$HXDP_RUNDIR/t1.sock")" = 600
refuses "second start of the same device" "already running" "$H" dev start --dev t1
refuses "command on a device that is not running" "not running" "$H" dev stats --dev nosuch
t "stats without a program" "$H" dev stats --dev t1
t "prog show without a program prints nothing" test -z "$("$H" prog show --dev t1)"
t "prog load firewall with initial maps" "$H" prog load "$FW" --maps "$FWJ" --dev t1
t "prog show names it" sh -c "'$H' prog show --dev t1 | grep -q 'name xdp_firewall'"
t "map show lists its maps (-j, bpftool shape)" \
	sh -c "'$H' -j map show --dev t1 | grep -q '\"name\":\"flows\",\"flags\":0,\"bytes_key\":16'"
t "map update (bpftool arguments)" "$H" map update name inbound_allow key hex 00 50 06 00 \
	value hex 01 00 00 00 noexist --dev t1
t "map lookup finds it" sh -c "'$H' map lookup name inbound_allow key hex 00 50 06 00 --dev t1 | grep -q '\"value\": 1'"
t "map lookup -j: hex arrays and BTF formatted" sh -c "'$H' -j map lookup name inbound_allow key 0 0x50 6 0 --dev t1 | grep -q '\"key\":\[\"0x00\",\"0x50\",\"0x06\",\"0x00\"\].*\"formatted\":{\"key\":{\"port\":20480,\"proto\":6,\"pad\":0},\"value\":1}'"
refuses "update noexist of an existing key" "File exists" "$H" map update name inbound_allow \
	key hex 00 50 06 00 value hex 02 00 00 00 noexist --dev t1
t "map getnext walks keys" sh -c "'$H' -j map getnext name inbound_allow --dev t1 | grep -q next_key"
id=$("$H" -j map show name fw_stats --dev t1 | sed -E 's/.*"id":([0-9]+).*/\1/')
t "map dump by id" sh -c "'$H' map dump id $id --dev t1 | grep -q 'Found 8 elements'"
t "map delete" "$H" map delete name inbound_allow key hex 00 50 06 00 --dev t1
refuses "lookup of a deleted key" "No such file" "$H" map lookup name inbound_allow key hex 00 50 06 00 --dev t1
refuses "map that does not exist" "no map named 'nosuch'" "$H" map dump name nosuch --dev t1
refuses "key of the wrong size" "key is 2 bytes, map 'flows' takes 16" "$H" map lookup name flows key 1 2 --dev t1
refuses "byte that is not hex" "is not a byte in hex" "$H" map lookup name flows key hex zz --dev t1
refuses "update without a value" "expected 'value VALUE'" "$H" map update name flows key hex 00 --dev t1
refuses "bad flag" "'sometimes' is not a byte" "$H" map update name fw_config key 0 0 0 0 value 0 0 0 0 0 0 0 0 sometimes --dev t1
refuses "prog load of a missing file" "No such file" "$H" prog load /nonexistent.o --dev t1
refuses "prog load of a non-object" "" "$H" prog load "$FWJ" --dev t1
t "the device survives bad requests" "$H" dev stats --dev t1

# ---- the control socket against malformed and crashing clients ----
if command -v socat >/dev/null 2>&1; then
	S1="$HXDP_RUNDIR/t1.sock"
	t "malformed JSON gets a clear error" sh -c "printf 'not json\n' | socat -t 2 - UNIX-CONNECT:$S1 | grep -q '\"ok\":false,\"error\":\"malformed request'"
	t "request without cmd" sh -c "printf '[1,2]\n{\"x\":1}\n' | socat -t 2 - UNIX-CONNECT:$S1 | grep -c 'malformed request' | grep -q 2"
	t "unknown command" sh -c "printf '{\"cmd\":\"explode\"}\n' | socat -t 2 - UNIX-CONNECT:$S1 | grep -q 'unknown command'"
	t "wrong field type" sh -c "printf '{\"cmd\":\"feed\",\"path\":7}\n' | socat -t 2 - UNIX-CONNECT:$S1 | grep -q 'must be a string'"
	{ head -c 70000 /dev/zero | tr "\\0" a; printf "\n{\"cmd\":\"hello\"}\n"; } >"$T/long.txt"
	socat -t 2 - UNIX-CONNECT:$S1 <"$T/long.txt" >"$T/long.out" 2>&1
	t "line longer than 64 KiB is refused, the next one served" sh -c "grep -q 'longer than 65536' $T/long.out && grep -q '\"ok\":true' $T/long.out"
	# half a request, then the client dies
	(printf '{"cmd":"sta' | socat -t 30 - UNIX-CONNECT:$S1 >/dev/null 2>&1 &
	 sleep 0.2; kill -9 $! 2>/dev/null) >/dev/null 2>&1
	t "a client killed mid-request leaves the device up" "$H" dev stats --dev t1
else
	skip "malformed requests" "socat is not installed (apt-get install socat)"
fi
"$FT" ethpcap "$T/eth.pcap" 1000 >/dev/null
"$H" dev feed --pcap "$T/eth.pcap" --repeat 200 --rate 50000 --dev t1 >/dev/null 2>&1 &
fp=$!
sleep 0.5
kill -9 $fp 2>/dev/null
wait $fp 2>/dev/null
t "a feed client killed mid-feed leaves the device up" "$H" dev stats --dev t1

# ---- other users ----
devs="$devs t2"
t "dev start --sock-mode 0666" "$H" dev start --dev t2 --engine vm --sock-mode 0666
if command -v setpriv >/dev/null 2>&1; then
	cp "$H" "$T/hxdp-nobody" && chmod 755 "$T/hxdp-nobody" "$HXDP_RUNDIR"
	refuses "another user is refused (SO_PEERCRED)" "uid 65534 may not use device t2" \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$T/hxdp-nobody" dev stats --dev t2
	refuses "another user cannot open a 0600 socket" "Permission denied" \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$T/hxdp-nobody" dev stats --dev t1
else
	skip "other users" "setpriv is not installed"
fi
t "dev stop" "$H" dev stop --dev t2
t "the socket is gone after stop" test ! -e "$HXDP_RUNDIR/t2.sock"
devs="t1"

# ---- 10^6 packets through the firewall while another process writes 10^4 flows ----
NF=1000 PK=10 REP=100 NU=10000
"$FT" gen "$T/fw.pcap" $NF $PK && "$FT" ops "$T/ops.txt" $NU && "$FT" reads "$T/reads.txt" $NF $NU 20000
devs="$devs t3"
t "device for the map test" "$H" dev start --dev t3 --engine vm
t "firewall loaded" "$H" prog load "$FW" --maps "$FWJ" --dev t3
start=$(date +%s.%N)
"$H" -j dev feed --pcap "$T/fw.pcap" --repeat $REP --rate 200000 --dev t3 >"$T/feed.json" 2>&1 &
feed=$!
sleep 0.3
t0=$(date +%s.%N)
"$H" map batch "$T/ops.txt" --dev t3 >"$T/ops.out" 2>&1 &
ops=$!
"$H" -j map batch "$T/reads.txt" --dev t3 >"$T/reads.json" 2>/dev/null &
rd=$!
wait $ops; opsrc=$?
t1=$(date +%s.%N)
kill -0 $feed 2>/dev/null && overlap=1 || overlap=0
wait $rd
wait $feed; feedrc=$?
t "10^4 flows inserted and deleted by another process" test $opsrc -eq 0
t "the updates ran while the packets streamed" test $overlap -eq 1
t "feed of 10^6 packets returns when all are processed" sh -c "test $feedrc -eq 0 && grep -q '\"packets\":1000000' '$T/feed.json'"
t "no torn reads (20000 lookups while packets and updates flow)" "$FT" torn "$T/reads.json"
"$H" -j map dump name flows --dev t3 >"$T/flows.json" 2>&1
t "final flows map equals the offline state (no lost updates)" "$FT" check "$T/flows.json" $NF $PK $REP $NU
t "firewall counters: 1000 new, 999000 established" sh -c "'$H' -j map dump name fw_stats --dev t3 | grep -q '\"formatted\":{\"key\":0,\"value\":1000}.*\"formatted\":{\"key\":1,\"value\":999000}'"
"$H" -j dev stats --dev t3 >"$T/stats.json"
t "stats: every packet processed, none dropped by the queue" sh -c "grep -q '\"rx\":1000000,\"processed\":1000000' '$T/stats.json' && grep -q '\"rx_drops\":0' '$T/stats.json'"
nops=$(wc -l <"$T/ops.txt")
echo "# map ops: $nops in $(echo "$t1 - $t0" | bc 2>/dev/null || echo "?") s"
"$H" dev stats --dev t3 | sed 's/^/# /'
# unpaced: the device's own rate
"$H" map delete name flows key hex 0a 01 00 00 c0 a8 00 01 03 e8 00 35 11 00 00 00 --dev t3 >/dev/null
"$H" dev feed --pcap "$T/fw.pcap" --repeat 20 --dev t3 | sed 's/^/# unpaced: /'

# ---- hot swap under load ----
devs="$devs t4"
t "device for the swap test" "$H" dev start --dev t4 --engine vm
t "stamp v1 loaded" "$H" prog load "$T/stamp1.o" --dev t4
"$H" dev feed --pcap "$T/eth.pcap" --repeat 200 --rate 100000 --capture "$T/swap.pcap" --dev t4 >"$T/swapfeed.out" 2>&1 &
feed=$!
swaps=0 swapfail=0
while kill -0 $feed 2>/dev/null && [ $swaps -lt 40 ]; do
	v=$((swaps % 2 + 1)); v=$((3 - v))
	"$H" prog load "$T/stamp$v.o" --dev t4 >/dev/null || swapfail=$((swapfail + 1))
	swaps=$((swaps + 1))
	sleep 0.03
done
wait $feed
t "$swaps swaps under load succeeded" test $swapfail -eq 0 -a $swaps -ge 10
set -- $("$FT" stamps "$T/swap.pcap" 2>/dev/null)
t "hot swap loses no packet (200000 out)" test "${1:-0}" -eq 200000
t "every packet processed entirely by one version" test "${4:-1}" -eq 0
t "both versions ran (${5:-0} version changes in the stream)" test "${2:-0}" -gt 0 -a "${3:-0}" -gt 0 -a "${5:-0}" -ge 2
c1=$("$H" -j map lookup name stamps key 1 0 0 0 --dev t4 | sed -E 's/.*"value":([0-9]+).*/\1/')
c2=$("$H" -j map lookup name stamps key 2 0 0 0 --dev t4 | sed -E 's/.*"value":([0-9]+).*/\1/')
t "counter map carried across swaps matches the capture" test "$c1" = "$2" -a "$c2" = "$3"
t "prog show: version $((swaps + 1))" sh -c "'$H' prog show --dev t4 | grep -q 'version $((swaps + 1))'"

for d in t1 t3 t4; do "$H" dev stop --dev $d >/dev/null 2>&1; done
devs=""

# ---- the vliw engine and compiled images (when built in) ----
devs="$devs t5"
if "$H" dev start --dev t5 --engine vliw >"$T/out" 2>&1; then
	ok "device on the vliw engine"
	t "vliw: firewall object loaded (compiled at load)" "$H" prog load "$FW" --maps "$FWJ" --dev t5
	t "vliw: feed" sh -c "'$H' dev feed --pcap '$T/fw.pcap' --dev t5 | grep -q 'fed 10000 packets.*pass 10000'"
	if "$H" compile "$FW" -o "$T/fw.img" >"$T/out" 2>&1; then
		t "vliw: compiled image swapped in, maps carried" sh -c "'$H' prog load '$T/fw.img' --dev t5 | grep -q '4 carried over'"
		t "vliw: image runs the established flows" sh -c "'$H' dev feed --pcap '$T/fw.pcap' --dev t5 >/dev/null && '$H' -j map lookup name fw_stats key 1 0 0 0 --dev t5 | grep -q '\"0x38\",\"0x4a\",\"0x00\"'"
	else
		skip "vliw images" "hxdp compile is not available: $(tail -n 1 "$T/out")"
	fi
	"$H" dev stop --dev t5 >/dev/null 2>&1
else
	skip "vliw engine" "$(tail -n 1 "$T/out")"
fi
devs=""

# ---- the sim engine: modeled cycles and Mpps in dev stats (when built in) ----
devs="$devs t6"
if "$H" dev start --dev t6 --engine sim >"$T/out" 2>&1; then
	ok "device on the sim engine"
	t "sim: firewall loaded and fed" sh -c "'$H' prog load '$FW' --maps '$FWJ' --dev t6 >/dev/null && '$H' dev feed --pcap '$T/fw.pcap' --dev t6 | grep -q 'fed 10000 packets'"
	t "sim: dev stats reports modeled cycles per packet and Mpps" sh -c "'$H' -j dev stats --dev t6 | grep -q '\"model\":{\"mpps\":[0-9.]*,\"cycles_per_packet\"'"
	"$H" dev stats --dev t6 | grep -E "^  (mpps|cycles_per_packet)" | sed 's/^/# sim: /'
	"$H" dev stop --dev t6 >/dev/null 2>&1
else
	skip "sim engine" "$(tail -n 1 "$T/out")"
fi
devs=""

# ---- live topology ----
for mode in xdp packet; do
	tests/live/topology.sh "$H" $mode >"$T/live.out" 2>&1
	grep -vE "^[0-9]+ passed, [0-9]+ failed" "$T/live.out"
	sum=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$T/live.out" | tail -n 1)
	if [ -n "$sum" ]; then
		P=$((P + $(echo "$sum" | sed -E 's/^([0-9]+) passed.*/\1/')))
		F=$((F + $(echo "$sum" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')))
		k=$(echo "$sum" | sed -nE 's/.*, ([0-9]+) skipped.*/\1/p')
		S=$((S + ${k:-0}))
	else
		bad "live topology" "printed no summary"
	fi
done
