// Per-target helpers shared by the step kernels: the block loop, spike bits,
// non-finite input handling, refractory counters and state bounds.
// Include after <hwy/highway.h> inside a file compiled by foreach_target.h.

#if defined(SOMAS_ENGINE_KERNEL_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef SOMAS_ENGINE_KERNEL_INL_H_
#undef SOMAS_ENGINE_KERNEL_INL_H_
#else
#define SOMAS_ENGINE_KERNEL_INL_H_
#endif

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include <hwy/highway.h>

#include "engine/kernel_abi.h"

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

// States are kept within +-kStateBound: far beyond any potential, current or
// threshold a model reaches in use, and small enough that no single step can
// turn a bounded state into inf - inf (which would be NaN).
inline constexpr float kStateBound = 1e30f;
// States that decay towards zero are flushed to exactly 0 below this magnitude,
// so a silent neuron never lingers in subnormal floats (slow on some CPUs).
inline constexpr float kFlushBelow = 1e-30f;

HWY_INLINE VF LoadConst(DF d, const ConstRef& c, size_t i) {
  return hn::Load(d, c.data + (i & c.mask));
}

HWY_INLINE VF Bound(DF d, VF x) {
  return hn::Min(hn::Max(x, hn::Set(d, -kStateBound)), hn::Set(d, kStateBound));
}

HWY_INLINE VF FlushTiny(DF d, VF x) {
  return hn::IfThenZeroElse(hn::Lt(hn::Abs(x), hn::Set(d, kFlushBelow)), x);
}

// Refractory counter (steps left) of lanes i.., widened to int32.
HWY_INLINE VI LoadCounter(const uint16_t* counter, size_t i) {
  return hn::PromoteTo(DI(), hn::Load(DU16(), counter + i));
}

HWY_INLINE MF IsReady(VI left) { return hn::RebindMask(DF(), hn::Eq(left, hn::Zero(DI()))); }

// A spike reloads the counter with `steps` (the cooldown in whole steps, an
// exact integer in float); otherwise it counts down to 0.
HWY_INLINE void StoreCounter(VI left, MF spike, VF steps, uint16_t* counter, size_t i) {
  const DI di;
  const VI next = hn::IfThenElse(hn::RebindMask(di, spike), hn::ConvertTo(di, steps),
                                 hn::Max(hn::Sub(left, hn::Set(di, 1)), hn::Zero(di)));
  hn::Store(hn::DemoteTo(DU16(), next), DU16(), counter + i);
}

// Runs `body(i, current)` -> spike mask over every vector of the pool, block
// by block, and stores the spike bits. A lane whose input is not finite is
// integrated with zero input, then has its states restored and its spike
// cleared, so it ends the step exactly as it began; those lanes are counted.
// The check costs one compare and one predictable branch per vector.
template <class Body>
HWY_INLINE void ForEachBlock(const KernelArgs& a, KernelResult* r, Body body) {
  const DF d;
  constexpr size_t kN = hn::MaxLanes(DF());
  static_assert(kBlock % kN == 0, "a block must hold whole vectors");
  constexpr uint32_t kLaneBits = kN >= 32 ? 0xFFFFFFFFu : ((1u << kN) - 1u);

  size_t bad = 0;
  size_t first_bad = 0;
  auto run_block = [&](size_t i0, const float* current) HWY_ATTR {
    uint32_t block_bits = 0;
    for (size_t j = 0; j < kBlock; j += kN) {
      const size_t i = i0 + j;
      const VF input = hn::LoadU(d, current + j);
      const MF finite = hn::IsFinite(input);
      MF spike;
      if (HWY_LIKELY(hn::AllTrue(d, finite))) {
        spike = body(i, input);
      } else {
        float saved[kMaxFloatStates][kN] = {};
        uint16_t saved_counter[kN] = {};
        for (size_t s = 0; s < a.num_states; ++s) memcpy(saved[s], a.state[s] + i, sizeof(saved[s]));
        if (a.counter) memcpy(saved_counter, a.counter + i, sizeof(saved_counter));
        spike = hn::And(body(i, hn::IfThenElseZero(finite, input)), finite);
        for (size_t l = 0; l < kN; ++l) {
          if (std::isfinite(current[j + l])) continue;
          for (size_t s = 0; s < a.num_states; ++s) a.state[s][i + l] = saved[s][l];
          if (a.counter) a.counter[i + l] = saved_counter[l];
          if (bad++ == 0) first_bad = i + l;
        }
      }
      uint8_t bits[8] = {0};
      hn::StoreMaskBits(d, spike, bits);
      uint32_t lane_bits = bits[0];
      if (kN > 8) lane_bits |= static_cast<uint32_t>(bits[1]) << 8;
      block_bits |= (lane_bits & kLaneBits) << j;
    }
    a.spikes[i0 / 8] = static_cast<uint8_t>(block_bits);
    a.spikes[i0 / 8 + 1] = static_cast<uint8_t>(block_bits >> 8);
  };

  size_t i = 0;
  for (; i < a.n_main; i += kBlock) run_block(i, a.current + i);
  for (; i < a.n_padded; i += kBlock) run_block(i, a.current_tail + (i - a.n_main));

  r->nonfinite_count = bad;
  r->first_nonfinite = first_bad;
  r->target = HWY_TARGET;
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace somas
HWY_AFTER_NAMESPACE();

#endif  // SOMAS_ENGINE_KERNEL_INL_H_
