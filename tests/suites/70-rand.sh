#!/bin/sh
# Random programs against the kernel (tests/rand): a CI-sized slice of RAND_COUNT
# programs (default 300, fixed seeds) on every engine configuration linked in, the
# verifier's verdict against the kernel's on each, and every saved reproducer in
# tests/regress/*.rprog. Needs bpf(): skips loudly without it.
cd "$(dirname "$0")/../.." || exit 2
R=build/asan/rdiff
P=0 F=0 S=0
# the targets live in tests/fuzz/fuzz.mk, included by the Makefile (or named here)
MK="make"
grep -q 'tests/fuzz/fuzz.mk' Makefile || MK="make -f Makefile -f tests/fuzz/fuzz.mk"
if [ ! -x $R ] || [ -n "$(find tests/rand src -newer $R -name '*.[ch]' 2>/dev/null | head -n 1)" ]; then
	$MK -s $R >/dev/null 2>&1 || { echo "FAIL rand: cannot build $R"; echo "0 passed, 1 failed"; exit 0; }
fi
out=$(mktemp)
$R -q --count "${RAND_COUNT:-300}" --seed "${RAND_SEED:-1}" --save "${RAND_SAVE:-/tmp}" \
	--no-minimize >"$out" 2>&1
rc=$?
if [ $rc -eq 3 ]; then
	echo "skip rand: bpf() is not available here: $(tail -n 1 "$out")"
	S=$((S + 1))
else
	grep -E '^(MISMATCH|UNSOUND|verifier refuses|engines)' "$out" | head -n 40
	grep -E '^(rand:|verifier vs kernel:)' "$out"
	n=$(sed -nE 's/^rand: .* ([0-9]+) compared on .*/\1/p' "$out")
	bad=$(grep -cE '^(MISMATCH|UNSOUND)' "$out")
	if [ -z "$n" ]; then
		echo "FAIL rand: no summary (exit $rc)"; tail -n 5 "$out"; F=$((F + 1))
	else
		P=$((P + n - $(grep -E '^MISMATCH' "$out" | awk '{print $3}' | sort -u | wc -l)))
		F=$((F + bad))
		[ "$bad" -eq 0 ] && echo "ok rand: $n programs compared, 0 mismatches"
	fi
fi
for f in tests/regress/*.rprog; do
	[ -e "$f" ] || continue
	line=$($R --replay "$f" 2>&1 | grep -E '^(ok|FAIL|skip) ')
	echo "$line"
	case $line in
	ok*) P=$((P + 1)) ;;
	skip*) S=$((S + 1)) ;;
	*) F=$((F + 1)) ;;
	esac
done
rm -f "$out"
echo "$P passed, $F failed, $S skipped"
