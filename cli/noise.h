// The noisy input current of `somas run`: counter-based, so every value
// depends only on (key, neuron), never on threads or SIMD target.
#ifndef SOMAS_CLI_NOISE_H_
#define SOMAS_CLI_NOISE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace somas {

// out[i] = lo + (hi - lo) * u(key, first + i) for i < n, where u is uniform
// in [0, 1) with 24 random bits: a 32-bit hash (lowbias32) of
// (first + i) * 0x9E3779B9 + key. Vectorised with Highway, dispatched at run time.
void UniformNoise(uint32_t key, size_t first, float lo, float hi, float* out, size_t n);

// The same for one neuron, in scalar code (the definition tests compare with).
float UniformNoiseAt(uint32_t key, size_t neuron, float lo, float hi);

// The input of one pool of `size` neurons for one step of `somas run`:
// uniform in [0.5, 1.5] x `drive_current`, neuron i's value being
// UniformNoiseAt(key, i, ...), drawn in chunks of kRunInputChunk neurons on
// every thread (the same numbers for any thread count).
inline constexpr size_t kRunInputChunk = 65536;
void RunInput(double drive_current, size_t size, uint32_t key, std::vector<float>* current);

// The key of one step of one pool of a run seeded with `seed`.
uint32_t NoiseKey(uint64_t seed, uint64_t pool, uint64_t step);

}  // namespace somas

#endif  // SOMAS_CLI_NOISE_H_
