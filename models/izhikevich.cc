// Step kernel of IzhikevichSoma, compiled for every Highway target and
// dispatched at run time.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "models/izhikevich.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
// (foreach_target.h re-includes this file once per target; it must come first.)

#include <hwy/highway.h>

#include "engine/kernel-inl.h"
#include "models/kernels.h"

HWY_BEFORE_NAMESPACE();
namespace somas {
namespace HWY_NAMESPACE {

// One fused pass (docs/models.md, "IzhikevichSoma"; Izhikevich 2003), absolute mV:
//   integrate: twice v = clamp(v + dt/2 (0.04 v^2 + 5 v + 140 - u + R I),
//                              potential_floor, 1e4);
//              u += dt a (b v - u), with the new v
//   fire:      spike = v > threshold; where spike v = c, u += d
// The quadratic is evaluated as (0.04 v + 5) v + 140. Reads and writes v
// (state 0) and u (state 1) once each. b v is bounded to +-1e30 so that no
// product overflows; u stays within +-1e30 and is flushed to 0 below 1e-30.
HWY_NOINLINE void IzhikevichStep(const KernelArgs& a, KernelResult* r) {
  const DF d;
  float* HWY_RESTRICT potential = a.state[0];
  float* HWY_RESTRICT recovery = a.state[1];
  WithConstants(a, [&](const auto& k) SOMAS_BODY {
    ForEachBlock(a, r, [=](size_t i, VF current) SOMAS_BODY {
      const VF half_dt = k(kIzhHalfDt, i);
      const VF floor = k(kIzhFloor, i);
      const VF ceiling = hn::Set(d, kIzhCeiling);
      const VF drive = hn::Mul(k(kIzhResistance, i), current);
      VF v = hn::Load(d, potential + i);
      VF u = hn::Load(d, recovery + i);
      const VF input = hn::Sub(drive, u);
      for (int half = 0; half < 2; ++half) {
        const VF quadratic =
            hn::MulAdd(hn::MulAdd(hn::Set(d, 0.04f), v, hn::Set(d, 5.0f)), v, hn::Set(d, 140.0f));
        v = hn::MulAdd(half_dt, hn::Add(quadratic, input), v);
        v = hn::Min(hn::Max(v, floor), ceiling);
      }
      const VF target = Bound(d, hn::Mul(k(kIzhB, i), v));
      u = hn::MulAdd(k(kIzhDtA, i), hn::Sub(target, u), u);

      const MF spike = hn::Gt(v, k(kIzhThreshold, i));
      v = hn::IfThenElse(spike, k(kIzhReset, i), v);
      u = hn::Add(u, hn::IfThenElseZero(spike, k(kIzhD, i)));
      hn::Store(v, d, potential + i);
      hn::Store(FlushTiny(d, Bound(d, u)), d, recovery + i);
      return spike;
    });
  });
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace somas
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace somas {

HWY_EXPORT(IzhikevichStep);

void RunIzhikevichStep(const KernelArgs& a, KernelResult* r) {
  HWY_DYNAMIC_DISPATCH(IzhikevichStep)(a, r);
}

}  // namespace somas
#endif  // HWY_ONCE
