// Schemas of the exponential family: parameters, rules, kernel constants, states.
#include <cmath>

#include "engine/format.h"
#include "models/builtin.h"
#include "models/kernels.h"
#include "models/rules.h"

namespace somas {
namespace {

// Parameter order: the ExponentialSoma seven, then each model's additions.
enum {
  kRest,
  kReset,
  kTau,
  kResistance,
  kThreshold,
  kRheobase,
  kSlope,
  kExtra,  // first added parameter
};
// RefractoryExponentialSoma / SimplifiedAdaptiveExponentialSoma.
enum { kCooldown = kExtra, kThresholdTau, kThresholdDelta };
// AdaptiveExponentialSoma.
enum { kAdaptationTau = kExtra, kAdaptationDelta, kAdaptationSubthreshold };

// D exp((theta - V_T) / D), the largest value the exponential term takes, may
// not exceed this (docs/models.md).
constexpr double kMaxExponentialTerm = 1e30;

const char kReference[] =
    "Fourcaud-Trocme, Hansel, van Vreeswijk, Brunel, J. Neurosci. 23(37):11628 (2003); "
    "Brette & Gerstner, J. Neurophysiol. 94(5):3637 (2005)";

std::vector<ParamSpec> ExponentialParams() {
  return {
      Param("potential_rest", "mV", -70.0, "resting potential; the potential starts here"),
      Param("potential_reset", "mV", -51.0, "potential right after a spike"),
      Param("potential_tau", "ms", 5.0, "membrane time constant", Bound::kPositive),
      Param("resistance", "GOhm", 0.5, "membrane resistance: R * I (pA) is in mV",
            Bound::kNonNegative),
      Param("threshold", "mV", -30.0,
            "spike peak: a neuron spikes when its potential exceeds this"),
      Param("rheobase_threshold", "mV", -50.0, "V_T, where the exponential upswing takes over"),
      Param("spike_slope", "mV", 2.0, "slope factor D of the exponential term", Bound::kPositive),
  };
}

std::optional<Violation> CheckExponential(NeuronParams p, double dt) {
  if (auto v = CheckThresholdAboveReset(p, kThreshold, kReset)) return v;
  if (auto v = CheckResetWithinBound(p, kReset, kRest)) return v;
  if (auto v = CheckEulerStable(p, kTau, dt)) return v;
  const double largest = p[kSlope] * std::exp((p[kThreshold] - p[kRheobase]) / p[kSlope]);
  if (!(largest <= kMaxExponentialTerm)) {
    return Violation{{kThreshold, kRheobase, kSlope},
                     "the exponential term reaches spike_slope * exp((threshold - "
                     "rheobase_threshold) / spike_slope) = " +
                         FormatNumber(largest) +
                         " mV, more than 1e30 mV; lower threshold or "
                         "raise spike_slope"};
  }
  return std::nullopt;
}

std::optional<Violation> CheckRefractoryExponential(NeuronParams p, double dt) {
  if (auto v = CheckExponential(p, dt)) return v;
  return CheckCooldown(p, kCooldown, dt);
}

std::optional<Violation> CheckAdaptiveExponential(NeuronParams p, double dt) {
  if (auto v = CheckExponential(p, dt)) return v;
  return CheckEulerStable(p, kAdaptationTau, dt);
}

void DeriveExponential(NeuronParams p, double dt, double* k) {
  k[kExpScale] = dt / p[kTau];
  k[kExpResistance] = p[kResistance];
  k[kExpTheta] = p[kThreshold] - p[kRest];
  k[kExpReset] = p[kReset] - p[kRest];
  k[kExpSlope] = p[kSlope];
  k[kExpInvSlope] = 1.0 / p[kSlope];
  k[kExpRheobaseOverSlope] = (p[kRheobase] - p[kRest]) / p[kSlope];
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
  m.params = ExponentialParams();
  m.rules = {"threshold > potential_reset", kResetWithinBoundRule,
             "dt / potential_tau < 2 (forward Euler stability)",
             "spike_slope * exp((threshold - rheobase_threshold) / spike_slope) <= 1e30 mV"};
  m.states = {{"potential", "mV", "potential_rest", false, kRest}};
  m.num_float_states = 1;
  m.num_constants = kExpAdaptationB + 1;
  // 1.3x the current whose steady state R I reaches rheobase_threshold.
  m.drive_current = 1.3 * (DefaultOf(m, "rheobase_threshold") - DefaultOf(m, "potential_rest")) /
                    DefaultOf(m, "resistance");
  m.accuracy = Accuracy::kExponential;
  m.check = CheckExponential;
  m.derive = DeriveExponential;
  m.init = InitExponential;
  m.kernel = RunExponentialStep;
  return m;
}

ModelSpec RefractoryBase(const char* name, const char* description, KernelFn kernel) {
  ModelSpec m = ExponentialBase(name, description);
  AddRefractoriness(&m);
  m.check = CheckRefractoryExponential;
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
  m.params.push_back(Param("adaptation_tau", "ms", 100.0, "time constant of w", Bound::kPositive));
  m.params.push_back(Param("adaptation_delta", "pA", 7.0, "jump of w at each spike (b)"));
  m.params.push_back(Param("adaptation_subthreshold", "nS", 0.5,
                           "subthreshold coupling of w to the potential (a)"));
  m.rules.push_back("dt / adaptation_tau < 2 (forward Euler stability)");
  m.states.push_back({"adaptation", "pA", "0"});
  m.num_float_states = 2;
  m.check = CheckAdaptiveExponential;
  m.derive = DeriveAdaptiveExponential;
  m.kernel = RunAdaptiveExponentialStep;
  return m;
}

ModelSpec SimplifiedAdaptiveExponentialSomaSpec() {
  ModelSpec m = RefractoryBase("SimplifiedAdaptiveExponentialSoma",
                               "RefractoryExponentialSoma with the adaptive threshold of "
                               "AdaptiveLeakySoma instead of an adaptation current",
                               RunSimplifiedAdaptiveExponentialStep);
  AddAdaptiveThreshold(&m);
  m.derive = DeriveSimplifiedAdaptive;
  return m;
}

}  // namespace somas
