// The leaky family (LeakySoma, RefractoryLeakySoma, StrictRefractoryLeakySoma,
// AdaptiveLeakySoma) in one place: the order of its parameters and kernel
// constants, its step kernel (compiled for every Highway target and
// dispatched at run time), and its schemas (parameters, rules, states,
// derivation of the constants). docs/models.md, "Leaky family".
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "models/leaky.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
// (foreach_target.h re-includes this file once per target; it must come first.)

#include <hwy/highway.h>

#include "engine/kernel-inl.h"

#ifndef SOMAS_MODELS_LEAKY_ORDER_
#define SOMAS_MODELS_LEAKY_ORDER_
namespace somas::leaky {

// Parameters, in schema order (each model adds to the end).
enum Param {
  kRest,
  kReset,
  kTau,
  kResistance,
  kThreshold,
  kCooldown,
  kThresholdTau,
  kThresholdDelta
};

// Kernel constants. States: {v - rest, threshold - base threshold}.
enum Constant {
  kLeakyDecay,
  kLeakyGainR,
  kLeakyTheta,
  kLeakyReset,
  kLeakyCooldownSteps,
  kLeakyThresholdDecay,
  kLeakyThresholdDelta,
};

}  // namespace somas::leaky
#endif  // SOMAS_MODELS_LEAKY_ORDER_

HWY_BEFORE_NAMESPACE();
namespace somas {
namespace HWY_NAMESPACE {
using namespace leaky;  // NOLINT(google-build-using-namespace): the family's own names

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
  WithStates(a, [&](const auto& s) SOMAS_BODY {
    WithConstants(a, [&](const auto& k) SOMAS_BODY {
      ForEachBlock(a, r, [=](size_t i, VF current) SOMAS_BODY {
        const VF decay = k(kLeakyDecay, i);
        const VF v_reset = k(kLeakyReset, i);
        const VF drive = hn::Mul(k(kLeakyGainR, i), current);
        VF v = s.Load(0, i);

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
          e = s.Load(1, i);
          threshold = hn::Add(threshold, e);
        }
        MF spike = hn::Gt(v, threshold);
        if constexpr (kRefractory) spike = hn::And(spike, ready);
        s.Store(0, i, hn::IfThenElse(spike, v_reset, FlushTiny(d, v)));

        if constexpr (kRefractory) {
          StoreCounter(left, spike, k.Int(kLeakyCooldownSteps, i), a.counter, i);
        }
        if constexpr (kAdaptive) {
          const VF jump = hn::IfThenElseZero(spike, k(kLeakyThresholdDelta, i));
          e = hn::MulAdd(k(kLeakyThresholdDecay, i), e, jump);
          s.StoreBounded(1, i, e);
        }
        return spike;
      });
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
#include "models/builtin.h"
#include "models/rules.h"

namespace somas {
namespace {
using namespace leaky;  // NOLINT(google-build-using-namespace)

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

// ---------------------------------------------------------------------------
// Schemas

const char kGerstner[] =
    "Gerstner, Kistler, Naud, Paninski. Neuronal Dynamics (2014), ch. 1.3 and 5.1";

// decay is rounded to float first and gain_r derived from that rounded value
// (docs/models.md): then R I is the fixed point of the float update, up to
// the rounding of the products, where a gain from expm1 would bias it.
void DeriveLeaky(NeuronParams p, double dt, double* k) {
  const double decay = static_cast<float>(std::exp(-dt / p[kTau]));
  k[kLeakyDecay] = decay;
  k[kLeakyGainR] = (1.0 - decay) * p[kResistance];
  k[kLeakyTheta] = p[kThreshold] - p[kRest];
  k[kLeakyReset] = p[kReset] - p[kRest];
}

void DeriveRefractoryLeaky(NeuronParams p, double dt, double* k) {
  DeriveLeaky(p, dt, k);
  k[kLeakyCooldownSteps] = CooldownSteps(p[kCooldown], dt);
}

void DeriveAdaptiveLeaky(NeuronParams p, double dt, double* k) {
  DeriveRefractoryLeaky(p, dt, k);
  k[kLeakyThresholdDecay] = std::exp(-dt / p[kThresholdTau]);
  k[kLeakyThresholdDelta] = p[kThresholdDelta];
}

// Kernel states start at rest (v - rest = 0) with no threshold excess.
void InitLeaky(NeuronParams /*p*/, float* s) { s[0] = s[1] = 0.0f; }

ModelSpec LeakyBase(const char* name, const char* description) {
  ModelSpec m;
  m.name = name;
  m.description = description;
  m.reference = kGerstner;
  AddParam(&m, kRest, "potential_rest", "mV", -60.0,
           "resting potential; the potential starts here");
  AddParam(&m, kReset, "potential_reset", "mV", -50.0, "potential right after a spike");
  AddParam(&m, kTau, "potential_tau", "ms", 20.0, "membrane time constant", Bound::kPositive);
  AddParam(&m, kResistance, "resistance", "GOhm", 0.1, "membrane resistance: R * I (pA) is in mV",
           Bound::kNonNegative);
  AddParam(&m, kThreshold, "threshold", "mV", -40.0,
           "a neuron spikes when its potential exceeds this");
  m.rules = {ThresholdAboveReset(), ResetWithinBound()};
  m.states = {{"potential", "mV", "potential_rest", false, kRest}};
  m.num_float_states = 1;
  m.num_constants = kLeakyReset + 1;
  // 1.5x the current whose steady state R I reaches threshold.
  m.drive_current = 1.5 * (DefaultOf(m, "threshold") - DefaultOf(m, "potential_rest")) /
                    DefaultOf(m, "resistance");
  m.accuracy = Accuracy::kSmooth;
  m.derive = DeriveLeaky;
  m.init = InitLeaky;
  m.kernel = RunLeakyStep;
  m.float16_kernel = true;
  return m;
}

ModelSpec RefractoryBase(const char* name, const char* description, KernelFn kernel) {
  ModelSpec m = LeakyBase(name, description);
  AddRefractoriness(&m, kCooldown);
  m.num_constants = kLeakyCooldownSteps + 1;
  m.derive = DeriveRefractoryLeaky;
  m.kernel = kernel;
  return m;
}

}  // namespace

ModelSpec LeakySomaSpec() {
  return LeakyBase("LeakySoma",
                   "leaky integrate-and-fire soma, integrated exactly for a current "
                   "constant over each step");
}

ModelSpec RefractoryLeakySomaSpec() {
  return RefractoryBase("RefractoryLeakySoma",
                        "LeakySoma whose input is ignored for cooldown after each spike",
                        RunRefractoryLeakyStep);
}

ModelSpec StrictRefractoryLeakySomaSpec() {
  return RefractoryBase("StrictRefractoryLeakySoma",
                        "LeakySoma held at potential_reset for cooldown after each spike",
                        RunStrictRefractoryLeakyStep);
}

ModelSpec AdaptiveLeakySomaSpec() {
  ModelSpec m =
      RefractoryBase("AdaptiveLeakySoma",
                     "RefractoryLeakySoma whose threshold jumps by threshold_delta at each "
                     "spike and relaxes back with threshold_tau",
                     RunAdaptiveLeakyStep);
  AddAdaptiveThreshold(&m, kThresholdTau);
  m.num_constants = kLeakyThresholdDelta + 1;
  m.derive = DeriveAdaptiveLeaky;
  return m;
}

}  // namespace somas
#endif  // HWY_ONCE
