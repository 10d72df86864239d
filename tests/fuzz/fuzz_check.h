// What the fuzz targets share: a property check that stops the run with a
// message (libFuzzer reports it as a crash and keeps the input), and the
// entry points, one per format. Each target file defines its entry point;
// built with -DSOMAS_LIBFUZZER (tools/fuzz) it also defines libFuzzer's
// LLVMFuzzerTestOneInput, and corpus_test calls the entry points directly.
#ifndef SOMAS_TESTS_FUZZ_FUZZ_CHECK_H_
#define SOMAS_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#define SOMAS_FUZZ_CHECK(condition, ...)                                                \
  do {                                                                                  \
    if (!(condition)) {                                                                 \
      std::fprintf(stderr, "fuzz property broken at %s:%d: %s\n  ", __FILE__, __LINE__, \
                   #condition);                                                         \
      std::fprintf(stderr, __VA_ARGS__);                                                \
      std::fprintf(stderr, "\n");                                                       \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)

#ifdef SOMAS_LIBFUZZER
#define SOMAS_FUZZ_ENTRY(function)                                          \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { \
    return function(data, size);                                            \
  }
#else
#define SOMAS_FUZZ_ENTRY(function)
#endif

namespace somas::fuzz {

int FuzzConfig(const uint8_t* data, size_t size);
int FuzzCheckpoint(const uint8_t* data, size_t size);
int FuzzCsv(const uint8_t* data, size_t size);
int FuzzNpy(const uint8_t* data, size_t size);

// Bytes allocated through operator new and not yet freed, and the most at
// once since ResetPeak(), counted while Tracking is alive on this thread
// (tests/fuzz/allocations.cc replaces the global operator new and delete).
struct Tracking {
  Tracking();
  ~Tracking();
  static size_t Peak();
};

}  // namespace somas::fuzz

#endif  // SOMAS_TESTS_FUZZ_FUZZ_CHECK_H_
