// One case per validation rule (docs/models.md): the specific error, naming
// model, parameter, value and neuron index, and the pool left unchanged.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "engine/names.h"
#include "somas/somas.h"

namespace somas {
namespace {

struct Case {
  const char* rule;
  PoolConfig config;
  std::vector<std::string> expected;  // substrings of the message
};

PoolConfig Config(const std::string& model, std::map<std::string, ParamValue> params,
                  double dt = 1.0, size_t size = 10) {
  PoolConfig c;
  c.model = model;
  c.size = size;
  c.dt = dt;
  c.params = std::move(params);
  return c;
}

// Ten neurons, all at `value` but neuron 6 at `bad`.
ParamValue OneBad(double value, double bad) {
  std::vector<double> v(10, value);
  v[6] = bad;
  return ParamValue::PerNeuron(v);
}

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

std::vector<Case> Cases() {
  return {
      {"unknown model", Config("LeakySomma", {}), {"unknown model", "LeakySomma", "LeakySoma"}},
      {"unknown parameter",
       Config("LeakySoma", {{"potential_tua", ParamValue::Shared(5)}}),
       {"LeakySoma", "unknown parameter", "potential_tua", "potential_tau"}},
      {"per-neuron length",
       Config("LeakySoma", {{"threshold", ParamValue::PerNeuron({1, 2, 3})}}),
       {"LeakySoma", "threshold has 3 values", "10 neurons"}},
      {"size 0", Config("LeakySoma", {}, 1.0, 0), {"LeakySoma", "size = 0"}},
      {"size too large",
       Config("LeakySoma", {}, 1.0, kMaxPoolSize + 1),
       {"LeakySoma", "size = ", "neurons a pool can hold"}},
      // About 38 GB: more than the 24 GB machines this project runs on.
      {"size beyond memory",
       Config("AdaptiveExponentialSoma", {}, 1.0, kMaxPoolSize),
       {"AdaptiveExponentialSoma", "would need 38654705376", "bytes"}},
      {"dt zero", Config("LeakySoma", {}, 0.0), {"LeakySoma", "dt = 0 ms", "> 0"}},
      {"dt NaN", Config("LeakySoma", {}, kNaN), {"LeakySoma", "dt = nan"}},
      {"NaN parameter",
       Config("LeakySoma", {{"threshold", ParamValue::Shared(kNaN)}}),
       {"LeakySoma", "threshold = nan mV", "finite"}},
      {"infinite per-neuron parameter",
       Config("LeakySoma", {{"potential_rest", OneBad(-60, -kInf)}}),
       {"LeakySoma", "potential_rest = -inf mV", "at neuron 6", "finite"}},
      {"beyond float range",
       Config("LeakySoma", {{"threshold", ParamValue::Shared(1e39)}}),
       {"LeakySoma", "threshold = 1e+39 mV", "within +-1e30"}},
      {"beyond the value bound",
       Config("IzhikevichSoma", {{"recovery_sensitivity", OneBad(0.2, -1.5e30)}}),
       {"IzhikevichSoma", "recovery_sensitivity = -1.5e+30", "at neuron 6", "within +-1e30"}},
      {"values and an initializer at once",
       Config("LeakySoma", {{"threshold", ParamValue{true, {-40.0}, Initializer{}}}}),
       {"LeakySoma", "threshold has both 1 value(s) and an initializer; give one or the other"}},
      {"initial state beyond the bound",
       Config("IzhikevichSoma", {{"recovery_sensitivity", ParamValue::Shared(1e29)}}),
       {"IzhikevichSoma", "recovery starts at recovery_sensitivity * potential_rest = -6.5e+30",
        "beyond the state bound +-1e30"}},
      {"initial state beyond the bound at one neuron",
       Config("IzhikevichSoma", {{"recovery_sensitivity", OneBad(0.2, 1e29)}}),
       {"IzhikevichSoma", "recovery starts at recovery_sensitivity * potential_rest = -6.5e+30",
        "at neuron 6", "beyond the state bound +-1e30"}},
      {"potential_tau > 0",
       Config("LeakySoma", {{"potential_tau", OneBad(20, 0)}}),
       {"LeakySoma", "potential_tau = 0 ms", "at neuron 6", "> 0"}},
      {"resistance >= 0",
       Config("RefractoryLeakySoma", {{"resistance", ParamValue::Shared(-0.1)}}),
       {"RefractoryLeakySoma", "resistance = -0.1 GOhm", ">= 0"}},
      {"threshold > potential_reset",
       Config("LeakySoma", {{"threshold", OneBad(-40, -55)}}),
       {"LeakySoma", "threshold = -55 mV", "potential_reset = -50 mV", "at neuron 6",
        "greater than potential_reset"}},
      {"threshold > potential_reset (equal)",
       Config("IzhikevichSoma", {{"threshold", ParamValue::Shared(-65)}}),
       {"IzhikevichSoma", "threshold = -65 mV", "potential_reset = -65 mV"}},
      {"cooldown >= 0",
       Config("StrictRefractoryLeakySoma", {{"cooldown", ParamValue::Shared(-1)}}),
       {"StrictRefractoryLeakySoma", "cooldown = -1 ms", ">= 0"}},
      {"cooldown fits the counter",
       Config("RefractoryExponentialSoma", {{"cooldown", OneBad(2, 70)}}, 0.001),
       {"RefractoryExponentialSoma", "cooldown = 70 ms", "at neuron 6", "70000 refractory steps",
        "65535", "cooldown <= 65.535 ms"}},
      {"threshold_tau > 0",
       Config("AdaptiveLeakySoma", {{"threshold_tau", ParamValue::Shared(-20)}}),
       {"AdaptiveLeakySoma", "threshold_tau = -20 ms", "> 0"}},
      {"spike_slope > 0",
       Config("ExponentialSoma", {{"spike_slope", ParamValue::Shared(0)}}),
       {"ExponentialSoma", "spike_slope = 0 mV", "> 0"}},
      {"exponential Euler stability",
       Config("ExponentialSoma", {{"potential_tau", OneBad(5, 0.4)}}),
       {"ExponentialSoma", "potential_tau = 0.4 ms", "at neuron 6", "dt / tau < 2",
        "accepts dt < 0.8 ms"}},
      {"Euler stability checked on potential_tau first",
       Config("AdaptiveExponentialSoma", {{"adaptation_tau", ParamValue::Shared(3)}}, 11.0, 10),
       {"AdaptiveExponentialSoma", "potential_tau = 5 ms", "dt = 11 ms", "accepts dt < 10 ms"}},
      {"adaptation Euler stability (alone)",
       Config(
           "AdaptiveExponentialSoma",
           {{"adaptation_tau", ParamValue::Shared(0.5)}, {"potential_tau", ParamValue::Shared(5)}},
           1.0),
       {"AdaptiveExponentialSoma", "adaptation_tau = 0.5 ms", "accepts dt < 1 ms"}},
      {"exponential overflow",
       Config("SimplifiedAdaptiveExponentialSoma", {{"spike_slope", ParamValue::Shared(0.2)}}),
       {"SimplifiedAdaptiveExponentialSoma", "spike_slope = 0.2 mV", "more than 1e30 mV"}},
      {"recovery Euler stability",
       Config("IzhikevichSoma", {{"recovery_timescale", OneBad(0.02, 2.5)}}),
       {"IzhikevichSoma", "recovery_timescale = 2.5", "at neuron 6", "accepts dt < 0.8 ms"}},
      {"recovery_timescale >= 0",
       Config("IzhikevichSoma", {{"recovery_timescale", ParamValue::Shared(-0.02)}}),
       {"IzhikevichSoma", "recovery_timescale = -0.02", ">= 0"}},
      {"floor below threshold",
       Config("IzhikevichSoma", {{"potential_floor", ParamValue::Shared(40)}}),
       {"IzhikevichSoma", "potential_floor = 40 mV", "threshold = 30 mV", "below threshold"}},
      {"floor stability",
       Config("IzhikevichSoma", {{"potential_floor", ParamValue::Shared(-150)}}),
       {"IzhikevichSoma", "potential_floor = -150 mV", "unstable below -112.5 mV",
        "accepts dt < 0.571"}},
  };
}

TEST(ValidationTest, EachRuleHasItsOwnError) {
  for (const Case& c : Cases()) {
    Pool pool;
    const Status s = Pool::Create(c.config, &pool);
    ASSERT_FALSE(s.ok()) << c.rule;
    for (const std::string& part : c.expected) {
      EXPECT_NE(s.message().find(part), std::string::npos)
          << c.rule << ": \"" << s.message() << "\" lacks \"" << part << "\"";
    }
  }
}

TEST(ValidationTest, ARejectedConfigurationChangesNothing) {
  PoolConfig good;
  good.model = "AdaptiveLeakySoma";
  good.size = 21;
  Pool pool;
  ASSERT_TRUE(Pool::Create(good, &pool).ok());
  for (int t = 0; t < 30; ++t) ASSERT_TRUE(pool.Step(std::vector<float>(21, 300.0f)).ok());
  const std::vector<float> potentials = pool.Potentials();
  const std::vector<uint32_t> spikes = pool.SpikeIndices();
  for (const Case& c : Cases()) {
    ASSERT_FALSE(Pool::Create(c.config, &pool).ok()) << c.rule;
    EXPECT_EQ(pool.model().name, "AdaptiveLeakySoma") << c.rule;
    EXPECT_EQ(pool.size(), 21u) << c.rule;
    EXPECT_EQ(pool.Potentials(), potentials) << c.rule;
    EXPECT_EQ(pool.SpikeIndices(), spikes) << c.rule;
  }
}

TEST(ValidationTest, DefaultsOfEveryModelAreValid) {
  for (const ModelSpec& m : BuiltinRegistry().models()) {
    PoolConfig config;
    config.model = m.name;
    config.size = 3;
    Pool pool;
    const Status s = Pool::Create(config, &pool);
    EXPECT_TRUE(s.ok()) << m.name << ": " << s.message();
  }
}

}  // namespace
}  // namespace somas
