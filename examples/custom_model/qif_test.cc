// QuadraticSoma against a double-precision implementation of its equations,
// on every SIMD target this machine runs (a failure names the target), and
// its registration, rules, non-finite inputs and checkpoints through the
// public API.
#include "examples/custom_model/qif.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace {

// The equations of qif.h in double: one neuron.
struct Reference {
  double rest = -65, crit = -50, reset = -70, tau = 10, a0 = 0.05, r = 0.1, peak = 0;
  double v = -65;
  bool Step(double current, double dt) {
    v += dt / tau * (a0 * (v - rest) * (v - crit) + r * current);
    if (v > peak) {
      v = reset;
      return true;
    }
    return false;
  }
};

class QuadraticSomaTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { ASSERT_TRUE(somas::SetSimdTarget(GetParam()).ok()); }
  void TearDown() override { ASSERT_TRUE(somas::SetSimdTarget("auto").ok()); }
  const somas::Registry registry_ = qif::RegistryWithQuadraticSoma();
};

// Each step, from the engine's own state, against one double-precision step:
// the same spike decision (unless the reference lands within rounding of the
// peak), the reset value exactly, and otherwise the potential within float
// rounding.
TEST_P(QuadraticSomaTest, FollowsTheDoublePrecisionEquations) {
  const size_t n = 37;  // two blocks and a partial one
  for (double dt : {0.1, 0.025}) {
    somas::PoolConfig config;
    config.model = "QuadraticSoma";
    config.size = n;
    config.dt = dt;
    somas::Pool pool;
    ASSERT_TRUE(somas::Pool::Create(config, &pool, registry_).ok());
    std::vector<Reference> ref(n);
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> drive(0.0f, 500.0f);
    size_t spikes = 0;
    double worst = 0;
    for (int t = 0; t < static_cast<int>(200 / dt); ++t) {
      std::vector<float> current(n);
      for (float& c : current) c = drive(rng);
      ASSERT_TRUE(pool.Step(current).ok());
      ASSERT_STREQ(pool.last_target_name(), GetParam().c_str());
      const std::vector<uint8_t> fired = pool.SpikesDense();
      const std::vector<float> v = pool.Potentials();
      for (size_t i = 0; i < n; ++i) {
        const bool spike = ref[i].Step(current[i], dt);
        const double integrated = spike ? ref[i].peak : ref[i].v;  // (before any reset)
        if ((fired[i] != 0) != spike) {
          ASSERT_LT(std::fabs(integrated - ref[i].peak), 1e-3)
              << "dt " << dt << " step " << t << " neuron " << i << ": a spike decision away "
              << "from the peak";
        } else if (spike) {
          ASSERT_EQ(v[i], -70.0f);
        } else {
          const double error = std::fabs(v[i] - ref[i].v);
          ASSERT_LT(error, 1e-5 * std::fabs(ref[i].v) + 1e-4)
              << "dt " << dt << " step " << t << " neuron " << i;
          worst = std::max(worst, error);
        }
        spikes += fired[i];
        ref[i].v = v[i];  // on the engine's trajectory: each step is checked alone
      }
    }
    EXPECT_GT(spikes, 10 * n) << "dt " << dt;
    std::printf("%s dt %g: %zu spikes, largest gap %.3g mV\n", GetParam().c_str(), dt, spikes,
                worst);
  }
}

TEST_P(QuadraticSomaTest, NonFiniteInputsLeaveTheirNeuronsUnchanged) {
  somas::PoolConfig config;
  config.model = "QuadraticSoma";
  config.size = 20;
  somas::Pool pool;
  ASSERT_TRUE(somas::Pool::Create(config, &pool, registry_).ok());
  std::vector<float> current(20, 250.0f);
  current[17] = NAN;
  somas::StepReport report;
  const somas::Status s = pool.Step(current, &report);
  EXPECT_EQ(s.code(), somas::StatusCode::kNonFiniteInput);
  EXPECT_EQ(report.nonfinite_inputs, 1u);
  EXPECT_EQ(report.first_nonfinite, 17u);
  EXPECT_EQ(pool.Potentials()[17], -65.0f);
  EXPECT_NE(pool.Potentials()[16], -65.0f);
}

