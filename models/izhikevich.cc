// IzhikevichSoma in one place: the order of its parameters and kernel
// constants, its step kernel (compiled for every Highway target and
// dispatched at run time), and its schema. docs/models.md, "IzhikevichSoma".
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "models/izhikevich.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
// (foreach_target.h re-includes this file once per target; it must come first.)

#include <hwy/highway.h>

#include "engine/kernel-inl.h"

#ifndef SOMAS_MODELS_IZHIKEVICH_ORDER_
#define SOMAS_MODELS_IZHIKEVICH_ORDER_
namespace somas::izhikevich {

// Parameters, in schema order.
enum Param { kRest, kReset, kResistance, kThreshold, kA, kB, kD, kFloor };

// Kernel constants. States: {v, u}, absolute mV.
enum Constant {
  kIzhHalfDt,
  kIzhResistance,
  kIzhThreshold,
  kIzhReset,  // c
  kIzhKeepU,  // 1 - dt * recovery_timescale
  kIzhDtAB,   // dt * recovery_timescale * recovery_sensitivity
  kIzhD,      // recovery_update
  kIzhFloor,  // potential_floor
  kIzhRest,   // potential_rest: float16 storage keeps v - rest
};

// The ceiling on v (docs/models.md): far above any spike peak.
inline constexpr float kIzhCeiling = 1e4f;

}  // namespace somas::izhikevich
#endif  // SOMAS_MODELS_IZHIKEVICH_ORDER_

