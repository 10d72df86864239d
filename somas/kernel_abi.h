// somas: the kernel ABI, what a model's step kernel receives and returns.
// Only authors of custom models need it (docs/embedding.md, "Adding a
// model"); somas/somas.h includes it. Standard library only.
//
// Stability: this header changes less often than somas.h and never silently:
// any change to a struct's layout, a constant or the kernel's contract bumps
// SOMAS_KERNEL_ABI_VERSION and is listed in docs/embedding.md, so a custom
// kernel written against one version fails to compile (static_assert on the
// version) rather than misbehaving against another.
#ifndef SOMAS_KERNEL_ABI_H_
#define SOMAS_KERNEL_ABI_H_

#include <cstddef>
#include <cstdint>

// Bumped whenever anything below changes.
#define SOMAS_KERNEL_ABI_VERSION 3

namespace somas {

// Pools pad their arrays to a multiple of kBlock neurons (64 bytes of float).
// Kernels walk the pool block by block and write one 16-bit spike word per block.
inline constexpr size_t kBlock = 16;
// Engine limits a ModelSpec must respect (Registry::Add checks them).
inline constexpr size_t kMaxParams = 16;
inline constexpr size_t kMaxFloatStates = 3;
inline constexpr size_t kMaxConstants = 16;
// The one bound on values: every parameter, and every float state in kernel
// units (as stored, written by a kernel, set by users or read from a
// checkpoint), is finite and within +-kStateBound. Kernels clamp what they
// integrate to it; the engine refuses parameters that would reset a state
// beyond it. Far beyond any value a model reaches in use, and small enough
// that no single step turns a bounded state into inf - inf.
inline constexpr float kStateBound = 1e30f;

// A kernel constant: element i is data[i & mask]. A per-neuron array has
// mask = ~0; a value shared by the whole pool points at kBlock copies of it
// with mask = 0, so both cases run the same code at the same speed.
struct ConstRef {
  const float* data;
  size_t mask;
};

// Everything one step of one pool touches. All arrays are 64-byte aligned and
// hold n_padded elements, except `current` (the caller's, any alignment,
// n_main elements) and `current_tail` (the last n_padded - n_main currents,
// zero-padded, aligned). A call steps the neurons [begin, end) only: a pool
// stepped on several threads is cut into such ranges, each stepped by one
// call, and every neuron's result must not depend on the range it was in.
struct KernelArgs {
  size_t n_main;    // multiple of kBlock
  size_t n_padded;  // multiple of kBlock, >= n_main
  size_t begin;     // multiple of kBlock
  size_t end;       // multiple of kBlock, begin < end <= n_padded
  const float* current;
  const float* current_tail;
  float* state[kMaxFloatStates];  // model-specific order (ModelSpec)
  size_t num_states;
  uint16_t* counter;          // refractory steps left; nullptr if the model has none
  const ConstRef* constants;  // kMaxConstants entries, model-specific order (ModelSpec)
  uint16_t* spikes;           // one word per block: neuron i is bit i % 16 of word i / 16
  // float16 (docs/models.md, "float16 storage"); always null for a kernel
  // whose ModelSpec::float16_kernel is false: the engine then widens
  // float16 states and inputs into float32 arrays itself. Otherwise:
  // - state_f16[k], if set, holds float state k as float16 bits, and
  //   state[k] is null. The kernel widens each value exactly, adds the
  //   state's float16 offset (StateSpec::float16_offset_param) if it has
  //   one, steps as with float32 storage, and stores
  //   half(clamp(value - offset, -65504, 65504)), rounded to nearest even.
  // - current_f16, if set, holds the first n_main currents as float16 bits
  //   (widened exactly), and `current` is null; current_tail stays float.
  uint16_t* state_f16[kMaxFloatStates];
  const uint16_t* current_f16;
};

struct KernelResult {
  size_t nonfinite_count = 0;  // neurons in [begin, end) whose input current was NaN or +-inf
  size_t first_nonfinite = 0;  // the lowest such index (valid if count > 0)
  // The SIMD target whose code ran, by name ("AVX3", "SCALAR"; a static
  // string). Highway kernels set hwy::TargetName(HWY_TARGET).
  const char* target = nullptr;
};

using KernelFn = void (*)(const KernelArgs& args, KernelResult* result);

}  // namespace somas

#endif  // SOMAS_KERNEL_ABI_H_