std::vector<std::string> Targets() { return somas::AvailableTargets(); }

INSTANTIATE_TEST_SUITE_P(Targets, QuadraticSomaTest, ::testing::ValuesIn(Targets()),
                         [](const auto& info) { return info.param; });

// A model from outside runs in float16 pools without a float16 kernel (the
// engine's tiles): the same spikes as float32 here, potentials within
// 0.5 mV of them (the quadratic upswing amplifies float16's rounding: 0.12
// mV at -14 mV, where float16's spacing is 0.008 mV).
TEST(QuadraticSomaSchemaTest, Float16PoolsWorkWithAFloat32OnlyKernel) {
  const somas::Registry registry = qif::RegistryWithQuadraticSoma();
  somas::PoolConfig config;
  config.model = "QuadraticSoma";
  config.size = 1100;  // two tiles of the engine's float16 path, the second short
  somas::Pool single, half;
  ASSERT_TRUE(somas::Pool::Create(config, &single, registry).ok());
  config.dtype = somas::Dtype::kFloat16;
  ASSERT_TRUE(somas::Pool::Create(config, &half, registry).ok());
  size_t spikes = 0;
  for (int t = 0; t < 50; ++t) {
    ASSERT_TRUE(single.Step(std::vector<float>(1100, 400.0f)).ok());
    ASSERT_TRUE(half.Step(std::vector<float>(1100, 400.0f)).ok());
    ASSERT_EQ(half.SpikeIndices(), single.SpikeIndices()) << "step " << t;
    spikes += half.SpikeCount();
    const std::vector<float> a = single.Potentials(), b = half.Potentials();
    for (size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(b[i], a[i], 0.5f) << i << " at step " << t;
  }
  EXPECT_GT(spikes, 0u);
}

TEST(QuadraticSomaSchemaTest, RulesAreCheckedAndCheckpointsRoundTrip) {
  const somas::Registry registry = qif::RegistryWithQuadraticSoma();
  somas::PoolConfig config;
  config.model = "QuadraticSoma";
  config.size = 3;
  config.params["potential_critical"] = somas::ParamValue::Shared(-70.0);
  somas::Pool pool;
  somas::Status s = somas::Pool::Create(config, &pool, registry);
  EXPECT_NE(s.message().find("QuadraticSoma: potential_critical = -70 mV, potential_rest = -65 "
                             "mV: v_crit must lie above v_rest"),
            std::string::npos)
      << s.message();
  config.params.clear();
  ASSERT_TRUE(somas::Pool::Create(config, &pool, registry).ok());
  for (int t = 0; t < 50; ++t) ASSERT_TRUE(pool.Step(std::vector<float>(3, 400.0f)).ok());
  std::string bytes;
  ASSERT_TRUE(pool.SaveToBuffer(&bytes).ok());
  const std::string path = ::testing::TempDir() + "/qif.ckpt";
  ASSERT_TRUE(pool.Save(path).ok());
  somas::Pool loaded;
  EXPECT_FALSE(somas::Pool::FromCheckpoint(path, &loaded).ok());  // not a built-in model
  ASSERT_TRUE(somas::Pool::FromCheckpoint(path, &loaded, registry).ok());
  std::string again;
  ASSERT_TRUE(loaded.SaveToBuffer(&again).ok());
  EXPECT_EQ(again, bytes);
  // The spec as Registry::Add sees it: a second copy is refused by name.
  somas::Registry twice = registry;
  EXPECT_NE(twice.Add(qif::QuadraticSomaSpec()).message().find("already has a model"),
            std::string::npos);
}

}  // namespace
