// Test scenarios built from a model's schema, so every registered model is
// covered without naming it: jittered per-neuron parameters, noisy drive
// currents, and a helper that runs a body on every compiled SIMD target.
#ifndef SOMAS_TESTS_SCENARIOS_H_
#define SOMAS_TESTS_SCENARIOS_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <map>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "engine/pool_impl.h"
#include "somas/somas.h"
#include "tests/reference.h"

namespace somas::testing {

struct Scenario {
  PoolConfig config;
  std::vector<reference::Params> neuron_params;  // the same values, per neuron, for the reference
};

// `size` neurons of `model` at `dt`: defaults, or every parameter jittered per
// neuron around its default (staying inside every rule) when `per_neuron`.
Scenario MakeScenario(const ModelSpec& model, size_t size, double dt, bool per_neuron,
                      uint32_t seed);

// One step of noisy drive: uniform in [0.5, 1.5] x the model's drive_current.
std::vector<float> NoisyCurrent(const ModelSpec& model, size_t size, std::mt19937* rng);

// The names of every registered model, for parameterised tests.
std::vector<std::string> ModelNames();

// A pool of `model`; adds a test failure (and returns an empty pool) if the
// configuration is rejected.
Pool MakePool(const std::string& model, size_t size, double dt = 1.0,
              std::map<std::string, ParamValue> params = {});

// Kernel-unit views of a pool's storage (padded arrays), for checks that the
// public API deliberately does not offer.
inline const float* StateArray(const Pool& pool, size_t k) {
  return Internals(pool).states[k].data();
}
inline const uint16_t* CounterArray(const Pool& pool) { return Internals(pool).counter.data(); }
inline size_t PaddedSize(const Pool& pool) { return Internals(pool).padded; }

// The whole observable pool (parameters, states, counters, spikes, name and
// seed) as bytes: its checkpoint. Equal snapshots mean equal pools.
std::string Snapshot(const Pool& pool);

// Runs `body(target)` with Highway forced to each compiled-and-supported
// target in turn, then restores normal dispatch; inside a ModelOnTargetTest
// case, once, on the case's target.
void ForEachTarget(const std::function<void(int64_t target)>& body);

// A case of a suite over models and SIMD targets, so that a failure names
// both: "AllModels/ContractTest.X/LeakySoma_AVX2".
struct ModelOnTarget {
  std::string model;
  std::string target;
};
void PrintTo(const ModelOnTarget& c, std::ostream* os);
// Each of `models` on every target this binary has and this CPU runs.
std::vector<ModelOnTarget> OnEveryTarget(const std::vector<std::string>& models);
// "LeakySoma_AVX2".
std::string CaseName(const ::testing::TestParamInfo<ModelOnTarget>& info);

// The fixture of such suites: the case's target is pinned for the test
// (SetSimdTarget; ForEachTarget runs its body once, on it) and released after.
class ModelOnTargetTest : public ::testing::TestWithParam<ModelOnTarget> {
 protected:
  void SetUp() override;
  void TearDown() override;
  const std::string& name() const { return GetParam().model; }
  const ModelSpec& model() const;
};

}  // namespace somas::testing

#endif  // SOMAS_TESTS_SCENARIOS_H_
