// Rules and schema helpers shared by several model families (models/rules.h).
#include "models/rules.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "engine/format.h"

namespace somas {

double CooldownSteps(double cooldown, double dt) { return std::round(cooldown / dt); }

// The error texts of the rules below, out of line: a check's accepting path,
// taken once per neuron when a pool is built, then needs no stack frame.
namespace {

[[gnu::noinline, gnu::cold]] std::string ResetBeyondBound(double reset_minus_rest) {
  return "potential_reset - potential_rest = " + FormatNumber(reset_minus_rest) +
         " mV is beyond the state bound +-1e30 mV (potentials are kept relative to "
         "potential_rest)";
}

[[gnu::noinline, gnu::cold]] std::string CooldownTooLong(double steps, double dt) {
  return "with dt = " + FormatNumber(dt) + " ms that is " + FormatNumber(steps) +
         " refractory steps, more than the refractory counter holds (65535); use "
         "cooldown <= " +
         FormatFloat(static_cast<float>(kMaxCooldownSteps * dt)) + " ms or a larger dt";
}

[[gnu::noinline, gnu::cold]] std::string EulerUnstable(double tau, double dt) {
  return "forward Euler is unstable with dt = " + FormatNumber(dt) +
         " ms (needs dt / tau < 2); this value accepts dt < " +
         FormatFloat(static_cast<float>(2 * tau)) + " ms";
}

}  // namespace

Rule ThresholdAboveReset() {
  return {"threshold > potential_reset",
          {"threshold", "potential_reset"},
          [](const double* v, double /*dt*/) -> std::string {
            if (v[0] > v[1]) return {};
            return "threshold must be greater than potential_reset, or the neuron fires on every "
                   "step";
          }};
}

Rule ResetWithinBound() {
  return {"|potential_reset - potential_rest| <= 1e30 mV (the state bound)",
          {"potential_reset", "potential_rest"},
          [](const double* v, double /*dt*/) -> std::string {
            if (std::fabs(static_cast<float>(v[0] - v[1])) <= kStateBound) return {};
            return ResetBeyondBound(v[0] - v[1]);
          }};
}

Rule CooldownFits() {
  return {"round(cooldown / dt) <= 65535 (the refractory counter is 16-bit)",
          {"cooldown"},
          [](const double* v, double dt) -> std::string {
            const double steps = CooldownSteps(v[0], dt);
            if (steps <= kMaxCooldownSteps) return {};
            return CooldownTooLong(steps, dt);
          }};
}

Rule EulerStable(const std::string& tau) {
  return {"dt / " + tau + " < 2 (forward Euler stability)",
          {tau},
          [](const double* v, double dt) -> std::string {
            if (dt / v[0] < 2) return {};
            return EulerUnstable(v[0], dt);
          }};
}

void AddParam(ModelSpec* m, int index, const char* name, const char* unit, double default_value,
              const char* description, Bound bound) {
  if (index != static_cast<int>(m->params.size())) {
    std::fprintf(stderr,
                 "somas: %s: parameter %s is declared at index %d but would be parameter %zu: "
                 "the schema's order and the kernel's enum disagree\n",
                 m->name.c_str(), name, index, m->params.size());
    std::abort();
  }
  m->params.push_back(ParamSpec{name, unit, default_value, description, bound});
}

void AddRefractoriness(ModelSpec* m, int index) {
  AddParam(m, index, "cooldown", "ms", 2.0, "refractory period, round(cooldown / dt) whole steps",
           Bound::kNonNegative);
  m->rules.push_back(CooldownFits());
  m->states.push_back({"refractory_steps", "steps", "0 (ready)", true, -1});
  m->has_counter = true;
}

void AddAdaptiveThreshold(ModelSpec* m, int index) {
  AddParam(m, index, "threshold_tau", "ms", 20.0,
           "time constant of the threshold's return to its base value", Bound::kPositive);
  AddParam(m, index + 1, "threshold_delta", "mV", 100.0, "threshold increase at each spike");
  // The kernel keeps the excess over threshold; users see the threshold itself.
  m->states.push_back({"adaptive_threshold", "mV", "threshold", false, m->ParamIndex("threshold")});
  m->num_float_states = 2;
}

double DefaultOf(const ModelSpec& m, const char* name) {
  return m.params[m.ParamIndex(name)].default_value;
}

}  // namespace somas
