#!/bin/sh
# Fuzz corpora replayed under ASan+UBSan without libFuzzer (tests/fuzz/replay.c): every
# harness's seeds (made from the project's tests), its saved corpus
# (tests/fuzz/corpus/NAME) and its crash reproducers (tests/fuzz/regress/NAME).
# `make fuzz-smoke` runs the fuzzers themselves.
cd "$(dirname "$0")/../.." || exit 2
P=0 F=0 S=0
# the targets live in tests/fuzz/fuzz.mk, included by the Makefile (or named here)
MK="make"
grep -q 'tests/fuzz/fuzz.mk' Makefile || MK="make -f Makefile -f tests/fuzz/fuzz.mk"
T=$(mktemp -d /tmp/hxdp-fuzz.XXXXXX)
trap 'rm -rf "$T"' EXIT
for src in tests/fuzz/fuzz_*.c; do
	n=$(basename "$src" .c | sed 's/^fuzz_//')
	[ "$n" = util ] && continue
	bin=build/fuzz/replay_$n
	if ! $MK -s "$bin" >"$T/make.log" 2>&1; then
		echo "FAIL fuzz-replay $n: cannot build: $(tail -n 2 "$T/make.log" | tr '\n' ' ')"
		F=$((F + 1))
		continue
	fi
	tests/fuzz/seeds.sh "$n" "$T/$n" >/dev/null 2>&1
	dirs="$T/$n"
	for d in "tests/fuzz/corpus/$n" "tests/fuzz/regress/$n"; do
		[ -d "$d" ] && dirs="$dirs $d"
	done
	# a failed huge allocation is an error path, not a crash (libbpf asks for 2^64 bytes
	# on some malformed objects and handles NULL); images are hxdp's own format: a file
	# must not make it ask for more than 1 GiB
	opts=allocator_may_return_null=1
	[ "$n" = image ] && opts=max_allocation_size_mb=1024
	if ASAN_OPTIONS=$opts "$bin" $dirs >"$T/$n.log" 2>&1; then
		echo "ok fuzz-replay $n: $(tail -n 1 "$T/$n.log")"
		P=$((P + 1))
	else
		echo "FAIL fuzz-replay $n: $(grep '^input ' "$T/$n.log" | tail -n 1 | sed 's|.*/||'): $(grep -m 2 -E 'ERROR|SUMMARY|runtime error|differ|faulted' "$T/$n.log" | tr '\n' ' ')"
		F=$((F + 1))
	fi
done
echo "$P passed, $F failed, $S skipped"
