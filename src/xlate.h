/* xlate.h: images translated to host code (engines vliw and sim).
 *
 * An image's rows become C (one labelled block per row, registers as locals, the row
 * semantics of vliw.c: every lane reads at the row's start, stores and registers
 * commit at its end in lane order, the helper between, control by lane priority),
 * compiled by the system C compiler into a shared object, loaded with dlopen and kept
 * in a cache by the hash of its source (docs/timing.md, "Translated engines"). An
 * object is the vliw run, or the sim run that also writes a record (sim.h) of every
 * executed row. A run that leaves the translated code (budget
 * nearly exhausted, control leaving the program) continues on the interpreter.
 */
#ifndef HXDP_XLATE_H
#define HXDP_XLATE_H
#include <stddef.h>
#include <stdint.h>

struct hxdp_env;
struct sim_row;
struct vliw;
struct vliw_state;
struct xl_ctx;
struct xlate;

/* translate v (or find it in the cache) for the vliw run, or (sim) the sim run; env:
 * the maps it will run with (array lookups done inline), NULL: none. 0 with
 * *out NULL: no translation (a note on stderr says why, once per process); the caller
 * runs the interpreter. */
int xlate__open(const struct vliw *v, struct hxdp_env *env, int sim, struct xlate **out);
void xlate__close(struct xlate *x);

/* run program prog (< v's programs) of v, translated as x, on run from its start (the
 * self-reset of vliw__start included) to its end: run->res */
void xlate__run(const struct xlate *x, const struct vliw *v, uint32_t prog,
		struct hxdp_run *run, uint64_t r1);

/* the same, writing a record of each executed row through c (srec, scap, sgrow,
 * shelper, base, len set by the caller, ns and nhelp 0). Returns 1 when the run left the translated code: s holds
 * the state to continue from with vliw__step, c->prev the last row's writes. */
int xlate__sim_run(const struct xlate *x, struct vliw_state *s, struct xl_ctx *c);

/* the sim run's table T of static row figures, which its records index (sim.h) */
const struct sim_row *xlate__sim_table(const struct xlate *x);

/* where translations are kept: $HXDP_CACHE, else $XDG_CACHE_HOME/hxdp, else
 * ~/.cache/hxdp (a directory "xlate" in it) */
int xlate__cache_dir(char *buf, size_t len);

#endif
