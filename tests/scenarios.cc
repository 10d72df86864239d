// Schema-driven test scenarios.
#include "tests/scenarios.h"

#include <gtest/gtest.h>
#include <hwy/targets.h>

#include "engine/registry.h"

namespace somas::testing {
namespace {

bool Has(const ModelSpec& m, const char* name) { return m.ParamIndex(name) >= 0; }
double Default(const ModelSpec& m, const char* name) {
  return m.params[m.ParamIndex(name)].default_value;
}

}  // namespace

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

double DriveCurrent(const ModelSpec& m) {
  const double r = Default(m, "resistance");
  if (Has(m, "rheobase_threshold")) {
    return 1.3 * (Default(m, "rheobase_threshold") - Default(m, "potential_rest")) / r;
  }
  if (Has(m, "recovery_timescale")) return 10.0 / r;  // the paper's I = 10
  return 1.5 * (Default(m, "threshold") - Default(m, "potential_rest")) / r;
}

std::vector<float> NoisyCurrent(const ModelSpec& model, size_t size, std::mt19937* rng) {
  const double base = DriveCurrent(model);
  std::uniform_real_distribution<double> factor(0.5, 1.5);
  std::vector<float> current(size);
  for (float& c : current) c = static_cast<float>(base * factor(*rng));
  return current;
}

std::vector<std::string> ModelNames() {
  std::vector<std::string> names;
  for (const ModelSpec& m : Registry::Builtin().models()) names.push_back(m.name);
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

void ForEachTarget(const std::function<void(int64_t target)>& body) {
  for (int64_t target : hwy::SupportedAndGeneratedTargets()) {
    hwy::SetSupportedTargetsForTest(target);
    body(target);
  }
  hwy::SetSupportedTargetsForTest(0);
}

}  // namespace somas::testing
