// 100,000 random valid configurations across every model, each stepped with
// random finite input: no state may ever become NaN or infinite.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "engine/format.h"
#include "somas/somas.h"
#include "tests/scenarios.h"

namespace somas {
namespace {

// Log-uniform magnitude in [1e-3, 1e3] (times the default's scale for
// positive parameters), random sign where the rule allows one.
double Draw(const ParamSpec& p, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> exponent(-3.0, 3.0);
  std::bernoulli_distribution coin(0.5);
  const double magnitude = std::pow(10.0, exponent(rng));
  switch (p.bound) {
    case Bound::kPositive:
    case Bound::kNonNegative:
      return magnitude;
    case Bound::kFinite:
      return coin(rng) ? magnitude : -magnitude;
  }
  return magnitude;
}

// Finite input currents: log-uniform magnitudes from 1e-3 to 1e6 pA, random
// sign, and now and then the largest finite float.
float Current(std::mt19937_64& rng) {
  std::uniform_real_distribution<double> exponent(-3.0, 6.0);
  std::uniform_int_distribution<int> pick(0, 99);
  const int p = pick(rng);
  const float sign = (p & 1) ? 1.0f : -1.0f;
  if (p < 2) return sign * std::numeric_limits<float>::max();
  return sign * static_cast<float>(std::pow(10.0, exponent(rng)));
}

TEST(PropertyTest, RandomValidConfigurationsNeverProduceNonFiniteStates) {
  const auto& models = BuiltinRegistry().models();
  const size_t per_model = (100000 + models.size() - 1) / models.size();
  std::mt19937_64 rng(2026);
  std::uniform_real_distribution<double> dt_exponent(-2.0, 0.5);
  for (const ModelSpec& m : models) {
    size_t built = 0;
    size_t attempts = 0;
    while (built < per_model) {
      ASSERT_LT(attempts++, 100 * per_model) << m.name << ": valid configurations are too rare";
      PoolConfig config;
      config.model = m.name;
      config.size = 4;
      config.dt = std::pow(10.0, dt_exponent(rng));
      for (const ParamSpec& p : m.params) config.params[p.name] = ParamValue::Shared(Draw(p, rng));
      Pool pool;
      if (!Pool::Create(config, &pool).ok()) continue;  // only valid configurations count
      ++built;
      std::vector<float> current(config.size);
      for (int t = 0; t < 30; ++t) {
        for (float& c : current) c = Current(rng);
        ASSERT_TRUE(pool.Step(current).ok());
        for (size_t k = 0; k < m.num_float_states; ++k) {
          for (size_t i = 0; i < testing::PaddedSize(pool); ++i) {
            if (std::isfinite(testing::StateArray(pool, k)[i])) continue;
            std::string params;
            for (const auto& [name, value] : config.params) {
              params += " " + name + "=" + FormatNumber(value.values[0]);
            }
            FAIL() << m.name << " dt=" << config.dt << params << ": state " << k << " of neuron "
                   << i << " is " << testing::StateArray(pool, k)[i] << " after step " << t;
          }
        }
      }
    }
  }
}

// Values at and near the bound, and ordinary ones: what a fuzzing user sends.
double Extreme(const ParamSpec& p, std::mt19937_64& rng) {
  static const double kMagnitudes[] = {1e30, 9.9999e29, 5e29, 1e29, 1e20, 1e3, 20, 1, 1e-3, 0};
  std::uniform_int_distribution<int> pick(0, 12);
  const int k = pick(rng);
  if (k >= 10) return p.default_value;
  const double m = kMagnitudes[k];
  return (p.bound == Bound::kFinite && (rng() & 1)) ? -m : m;
}

float ExtremeCurrent(std::mt19937_64& rng) {
  static const float kValues[] = {
      std::numeric_limits<float>::max(), 1e30f, 1e20f, 1e6f, 300.0f, 0.0f};
  const float v = kValues[rng() % 6];
  return (rng() & 1) ? -v : v;
}

// One bound everywhere: for any accepted parameters and any finite inputs,
// what the pool holds can be saved and loaded, and every state read back
// can be written back.
TEST(PropertyTest, EveryPoolSavesAndLoadsAndEveryStateReadCanBeWritten) {
  std::mt19937_64 rng(31);
  for (const ModelSpec& m : BuiltinRegistry().models()) {
    size_t accepted = 0, at_bound = 0;
    for (int attempt = 0; attempt < 8000; ++attempt) {
      PoolConfig config;
      config.model = m.name;
      config.size = 3;
      config.dt = (rng() & 1) ? 1.0 : 0.1;
      for (const ParamSpec& p : m.params) {
        if (rng() % 3 == 0) continue;  // default
        config.params[p.name] =
            (rng() & 1)
                ? ParamValue::Shared(Extreme(p, rng))
                : ParamValue::PerNeuron({Extreme(p, rng), Extreme(p, rng), Extreme(p, rng)});
      }
      Pool pool;
      if (!Pool::Create(config, &pool).ok()) continue;
      ++accepted;
      std::vector<float> current(config.size);
      for (int t = 0; t < 4; ++t) {
        for (float& c : current) c = ExtremeCurrent(rng);
        ASSERT_TRUE(pool.Step(current).ok());
        std::string bytes;
        ASSERT_TRUE(pool.SaveToBuffer(&bytes).ok());
        Pool loaded;
        ASSERT_TRUE(pool.Clone(&loaded).ok());
        const Status load = loaded.LoadFromBuffer(bytes);
        ASSERT_TRUE(load.ok()) << m.name << " step " << t << ": " << load.message();
        for (const StateSpec& state : m.states) {
          if (state.counter) continue;
          std::vector<float> values(config.size);
          ASSERT_TRUE(pool.GetState(state.name, values.data(), values.size()).ok());
          const Status write = pool.SetState(state.name, values.data(), values.size());
          ASSERT_TRUE(write.ok()) << m.name << " step " << t << ": " << write.message();
        }
        for (size_t k = 0; k < m.num_float_states; ++k) {
          for (size_t i = 0; i < config.size; ++i) {
            at_bound += std::fabs(testing::StateArray(pool, k)[i]) == kStateBound;
          }
        }
      }
    }
    EXPECT_GT(accepted, 300u) << m.name;
    EXPECT_GT(at_bound, 0u) << m.name << ": no state ever reached the bound";
  }
}

}  // namespace
}  // namespace somas
