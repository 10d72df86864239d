// Counts the bytes a reader allocates, so that the fuzz targets can hold it
// to a bound proportional to its input. Replaces the global operator new and
// delete of the binary it is linked into (the fuzzers and corpus_test); the
// count runs only inside a Tracking scope, on its thread.
#include <malloc.h>

#include <cstdlib>
#include <new>

#include "tests/fuzz/fuzz_check.h"

namespace somas::fuzz {
namespace {

thread_local int depth = 0;
thread_local size_t live = 0;
thread_local size_t peak = 0;

void* Allocate(size_t n) {
  void* p = std::malloc(n ? n : 1);
  if (!p) throw std::bad_alloc();
  if (depth > 0) {
    live += malloc_usable_size(p);
    if (live > peak) peak = live;
  }
  return p;
}

void Free(void* p) {
  if (!p) return;
  if (depth > 0) {
    const size_t n = malloc_usable_size(p);
    live = n > live ? 0 : live - n;  // (memory from before the scope)
  }
  std::free(p);
}

}  // namespace

Tracking::Tracking() {
  if (depth++ == 0) live = peak = 0;
}
Tracking::~Tracking() { --depth; }
size_t Tracking::Peak() { return peak; }

}  // namespace somas::fuzz

void* operator new(size_t n) { return somas::fuzz::Allocate(n); }
void* operator new[](size_t n) { return somas::fuzz::Allocate(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  try {
    return somas::fuzz::Allocate(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](size_t n, const std::nothrow_t&) noexcept {
  try {
    return somas::fuzz::Allocate(n);
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* p) noexcept { somas::fuzz::Free(p); }
void operator delete[](void* p) noexcept { somas::fuzz::Free(p); }
void operator delete(void* p, size_t) noexcept { somas::fuzz::Free(p); }
void operator delete[](void* p, size_t) noexcept { somas::fuzz::Free(p); }
