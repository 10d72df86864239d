// Validation rules and parameter rows shared by several model families.
#ifndef SOMAS_MODELS_RULES_H_
#define SOMAS_MODELS_RULES_H_

#include <cstdint>
#include <optional>
#include <string>

#include "somas/somas.h"

namespace somas {

// The refractory counter is uint16: round(cooldown / dt) must fit.
inline constexpr double kMaxCooldownSteps = UINT16_MAX;

// round(cooldown / dt) whole steps, halves away from zero (docs/models.md).
double CooldownSteps(double cooldown, double dt);

// threshold > potential_reset, or a neuron would fire on every step.
std::optional<Violation> CheckThresholdAboveReset(NeuronParams p, int threshold, int reset);
// The potential written at a spike, potential_reset - potential_rest in
// kernel units, must be within the state bound.
std::optional<Violation> CheckResetWithinBound(NeuronParams p, int reset, int rest);
inline constexpr char kResetWithinBoundRule[] =
    "|potential_reset - potential_rest| <= 1e30 mV (the state bound)";
// round(cooldown / dt) must fit the counter.
std::optional<Violation> CheckCooldown(NeuronParams p, int cooldown, double dt);
// Forward Euler on dx/dt = -x / tau is stable only for dt / tau < 2.
std::optional<Violation> CheckEulerStable(NeuronParams p, int tau, double dt);

// Adds the refractory period every Refractory*/Adaptive* model shares: the
// cooldown parameter, its rule and the counter state. The model's own check,
// derive and kernel must handle them.
void AddRefractoriness(ModelSpec* m);
// Adds the adaptive threshold of AdaptiveLeakySoma and
// SimplifiedAdaptiveExponentialSoma: threshold_tau, threshold_delta, and the
// threshold state (a second float state).
void AddAdaptiveThreshold(ModelSpec* m);

// The default value of parameter `name` of `m` (which must have it).
double DefaultOf(const ModelSpec& m, const char* name);

ParamSpec Param(const char* name, const char* unit, double default_value, const char* description,
                Bound bound = Bound::kFinite);

}  // namespace somas

#endif  // SOMAS_MODELS_RULES_H_
