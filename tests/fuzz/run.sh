#!/bin/sh
# run.sh SECONDS NAME...: run each libFuzzer harness for SECONDS on its corpus
# (build/fuzz/corpus/NAME, seeded by seeds.sh, plus the committed tests/fuzz/corpus/NAME
# and tests/fuzz/regress/NAME). Appends "date name runs seconds rc=N crashes=N ooms=N
# timeouts=N commit=HASH" to build/fuzz/execs.log (date: the end; commit: HEAD at the
# start, "+" if the tree had changes); tests/fuzz/execs.sh makes EXECS.md from it.
# Exit 1 if any harness found a crash (its input is in build/fuzz/crash/). FUZZ_ARGS:
# more libFuzzer flags (e.g. "-fork=1 -ignore_crashes=1" to go on past known crashes).
cd "$(dirname "$0")/../.." || exit 2
secs=$1
shift
mkdir -p build/fuzz/crash
fail=0
for n in "$@"; do
	c=build/fuzz/corpus/$n
	[ -d "$c" ] || tests/fuzz/seeds.sh "$n" "$c"
	mkdir -p "tests/fuzz/corpus/$n" "tests/fuzz/regress/$n"
	log=build/fuzz/$n.${secs}s.log
	commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
	git diff --quiet HEAD -- src tests/fuzz 2>/dev/null || commit=$commit+
	# ctl's server thread frees a response after sending it: to libFuzzer that looks
	# like a leak, checked by running the input again (the replay suite checks leaks).
	# Its inputs are request lines: past 4 KiB (libFuzzer's default) an input only
	# repeats requests, and each prog.load in it loads an object
	own=
	len=65536
	[ "$n" = ctl ] && own=-detect_leaks=0 len=4096
	"build/fuzz/fuzz_$n" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 \
		-max_len=$len -print_final_stats=1 -artifact_prefix="build/fuzz/crash/$n-" $own \
		$FUZZ_ARGS \
		"$c" "tests/fuzz/corpus/$n" "tests/fuzz/regress/$n" >"$log" 2>&1
	rc=$?
	runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -n 1)
	[ -n "$runs" ] || runs=$(sed -nE 's/^#([0-9]+):? .*/\1/p' "$log" | tail -n 1)	# -fork mode
	# -fork mode counts what it went on past; otherwise a failure is one finding
	otc=$(sed -nE 's/.*oom\/timeout\/crash: ([0-9]+)\/([0-9]+)\/([0-9]+).*/\1 \2 \3/p' "$log" |
		tail -n 1)
	[ -n "$otc" ] || otc="0 0 $((rc != 0))"
	set -- $otc
	echo "$(date +%FT%T) $n ${runs:-0} $secs rc=$rc crashes=$3 ooms=$1 timeouts=$2" \
		"commit=$commit" >> build/fuzz/execs.log
	if [ $rc -ne 0 ]; then
		echo "FAIL fuzz $n: crash (rc $rc), see $log and build/fuzz/crash/"
		grep -m 3 -E 'ERROR|SUMMARY|abort|differ|faulted' "$log"
		fail=1
	else
		echo "ok fuzz $n: ${runs:-0} executions in ${secs}s"
	fi
done
exit $fail
