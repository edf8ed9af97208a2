#!/bin/sh
# Run every suite in tests/suites/ (in name order). Each prints "ok"/"FAIL"/"skip" lines
# and ends with "N passed, N failed[, N skipped]"; this sums them and ends the same way.
cd "$(dirname "$0")/.." || exit 2
P=0 F=0 S=0
for s in tests/suites/*.sh; do
	name=$(basename "$s" .sh)
	echo "== $name"
	out=$(mktemp)
	sh "$s" 2>&1 | tee "$out"
	sum=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	rm -f "$out"
	if [ -z "$sum" ]; then
		echo "FAIL $name: suite printed no summary"
		F=$((F + 1))
		continue
	fi
	p=$(echo "$sum" | sed -E 's/^([0-9]+) passed.*/\1/')
	f=$(echo "$sum" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
	k=$(echo "$sum" | sed -nE 's/.*, ([0-9]+) skipped.*/\1/p')
	P=$((P + p)) F=$((F + f)) S=$((S + ${k:-0}))
done
echo "$P passed, $F failed, $S skipped"
[ "$F" -eq 0 ]
