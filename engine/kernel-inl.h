// Per-target helpers shared by the step kernels: the block loop, spike bits,
// non-finite input handling, refractory counters and state bounds.
// Include after <hwy/highway.h> inside a file compiled by foreach_target.h.

#if defined(SOMAS_ENGINE_KERNEL_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef SOMAS_ENGINE_KERNEL_INL_H_
#undef SOMAS_ENGINE_KERNEL_INL_H_
#else
#define SOMAS_ENGINE_KERNEL_INL_H_
#endif

#include <hwy/highway.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "engine/half-inl.h"
#include "somas/kernel_abi.h"

HWY_BEFORE_NAMESPACE();
namespace somas {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using DF = hn::ScalableTag<float>;
using VF = hn::Vec<DF>;
using MF = hn::Mask<DF>;
using DI = hn::RebindToSigned<DF>;
using VI = hn::Vec<DI>;
using DU16 = hn::Rebind<uint16_t, DF>;

// Kernel bodies are lambdas; GCC does not inline them on its own, and a call
// per vector costs more than the arithmetic. SOMAS_BODY marks them.
#ifndef SOMAS_BODY
#define SOMAS_BODY HWY_ATTR __attribute__((always_inline))
#endif

// Measurement builds only: benchmarks/peers/kernel_mca.py compiles a model
// file by itself with -DSOMAS_MCA_MARKERS to find its hot loops in the
// assembly. Then the steady-state loops' bodies are marked as llvm-mca
// regions, and every kernel has only the layout the benchmarks' headline
// case steps (float32 states and input, shared constants), so that each
// region occurs once per kernel and target. Never defined in a build of
// the library.
#ifndef SOMAS_MCA_BEGIN
#ifdef SOMAS_MCA_MARKERS
#define SOMAS_MCA_BEGIN(name) asm volatile("# LLVM-MCA-BEGIN " name)
#define SOMAS_MCA_END(name) asm volatile("# LLVM-MCA-END " name)
#define SOMAS_MCA_ONLY_HEADLINE_LAYOUT 1
#else
#define SOMAS_MCA_BEGIN(name)
#define SOMAS_MCA_END(name)
#define SOMAS_MCA_ONLY_HEADLINE_LAYOUT 0
#endif
#endif

// States are kept within +-kStateBound (somas/somas.h), clamped by Bound().
// States that decay towards zero are flushed to exactly 0 below this magnitude,
// so a silent neuron never lingers in subnormal floats (slow on some CPUs).
inline constexpr float kFlushBelow = 1e-30f;

// Kernel constants, read as k(c, i): constant c for the lanes starting at i;
// k.Int(c, i) reads one that holds a whole number (a step count) as int32.
// When every constant of a pool is shared (the common case) they are
// broadcast into registers once per step; otherwise each is loaded from its
// array (or from its kBlock copies, if shared) with the index mask. Both are
// copied out of KernelArgs, so that spike stores cannot alias them.
struct SharedConstants {
  explicit SharedConstants(const KernelArgs& a) {
    for (size_t c = 0; c < kMaxConstants; ++c) {
      v[c] = hn::Set(DF(), a.constants[c].data ? a.constants[c].data[0] : 0.0f);
      vi[c] = hn::ConvertTo(DI(), v[c]);  // once per step, not once per vector
    }
  }
  HWY_INLINE VF operator()(size_t c, size_t /*i*/) const { return v[c]; }
  HWY_INLINE VI Int(size_t c, size_t /*i*/) const { return vi[c]; }
  VF v[kMaxConstants];
  VI vi[kMaxConstants];
};

struct ArrayConstants {
  explicit ArrayConstants(const KernelArgs& a) {
    for (size_t c = 0; c < kMaxConstants; ++c) refs[c] = a.constants[c];
  }
  HWY_INLINE VF operator()(size_t c, size_t i) const {
    return hn::Load(DF(), refs[c].data + (i & refs[c].mask));
  }
  HWY_INLINE VI Int(size_t c, size_t i) const { return hn::ConvertTo(DI(), (*this)(c, i)); }
  ConstRef refs[kMaxConstants];
};

// Calls run(constants) with the fastest constant source for this pool.
template <class Run>
HWY_INLINE void WithConstants(const KernelArgs& a, const Run& run) {
  bool all_shared = true;
  for (size_t c = 0; c < kMaxConstants; ++c) all_shared &= a.constants[c].mask == 0;
  if (SOMAS_MCA_ONLY_HEADLINE_LAYOUT || all_shared) {
    run(SharedConstants(a));
  } else {
    run(ArrayConstants(a));
  }
}

// x clamped to [-kStateBound, kStateBound]. On AVX3 one vrangeps
// (the smaller magnitude of x and the bound, with the sign of x: the
// same bits as the min of the max, -0 and subnormals included) instead of
// two operations on the pipes that add (docs/benchmarks.md, "Pipes,
// measured").
HWY_INLINE VF Bound(DF d, VF x) {
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  return VF{_mm512_range_ps(x.raw, hn::Set(d, kStateBound).raw, 0x02)};
#else
  return hn::Min(hn::Max(x, hn::Set(d, -kStateBound)), hn::Set(d, kStateBound));
#endif
}

// 0 where |x| < kFlushBelow, else x.
HWY_INLINE VF FlushTiny(DF d, VF x) {
  return hn::IfThenZeroElse(hn::Lt(hn::Abs(x), hn::Set(d, kFlushBelow)), x);
}

// A kernel's float states as stored: float32 arrays (KernelArgs::state) or
// float16 bits (KernelArgs::state_f16), widened exactly on load and rounded
// to nearest even, saturating at +-65504, on store (engine/half-inl.h), so
// that one kernel body serves both. s.Load(k, i) / s.Store(k, i, v) read and
// write state k's vector at lane i in kernel units; the overloads with an
// `offset` are for a state whose float16 storage is relative to a
// parameter (StateSpec::float16_offset_param): float32 storage ignores it.
struct Float32States {
  explicit Float32States(const KernelArgs& a) {
    for (size_t k = 0; k < kMaxFloatStates; ++k) p[k] = a.state[k];
  }
  HWY_INLINE VF Load(size_t k, size_t i) const { return hn::Load(DF(), p[k] + i); }
  HWY_INLINE void Store(size_t k, size_t i, VF v) const { hn::Store(v, DF(), p[k] + i); }
  HWY_INLINE VF Load(size_t k, size_t i, VF /*offset*/) const { return Load(k, i); }
  HWY_INLINE void Store(size_t k, size_t i, VF v, VF /*offset*/) const { Store(k, i, v); }
  // Stores FlushTiny(Bound(v)): a state kept within +-1e30, flushed below 1e-30.
  HWY_INLINE void StoreBounded(size_t k, size_t i, VF v) const {
    Store(k, i, FlushTiny(DF(), Bound(DF(), v)));
  }
  float* p[kMaxFloatStates];
};

struct Float16States {
  explicit Float16States(const KernelArgs& a) {
    for (size_t k = 0; k < kMaxFloatStates; ++k) p[k] = a.state_f16[k];
  }
  HWY_INLINE VF Load(size_t k, size_t i) const { return WidenHalves(p[k] + i); }
  HWY_INLINE void Store(size_t k, size_t i, VF v) const { NarrowHalves(ClampToHalf(v), p[k] + i); }
  HWY_INLINE VF Load(size_t k, size_t i, VF offset) const { return hn::Add(Load(k, i), offset); }
  HWY_INLINE void Store(size_t k, size_t i, VF v, VF offset) const {
    Store(k, i, hn::Sub(v, offset));
  }
  // The same bits as Store(k, i, FlushTiny(Bound(v))) with two operations
  // fewer: the clamp to +-65504 makes the bound at +-1e30 redundant, and
  // flushing commutes with both.
  HWY_INLINE void StoreBounded(size_t k, size_t i, VF v) const {
    NarrowHalves(FlushTiny(DF(), ClampToHalf(v)), p[k] + i);
  }
  uint16_t* p[kMaxFloatStates];
};

// Calls run(states) with the pool's storage.
template <class Run>
HWY_INLINE void WithStates(const KernelArgs& a, const Run& run) {
  if (!SOMAS_MCA_ONLY_HEADLINE_LAYOUT && a.state_f16[0]) {
    run(Float16States(a));
  } else {
    run(Float32States(a));
  }
}

// Refractory counter (steps left) of lanes i.., widened to int32.
HWY_INLINE VI LoadCounter(const uint16_t* counter, size_t i) {
  return hn::PromoteTo(DI(), hn::Load(DU16(), counter + i));
}

HWY_INLINE MF IsReady(VI left) { return hn::RebindMask(DF(), hn::Eq(left, hn::Zero(DI()))); }

// A spike reloads the counter with `steps` (the cooldown in whole steps);
// otherwise it counts down to 0.
HWY_INLINE void StoreCounter(VI left, MF spike, VI steps, uint16_t* counter, size_t i) {
  const DI di;
  const VI next = hn::IfThenElse(hn::RebindMask(di, spike), steps,
                                 hn::Max(hn::Sub(left, hn::Set(di, 1)), hn::Zero(di)));
  hn::Store(hn::DemoteTo(DU16(), next), DU16(), counter + i);
}

// The lanes of `mask` as bits, lane 0 in bit 0.
HWY_INLINE uint32_t MaskBits(DF d, MF mask) {
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  (void)d;
  return mask.raw;  // the __mmask16 itself: StoreMaskBits goes through memory
#else
  uint8_t bits[8] = {0};
  hn::StoreMaskBits(d, mask, bits);
  return bits[0] | static_cast<uint32_t>(bits[1]) << 8;
#endif
}

// The rare path of ForEachBlock: a vector with a NaN or infinite input. Its
// lanes are integrated with zero input, then the bad lanes get their states
// (as stored, float32 or float16) back and lose their spikes, so they end
// the step exactly as they began. `body` is taken by value: passing the
// caller's closure by reference would let its address escape, and the hot
// loop would then reload every captured constant after each store.
template <class Body>
HWY_NOINLINE MF StepWithBadInputs(const KernelArgs& a, Body body, size_t i, VF current, MF finite,
                                  size_t* bad, size_t* first_bad) {
  constexpr size_t kN = hn::MaxLanes(DF());
  float saved[kMaxFloatStates][kN] = {};
  uint16_t saved_half[kMaxFloatStates][kN] = {};
  uint16_t saved_counter[kN] = {};
  for (size_t s = 0; s < a.num_states; ++s) {
    if (a.state[s]) {
      memcpy(saved[s], a.state[s] + i, sizeof(saved[s]));
    } else {
      memcpy(saved_half[s], a.state_f16[s] + i, sizeof(saved_half[s]));
    }
  }
  if (a.counter) memcpy(saved_counter, a.counter + i, sizeof(saved_counter));
  const MF spike = hn::And(body(i, hn::IfThenElseZero(finite, current)), finite);
  const uint32_t finite_lanes = MaskBits(DF(), finite);
  for (size_t l = 0; l < kN; ++l) {
    if ((finite_lanes >> l) & 1) continue;
    for (size_t s = 0; s < a.num_states; ++s) {
      if (a.state[s]) {
        a.state[s][i + l] = saved[s][l];
      } else {
        a.state_f16[s][i + l] = saved_half[s][l];
      }
    }
    if (a.counter) a.counter[i + l] = saved_counter[l];
    if ((*bad)++ == 0) *first_bad = i + l;
  }
  return spike;
}

// Whether every lane of v[0 .. kCount) is finite, in kCount + 1 operations
// and one compare: the vectors' sum is NaN or +-inf if any lane is (NaN and
// +-inf survive every add; inf - inf is NaN), and s - s is 0 only for a
// finite s. A sum of finite values that overflows answers false too: the
// caller's vector-by-vector path then steps those blocks exactly as the
// fast path would have.
template <size_t kCount>
HWY_INLINE bool AllFinite(DF d, const VF* v) {
  static_assert(kCount >= 1, "at least one vector");
  VF sum = v[0];
#pragma GCC unroll 16
  for (size_t j = 1; j < kCount; ++j) sum = hn::Add(sum, v[j]);
  return hn::AllTrue(d, hn::Eq(hn::Sub(sum, sum), hn::Zero(d)));
}

// Runs `body(i, current)` -> spike mask over every vector of [a.begin, a.end),
// block by block, and stores one 16-bit spike word per block. The non-finite
// input check (AllFinite) costs one add per vector, one subtraction, one
// compare and one predictable branch per block or group of blocks; a block
// with a bad input goes vector by vector.
//
// ForEachStagedBlock is the same for a body in two stages,
// body(i, current) = second(i, first(i, current)), where `first` reads its
// block's states and inputs and returns a vector, and `second` finishes the
// block (writes its states) and returns the spike mask. It runs as a
// software pipeline over groups of four vectors (every target but SCALAR):
// each loop iteration runs `first` on a group and `second` on the group
// before it, so the out-of-order core sees halves of independent dependency
// chains side by side. Each block's arithmetic is unchanged (results are
// bit-identical to second(i, first(i, current)) block by block).
template <bool kPipelined, class Body, class First, class Second>
HWY_INLINE void ForEachBlockImpl(const KernelArgs& a, KernelResult* r, const Body& body,
                                 const First& first, const Second& second) {
  const DF d;
  constexpr size_t kN = hn::MaxLanes(DF());
  constexpr size_t kVectors = kBlock / kN;
  static_assert(kBlock % kN == 0, "a block must hold whole vectors");
  static_assert(kBlock == 16, "spike words are 16 bits");
  constexpr uint32_t kLaneBits = kN >= 16 ? 0xFFFFu : ((1u << kN) - 1u);

  const size_t n_main = a.n_main;
  const float* const main_current = a.current;
  // (float16 input: main_current is null)
  const uint16_t* const main_half = SOMAS_MCA_ONLY_HEADLINE_LAYOUT ? nullptr : a.current_f16;
  const float* const tail_current = a.current_tail;
  // The input vector at lane i < n_main.
  auto load_main = [&](size_t i) SOMAS_BODY {
    return main_half ? WidenHalves(main_half + i) : hn::LoadU(d, main_current + i);
  };
  uint16_t* const spikes = a.spikes;
  size_t bad = 0;
  size_t first_bad = 0;
  // One block: its inputs checked at once; a block with a bad input goes
  // vector by vector.
  auto one_block = [&](size_t i0) SOMAS_BODY {
    VF input[kVectors];
#pragma GCC unroll 16
    for (size_t j = 0; j < kVectors; ++j) {
      input[j] = i0 < n_main ? load_main(i0 + j * kN)
                             : hn::LoadU(d, tail_current + (i0 - n_main) + j * kN);
    }
    uint32_t block_bits = 0;
    if (HWY_LIKELY(AllFinite<kVectors>(d, input))) {
#pragma GCC unroll 16
      for (size_t j = 0; j < kVectors; ++j) {
        block_bits |= (MaskBits(d, body(i0 + j * kN, input[j])) & kLaneBits) << (j * kN);
      }
    } else {
      for (size_t j = 0; j < kVectors; ++j) {
        const MF finite = hn::IsFinite(input[j]);
        const MF spike = hn::AllTrue(d, finite) ? body(i0 + j * kN, input[j])
                                                : StepWithBadInputs(a, body, i0 + j * kN, input[j],
                                                                    finite, &bad, &first_bad);
        block_bits |= (MaskBits(d, spike) & kLaneBits) << (j * kN);
      }
    }
    spikes[i0 / kBlock] = static_cast<uint16_t>(block_bits);
  };

  size_t i0 = a.begin;
  // Two-stage bodies run as a software pipeline over groups of four
  // vectors (whole blocks: 4 on AVX3, 2 on AVX2, 1 on SSE4; not on
  // SCALAR): an iteration starts a group (`first`) and then finishes the
  // group before it (`second`), so the out-of-order window holds halves of
  // independent chains rather than whole ones. Measured on Zen 5, 1M
  // neurons, shared parameters, faster by: AVX3 RefractoryExponentialSoma
  // 15-20%, AdaptiveExponentialSoma 20-30%, SimplifiedAdaptive 7-9%,
  // IzhikevichSoma 8-10%; AVX2 10-35%; per-neuron parameters level.
  constexpr size_t kGroupVectors = 4;
  constexpr size_t kGroup = kGroupVectors * kN;
  if constexpr (kPipelined && kGroup % kBlock == 0) {
    VF pending[kGroupVectors];
    size_t pending_i0 = 0;
    bool have_pending = false;
    auto finish_pending = [&]() SOMAS_BODY {
      uint32_t word = 0;
#pragma GCC unroll 8
      for (size_t j = 0; j < kGroupVectors; ++j) {
        const size_t i = pending_i0 + j * kN;
        word |= (MaskBits(d, second(i, pending[j])) & kLaneBits) << ((j % kVectors) * kN);
        if ((j + 1) % kVectors == 0) {
          spikes[i / kBlock] = static_cast<uint16_t>(word);
          word = 0;
        }
      }
    };
    for (; i0 + kGroup <= a.end && i0 + kGroup <= n_main; i0 += kGroup) {
      SOMAS_MCA_BEGIN("staged");
      VF in[kGroupVectors];
#pragma GCC unroll 8
      for (size_t j = 0; j < kGroupVectors; ++j) in[j] = load_main(i0 + j * kN);
      if (HWY_LIKELY(AllFinite<kGroupVectors>(d, in))) {
        VF started[kGroupVectors];
#pragma GCC unroll 8
        for (size_t j = 0; j < kGroupVectors; ++j) started[j] = first(i0 + j * kN, in[j]);
        if (have_pending) finish_pending();
#pragma GCC unroll 8
        for (size_t j = 0; j < kGroupVectors; ++j) pending[j] = started[j];
        pending_i0 = i0;
        have_pending = true;
      } else {  // (a bad input: finish the group before, then this one block by block)
        if (have_pending) finish_pending();
        have_pending = false;
        for (size_t b = 0; b < kGroup / kBlock; ++b) one_block(i0 + b * kBlock);
      }
      SOMAS_MCA_END("staged");
    }
    if (have_pending) finish_pending();
  }
  if constexpr (kVectors == 1) {
    // A block is one vector here: take four at a time, so that their
    // independent dependency chains sit side by side in one basic block for
    // the scheduler and the out-of-order core (measured on Zen 5, AVX3, 1M
    // neurons: ExponentialSoma 18% faster than two at a time, the others
    // unchanged; eight at a time was slower).
    constexpr size_t kInFlight = 4;
    for (; i0 + kInFlight * kBlock <= a.end && i0 + kInFlight * kBlock <= n_main;
         i0 += kInFlight * kBlock) {
      SOMAS_MCA_BEGIN("in_flight");
      VF in[kInFlight];
#pragma GCC unroll 8
      for (size_t j = 0; j < kInFlight; ++j) in[j] = load_main(i0 + j * kBlock);
      if (HWY_LIKELY(AllFinite<kInFlight>(d, in))) {
        MF spike[kInFlight];
#pragma GCC unroll 8
        for (size_t j = 0; j < kInFlight; ++j) spike[j] = body(i0 + j * kBlock, in[j]);
#pragma GCC unroll 8
        for (size_t j = 0; j < kInFlight; ++j) {
          spikes[i0 / kBlock + j] = static_cast<uint16_t>(MaskBits(d, spike[j]));
        }
      } else {
#pragma GCC unroll 8
        for (size_t j = 0; j < kInFlight; ++j) one_block(i0 + j * kBlock);
      }
      SOMAS_MCA_END("in_flight");
    }
  }
  for (; i0 < a.end; i0 += kBlock) {
    SOMAS_MCA_BEGIN("blocks");
    one_block(i0);
    SOMAS_MCA_END("blocks");
  }

  r->nonfinite_count = bad;
  r->first_nonfinite = first_bad;
  r->target = hwy::TargetName(HWY_TARGET);
}

template <class Body>
HWY_INLINE void ForEachBlock(const KernelArgs& a, KernelResult* r, const Body& body) {
  ForEachBlockImpl<false>(a, r, body, body, body);  // (no stages: first and second unused)
}

template <class First, class Second>
HWY_INLINE void ForEachStagedBlock(const KernelArgs& a, KernelResult* r, const First& first,
                                   const Second& second) {
  // (by value, like the stages themselves: see StepWithBadInputs)
  const auto body = [=](size_t i, VF current) SOMAS_BODY { return second(i, first(i, current)); };
  ForEachBlockImpl<true>(a, r, body, first, second);
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace somas
HWY_AFTER_NAMESPACE();

#endif  // SOMAS_ENGINE_KERNEL_INL_H_