HWY_BEFORE_NAMESPACE();
namespace somas {
namespace HWY_NAMESPACE {
using namespace izhikevich;  // NOLINT(google-build-using-namespace): the model's own names

// One fused pass (docs/models.md, "IzhikevichSoma"; Izhikevich 2003), absolute mV:
//   integrate: twice v = clamp(v + dt/2 (0.04 v^2 + 5 v + 140 - u + R I),
//                              potential_floor, 1e4);
//              u += dt a (b v - u), with the new v
//   fire:      spike = v > threshold; where spike v = c, u += d
// The right-hand side is evaluated as (0.04 v + 5) v + g with
// g = 140 - u + R I, computed once for both halves: three multiply-adds and
// the clamp per half step, a dependency chain of 16 cycles where adding the
// input separately took 19 (Zen 5; the chain is this model's first cost).
// v + h f, not an expanded polynomial in v, keeps the rounding in the small
// increment (the expanded form, terms of +-260 mV that cancel, moved a
// neuron by 0.2 mV in reference_test). Reads and writes v
// (state 0) and u (state 1) once each. u stays within +-1e30 (a product
// that overflowed to +-inf is clamped there; v is finite, so no inf - inf)
// and is flushed to 0 below 1e-30.
HWY_NOINLINE void IzhikevichStep(const KernelArgs& a, KernelResult* r) {
  const DF d;
  WithStates(a, [&](const auto& s) SOMAS_BODY {
    WithConstants(a, [&](const auto& k) SOMAS_BODY {
      // First stage: the two half steps of v.
      const auto integrate = [=](size_t i, VF current) SOMAS_BODY {
        const VF half_dt = k(kIzhHalfDt, i);
        const VF floor = k(kIzhFloor, i);
        const VF ceiling = hn::Set(d, kIzhCeiling);
        VF v = s.Load(0, i, k(kIzhRest, i));
        const VF u = s.Load(1, i);
        const VF g = hn::MulAdd(k(kIzhResistance, i), current, hn::Sub(hn::Set(d, 140.0f), u));
        for (int half = 0; half < 2; ++half) {
          const VF f = hn::MulAdd(hn::MulAdd(hn::Set(d, 0.04f), v, hn::Set(d, 5.0f)), v, g);
          v = hn::MulAdd(half_dt, f, v);
          v = hn::Min(hn::Max(v, floor), ceiling);
        }
        return v;
      };
      // Second stage: u from the new v, fire, reset.
      const auto fire = [=](size_t i, VF v) SOMAS_BODY {
        // u + dt a (b v - u) as (1 - dt a) u + (dt a b) v: the first product
        // does not wait for v. A product that overflows is clamped below.
        VF u = hn::MulAdd(k(kIzhDtAB, i), v, hn::Mul(k(kIzhKeepU, i), s.Load(1, i)));
        const MF spike = hn::Gt(v, k(kIzhThreshold, i));
        v = hn::IfThenElse(spike, k(kIzhReset, i), v);
        u = hn::Add(u, hn::IfThenElseZero(spike, k(kIzhD, i)));
        s.Store(0, i, v, k(kIzhRest, i));
        s.StoreBounded(1, i, u);
        return spike;
      };
      ForEachStagedBlock(a, r, integrate, fire);
    });
  });
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace somas
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "engine/format.h"
#include "models/builtin.h"
#include "models/rules.h"

namespace somas {
namespace {
using namespace izhikevich;  // NOLINT(google-build-using-namespace)

HWY_EXPORT(IzhikevichStep);

void RunIzhikevichStep(const KernelArgs& a, KernelResult* r) {
  HWY_DYNAMIC_DISPATCH(IzhikevichStep)(a, r);
}

// ---------------------------------------------------------------------------
// Schema

// Half-step Euler on the quadratic is stable where its slope 0.08 v + 5 exceeds
// -4 / dt, i.e. for v > -50 / dt - 62.5 mV: the floor must lie above that.
double LowestStableFloor(double dt) { return -50.0 / dt - 62.5; }

// The error texts of the rules below, out of line (see models/rules.cc).
[[gnu::noinline, gnu::cold]] std::string RecoveryEulerUnstable(double timescale, double dt) {
  return "forward Euler on u is unstable with dt = " + FormatNumber(dt) +
         " ms (needs dt * recovery_timescale < 2); this value accepts dt < " +
         FormatFloat(static_cast<float>(2 / timescale)) + " ms";
}

[[gnu::noinline, gnu::cold]] std::string FloorUnstable(double floor, double dt) {
  const std::string accepted =
      floor < -62.5 ? "; this floor accepts dt < " +
                          FormatFloat(static_cast<float>(-50.0 / (floor + 62.5))) + " ms"
                    : "";
  return "the half-step integration is unstable below " + FormatNumber(LowestStableFloor(dt)) +
         " mV with dt = " + FormatNumber(dt) + " ms; raise potential_floor" + accepted;
}

Rule RecoveryEulerStable() {
  return {"dt * recovery_timescale < 2 (forward Euler stability)",
          {"recovery_timescale"},
          [](const double* v, double dt) -> std::string {
            if (dt * v[0] < 2) return {};
            return RecoveryEulerUnstable(v[0], dt);
          }};
}

Rule FloorBelowThreshold() {
  return {"potential_floor < threshold",
          {"potential_floor", "threshold"},
          [](const double* v, double /*dt*/) -> std::string {
            if (v[0] < v[1]) return {};
            return "potential_floor must be below threshold, or the neuron fires on every step";
          }};
}

Rule FloorStable() {
  return {"potential_floor > -50 / dt - 62.5 mV (half-step stability)",
          {"potential_floor"},
          [](const double* v, double dt) -> std::string {
            if (v[0] > LowestStableFloor(dt)) return {};
            return FloorUnstable(v[0], dt);
          }};
}

void DeriveIzhikevich(NeuronParams p, double dt, double* k) {
  k[kIzhHalfDt] = dt / 2;
  k[kIzhResistance] = p[kResistance];
  k[kIzhThreshold] = p[kThreshold];
  k[kIzhReset] = p[kReset];
  k[kIzhKeepU] = 1 - dt * p[kA];
  k[kIzhDtAB] = dt * p[kA] * p[kB];
  k[kIzhD] = p[kD];
  k[kIzhFloor] = p[kFloor];
  k[kIzhRest] = p[kRest];
}

void InitIzhikevich(NeuronParams p, float* s) {
  s[0] = static_cast<float>(p[kRest]);
  s[1] = static_cast<float>(p[kB] * p[kRest]);
}

}  // namespace

ModelSpec IzhikevichSomaSpec() {
  ModelSpec m;
  m.name = "IzhikevichSoma";
  m.description = "Izhikevich's simple model: quadratic potential v with recovery variable u";
  m.reference = "Izhikevich, IEEE Trans. Neural Networks 14(6):1569 (2003)";
  AddParam(&m, kRest, "potential_rest", "mV", -65.0,
           "initial potential (u starts at recovery_sensitivity * it)");
  AddParam(&m, kReset, "potential_reset", "mV", -65.0, "potential right after a spike (c)");
  AddParam(&m, kResistance, "resistance", "GOhm", 0.1, "input resistance: R * I (pA) is in mV",
           Bound::kNonNegative);
  AddParam(&m, kThreshold, "threshold", "mV", 30.0,
           "spike peak: a neuron spikes when v exceeds this");
  AddParam(&m, kA, "recovery_timescale", "1/ms", 0.02, "time scale of u (a)", Bound::kNonNegative);
  AddParam(&m, kB, "recovery_sensitivity", "1", 0.2, "sensitivity of u to v (b)");
  AddParam(&m, kD, "recovery_update", "mV", 2.0, "jump of u at each spike (d)");
  AddParam(&m, kFloor, "potential_floor", "mV", -100.0,
           "engine extension (not upstream): v is clamped to at least this, keeping the "
           "integration stable under strong inhibition");
  m.rules = {ThresholdAboveReset(), RecoveryEulerStable(), FloorBelowThreshold(), FloorStable()};
  // The kernel keeps v in absolute mV; float16 pools store v - potential_rest.
  m.states = {{"potential", "mV", "potential_rest", false, -1, kRest},
              {"recovery", "mV", "recovery_sensitivity * potential_rest"}};
  m.num_float_states = 2;
  m.num_constants = kIzhRest + 1;
  m.drive_current = 10.0 / DefaultOf(m, "resistance");  // the paper's I = 10 (mV of R I)
  m.accuracy = Accuracy::kChaotic;
  m.derive = DeriveIzhikevich;
  m.init = InitIzhikevich;
  m.kernel = RunIzhikevichStep;
  m.float16_kernel = true;
  return m;
}

}  // namespace somas
#endif  // HWY_ONCE
