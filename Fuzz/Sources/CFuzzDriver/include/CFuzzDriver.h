#ifndef VIGIL_CFUZZDRIVER_H
#define VIGIL_CFUZZDRIVER_H
#include <stddef.h>
#include <stdint.h>

/// One input: return 0 (libFuzzer's contract).
typedef int (*VigilFuzzCallback)(const uint8_t *data, size_t size);

/// Starts libFuzzer (`LLVMFuzzerRunDriver` of the `fuzzer_no_main` runtime) with the
/// process's arguments; returns its exit status.
int vigil_fuzz_run(int argc, char **argv, VigilFuzzCallback callback);

#endif
