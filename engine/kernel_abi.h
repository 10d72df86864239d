// The one interface between the engine, which owns all pool memory, and the stateless step kernels.
#ifndef SOMAS_ENGINE_KERNEL_ABI_H_
#define SOMAS_ENGINE_KERNEL_ABI_H_

#include <cstddef>
#include <cstdint>

namespace somas {

// Pools pad their arrays to a multiple of kBlock neurons: 64 bytes of float,
// the widest vector of every target Highway compiles here (AVX-512: 16 lanes).
// Kernels walk the pool block by block and write the spike bits of one block
// (16 bits) at once.
inline constexpr size_t kBlock = 16;
inline constexpr size_t kMaxFloatStates = 3;
inline constexpr size_t kMaxConstants = 16;

// A per-neuron constant: element i is data[i & mask]. A per-neuron array has
// mask = ~0; a value shared by the whole pool points at kBlock copies of it
// with mask = 0, so both cases run the same code at the same speed.
struct ConstRef {
  const float* data;
  size_t mask;
};

// Everything one step of one pool touches. All arrays are 64-byte aligned and
// hold n_padded elements, except `current` (the caller's, any alignment,
// n_main elements) and `current_tail` (the last n_padded - n_main currents,
// zero-padded, aligned).
struct KernelArgs {
  size_t n_main;    // multiple of kBlock
  size_t n_padded;  // multiple of kBlock, >= n_main
  const float* current;
  const float* current_tail;
  float* state[kMaxFloatStates];  // model-specific order (ModelSpec)
  size_t num_states;
  uint16_t* counter;          // refractory steps left; nullptr if the model has none
  const ConstRef* constants;  // kMaxConstants entries, model-specific order (ModelSpec)
  uint16_t* spikes;           // one word per block: neuron i is bit i % 16 of word i / 16
};

struct KernelResult {
  size_t nonfinite_count = 0;  // neurons whose input current was NaN or +-inf
  size_t first_nonfinite = 0;  // the lowest such index (valid if count > 0)
  int64_t target = 0;          // the HWY_TARGET whose code ran
};

using KernelFn = void (*)(const KernelArgs& args, KernelResult* result);

}  // namespace somas

#endif  // SOMAS_ENGINE_KERNEL_ABI_H_
