/* t.h: the unit-test harness. TEST(name) { ... } registers a test; CHECK records a
 * failure with its location and goes on; the runner prints "ok NAME" / "FAIL NAME". */
#ifndef HXDP_T_H
#define HXDP_T_H
#include <stdio.h>
#include <stdint.h>
#include <string.h>

struct t_case { const char *name; void (*fn)(void); struct t_case *next; };
void t_register(struct t_case *c);
extern int t_failed;	/* failures in the running test */

#define TEST(n)                                                                      \
	static void test_##n(void);                                                  \
	static struct t_case t_case_##n = { #n, test_##n, NULL };                    \
	__attribute__((constructor)) static void t_reg_##n(void) { t_register(&t_case_##n); } \
	static void test_##n(void)

#define CHECK(cond) do { if (!(cond)) { t_failed++;                                  \
	fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_EQ(a, b) do { uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);         \
	if (a_ != b_) { t_failed++; fprintf(stderr, "  %s:%d: %s == 0x%llx, expected 0x%llx\n", \
	__FILE__, __LINE__, #a, (unsigned long long)a_, (unsigned long long)b_); } } while (0)
/* the test cannot run here (e.g. no bpf()): reported as skipped, never passed */
#define SKIP(why) do { t_skip(why); return; } while (0)
void t_skip(const char *why);
#endif
