// The in-place streaming yardstick: what memory allows for a given footprint.
#ifndef SOMAS_BENCHMARKS_CEILING_H_
#define SOMAS_BENCHMARKS_CEILING_H_

#include <cstddef>

namespace somas {

// Arrays shaped like one pool's step: `states` float arrays read and written
// in place, `reads` float arrays only read (the current, and the counter's 4
// bytes of traffic), all of `n` elements, 64-byte aligned.
struct CeilingArrays {
  float* state[2];
  const float* read[2];
  size_t states;  // 1 or 2
  size_t reads;   // 1 or 2
  size_t n;       // multiple of 16
};

// One pass over [begin, end): state = state * k + sum(reads), vectorised
// with Highway for the best target, no other work: the fastest a kernel
// with this memory traffic can go.
void StreamInPlace(const CeilingArrays& a, size_t begin, size_t end);

}  // namespace somas

#endif  // SOMAS_BENCHMARKS_CEILING_H_
