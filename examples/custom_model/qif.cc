// QuadraticSoma's kernel, written once with Highway and compiled for every
// SIMD target (foreach_target.h re-includes this file per target), and its
// schema. Only public somas headers and Highway.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "examples/custom_model/qif.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
// (foreach_target.h re-includes this file once per target; it must come first.)

#include <hwy/highway.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "examples/custom_model/qif.h"

#ifndef SOMAS_EXAMPLES_QIF_ORDER_
#define SOMAS_EXAMPLES_QIF_ORDER_
namespace qif {
// Parameters, in schema order.
enum Param { kRest, kCritical, kReset, kTau, kSharpness, kResistance, kPeak };
// Kernel constants.
enum Constant { kScale, kA0, kVRest, kVCrit, kR, kVPeak, kVReset, kNumConstants };
}  // namespace qif
#endif

HWY_BEFORE_NAMESPACE();
namespace qif {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Steps the neurons [a.begin, a.end): one vector at a time, one 16-bit spike
// word per block. A neuron whose current is not finite is left unchanged,
// does not spike and is counted (the kernel contract, docs/embedding.md).
void QuadraticStep(const somas::KernelArgs& a, somas::KernelResult* r) {
  const hn::ScalableTag<float> d;
  const size_t lanes = hn::Lanes(d);
  float* v = a.state[0];
  size_t bad = 0, first_bad = 0;
  for (size_t block = a.begin; block < a.end; block += somas::kBlock) {
    const float* in = block < a.n_main ? a.current + block : a.current_tail + (block - a.n_main);
    uint32_t word = 0;
    for (size_t j = 0; j < somas::kBlock; j += lanes) {
      const size_t i = block + j;
      auto k = [&](int c) { return hn::Load(d, a.constants[c].data + (i & a.constants[c].mask)); };
      const auto current = hn::LoadU(d, in + j);
      const auto finite = hn::IsFinite(current);
      const auto x = hn::Load(d, v + i);
      // tau dv/dt = a0 (v - v_rest)(v - v_crit) + R I, forward Euler.
      const auto quadratic = hn::Mul(hn::Mul(k(kA0), hn::Sub(x, k(kVRest))), hn::Sub(x, k(kVCrit)));
      const auto drive = hn::Mul(k(kR), hn::IfThenElseZero(finite, current));
      auto next = hn::Add(x, hn::Mul(k(kScale), hn::Add(quadratic, drive)));
      const auto bound = hn::Set(d, somas::kStateBound);
      next = hn::Min(hn::Max(next, hn::Neg(bound)), bound);  // (inf clamps too)
      const auto spike = hn::And(hn::Gt(next, k(kVPeak)), finite);
      next = hn::IfThenElse(spike, k(kVReset), next);
      hn::Store(hn::IfThenElse(finite, next, x), d, v + i);
      uint8_t bits[8] = {0};
      hn::StoreMaskBits(d, spike, bits);
      const uint32_t lane_bits = lanes >= 16 ? 0xFFFFu : (1u << lanes) - 1u;
      word |= ((bits[0] | static_cast<uint32_t>(bits[1]) << 8) & lane_bits) << j;
      if (!hn::AllTrue(d, finite)) {
        for (size_t l = 0; l < lanes; ++l) {
          if (!std::isfinite(in[j + l]) && bad++ == 0) first_bad = i + l;
        }
      }
    }
    a.spikes[block / somas::kBlock] = static_cast<uint16_t>(word);
  }
  r->nonfinite_count = bad;
  r->first_nonfinite = first_bad;
  r->target = hwy::TargetName(HWY_TARGET);
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace qif
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace qif {

HWY_EXPORT(QuadraticStep);

namespace {

void RunQuadraticStep(const somas::KernelArgs& a, somas::KernelResult* r) {
  HWY_DYNAMIC_DISPATCH(QuadraticStep)(a, r);
}

void Derive(somas::NeuronParams p, double dt, double* k) {
  k[kScale] = dt / p[kTau];
  k[kA0] = p[kSharpness];
  k[kVRest] = p[kRest];
  k[kVCrit] = p[kCritical];
  k[kR] = p[kResistance];
  k[kVPeak] = p[kPeak];
  k[kVReset] = p[kReset];
}

void Init(somas::NeuronParams p, float* s) { s[0] = static_cast<float>(p[kRest]); }

somas::ParamSpec Parameter(const char* name, const char* unit, double value,
                           const char* description, somas::Bound bound = somas::Bound::kFinite) {
  return {name, unit, value, description, bound};
}

}  // namespace

somas::ModelSpec QuadraticSomaSpec() {
  somas::ModelSpec m;
  m.name = "QuadraticSoma";
  m.description = "quadratic integrate-and-fire soma, forward Euler";
  m.reference = "Gerstner, Kistler, Naud, Paninski. Neuronal Dynamics (2014), section 5.3";
  m.params = {
      Parameter("potential_rest", "mV", -65.0,
                "stable fixed point v_rest; the potential starts here"),
      Parameter("potential_critical", "mV", -50.0, "unstable fixed point v_crit (the threshold)"),
      Parameter("potential_reset", "mV", -70.0, "potential right after a spike"),
      Parameter("potential_tau", "ms", 10.0, "membrane time constant", somas::Bound::kPositive),
      Parameter("sharpness", "1/mV", 0.05, "a0, the curvature of the quadratic",
                somas::Bound::kPositive),
      Parameter("resistance", "GOhm", 0.1, "R: R * I (pA) is in mV", somas::Bound::kNonNegative),
      Parameter("threshold", "mV", 0.0, "the peak: a neuron spikes when v passes it"),
  };
  // (The order above is the Param enum's: Registry::Add checks names, units,
  // rule references and that these defaults make a valid pool.)
  m.rules = {
      {"potential_critical > potential_rest",
       {"potential_critical", "potential_rest"},
       [](const double* v, double) -> std::string {
         return v[0] > v[1] ? "" : "v_crit must lie above v_rest, or rest is not stable";
       }},
      {"threshold > potential_critical",
       {"threshold", "potential_critical"},
       [](const double* v, double) -> std::string {
         return v[0] > v[1] ? "" : "the peak must lie above v_crit, where the upswing starts";
       }},
      {"threshold > potential_reset",
       {"threshold", "potential_reset"},
       [](const double* v, double) -> std::string {
         return v[0] > v[1] ? "" : "threshold must be greater than potential_reset";
       }},
  };
  m.states = {{"potential", "mV", "potential_rest"}};
  m.num_float_states = 1;
  m.num_constants = kNumConstants;
  m.drive_current = 300.0;  // R I = 30 mV: regular firing at the defaults
  m.derive = Derive;
  m.init = Init;
  m.kernel = RunQuadraticStep;
  return m;
}

somas::Registry RegistryWithQuadraticSoma() {
  somas::Registry registry = somas::BuiltinRegistry();
  const somas::Status added = registry.Add(QuadraticSomaSpec());
  if (!added.ok()) std::abort();  // a bug in this file; qif_test reports it
  return registry;
}

}  // namespace qif
#endif  // HWY_ONCE
