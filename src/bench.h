/* bench.h: the report half of `hxdp bench` (bench_report.c) */
#ifndef HXDP_BENCH_H
#define HXDP_BENCH_H
#include <stddef.h>

/* read the JSON parts scripts/bench.sh left in parts/, write out/results.json,
 * out/README.md and the gnuplot data files (parts/plot_*.dat) */
int bench__report(const char *parts, const char *out, char *err, size_t errlen);

#endif
