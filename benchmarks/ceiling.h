// The in-place streaming yardstick: what memory allows for a given footprint.
#ifndef SOMAS_BENCHMARKS_CEILING_H_
#define SOMAS_BENCHMARKS_CEILING_H_

#include <cstddef>
#include <cstdint>

namespace somas {

inline constexpr size_t kCeilingMaxStates = 3;
inline constexpr size_t kCeilingMaxReads = 17;  // the current and 16 per-neuron constants

// The memory traffic of one neuron-step: `states` float arrays read and
// written in place, `reads` float arrays only read (the current and each
// per-neuron constant), an optional uint16 counter read and written in
// place, and one spike bit written.
struct Traffic {
  size_t states = 1;  // 1..kCeilingMaxStates
  size_t reads = 1;   // 1..kCeilingMaxReads
  bool counter = false;
  // A float16 pool with float16 input: states and the current take 2 bytes,
  // per-neuron constants still 4.
  bool half = false;
  double Bytes() const {
    return (half ? 4.0 * states + 2.0 + 4.0 * (reads - 1) : 8.0 * states + 4.0 * reads) +
           (counter ? 4.0 : 0.0) + 1.0 / 8;
  }
};

// Arrays with that traffic, of `n` elements (a multiple of 16), 64-byte aligned.
struct CeilingArrays {
  Traffic traffic;
  float* state[kCeilingMaxStates];
  const float* read[kCeilingMaxReads];
  uint16_t* counter;  // n entries, or null
  uint16_t* spikes;   // n / 16 words
  size_t n;
};

// One pass over [begin, end) (multiples of 16): each state = state * k + the
// sum of the reads, the counter counts down to 0, and a spike word per 16
// neurons records state 0 > 1000. Vectorised with Highway for the best
// target and no other work: the fastest a kernel with this traffic can go.
void StreamInPlace(const CeilingArrays& a, size_t begin, size_t end);

// StreamInPlace for the target chosen now, fixed: call it while steps may use
// any target, and get the best one's loop. Resolve it with the target on auto.
using StreamFn = void (*)(const CeilingArrays& a, size_t begin, size_t end);
StreamFn BestStreamInPlace();

}  // namespace somas

#endif  // SOMAS_BENCHMARKS_CEILING_H_
