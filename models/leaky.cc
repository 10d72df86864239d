// Step kernels of the leaky family (LeakySoma, RefractoryLeakySoma,
// StrictRefractoryLeakySoma, AdaptiveLeakySoma), compiled for every Highway
// target and dispatched at run time.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "models/leaky.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
// (foreach_target.h re-includes this file once per target; it must come first.)

#include <hwy/highway.h>

#include "engine/kernel-inl.h"
#include "models/kernels.h"

HWY_BEFORE_NAMESPACE();
namespace somas {
namespace HWY_NAMESPACE {

// One fused pass over the pool (docs/models.md, "Leaky family"). Potentials
// are relative to potential_rest, in mV; the current is in pA.
//   integrate: v = decay * v + gain_r * I        (I ignored while not ready;
//              strict: v = v_reset while not ready)
//   fire:      spike = v > theta + e (and ready); where spike v = v_reset;
//              counter = spike ? cooldown_steps : max(counter - 1, 0);
//              adaptive: e = threshold_decay * e + threshold_delta * spike
// Reads and writes v (state 0), e (state 1, adaptive) and the counter once
// each; reads the current once; writes one spike bit per neuron.
// Constants (kLeaky* in models/kernels.h): decay = exp(-dt/potential_tau),
// gain_r = (1 - decay) * resistance (GOhm), theta and v_reset relative to
// rest, cooldown steps, threshold decay and jump.
// Valid for any configuration the LeakySoma-family checks accept; states stay
// within +-1e30 and decaying states are flushed to 0 below 1e-30.
template <bool kRefractory, bool kStrict, bool kAdaptive>
HWY_INLINE void LeakyFamilyStep(const KernelArgs& a, KernelResult* r) {
  const DF d;
  float* HWY_RESTRICT potential = a.state[0];
  float* HWY_RESTRICT excess = a.state[1];
  WithConstants(a, [&](const auto& k) SOMAS_BODY {
    ForEachBlock(a, r, [=](size_t i, VF current) SOMAS_BODY {
      const VF decay = k(kLeakyDecay, i);
      const VF v_reset = k(kLeakyReset, i);
      const VF drive = hn::Mul(k(kLeakyGainR, i), current);
      VF v = hn::Load(d, potential + i);

      VI left;
      MF ready;
      if constexpr (kRefractory) {
        left = LoadCounter(a.counter, i);
        ready = IsReady(left);
      }
      if constexpr (kStrict) {
        v = hn::IfThenElse(ready, hn::MulAdd(decay, v, drive), v_reset);
      } else if constexpr (kRefractory) {
        v = hn::MulAdd(decay, v, hn::IfThenElseZero(ready, drive));
      } else {
        v = hn::MulAdd(decay, v, drive);
      }
      v = Bound(d, v);

      VF threshold = k(kLeakyTheta, i);
      VF e;
      if constexpr (kAdaptive) {
        e = hn::Load(d, excess + i);
        threshold = hn::Add(threshold, e);
      }
      MF spike = hn::Gt(v, threshold);
      if constexpr (kRefractory) spike = hn::And(spike, ready);
      hn::Store(hn::IfThenElse(spike, v_reset, FlushTiny(d, v)), d, potential + i);

      if constexpr (kRefractory) {
        StoreCounter(left, spike, k.Int(kLeakyCooldownSteps, i), a.counter, i);
      }
      if constexpr (kAdaptive) {
        const VF jump = hn::IfThenElseZero(spike, k(kLeakyThresholdDelta, i));
        e = hn::MulAdd(k(kLeakyThresholdDecay, i), e, jump);
        hn::Store(FlushTiny(d, Bound(d, e)), d, excess + i);
      }
      return spike;
    });
  });
}

HWY_NOINLINE void LeakyStep(const KernelArgs& a, KernelResult* r) {
  LeakyFamilyStep<false, false, false>(a, r);
}
HWY_NOINLINE void RefractoryLeakyStep(const KernelArgs& a, KernelResult* r) {
  LeakyFamilyStep<true, false, false>(a, r);
}
HWY_NOINLINE void StrictRefractoryLeakyStep(const KernelArgs& a, KernelResult* r) {
  LeakyFamilyStep<true, true, false>(a, r);
}
HWY_NOINLINE void AdaptiveLeakyStep(const KernelArgs& a, KernelResult* r) {
  LeakyFamilyStep<true, false, true>(a, r);
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace somas
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace somas {

HWY_EXPORT(LeakyStep);
HWY_EXPORT(RefractoryLeakyStep);
HWY_EXPORT(StrictRefractoryLeakyStep);
HWY_EXPORT(AdaptiveLeakyStep);

void RunLeakyStep(const KernelArgs& a, KernelResult* r) { HWY_DYNAMIC_DISPATCH(LeakyStep)(a, r); }
void RunRefractoryLeakyStep(const KernelArgs& a, KernelResult* r) {
  HWY_DYNAMIC_DISPATCH(RefractoryLeakyStep)(a, r);
}
void RunStrictRefractoryLeakyStep(const KernelArgs& a, KernelResult* r) {
  HWY_DYNAMIC_DISPATCH(StrictRefractoryLeakyStep)(a, r);
}
void RunAdaptiveLeakyStep(const KernelArgs& a, KernelResult* r) {
  HWY_DYNAMIC_DISPATCH(AdaptiveLeakyStep)(a, r);
}

}  // namespace somas
#endif  // HWY_ONCE
