// Step kernels of the exponential family (ExponentialSoma,
// RefractoryExponentialSoma, AdaptiveExponentialSoma,
// SimplifiedAdaptiveExponentialSoma), compiled for every Highway target and
// dispatched at run time.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "models/exponential.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
// (foreach_target.h re-includes this file once per target; it must come first.)

#include <hwy/highway.h>

#include "engine/kernel-inl.h"
#include "models/kernels.h"

HWY_BEFORE_NAMESPACE();
namespace somas {
namespace HWY_NAMESPACE {

// e^x for finite x <= kMaxExpArgument; exactly 0 for x < kMinExpArgument.
// x = q ln2 + r with q = round(x / ln2) (the 1.5 * 2^23 rounding trick) and
// |r| <= ln2 / 2 (ln2 in two parts, so qf * ln2_hi is exact); e^r by its
// Taylor series to r^7 (truncation below 5.4e-9 relative, evaluated by
// Estrin's scheme), scaled by 2^q
// built in the exponent bits. Relative error at most 1.8e-7 (1.5 ULP) over
// [-80, 88] on every target (tests/models_test.cc measures it against double
// exp at 2^20 points on each and fails above 1.8e-7; a series one term
// shorter, 2.9e-7, would fail). About 18 operations per vector
// where Highway's general Exp took about 29 here, and a dependency chain half as
// long.
HWY_INLINE VF FastExp(DF d, VF x) {
  const VF magic = hn::Set(d, 12582912.0f);  // 1.5 * 2^23
  const VF t = hn::MulAdd(x, hn::Set(d, 1.44269504088896341f), magic);
  const VF q = hn::Sub(t, magic);
  VF r = hn::NegMulAdd(q, hn::Set(d, 0.693145751953125f), x);
  r = hn::NegMulAdd(q, hn::Set(d, 1.428606765330187045e-6f), r);
  // Estrin's scheme: the dependency chain is 3 multiply-adds deep, not 7,
  // so the out-of-order core overlaps more neurons.
  const VF r2 = hn::Mul(r, r);
  const VF r4 = hn::Mul(r2, r2);
  const VF p01 = hn::MulAdd(r, hn::Set(d, 1.0f), hn::Set(d, 1.0f));
  const VF p23 = hn::MulAdd(r, hn::Set(d, 1.0f / 6), hn::Set(d, 0.5f));
  const VF p45 = hn::MulAdd(r, hn::Set(d, 1.0f / 120), hn::Set(d, 1.0f / 24));
  const VF p67 = hn::MulAdd(r, hn::Set(d, 1.0f / 5040), hn::Set(d, 1.0f / 720));
  const VF p = hn::MulAdd(hn::MulAdd(p67, r2, p45), r4, hn::MulAdd(p23, r2, p01));
  // t's low mantissa bits hold q (two's complement); shifted into the
  // exponent field and biased, they are 2^q (q in [-116, 127] here).
  const DI di;
  const VF scale =
      hn::BitCast(d, hn::Add(hn::ShiftLeft<23>(hn::BitCast(di, t)), hn::Set(di, 127 << 23)));
  return hn::IfThenElseZero(hn::Ge(x, hn::Set(d, kMinExpArgument)), hn::Mul(p, scale));
}

HWY_NOINLINE void ExpForTestImpl(const float* x, float* out, size_t n) {
  const DF d;
  for (size_t i = 0; i < n; i += hn::Lanes(d)) {
    hn::StoreU(FastExp(d, hn::LoadU(d, x + i)), d, out + i);
  }
}

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
// FastExp (above) is accurate to 1.8e-7 relative (1.5 ULP); the cap keeps its argument inside
// its range, and the overflow rule (schema) keeps D exp(x) <= 1e30.
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
      const VF exp_term = hn::Mul(k(kExpSlope, i), FastExp(d, x));
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
HWY_EXPORT(ExpForTestImpl);

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
void ExpForTest(const float* x, float* out, size_t n) {
  HWY_DYNAMIC_DISPATCH(ExpForTestImpl)(x, out, n);
}

}  // namespace somas
#endif  // HWY_ONCE
