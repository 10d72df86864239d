// The exponential family (ExponentialSoma, RefractoryExponentialSoma,
// AdaptiveExponentialSoma, SimplifiedAdaptiveExponentialSoma) in one place:
// the order of its parameters and kernel constants, its vector exp and step
// kernel (compiled for every Highway target and dispatched at run time), and
// its schemas. docs/models.md, "Exponential family".
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "models/exponential.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
// (foreach_target.h re-includes this file once per target; it must come first.)

#include <hwy/highway.h>

#include "engine/kernel-inl.h"
#include "models/exponential.h"

#ifndef SOMAS_MODELS_EXPONENTIAL_ORDER_
#define SOMAS_MODELS_EXPONENTIAL_ORDER_
namespace somas::exponential {

// Parameters: the ExponentialSoma seven, then each model's additions.
enum Param {
  kRest,
  kReset,
  kTau,
  kResistance,
  kThreshold,
  kRheobase,
  kSlope,
  kExtra,  // the first added parameter
  // RefractoryExponentialSoma / SimplifiedAdaptiveExponentialSoma:
  kCooldown = kExtra,
  kThresholdTau,
  kThresholdDelta,
  // AdaptiveExponentialSoma:
  kAdaptationTau = kExtra,
  kAdaptationDelta,
  kAdaptationSubthreshold,
};

// Kernel constants. States: {v - rest, w (AdEx) or threshold - base threshold}.
enum Constant {
  kExpScaleResistance,  // dt / potential_tau * resistance
  kExpTheta,            // threshold - rest
  kExpReset,            // potential_reset - rest
  kExpLog2Scale,        // log2(e) / D
  kExpLog2Offset,       // log2(e) (rheobase_threshold - rest) / D - log2(D)
                        //   - log2(dt / potential_tau)
  kExpCooldownSteps,
  kExpThresholdDecay,
  kExpThresholdDelta,
  kExpAdaptationScale,  // dt / adaptation_tau
  kExpAdaptationA,      // adaptation_subthreshold, nS
  kExpAdaptationB,      // adaptation_delta, pA
  kExpKeep,             // 1 - dt / potential_tau
};

}  // namespace somas::exponential
#endif  // SOMAS_MODELS_EXPONENTIAL_ORDER_

