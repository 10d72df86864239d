// Every registered model on every compiled SIMD target against the
// double-precision reference (tests/reference.cc), shared and per-neuron
// parameters, pool sizes around every vector width.
#include "tests/reference.h"

#include <gtest/gtest.h>
#include <hwy/targets.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <stdexcept>
#include <string>

#include "engine/names.h"
#include "somas/somas.h"
#include "tests/scenarios.h"

namespace somas {
namespace {

// Potential tolerance per family, mV: |engine - reference| <= abs + rel * |v|.
// docs/models.md gives the float32 gaps to expect: leaky family below 1e-4 mV,
// exponential family up to 0.2 mV around upstrokes, Izhikevich (compared over
// short horizons only) far larger on upstrokes. Spike decisions must agree
// wherever the reference's margin to threshold exceeds `spike_margin`.
// In the upswing (exponential family: v above rheobase_threshold; Izhikevich:
// v above -62.5 mV, where the quadratic grows) each step multiplies an error
// (exponential: by 1 + dt / potential_tau * exp((v - V_T) / D), about 200 at
// the defaults just before a spike), so there the tolerance is `upswing`.
struct Tolerance {
  double abs;
  double rel;
  double upswing;
  double spike_margin;
  int steps;  // horizon
};

Tolerance ToleranceFor(const ModelSpec& m) {
  switch (m.accuracy) {
    case Accuracy::kChaotic:
      return {0.05, 2e-3, 2.0, 2.0, 25};
    case Accuracy::kExponential:
      return {0.05, 0, 1.0, 0.2, 200};
    case Accuracy::kSmooth:
      break;
  }
  return {2e-4, 1e-6, 2e-4, 1e-3, 200};
}

// The largest |engine - reference| per model, printed at the end of each test
// (the figures docs/accuracy.md quotes).
std::map<std::string, double>& MaxErrors() {
  static auto* errors = new std::map<std::string, double>();
  return *errors;
}
void RecordMaxError(const std::string& model, double error) {
  MaxErrors()[model] = std::max(MaxErrors()[model], error);
}

struct Mismatch {
  size_t count = 0;
  std::string first;
};

// `horizon_ms` > 0 runs that many milliseconds (half of it for chaotic
// models) instead of the model's horizon in steps.
void RunAgainstReference(const ModelSpec& model, size_t size, bool per_neuron, double dt,
                         int64_t target, double horizon_ms = 0) {
  const Tolerance tol = ToleranceFor(model);
  testing::Scenario s = testing::MakeScenario(model, size, dt, per_neuron, 17 + size);
  Pool pool;
  const Status created = Pool::Create(s.config, &pool);
  ASSERT_TRUE(created.ok()) << created.message();
  std::vector<reference::Neuron> ref;
  for (size_t i = 0; i < size; ++i) ref.emplace_back(model.name, s.neuron_params[i], dt);

  std::mt19937 rng(5 + size);
  int steps = size > 10000 ? std::min(25, tol.steps) : tol.steps;
  if (horizon_ms > 0) {
    steps =
        static_cast<int>((model.accuracy == Accuracy::kChaotic ? horizon_ms / 2 : horizon_ms) / dt);
  }
  // In the small-dt runs (horizon_ms > 0) the float rounding of per-step
  // factors such as decay = exp(-dt / tau) biases a steady state by about
  // half an ulp of the factor over (1 - factor), ~ 3e-8 tau / dt relatively:
  // there the relative tolerance grows as 1 / dt (1e-4 at dt = 0.05 ms).
  const double rel = tol.rel + (horizon_ms > 0 ? 5e-6 / dt : 0.0);
  Mismatch potential_mismatch, spike_mismatch;
  size_t spikes_seen = 0;
  double max_error = 0;
  for (int t = 0; t < steps; ++t) {
    const std::vector<float> current = testing::NoisyCurrent(model, size, &rng);
    ASSERT_TRUE(pool.Step(current).ok());
    ASSERT_STREQ(pool.last_target_name(), hwy::TargetName(target));
    const std::vector<uint8_t> spikes = pool.SpikesDense();
    const std::vector<float> v = pool.Potentials();
    for (size_t i = 0; i < size; ++i) {
      reference::Neuron& n = ref[i];
      n.Integrate(current[i]);
      bool decision = n.WouldSpike();
      if (n.Margin() > tol.spike_margin) {
        if (decision != (spikes[i] != 0) && spike_mismatch.count++ == 0) {
          spike_mismatch.first = "step " + std::to_string(t) + " neuron " + std::to_string(i) +
                                 ": reference spike " + std::to_string(decision) + " margin " +
                                 std::to_string(n.Margin());
        }
      } else {
        decision = spikes[i] != 0;  // within rounding: follow the engine's decision
      }
      n.Fire(decision);
      spikes_seen += decision;
      const double expected = n.potential();
      max_error = std::max(max_error, std::fabs(v[i] - expected));
      const double allowed = n.in_upswing() ? tol.upswing : tol.abs + rel * std::fabs(expected);
      if (!(std::fabs(v[i] - expected) <= allowed) && potential_mismatch.count++ == 0) {
        potential_mismatch.first = "step " + std::to_string(t) + " neuron " + std::to_string(i) +
                                   ": engine " + std::to_string(v[i]) + " mV, reference " +
                                   std::to_string(expected) + " mV";
      }
    }
  }
  const std::string where = model.name + " on " + hwy::TargetName(target) + ", " +
                            std::to_string(size) + " neurons, " +
                            (per_neuron ? "per-neuron" : "shared") + " parameters: ";
  RecordMaxError(model.name, max_error);
  EXPECT_EQ(spike_mismatch.count, 0u) << where << spike_mismatch.first;
  EXPECT_EQ(potential_mismatch.count, 0u) << where << potential_mismatch.first;
  if (size >= 1000 || horizon_ms > 0) {
    EXPECT_GT(spikes_seen, 0u) << where << "the scenario never spiked";
  }
}

class ReferenceTest : public testing::ModelOnTargetTest {};

TEST_P(ReferenceTest, MatchesReferenceOnEveryTarget) {
  const ModelSpec* model = BuiltinRegistry().Find(name(), nullptr);
  ASSERT_NE(model, nullptr);
  testing::ForEachTarget([&](int64_t target) {
    for (size_t size : {1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 1000, 100003}) {
      for (bool per_neuron : {false, true}) {
        RunAgainstReference(*model, size, per_neuron, 1.0, target);
      }
    }
    RunAgainstReference(*model, 1000, true, 0.25, target);
    // Small steps: 50 ms (25 for Izhikevich), long enough to spike and, for
    // the adaptive threshold, to integrate between threshold and the raised
    // threshold, where the exponential's argument is capped at threshold.
    RunAgainstReference(*model, 64, true, 0.1, target, 50);
    RunAgainstReference(*model, 64, true, 0.05, target, 50);
  });
  printf("%s: largest |engine - reference| %.3g mV\n", name().c_str(), MaxErrors()[name()]);
}

INSTANTIATE_TEST_SUITE_P(AllModels, ReferenceTest,
                         ::testing::ValuesIn(testing::OnEveryTarget(testing::ModelNames())),
                         testing::CaseName);

// The reference knows exactly the registry's models, each with the same
// parameters and defaults (docs/models.md is the source of both): a model
// added to one and not the other fails here.
TEST(ReferenceTableTest, SameModelsParametersAndDefaultsAsTheRegistry) {
  std::set<std::string> registered;
  for (const ModelSpec& m : BuiltinRegistry().models()) {
    registered.insert(m.name);
    const reference::Params defaults = reference::Defaults(m.name);
    ASSERT_EQ(defaults.size(), m.params.size()) << m.name;
    for (const ParamSpec& p : m.params) {
      ASSERT_EQ(defaults.count(p.name), 1u) << m.name << " " << p.name;
      EXPECT_EQ(defaults.at(p.name), p.default_value) << m.name << " " << p.name;
    }
  }
  std::set<std::string> referenced;
  for (const auto& [name, model] : reference::Models()) referenced.insert(name);
  EXPECT_EQ(referenced, registered);
  EXPECT_THROW(reference::Neuron("LeakySomaX", {}, 1.0), std::invalid_argument);
}

}  // namespace
}  // namespace somas
