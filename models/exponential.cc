// Step kernels of the exponential family (ExponentialSoma,
// RefractoryExponentialSoma, AdaptiveExponentialSoma,
// SimplifiedAdaptiveExponentialSoma), compiled for every Highway target and
// dispatched at run time.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "models/exponential.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
// (foreach_target.h re-includes this file once per target; it must come first.)

#include <hwy/contrib/math/math-inl.h>
#include <hwy/highway.h>

#include "engine/kernel-inl.h"
#include "models/kernels.h"

HWY_BEFORE_NAMESPACE();
namespace somas {
namespace HWY_NAMESPACE {

// One fused pass over the pool (docs/models.md, "Exponential family"),
// forward Euler, potentials relative to potential_rest in mV, current in pA:
//   x = (min(v, theta) - V_T) / D, capped at 88 before the vector exp
//   integrate: v += scale * (-v + D exp(x) + R I)   (I ignored while not ready;
//              AdEx: R (I - w) in place of R I)
//   fire:      spike = v > theta (+ e) and ready; where spike v = v_reset;
//              where not ready v = min(v, theta); counter as the leaky family;
//              AdEx: w += (dt / adaptation_tau) (a v - w) + b spike;
//              adaptive threshold: e = threshold_decay * e + delta * spike
// Reads and writes v (state 0), w or e (state 1) and the counter once each.
// Highway's Exp is accurate to about 1 ULP over its range; the cap keeps the
// argument inside it, and the overflow rule (schema) keeps D exp(x) <= 1e30.
// States stay within +-1e30; decaying states are flushed to 0 below 1e-30.
template <bool kRefractory, bool kAdEx, bool kAdaptiveThreshold>
HWY_INLINE void ExponentialFamilyStep(const KernelArgs& a, KernelResult* r) {
  const DF d;
  float* HWY_RESTRICT potential = a.state[0];
  float* HWY_RESTRICT second = a.state[1];
  WithConstants(a, [&](const auto& k) SOMAS_BODY {
    ForEachBlock(a, r, [=](size_t i, VF current) SOMAS_BODY {
      const VF theta = k(kExpTheta, i);
      const VF resistance = k(kExpResistance, i);
      VF v = hn::Load(d, potential + i);

      VI left;
      MF ready;
      VF drive;
      VF w;
      if constexpr (kRefractory) {
        left = LoadCounter(a.counter, i);
        ready = IsReady(left);
        drive = hn::IfThenElseZero(ready, hn::Mul(resistance, current));
      } else if constexpr (kAdEx) {
        w = hn::Load(d, second + i);
        drive = hn::Mul(resistance, hn::Sub(current, w));
      } else {
        drive = hn::Mul(resistance, current);
      }

      VF x = hn::MulSub(hn::Min(v, theta), k(kExpInvSlope, i), k(kExpRheobaseOverSlope, i));
      x = hn::Min(x, hn::Set(d, kMaxExpArgument));
      const VF exp_term = hn::Mul(k(kExpSlope, i), hn::Exp(d, x));
      const VF slope = hn::Add(hn::Sub(exp_term, v), drive);
      v = Bound(d, hn::MulAdd(k(kExpScale, i), slope, v));

      VF threshold = theta;
      VF e;
      if constexpr (kAdaptiveThreshold) {
        e = hn::Load(d, second + i);
        threshold = hn::Add(theta, e);
      }
      MF spike = hn::Gt(v, threshold);
      if constexpr (kRefractory) spike = hn::And(spike, ready);
      v = hn::IfThenElse(spike, k(kExpReset, i), v);
      if constexpr (kRefractory) v = hn::IfThenElse(ready, v, hn::Min(v, theta));
      v = FlushTiny(d, v);
      hn::Store(v, d, potential + i);

      if constexpr (kRefractory) {
        StoreCounter(left, spike, k.Int(kExpCooldownSteps, i), a.counter, i);
      }
      if constexpr (kAdEx) {
        const VF pull = hn::MulSub(k(kExpAdaptationA, i), v, w);
        w = hn::MulAdd(k(kExpAdaptationScale, i), pull, w);
        w = hn::Add(w, hn::IfThenElseZero(spike, k(kExpAdaptationB, i)));
        hn::Store(FlushTiny(d, Bound(d, w)), d, second + i);
      }
      if constexpr (kAdaptiveThreshold) {
        const VF jump = hn::IfThenElseZero(spike, k(kExpThresholdDelta, i));
        e = hn::MulAdd(k(kExpThresholdDecay, i), e, jump);
        hn::Store(FlushTiny(d, Bound(d, e)), d, second + i);
      }
      return spike;
    });
  });
}

HWY_NOINLINE void ExponentialStep(const KernelArgs& a, KernelResult* r) {
  ExponentialFamilyStep<false, false, false>(a, r);
}
HWY_NOINLINE void RefractoryExponentialStep(const KernelArgs& a, KernelResult* r) {
  ExponentialFamilyStep<true, false, false>(a, r);
}
HWY_NOINLINE void AdaptiveExponentialStep(const KernelArgs& a, KernelResult* r) {
  ExponentialFamilyStep<false, true, false>(a, r);
}
HWY_NOINLINE void SimplifiedAdaptiveExponentialStep(const KernelArgs& a, KernelResult* r) {
  ExponentialFamilyStep<true, false, true>(a, r);
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace somas
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace somas {

HWY_EXPORT(ExponentialStep);
HWY_EXPORT(RefractoryExponentialStep);
HWY_EXPORT(AdaptiveExponentialStep);
HWY_EXPORT(SimplifiedAdaptiveExponentialStep);

void RunExponentialStep(const KernelArgs& a, KernelResult* r) {
  HWY_DYNAMIC_DISPATCH(ExponentialStep)(a, r);
}
void RunRefractoryExponentialStep(const KernelArgs& a, KernelResult* r) {
  HWY_DYNAMIC_DISPATCH(RefractoryExponentialStep)(a, r);
}
void RunAdaptiveExponentialStep(const KernelArgs& a, KernelResult* r) {
  HWY_DYNAMIC_DISPATCH(AdaptiveExponentialStep)(a, r);
}
void RunSimplifiedAdaptiveExponentialStep(const KernelArgs& a, KernelResult* r) {
  HWY_DYNAMIC_DISPATCH(SimplifiedAdaptiveExponentialStep)(a, r);
}

}  // namespace somas
#endif  // HWY_ONCE
