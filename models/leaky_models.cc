// Schemas of the leaky family: parameters, rules, kernel constants, states.
#include <cmath>

#include "models/builtin.h"
#include "models/kernels.h"
#include "models/rules.h"

namespace somas {
namespace {

// Parameter order shared by every leaky model (each adds to the end).
enum { kRest, kReset, kTau, kResistance, kThreshold, kCooldown, kThresholdTau, kThresholdDelta };

const char kGerstner[] =
    "Gerstner, Kistler, Naud, Paninski. Neuronal Dynamics (2014), ch. 1.3 and 5.1";

std::vector<ParamSpec> LeakyParams() {
  return {
      Param("potential_rest", "mV", -60.0, "resting potential; the potential starts here"),
      Param("potential_reset", "mV", -50.0, "potential right after a spike"),
      Param("potential_tau", "ms", 20.0, "membrane time constant", Bound::kPositive),
      Param("resistance", "GOhm", 0.1, "membrane resistance: R * I (pA) is in mV",
            Bound::kNonNegative),
      Param("threshold", "mV", -40.0, "a neuron spikes when its potential exceeds this"),
  };
}

std::optional<Violation> CheckLeaky(NeuronParams p, double /*dt*/) {
  if (auto v = CheckThresholdAboveReset(p, kThreshold, kReset)) return v;
  return CheckResetWithinBound(p, kReset, kRest);
}

std::optional<Violation> CheckRefractoryLeaky(NeuronParams p, double dt) {
  if (auto v = CheckLeaky(p, dt)) return v;
  return CheckCooldown(p, kCooldown, dt);
}

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
  m.params = LeakyParams();
  m.rules = {"threshold > potential_reset", kResetWithinBoundRule};
  m.states = {{"potential", "mV", "potential_rest", false, kRest}};
  m.num_float_states = 1;
  m.num_constants = kLeakyReset + 1;
  // 1.5x the current whose steady state R I reaches threshold.
  m.drive_current = 1.5 * (DefaultOf(m, "threshold") - DefaultOf(m, "potential_rest")) /
                    DefaultOf(m, "resistance");
  m.accuracy = Accuracy::kSmooth;
  m.check = CheckLeaky;
  m.derive = DeriveLeaky;
  m.init = InitLeaky;
  m.kernel = RunLeakyStep;
  return m;
}

ModelSpec RefractoryBase(const char* name, const char* description, KernelFn kernel) {
  ModelSpec m = LeakyBase(name, description);
  AddRefractoriness(&m);
  m.num_constants = kLeakyCooldownSteps + 1;
  m.check = CheckRefractoryLeaky;
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
  AddAdaptiveThreshold(&m);
  m.num_constants = kLeakyThresholdDelta + 1;
  m.derive = DeriveAdaptiveLeaky;
  return m;
}

}  // namespace somas
