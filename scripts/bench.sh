#!/bin/sh
# make bench: measure, then write bench/results.json, bench/README.md and bench/*.png.
#
# Every measurement is one JSON document in build/bench/parts/ (written by hxdp bench,
# hxdp compile -j or hxdp run -j); a command that cannot run leaves {"missing": why}
# instead, so a piece not built yet shows up as missing, never as a number.
# `hxdp bench report` assembles the parts. Timing runs one at a time (nothing else of
# ours runs beside it). Options (environment): BENCH_QUICK=1 for a short smoke run,
# BENCH_PROGS="xdp_firewall xdp_parser" to restrict the corpus.
set -u
cd "$(dirname "$0")/.."

W=build/bench
P=$W/parts
OUT=bench
CLANG=${CLANG:-clang}
QUICK=${BENCH_QUICK:-0}
REPEAT=16
TRIALS=3
IREPEAT=200
ITRIALS=5
[ "$QUICK" = 1 ] && { REPEAT=3; TRIALS=1; IREPEAT=10; ITRIALS=1; }

rm -rf "$W"
mkdir -p "$P" "$W/progs" "$W/pcaps" "$W/sizes" "$OUT"
# a private copy: the tree's build/hxdp may be rebuilt while the bench runs
H=$W/hxdp
cp "${HXDP:-build/hxdp}" "$H" || exit 1
t_start=$(date +%s)

say() { printf 'bench: %s\n' "$*" >&2; }

# part NAME CMD...: CMD's stdout is the part; on failure the part says why
part() {
	name=$1
	shift
	"$@" >"$P/$name.json" 2>"$P/$name.err"
	rc=$?
	[ $rc = 0 ] && [ -s "$P/$name.json" ] && return 0
	why=$(grep -v '^$' "$P/$name.err" | head -n 1)
	[ -n "$why" ] || why="exit status $rc and no output"
	why=$(printf '%s' "$why" | sed 's/\\/\\\\/g; s/"/\\"/g' | tr -d '\t\r')
	printf '{"missing": "%s"}\n' "$why" >"$P/$name.json"
	return 1
}

# simpart NAME ARGS...: the sim engine's figures from hxdp run --engine sim -j, or from
# hxdp bench sim (the same engine report hook) while hxdp run does not print them
simpart() {
	name=$1
	shift
	part "$name" $H run -j --engine sim "$@"
	grep -q '"mpps"' "$P/$name.json" || part "$name" $H bench sim -j "$@"
}

# ---- inputs ---------------------------------------------------------------------------
for src in tests/bench/*.c; do
	n=$(basename "$src" .c)
	$CLANG -O2 -g -Wall -target bpf -mcpu=v3 -Itests/progs -c -o "$W/progs/$n.o" "$src" ||
		{ say "cannot build $src"; exit 1; }
done
build/pktgen all "$W/pcaps" >/dev/null || { say "pktgen failed"; exit 1; }
$H bench split "$W/pcaps/sizes.pcap" "$W/sizes" || exit 1
classes=$(cd "$W/pcaps" && ls *.pcap | sed 's/\.pcap$//')
sizes="64 128 256 512 1024 1514"	# the paper's sizes; pktgen's sizes class has them all
for s in $sizes; do
	[ -f "$W/sizes/$s.pcap" ] || { say "no $s-byte frames in the sizes class"; exit 1; }
done

# ---- 1. interpreter speed (issue 3): vm vs kernel JIT, same programs and packets ------
# batch: BPF_PROG_TEST_RUN repeat=N per packet (each such call costs the kernel ~36 ms of
# dispatcher switching, hence 12 packets: two of each size); each: the corpus method,
# as a cross-check of the two ways of timing
say "interpreter: straight-line ALU and parsing loop"
for n in bench_alu bench_parse; do
	part "interp.$n" $H bench run -j --engines vm,vliw,sim --repeat $IREPEAT \
		--trials $ITRIALS --packets 12 "$W/progs/$n.o" --pcap "$W/pcaps/sizes.pcap"
	part "interp_each.$n" $H bench run -j --each --engines vm,vliw,sim --repeat $REPEAT \
		--trials $TRIALS "$W/progs/$n.o" --pcap "$W/pcaps/sizes.pcap"
done

# ---- 2. corpus: compiler figures, engines vs kernel, simulated NIC --------------------
progs=${BENCH_PROGS:-$(ls build/progs/*.v3.o | sed 's|.*/||; s|\.v3\.o$||' | tr '\n' ' ')}
for n in $progs; do
	obj=build/progs/$n.v3.o
	maps=""
	[ -f "tests/progs/$n.maps.json" ] && maps="--maps tests/progs/$n.maps.json"
	say "$n"
	for l in 1 2 3 4 5 6 7 8; do
		part "$n.compile.$l" $H compile -j --prog "$n" --lanes $l "$obj"
	done
	for c in $classes; do
		# shellcheck disable=SC2086
		part "$n.run.$c" $H bench run -j --each --prog "$n" $maps --repeat $REPEAT \
			--trials $TRIALS "$obj" --pcap "$W/pcaps/$c.pcap"
		# shellcheck disable=SC2086
		simpart "$n.sim.$c" --prog "$n" $maps "$obj" \
			--pcap "$W/pcaps/$c.pcap"
	done
	for s in $sizes; do
		# shellcheck disable=SC2086
		simpart "$n.size.$s" --prog "$n" $maps "$obj" \
			--pcap "$W/sizes/$s.pcap"
	done
