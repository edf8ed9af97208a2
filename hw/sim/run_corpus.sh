#!/bin/sh
# run_corpus.sh: co-simulate every corpus program (build/progs/*.o, compiled to images)
# on all of build/pcaps against the sim engine. Prints one line per image: "ok", "skip"
# (the hardware check names what is left to software) or "FAIL" with the first differing
# packet and the difference counts (or the compiler's error: every corpus program
# compiles); ends with "N passed, N failed, N skipped". Needs $HXDP (build/hxdp),
# build/pktgen and $HW_B/cosim (build/hw/cosim).
set -u
cd "$(dirname "$0")/../.."
hxdp=${HXDP:-build/hxdp}
img=${HW_B:-build/hw}/img
mkdir -p "$img"
[ -f build/pcaps/mix.pcap ] || build/pktgen all build/pcaps >/dev/null
pass=0 fail=0 skip=0
for o in build/progs/*.o; do
	b=$(basename "$o" .o); p=${b%.*}
	if ! $hxdp compile "$o" --lanes "${HW_LANES:-4}" -o "$img/$b.img" >/dev/null 2>"$img/$b.err"; then
		echo "FAIL $b: compile: $(head -1 "$img/$b.err")"; fail=$((fail + 1)); continue
	fi
	maps=tests/progs/$p.maps.json; [ -f "$maps" ] || maps=-
	out=$(timeout 600 ${HW_B:-build/hw}/cosim "$img/$b.img" "$maps" build/pcaps/*.pcap 2>&1); rc=$?
	sum=$(echo "$out" | tail -1)
	case $rc in
	0) pass=$((pass + 1)); echo "ok $b: ${sum#*: }";;
	77) skip=$((skip + 1)); echo "skip $b: ${sum#skip *: }";;
	*) fail=$((fail + 1))
	   first=$(echo "$out" | grep -m1 '^  ' | sed 's/^ *//')
	   [ "$rc" -eq 124 ] && sum="timeout after 600 s"
	   echo "FAIL $b: ${first:-no packet difference line} | ${sum#*: }";;
	esac
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
