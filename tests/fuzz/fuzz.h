/* fuzz.h: shared by the harnesses. Each harness defines LLVMFuzzerTestOneInput; the
 * libFuzzer build links -fsanitize=fuzzer, the replay build links replay.c (a main
 * that feeds files and directories through it, for `make test` under ASan). */
#ifndef HXDP_FUZZ_H
#define HXDP_FUZZ_H
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* data as an anonymous file; *path is "/proc/self/fd/N". -1 on failure */
int fuzz__memfd(const uint8_t *data, size_t size, char *path, size_t len);

#endif