done

# cross-check of the per-run method on the tool-speed headlines: the batch method
# (test run repeat=N) on the first 24 packets of the mix
for n in xdp_fw_simple xdp_firewall xdp_parser; do
	case " $progs " in *" $n "*) ;; *) continue ;; esac
	part "$n.batch.mix" $H bench run -j --prog "$n" --maps "tests/progs/$n.maps.json" \
		--repeat $IREPEAT --trials 3 --packets 24 "build/progs/$n.v3.o" \
		--pcap "$W/pcaps/mix.pcap"
done

# ---- 3. compile time: a ~2,700-instruction program ------------------------------------
say "compile time"
big=$W/progs/bench_big.o
llvm-objdump -d "$big" | grep -c '^ *[0-9]*:' >"$W/big.insns" 2>/dev/null || echo 0 >"$W/big.insns"
for i in 1 2 3 4 5; do
	part compile_time.big.$i $H compile -j --prog bench_big "$big"
done
part compile_time.wall $H bench time -j --runs 5 "$H compile -j --prog bench_big $big"

# ---- context ---------------------------------------------------------------------------
{
	printf '{"date": "%s", "kernel": "%s", "commit": "%s", "cpu": "%s", ' \
		"$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(uname -r)" \
		"$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(
			[ -n "$(git status --porcelain src 2>/dev/null)" ] && echo ' +uncommitted src')" \
		"$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //; s/"//g')"
	printf '"repeat": %s, "trials": %s, "interp_repeat": %s, "interp_trials": %s, ' \
		"$REPEAT" "$TRIALS" "$IREPEAT" "$ITRIALS"
	printf '"big_insns": %s, "quick": %s, "seconds": %s}\n' "$(cat "$W/big.insns")" \
		"$QUICK" "$(($(date +%s) - t_start))"
} >"$P/meta.json"

# ---- 4. results, tables, plots ---------------------------------------------------------
$H bench report "$P" "$OUT" || exit 1
# plot PNG DAT TITLE XLABEL YLABEL [gnuplot settings]: one line per program (column)
plot() {
	[ -s "$2" ] || { say "no data for $1: not plotted"; return 0; }
	gnuplot <<EOF || say "gnuplot failed on $1"
set terminal pngcairo size 900,560 font ",10" noenhanced
set datafile missing "-"
set key outside right top
set grid
set output "$1"
set title "$3"
set xlabel "$4"
set ylabel "$5"
$6
plot for [i=2:*] "$2" using 1:i with linespoints title columnheader(i)
EOF
}
rm -f "$OUT"/*.png
if command -v gnuplot >/dev/null; then
	plot "$OUT/throughput.png" "$P/plot_tput.dat" \
		"Simulated throughput vs frame size (sim engine, 4 lanes, back-to-back)" \
		"frame bytes" "Mpps" \
		"set logscale x 2; set xtics (64,128,256,512,1024,1514); set logscale y"
	plot "$OUT/rows_lanes.png" "$P/plot_rows.dat" "Rows vs lanes (hxdp compile -O2)" \
		"lanes" "rows" "set xtics 1; set logscale y"
else
	say "gnuplot not installed: no plots"
fi
say "done in $(($(date +%s) - t_start)) s: $OUT/results.json $OUT/README.md"