HWY_BEFORE_NAMESPACE();
namespace somas {
namespace HWY_NAMESPACE {
using namespace exponential;  // NOLINT(google-build-using-namespace): the family's own names

// 2^y for finite y <= kMaxExp2Argument; exactly 0 for y < kMinExp2Argument.
// y = q + f with q = round(y) (y - q is exact) and |f| <= 1/2; 2^f by a
// degree-5 polynomial with p(0) = 1, fitted for relative error in float
// arithmetic (at most 1.9e-7 on [-1/2, 1/2] as evaluated, by Estrin's
// scheme), scaled by 2^q. Relative error over [-126, 127] at most 1.9e-7
// (1.6 ULP of 1) with FMA (AVX2, AVX3) and 2.2e-7 without (SSE4, SSSE3,
// SCALAR): tests/models_test.cc measures it against double exp2 at 2^20
// points on each target and fails above 2.2e-7. docs/models.md asks a few
// ULP per step of the vector exp; degree 6 (1.7e-7, 1.8e-7 without FMA)
// cost two more multiply-adds on the pipes the AVX3 loop filled
// (docs/benchmarks.md). Base 2 needs no ln 2
// reduction (two multiply-adds in base e), and the kernel folds log2(e), the
// slope D and the step's scale dt / potential_tau into the constants of its
// argument.
HWY_INLINE VF FastExp2(DF d, VF y) {
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  // AVX3: q by vrndscaleps (round to nearest even, as the trick below) and
  // the scaling by vscalefps: the same bits as the rounding trick and the
  // exponent built by a shift below, in fewer operations, none on the
  // pipes the polynomial's multiply-adds fill (on Zen 5 vscalefps takes
  // both adding pipes for a cycle; docs/benchmarks.md, "Pipes, measured").
  const VF q = hn::Round(y);
  const VF f = hn::Sub(y, q);
#else
  const VF magic = hn::Set(d, 12582912.0f);  // 1.5 * 2^23
  const VF t = hn::Add(y, magic);
  const VF f = hn::Sub(y, hn::Sub(t, magic));
#endif
  // Estrin's scheme: the dependency chain is 3 multiply-adds deep, not 5.
  const VF f2 = hn::Mul(f, f);
  const VF p01 = hn::MulAdd(f, hn::Set(d, 0.6931470036506653f), hn::Set(d, 1.0f));
  const VF p23 = hn::MulAdd(f, hn::Set(d, 0.05550733953714371f), hn::Set(d, 0.24022242426872253f));
  const VF p45 =
      hn::MulAdd(f, hn::Set(d, 0.0013264723820611835f), hn::Set(d, 0.009671518579125404f));
  const VF p = hn::MulAdd(hn::MulAdd(p45, f2, p23), f2, p01);
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  // p 2^q where y >= kMinExp2Argument, else 0.
  const MF keep = hn::Ge(y, hn::Set(d, kMinExp2Argument));
  return VF{_mm512_maskz_scalef_ps(keep.raw, p.raw, q.raw)};
#else
  // t's low mantissa bits hold q (two's complement); shifted into the
  // exponent field and biased, they are 2^q (q in [-126, 127] here).
  const DI di;
  const VF scale =
      hn::BitCast(d, hn::Add(hn::ShiftLeft<23>(hn::BitCast(di, t)), hn::Set(di, 127 << 23)));
  return hn::IfThenElseZero(hn::Ge(y, hn::Set(d, kMinExp2Argument)), hn::Mul(p, scale));
#endif
}

HWY_NOINLINE void Exp2ForTestImpl(const float* x, float* out, size_t n) {
  const DF d;
  for (size_t i = 0; i < n; i += hn::Lanes(d)) {
    hn::StoreU(FastExp2(d, hn::LoadU(d, x + i)), d, out + i);
  }
}

// One fused pass over the pool (docs/models.md, "Exponential family"),
// forward Euler, potentials relative to potential_rest in mV, current in pA:
//   x = (min(v, theta) - V_T) / D
//   integrate: v += scale * (-v + D exp(x) + R I)   (I ignored while not ready;
//              AdEx: R (I - w) in place of R I)
//   fire:      spike = v > theta (+ e) and ready; where spike v = v_reset;
//              where not ready v = min(v, theta); counter as the leaky family;
//              AdEx: w += (dt / adaptation_tau) (a v - w) + b spike;
//              adaptive threshold: e = threshold_decay * e + delta * spike
// Reads and writes v (state 0), w or e (state 1) and the counter once each.
// scale D exp(x) is computed as 2^y with y = log2(e) x + log2(D) +
// log2(scale) = min(v, theta) log2(e) / D - (log2(e) V_T / D - log2(D) -
// log2(scale)): one multiply-add from two derived constants, then FastExp2
// (above, 1.6 ULP), added without a multiply. No cap is needed: the
// overflow rule (schema) keeps D exp(x) <= 1e30 at min(v, theta) <= theta,
// and scale < 2 (Euler stability), so y <= log2(2e30) = 100.7, inside
// FastExp2's range (<= 127).
// States stay within +-1e30; decaying states are flushed to 0 below 1e-30.
template <bool kRefractory, bool kAdEx, bool kAdaptiveThreshold>
HWY_INLINE void ExponentialFamilyStep(const KernelArgs& a, KernelResult* r) {
  const DF d;
  WithStates(a, [&](const auto& s) SOMAS_BODY {
    WithConstants(a, [&](const auto& k) SOMAS_BODY {
      // First stage: the integrated potential, before its clamp.
      const auto integrate = [=](size_t i, VF current) SOMAS_BODY {
        const VF theta = k(kExpTheta, i);
        const VF scale_r = k(kExpScaleResistance, i);
        const VF v = s.Load(0, i);
        // v + scale (-v + D exp(x) + R I) as (1 - scale) v + scale R I, which
        // does not wait for the exponential, plus scale D exp(x) = 2^y.
        VF drive;  // scale R I (AdEx: scale R (I - w))
        if constexpr (kRefractory) {
          drive = hn::IfThenElseZero(IsReady(LoadCounter(a.counter, i)), hn::Mul(scale_r, current));
        } else if constexpr (kAdEx) {
          drive = hn::Mul(scale_r, hn::Sub(current, s.Load(1, i)));
        } else {
          drive = hn::Mul(scale_r, current);
        }
        const VF rest_of_step = hn::MulAdd(k(kExpKeep, i), v, drive);
        const VF y = hn::MulSub(hn::Min(v, theta), k(kExpLog2Scale, i), k(kExpLog2Offset, i));
        return hn::Add(FastExp2(d, y), rest_of_step);
      };
      // Second stage: clamp, fire, reset, and the other states.
      const auto fire = [=](size_t i, VF integrated) SOMAS_BODY {
        const VF theta = k(kExpTheta, i);
        VF v = Bound(d, integrated);
        VI left;
        MF ready;
        if constexpr (kRefractory) {
          left = LoadCounter(a.counter, i);
          ready = IsReady(left);
        }
        VF threshold = theta;
        VF e;
        if constexpr (kAdaptiveThreshold) {
          e = s.Load(1, i);
          threshold = hn::Add(theta, e);
        }
        MF spike = hn::Gt(v, threshold);
        if constexpr (kRefractory) spike = hn::And(spike, ready);
        v = hn::IfThenElse(spike, k(kExpReset, i), v);
        if constexpr (kRefractory) v = hn::IfThenElse(ready, v, hn::Min(v, theta));
        v = FlushTiny(d, v);
        s.Store(0, i, v);

        if constexpr (kRefractory) {
          StoreCounter(left, spike, k.Int(kExpCooldownSteps, i), a.counter, i);
        }
        if constexpr (kAdEx) {
          VF w = s.Load(1, i);
          const VF pull = hn::MulSub(k(kExpAdaptationA, i), v, w);
          w = hn::MulAdd(k(kExpAdaptationScale, i), pull, w);
          w = hn::Add(w, hn::IfThenElseZero(spike, k(kExpAdaptationB, i)));
          s.StoreBounded(1, i, w);
        }
        if constexpr (kAdaptiveThreshold) {
          const VF jump = hn::IfThenElseZero(spike, k(kExpThresholdDelta, i));
          e = hn::MulAdd(k(kExpThresholdDecay, i), e, jump);
          s.StoreBounded(1, i, e);
        }
        return spike;
      };
      ForEachStagedBlock(a, r, integrate, fire);
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
#include <cmath>

#include "engine/format.h"
#include "models/builtin.h"
#include "models/rules.h"

namespace somas {

HWY_EXPORT(Exp2ForTestImpl);

void Exp2ForTest(const float* x, float* out, size_t n) {
  HWY_DYNAMIC_DISPATCH(Exp2ForTestImpl)(x, out, n);
}

namespace {
using namespace exponential;  // NOLINT(google-build-using-namespace)

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
// ---------------------------------------------------------------------------
// Schemas

// D exp((theta - V_T) / D), the largest value the exponential term takes, may
// not exceed this (docs/models.md).
constexpr double kMaxExponentialTerm = 1e30;
constexpr double kLog2E = 1.44269504088896340736;

const char kReference[] =
    "Fourcaud-Trocme, Hansel, van Vreeswijk, Brunel, J. Neurosci. 23(37):11628 (2003); "
    "Brette & Gerstner, J. Neurophysiol. 94(5):3637 (2005)";

[[gnu::noinline, gnu::cold]] std::string ExponentialTermTooLarge(double largest) {
  return "the exponential term reaches spike_slope * exp((threshold - rheobase_threshold) / "
         "spike_slope) = " +
         FormatNumber(largest) + " mV, more than 1e30 mV; lower threshold or raise spike_slope";
}

// The exponential term's largest value within its limit (docs/models.md).
Rule ExponentialTermBounded() {
  return {"spike_slope * exp((threshold - rheobase_threshold) / spike_slope) <= 1e30 mV",
          {"threshold", "rheobase_threshold", "spike_slope"},
          [](const double* v, double /*dt*/) -> std::string {
            // Every neuron of a pool is checked: accept the common case
            // without an exp (1e3 * e^60 = 1.1e29 is below the limit).
            const double exponent = (v[0] - v[1]) / v[2];
            if (exponent <= 60 && v[2] <= 1e3) return {};
            const double largest = v[2] * std::exp(exponent);
            if (largest <= kMaxExponentialTerm) return {};
            return ExponentialTermTooLarge(largest);
          }};
}

void DeriveExponential(NeuronParams p, double dt, double* k) {
  k[kExpScaleResistance] = dt / p[kTau] * p[kResistance];
  k[kExpKeep] = 1 - dt / p[kTau];
  k[kExpTheta] = p[kThreshold] - p[kRest];
  k[kExpReset] = p[kReset] - p[kRest];
  k[kExpLog2Scale] = kLog2E / p[kSlope];
  k[kExpLog2Offset] =
      kLog2E * (p[kRheobase] - p[kRest]) / p[kSlope] - std::log2(p[kSlope] * (dt / p[kTau]));
  for (int c = kExpCooldownSteps; c <= kExpAdaptationB; ++c) k[c] = 0.0;
}

void DeriveRefractoryExponential(NeuronParams p, double dt, double* k) {
  DeriveExponential(p, dt, k);
  k[kExpCooldownSteps] = CooldownSteps(p[kCooldown], dt);
}

void DeriveSimplifiedAdaptive(NeuronParams p, double dt, double* k) {
  DeriveRefractoryExponential(p, dt, k);
  k[kExpThresholdDecay] = std::exp(-dt / p[kThresholdTau]);
  k[kExpThresholdDelta] = p[kThresholdDelta];
}

void DeriveAdaptiveExponential(NeuronParams p, double dt, double* k) {
  DeriveExponential(p, dt, k);
  k[kExpAdaptationScale] = dt / p[kAdaptationTau];
  k[kExpAdaptationA] = p[kAdaptationSubthreshold];
  k[kExpAdaptationB] = p[kAdaptationDelta];
}

void InitExponential(NeuronParams /*p*/, float* s) { s[0] = s[1] = 0.0f; }

ModelSpec ExponentialBase(const char* name, const char* description) {
  ModelSpec m;
  m.name = name;
  m.description = description;
  m.reference = kReference;
  AddParam(&m, kRest, "potential_rest", "mV", -70.0,
           "resting potential; the potential starts here");
  AddParam(&m, kReset, "potential_reset", "mV", -51.0, "potential right after a spike");
  AddParam(&m, kTau, "potential_tau", "ms", 5.0, "membrane time constant", Bound::kPositive);
  AddParam(&m, kResistance, "resistance", "GOhm", 0.5, "membrane resistance: R * I (pA) is in mV",
           Bound::kNonNegative);
  AddParam(&m, kThreshold, "threshold", "mV", -30.0,
           "spike peak: a neuron spikes when its potential exceeds this");
  AddParam(&m, kRheobase, "rheobase_threshold", "mV", -50.0,
           "V_T, where the exponential upswing takes over");
  AddParam(&m, kSlope, "spike_slope", "mV", 2.0, "slope factor D of the exponential term",
           Bound::kPositive);
  m.rules = {ThresholdAboveReset(), ResetWithinBound(), EulerStable("potential_tau"),
             ExponentialTermBounded()};
  m.states = {{"potential", "mV", "potential_rest", false, kRest}};
  m.num_float_states = 1;
  m.num_constants = kExpKeep + 1;
  // 1.3x the current whose steady state R I reaches rheobase_threshold.
  m.drive_current = 1.3 * (DefaultOf(m, "rheobase_threshold") - DefaultOf(m, "potential_rest")) /
                    DefaultOf(m, "resistance");
  m.accuracy = Accuracy::kExponential;
  m.derive = DeriveExponential;
  m.init = InitExponential;
  m.kernel = RunExponentialStep;
  m.float16_kernel = true;
  return m;
}

ModelSpec RefractoryBase(const char* name, const char* description, KernelFn kernel) {
  ModelSpec m = ExponentialBase(name, description);
  AddRefractoriness(&m, kCooldown);
  m.derive = DeriveRefractoryExponential;
  m.kernel = kernel;
  return m;
}

}  // namespace

ModelSpec ExponentialSomaSpec() {
  return ExponentialBase("ExponentialSoma", "exponential integrate-and-fire soma, forward Euler");
}

ModelSpec RefractoryExponentialSomaSpec() {
  return RefractoryBase("RefractoryExponentialSoma",
                        "ExponentialSoma whose input is ignored for cooldown after each spike; a "
                        "neuron crossing the peak while refractory is held at the peak",
                        RunRefractoryExponentialStep);
}

ModelSpec AdaptiveExponentialSomaSpec() {
  ModelSpec m = ExponentialBase("AdaptiveExponentialSoma",
                                "adaptive exponential integrate-and-fire (AdEx): ExponentialSoma "
                                "with an adaptation current w");
  AddParam(&m, kAdaptationTau, "adaptation_tau", "ms", 100.0, "time constant of w",
           Bound::kPositive);
  AddParam(&m, kAdaptationDelta, "adaptation_delta", "pA", 7.0, "jump of w at each spike (b)");
  AddParam(&m, kAdaptationSubthreshold, "adaptation_subthreshold", "nS", 0.5,
           "subthreshold coupling of w to the potential (a)");
  m.rules.push_back(EulerStable("adaptation_tau"));
  m.states.push_back({"adaptation", "pA", "0"});
  m.num_float_states = 2;
  m.derive = DeriveAdaptiveExponential;
  m.kernel = RunAdaptiveExponentialStep;
  return m;
}

ModelSpec SimplifiedAdaptiveExponentialSomaSpec() {
  ModelSpec m = RefractoryBase("SimplifiedAdaptiveExponentialSoma",
                               "RefractoryExponentialSoma with the adaptive threshold of "
                               "AdaptiveLeakySoma instead of an adaptation current",
                               RunSimplifiedAdaptiveExponentialStep);
  AddAdaptiveThreshold(&m, kThresholdTau);
  m.derive = DeriveSimplifiedAdaptive;
  return m;
}

}  // namespace somas
#endif  // HWY_ONCE
