// Validation rules shared by several model families.
#include "models/rules.h"

#include <cmath>

#include "engine/format.h"

namespace somas {

double CooldownSteps(double cooldown, double dt) { return std::round(cooldown / dt); }

std::optional<Violation> CheckThresholdAboveReset(NeuronParams p, int threshold, int reset) {
  if (p[threshold] > p[reset]) return std::nullopt;
  return Violation{
      {threshold, reset},
      "threshold must be greater than potential_reset, or the neuron fires on every step"};
}

std::optional<Violation> CheckResetWithinBound(NeuronParams p, int reset, int rest) {
  if (std::fabs(static_cast<float>(p[reset] - p[rest])) <= kStateBound) return std::nullopt;
  return Violation{{reset, rest},
                   "potential_reset - potential_rest = " + FormatNumber(p[reset] - p[rest]) +
                       " mV is beyond the state bound +-1e30 mV (potentials are kept relative "
                       "to potential_rest)"};
}

std::optional<Violation> CheckCooldown(NeuronParams p, int cooldown, double dt) {
  const double steps = CooldownSteps(p[cooldown], dt);
  if (steps <= kMaxCooldownSteps) return std::nullopt;
  return Violation{
      {cooldown},
      "with dt = " + FormatNumber(dt) + " ms that is " + FormatNumber(steps) +
          " refractory steps, more than the refractory counter holds (65535); use cooldown <= " +
          FormatFloat(static_cast<float>(kMaxCooldownSteps * dt)) + " ms or a larger dt"};
}

std::optional<Violation> CheckEulerStable(NeuronParams p, int tau, double dt) {
  if (dt / p[tau] < 2) return std::nullopt;
  return Violation{{tau},
                   "forward Euler is unstable with dt = " + FormatNumber(dt) +
                       " ms (needs dt / tau < 2); this value accepts dt < " +
                       FormatFloat(static_cast<float>(2 * p[tau])) + " ms"};
}

void AddRefractoriness(ModelSpec* m) {
  m->params.push_back(Param("cooldown", "ms", 2.0,
                            "refractory period, round(cooldown / dt) whole steps",
                            Bound::kNonNegative));
  m->rules.push_back("round(cooldown / dt) <= 65535 (the refractory counter is 16-bit)");
  m->states.push_back({"refractory_steps", "steps", "0 (ready)", true, -1});
  m->has_counter = true;
}

void AddAdaptiveThreshold(ModelSpec* m) {
  m->params.push_back(Param("threshold_tau", "ms", 20.0,
                            "time constant of the threshold's return to its base value",
                            Bound::kPositive));
  m->params.push_back(Param("threshold_delta", "mV", 100.0, "threshold increase at each spike"));
  // The kernel keeps the excess over threshold; users see the threshold itself.
  m->states.push_back({"adaptive_threshold", "mV", "threshold", false, m->ParamIndex("threshold")});
  m->num_float_states = 2;
}

double DefaultOf(const ModelSpec& m, const char* name) {
  return m.params[m.ParamIndex(name)].default_value;
}

ParamSpec Param(const char* name, const char* unit, double default_value, const char* description,
                Bound bound) {
  return ParamSpec{name, unit, default_value, description, bound};
}

}  // namespace somas
