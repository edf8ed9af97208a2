# loader: objects compiled here from tests/unit/data and tests/bad, run under ASan.
# Good objects are checked against the kernel program by program; malformed ones must
# give exactly one error line and exit 2.
HXDP=${HXDP:-build/asan/hxdp}
D=build/tdata
P=0 F=0 S=0
ok() { echo "ok $1"; P=$((P + 1)); }
fail() { echo "FAIL $1: $2"; F=$((F + 1)); }
skip() { echo "skip $1: $2"; S=$((S + 1)); }
mkdir -p $D
if ! command -v clang >/dev/null; then
	skip loader "clang is not installed"
	# objects with random bytes replaced: loaded, or refused with one line; never a crash
crash=0 refused=0 loaded=0
for f in $D/flip_*.o; do
	$HXDP run $f --pcap $PCAP >$D/out 2>$D/err
	rc=$?
	if grep -q "Sanitizer\|runtime error" $D/err || [ $rc -gt 2 ] ||
	   { [ $rc -eq 2 ] && [ "$(wc -l <$D/err)" -ne 1 ]; }; then
		crash=$((crash + 1))
		echo "    $f: exit $rc: $(head -c 300 $D/err)"
	elif [ $rc -eq 2 ]; then refused=$((refused + 1))
	else loaded=$((loaded + 1))
	fi
done
[ $crash -eq 0 ] && ok "corrupted objects: $loaded loaded, $refused refused with one line" ||
	fail "corrupted objects" "$crash crashed or printed more than one line"
echo "$P passed, $F failed, $S skipped"
	exit 0
fi
PCAP=$D/loader.pcap
if [ -x build/pktgen ]; then
	build/pktgen --count 40 mix $PCAP >/dev/null
else
	PCAP=../shared/traces/paper_100flows_1500B.pcap
fi

compile() {	# DIR NAME CPU
	clang -O2 -g -Wall -target bpf -mcpu=$3 -Itests/progs -c tests/$1/$2.c -o $D/$2.$3.o
}

# good objects: every program of each, hxdp against the kernel
for src in tests/unit/data/t_*.c; do	# n_*.c: expected to mismatch, below
	n=$(basename $src .c)
	[ $n = t_legacy ] && continue
	for cpu in v1 v2 v3; do
		t="good $n.$cpu"
		compile unit/data $n $cpu || { fail "$t" "clang failed"; continue; }
		maps=""
		[ -f tests/unit/data/$n.maps.json ] && maps="--maps tests/unit/data/$n.maps.json"
		out=$($HXDP check $D/$n.$cpu.o --pcap $PCAP $maps 2>&1)
		rc=$?
		case $rc in
		0) ok "$t ($(echo "$out" | tail -n 1))" ;;
		3) skip "$t" "$(echo "$out" | tail -n 1)" ;;
		*) fail "$t" "exit $rc: $(echo "$out" | grep -v '^nondet' | head -n 3 | tr '\n' ' ')" ;;
		esac
	done
done

# the oracle is not vacuous: clock and random numbers are caught unless masked
n=n_ktime
if compile unit/data $n v3; then
	o=$D/$n.v3.o
	$HXDP check $o --pcap $PCAP --prog n_map --maps tests/unit/data/$n.maps.json >$D/out 2>&1
	rc=$?
	if [ $rc -eq 3 ]; then skip "oracle nondet" "$(tail -n 1 $D/out)"
	else
		[ $rc -eq 0 ] && grep -q "^nondet: map n_stamps bytes 8..15" $D/out &&
			ok "oracle: masked ktime bytes pass" ||
			fail "oracle: masked ktime bytes" "exit $rc: $(tail -n 2 $D/out)"
		$HXDP check $o --pcap $PCAP --prog n_map >$D/out 2>&1
		[ $? -eq 1 ] && grep -q "map n_stamps key 00000000: value byte 8" $D/out &&
			ok "oracle: unmasked ktime in a map is a mismatch" ||
			fail "oracle: unmasked ktime" "$(tail -n 2 $D/out)"
		$HXDP check $o --pcap $PCAP --prog n_pkt >$D/out 2>&1
		[ $? -eq 1 ] && grep -q "output (.*first difference at byte [0-3]:" $D/out &&
			ok "oracle: random bytes in the packet are a mismatch" ||
			fail "oracle: random packet bytes" "$(tail -n 2 $D/out)"
	fi
else
	fail "$n" "clang failed"
fi

# malformed objects: NAME and the words the one error line must contain
for n in b_helper b_maptype b_tc b_core b_nocheck; do compile bad $n v3 || fail "$n" "clang failed"; done
compile unit/data t_legacy v3
cc -O2 -Wall -Wextra -Werror -o $D/mkbad tests/bad/mkbad.c && $D/mkbad $D/t_btfmaps.v3.o $D ||
	fail mkbad "cannot generate malformed objects"
while read -r n want; do
	t="bad $n"
	[ -f $D/$n.o ] || { fail "$t" "missing $D/$n.o"; continue; }
	$HXDP run $D/$n.o --pcap $PCAP >$D/out 2>$D/err
	rc=$?
	lines=$(wc -l <$D/err)
	if [ $rc -ne 2 ]; then fail "$t" "exit $rc, expected 2: $(head -c 300 $D/err)"
	elif [ "$lines" -ne 1 ]; then fail "$t" "$lines error lines: $(head -c 300 $D/err)"
	elif ! grep -q "$want" $D/err; then fail "$t" "error does not say '$want': $(cat $D/err)"
	else ok "$t: $(cat $D/err)"
	fi
done <<'LIST'
trunc_hdr not a valid ELF file
trunc_half truncated ELF
garbage not a BPF ELF object
reloc_sym symbol #65535
reloc_off invalid offset
btf_name .BTF
b_helper.v3 helper 9999 is not supported
b_maptype.v3 type stack_trace (7) is not supported
b_tc.v3 in section 'tc' is not XDP
b_core.v3 CO-RE relocation is not supported
b_nocheck.v3 insn 1: invalid access to packet
t_legacy.v3 legacy map definitions
LIST
# objects with random bytes replaced: loaded, or refused with one line; never a crash
crash=0 refused=0 loaded=0
for f in $D/flip_*.o; do
	$HXDP run $f --pcap $PCAP >$D/out 2>$D/err
	rc=$?
	if grep -q "Sanitizer\|runtime error" $D/err || [ $rc -gt 2 ] ||
	   { [ $rc -eq 2 ] && [ "$(wc -l <$D/err)" -ne 1 ]; }; then
		crash=$((crash + 1))
		echo "    $f: exit $rc: $(head -c 300 $D/err)"
	elif [ $rc -eq 2 ]; then refused=$((refused + 1))
	else loaded=$((loaded + 1))
	fi
done
[ $crash -eq 0 ] && ok "corrupted objects: $loaded loaded, $refused refused with one line" ||
	fail "corrupted objects" "$crash crashed or printed more than one line"
echo "$P passed, $F failed, $S skipped"
