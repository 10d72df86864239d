// The noisy input current of `somas run`: counter-based, so every value
// depends only on (key, neuron), never on threads or SIMD target.
#ifndef SOMAS_CLI_NOISE_H_
#define SOMAS_CLI_NOISE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "somas/somas.h"

namespace somas {

// out[i] = lo + (hi - lo) * u(key, first + i) for i < n, where u is uniform
// in [0, 1) with 24 random bits: a 32-bit hash (lowbias32) of
// (first + i) * 0x9E3779B9 + key. Vectorised with Highway, dispatched at run time.
void UniformNoise(uint32_t key, size_t first, float lo, float hi, float* out, size_t n);

// The same for one neuron, in scalar code (the definition tests compare with).
float UniformNoiseAt(uint32_t key, size_t neuron, float lo, float hi);

// The inputs of `somas run`, drawn inside the step: hooks (somas/somas.h,
// StepHooks) whose `before` writes, for pool p's chunk [begin, end), neuron
// i's value UniformNoiseAt((*keys)[p], i, 0.5 x drive, 1.5 x drive) into
// (*currents)[p][i], drive being (*drives)[p] (the model's drive_current).
// The same numbers for any thread count, drawn by the thread that then
// steps them. The vectors must outlive the hooks; set the keys before each
// step.
StepHooks RunInputHooks(const std::vector<double>* drives, const std::vector<uint32_t>* keys,
                        std::vector<std::vector<float>>* currents);

// The key of one step of one pool of a run seeded with `seed`.
uint32_t NoiseKey(uint64_t seed, uint64_t pool, uint64_t step);

}  // namespace somas

#endif  // SOMAS_CLI_NOISE_H_
