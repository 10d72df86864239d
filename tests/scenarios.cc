// Schema-driven test scenarios.
#include "tests/scenarios.h"

#include <gtest/gtest.h>
#include <hwy/targets.h>

#include "engine/names.h"

namespace somas::testing {

Scenario MakeScenario(const ModelSpec& model, size_t size, double dt, bool per_neuron,
                      uint32_t seed) {
  Scenario s;
  s.config.model = model.name;
  s.config.size = size;
  s.config.dt = dt;
  s.neuron_params.assign(size, {});
  if (!per_neuron) return s;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  for (const ParamSpec& p : model.params) {
    std::vector<double> values(size);
    for (size_t i = 0; i < size; ++i) {
      double v = p.default_value;
      if (p.unit == "mV" && p.bound == Bound::kFinite) {
        v += 2.0 * unit(rng);  // every default keeps threshold - reset >= 10 mV
      } else {
        v *= 1.0 + 0.2 * unit(rng);
      }
      values[i] = v;
      s.neuron_params[i][p.name] = v;
    }
    s.config.params[p.name] = ParamValue::PerNeuron(values);
  }
  return s;
}

std::vector<float> NoisyCurrent(const ModelSpec& model, size_t size, std::mt19937* rng) {
  const double base = model.drive_current;
  std::uniform_real_distribution<double> factor(0.5, 1.5);
  std::vector<float> current(size);
  for (float& c : current) c = static_cast<float>(base * factor(*rng));
  return current;
}

std::vector<std::string> ModelNames() {
  std::vector<std::string> names;
  for (const ModelSpec& m : BuiltinRegistry().models()) names.push_back(m.name);
  return names;
}

Pool MakePool(const std::string& model, size_t size, double dt,
              std::map<std::string, ParamValue> params) {
  PoolConfig config;
  config.model = model;
  config.size = size;
  config.dt = dt;
  config.params = std::move(params);
  Pool pool;
  const Status s = Pool::Create(config, &pool);
  if (!s.ok()) ADD_FAILURE() << s.message();
  return pool;
}

std::string Snapshot(const Pool& pool) {
  std::string bytes;
  EXPECT_TRUE(pool.SaveToBuffer(&bytes).ok());
  return bytes;
}

namespace {
std::string pinned;  // the target of the running ModelOnTargetTest case, or ""
}  // namespace

void PrintTo(const ModelOnTarget& c, std::ostream* os) { *os << c.model << " on " << c.target; }

std::vector<ModelOnTarget> OnEveryTarget(const std::vector<std::string>& models) {
  std::vector<ModelOnTarget> cases;
  for (const std::string& m : models) {
    for (const std::string& t : AvailableTargets()) cases.push_back({m, t});
  }
  return cases;
}

std::string CaseName(const ::testing::TestParamInfo<ModelOnTarget>& info) {
  return info.param.model + "_" + info.param.target;
}

void ModelOnTargetTest::SetUp() {
  const Status s = SetSimdTarget(GetParam().target);
  ASSERT_TRUE(s.ok()) << s.message();
  pinned = GetParam().target;
}

void ModelOnTargetTest::TearDown() {
  pinned.clear();
  ASSERT_TRUE(SetSimdTarget("auto").ok());
}

const ModelSpec& ModelOnTargetTest::model() const {
  return *BuiltinRegistry().Find(GetParam().model, nullptr);
}

void ForEachTarget(const std::function<void(int64_t target)>& body) {
  if (!pinned.empty()) {
    for (int64_t target : hwy::SupportedAndGeneratedTargets()) {
      if (pinned != hwy::TargetName(target)) continue;
      ASSERT_STREQ(SimdTarget(), pinned.c_str());
      body(target);
      return;
    }
    FAIL() << "the pinned target " << pinned << " is not available";
  }
  // Through the public SetSimdTarget, so that every kernel test also checks
  // that limiting the target reaches the kernels.
  for (int64_t target : hwy::SupportedAndGeneratedTargets()) {
    const Status limited = SetSimdTarget(hwy::TargetName(target));
    ASSERT_TRUE(limited.ok()) << limited.message();
    ASSERT_STREQ(SimdTarget(), hwy::TargetName(target));
    // Every failure inside names the target it ran on.
    SCOPED_TRACE(std::string("on SIMD target ") + hwy::TargetName(target));
    body(target);
  }
  ASSERT_TRUE(SetSimdTarget("auto").ok());
}

}  // namespace somas::testing
