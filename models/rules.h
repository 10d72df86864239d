// The building blocks of the built-in schemas: the rules several families
// share, and parameters added in the order their kernels read them.
#ifndef SOMAS_MODELS_RULES_H_
#define SOMAS_MODELS_RULES_H_

#include <cstdint>
#include <string>

#include "somas/somas.h"

namespace somas {

// The refractory counter is uint16: round(cooldown / dt) must fit.
inline constexpr double kMaxCooldownSteps = UINT16_MAX;

// round(cooldown / dt) whole steps, halves away from zero (docs/models.md).
double CooldownSteps(double cooldown, double dt);

// threshold > potential_reset, or a neuron would fire on every step.
Rule ThresholdAboveReset();
// potential_reset - potential_rest, the potential written at a spike in
// kernel units, within the state bound.
Rule ResetWithinBound();
// round(cooldown / dt) fits the counter.
Rule CooldownFits();
// Forward Euler on dx/dt = -x / tau is stable only for dt / tau < 2; `tau`
// names the parameter.
Rule EulerStable(const std::string& tau);

// Appends a parameter to `m`. `index` is its position in the family's
// parameter enum (what derive and init read it as): it must be the next one,
// or the schema and the kernel would disagree about the order. A mismatch is
// a programming error, reported (and the process stopped) when the built-in
// registry is first built, so every test catches it.
void AddParam(ModelSpec* m, int index, const char* name, const char* unit, double default_value,
              const char* description, Bound bound = Bound::kFinite);
// The refractory period every Refractory*/Adaptive* model shares: the
// cooldown parameter (at `index`), its rule and the counter state. The
// model's derive and kernel must handle them.
void AddRefractoriness(ModelSpec* m, int index);
// The adaptive threshold of AdaptiveLeakySoma and
// SimplifiedAdaptiveExponentialSoma: threshold_tau and threshold_delta (at
// `index` and `index + 1`) and the threshold state (a second float state,
// kept relative to the parameter `threshold`).
void AddAdaptiveThreshold(ModelSpec* m, int index);

// The default value of parameter `name` of `m` (which must have it).
double DefaultOf(const ModelSpec& m, const char* name);

}  // namespace somas

#endif  // SOMAS_MODELS_RULES_H_
