// Simulation files: initializers, both file forms, canonical write-out,
// schemas as JSON, and the errors of each malformed input.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "engine/files.h"
#include "engine/names.h"
#include "somas/somas.h"
#include "tests/scenarios.h"

namespace somas {
namespace {

// The derivation docs/configuration.md documents, written again from the doc.
uint64_t DocMix(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
double DocUnit(uint64_t seed, const std::string& key, uint64_t neuron, uint64_t k) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : key) h = (h ^ c) * 1099511628211ull;
  const uint64_t stream = DocMix(seed ^ h);
  return static_cast<double>(DocMix(stream ^ DocMix(2 * neuron + k)) >> 11) / 9007199254740992.0;
}

Pool Load(const std::string& text, size_t index = 0) {
  SimulationConfig sim;
  const Status s = ParseSimulation(text, &sim);
  EXPECT_TRUE(s.ok()) << s.message();
  Pool pool;
  if (!s.ok()) return pool;
  const Status created = Pool::Create(sim.pools.at(index), &pool);
  EXPECT_TRUE(created.ok()) << created.message();
  return pool;
}

TEST(InitializerTest, DrawsFollowTheDocumentedDerivation) {
  Pool pool = Load(R"({"dt": 1, "seed": 7, "pools": {"exc": {"model": "LeakySoma", "size": 50,
      "params": {"threshold": {"kind": "uniform", "min": -45, "max": -35},
                 "potential_tau": {"kind": "normal", "mean": 20, "std": 3}}}}})");
  const int threshold = pool.model().ParamIndex("threshold");
  const int tau = pool.model().ParamIndex("potential_tau");
  for (uint64_t i = 0; i < 50; ++i) {
    const double u = -45 + 10 * DocUnit(7, "exc/threshold", i, 0);
    EXPECT_EQ(pool.Param(threshold, i), static_cast<float>(u)) << i;
    const double r = std::sqrt(-2 * std::log(1 - DocUnit(7, "exc/potential_tau", i, 0)));
    const double n = 20 + 3 * r * std::cos(2 * M_PI * DocUnit(7, "exc/potential_tau", i, 1));
    EXPECT_EQ(pool.Param(tau, i), static_cast<float>(n)) << i;
  }
}

TEST(InitializerTest, ValuesDoNotDependOnPoolSizeTargetOrSeedOfOtherPools) {
  const std::string a = R"({"seed": 3, "pools": {"p": {"model": "ExponentialSoma", "size": 1000,
      "params": {"spike_slope": {"kind": "uniform", "min": 1, "max": 3}}}}})";
  const std::string b = R"({"seed": 3, "pools": {"p": {"model": "ExponentialSoma", "size": 2000,
      "params": {"spike_slope": {"kind": "uniform", "min": 1, "max": 3}}},
      "q": {"model": "LeakySoma", "size": 5}}})";
  Pool small = Load(a);
  Pool large = Load(b);
  const int k = small.model().ParamIndex("spike_slope");
  std::vector<float> first;
  for (size_t i = 0; i < 1000; ++i) {
    ASSERT_EQ(small.Param(k, i), large.Param(k, i)) << i;
    first.push_back(small.Param(k, i));
  }
  testing::ForEachTarget([&](int64_t) {
    Pool again = Load(a);
    for (size_t i = 0; i < 1000; ++i) ASSERT_EQ(again.Param(k, i), first[i]);
  });
  // Different seeds and different pool names draw different values.
  Pool other_seed = Load(R"({"seed": 4, "pools": {"p": {"model": "ExponentialSoma", "size": 1000,
      "params": {"spike_slope": {"kind": "uniform", "min": 1, "max": 3}}}}})");
  Pool other_name = Load(R"({"seed": 3, "pools": {"r": {"model": "ExponentialSoma", "size": 1000,
      "params": {"spike_slope": {"kind": "uniform", "min": 1, "max": 3}}}}})");
  EXPECT_NE(other_seed.Param(k, 0), first[0]);
  EXPECT_NE(other_name.Param(k, 0), first[0]);
}

TEST(InitializerTest, TheOnePoolFormsNameKeysItsStreams) {
  // {"name": "exc", ...} draws as the pool "exc" of the several-pools form;
  // without a name the key is "/threshold" (the empty name).
  const std::string named = R"({"seed": 7, "name": "exc", "model": "LeakySoma", "size": 20,
      "params": {"threshold": {"kind": "uniform", "min": -45, "max": -35}}})";
  PoolConfig config;
  const Status parsed = ParsePoolConfig(named, &config);
  ASSERT_TRUE(parsed.ok()) << parsed.message();
  EXPECT_EQ(config.name, "exc");
  Pool pool;
  ASSERT_TRUE(Pool::Create(config, &pool).ok());
  Pool unnamed = Load(R"({"seed": 7, "model": "LeakySoma", "size": 20,
      "params": {"threshold": {"kind": "uniform", "min": -45, "max": -35}}})");
  const int k = pool.model().ParamIndex("threshold");
  for (uint64_t i = 0; i < 20; ++i) {
    EXPECT_EQ(pool.Param(k, i), static_cast<float>(-45 + 10 * DocUnit(7, "exc/threshold", i, 0)));
    EXPECT_EQ(unnamed.Param(k, i), static_cast<float>(-45 + 10 * DocUnit(7, "/threshold", i, 0)));
  }
  // Errors name the pool; the several-pools form is still not one pool.
  const Status bad = Pool::Create(
      [] {
        PoolConfig c;
        EXPECT_TRUE(ParsePoolConfig(R"({"name": "exc", "model": "LeakySoma", "size": 2,
            "params": {"potential_tau": -1}})",
                                    &c)
                        .ok());
        return c;
      }(),
      &pool);
  EXPECT_NE(bad.message().find("pool \"exc\""), std::string::npos) << bad.message();
  const Status several =
      ParsePoolConfig(R"({"pools": {"a": {"model": "LeakySoma", "size": 1}}})", &config);
  EXPECT_NE(several.message().find("expected one pool"), std::string::npos) << several.message();
}

TEST(InitializerTest, ClippingFarInTheTailFinishesAndClips) {
  Pool pool = Load(R"({"model": "LeakySoma", "size": 100000, "params": {"threshold":
      {"kind": "normal", "mean": -40, "std": 1, "min": 60, "max": 61}}})");
  const int k = pool.model().ParamIndex("threshold");
  for (size_t i = 0; i < 100000; ++i) ASSERT_EQ(pool.Param(k, i), 60.0f);
}

TEST(InitializerTest, ConstantIsTheValue) {
  Pool pool = Load(R"({"model": "LeakySoma", "size": 5, "params": {"resistance":
      {"kind": "constant", "value": 0.25}}})");
  for (size_t i = 0; i < 5; ++i)
    EXPECT_EQ(pool.Param(pool.model().ParamIndex("resistance"), i), 0.25f);
}

TEST(CanonicalTest, RoundTripIsExact) {
  const std::string text = R"({"dt": 0.25, "seed": 18446744073709551615, "pools": {
      "b": {"model": "AdaptiveExponentialSoma", "size": 3,
            "params": {"adaptation_delta": [0.1, 1e-7, 123456.789], "potential_tau": 4.1}},
      "a": {"model": "IzhikevichSoma", "size": 40, "params": {
            "recovery_update": {"kind": "normal", "mean": 2, "std": 0.5, "min": 1, "max": 3},
            "recovery_timescale": {"kind": "uniform", "min": 0.01, "max": 0.03},
            "potential_floor": {"kind": "constant", "value": -90}}}}})";
  SimulationConfig first;
  ASSERT_TRUE(ParseSimulation(text, &first).ok());
  const std::string canonical = CanonicalJson(first);
  SimulationConfig second;
  const Status s = ParseSimulation(canonical, &second);
  ASSERT_TRUE(s.ok()) << s.message() << "\n" << canonical;
  EXPECT_EQ(CanonicalJson(second), canonical);
  ASSERT_EQ(second.pools.size(), 2u);
  EXPECT_EQ(second.pools[0].name, "a");  // sorted by name
  for (size_t p = 0; p < 2; ++p) {
    Pool x, y;
    ASSERT_TRUE(Pool::Create(first.pools[p], &x).ok());
    ASSERT_TRUE(Pool::Create(second.pools[p], &y).ok());
    for (size_t k = 0; k < x.model().params.size(); ++k) {
      for (size_t i = 0; i < x.size(); ++i) {
        ASSERT_EQ(x.Param(k, i), y.Param(k, i)) << x.model().params[k].name << " neuron " << i;
      }
    }
  }
  // The one-pool form stays the one-pool form.
  SimulationConfig one;
  ASSERT_TRUE(ParseSimulation(R"({"model": "LeakySoma", "size": 2})", &one).ok());
  const std::string one_text = CanonicalJson(one);
  EXPECT_EQ(one_text.find("pools"), std::string::npos) << one_text;
  PoolConfig pool;
  EXPECT_TRUE(ParsePoolConfig(one_text, &pool).ok());
  // A named one pool is written as the several-pools form, its name kept.
  ASSERT_TRUE(ParseSimulation(R"({"name": "x", "model": "LeakySoma", "size": 2})", &one).ok());
  SimulationConfig again;
  ASSERT_TRUE(ParseSimulation(CanonicalJson(one), &again).ok());
  ASSERT_EQ(again.pools.size(), 1u);
  EXPECT_EQ(again.pools[0].name, "x");
  EXPECT_EQ(CanonicalJson(again), CanonicalJson(one));
}

TEST(SchemaJsonTest, EveryModelWithUnitsDefaultsRulesAndStates) {
  const nlohmann::json schema = nlohmann::json::parse(ModelsJson(BuiltinRegistry()));
  const auto& models = BuiltinRegistry().models();
  ASSERT_EQ(schema["models"].size(), models.size());
  ASSERT_EQ(models.size(), 9u);
  for (size_t m = 0; m < models.size(); ++m) {
    const auto& j = schema["models"][m];
    EXPECT_EQ(j["name"], models[m].name);
    ASSERT_EQ(j["parameters"].size(), models[m].params.size());
    for (size_t k = 0; k < models[m].params.size(); ++k) {
      EXPECT_EQ(j["parameters"][k]["name"], models[m].params[k].name);
      EXPECT_EQ(j["parameters"][k]["unit"], models[m].params[k].unit);
      EXPECT_EQ(j["parameters"][k]["default"].get<double>(), models[m].params[k].default_value);
      EXPECT_FALSE(j["parameters"][k]["rule"].get<std::string>().empty());
      EXPECT_FALSE(j["parameters"][k]["description"].get<std::string>().empty());
    }
    EXPECT_GE(j["states"].size(), 1u);
    EXPECT_EQ(j["states"][0]["name"], "potential");
    EXPECT_EQ(j["states"][0]["unit"], "mV");
    ASSERT_EQ(j["rules"].size(), models[m].rules.size());
    for (size_t r = 0; r < models[m].rules.size(); ++r) {
      EXPECT_EQ(j["rules"][r]["rule"], models[m].rules[r].text);
      EXPECT_EQ(j["rules"][r]["parameters"], models[m].rules[r].params);
    }
  }
}

// docs/models.md's rule table ("## Rules") says what the registry holds:
// each rule's text, the parameters it reads and the models that have it.
TEST(SchemaJsonTest, TheDocsRuleTableIsTheRegistrys) {
  std::string doc;
  ASSERT_TRUE(ReadFile("docs/models.md", &doc).ok());
  const size_t section = doc.find("\n## Rules\n");
  ASSERT_NE(section, std::string::npos);
  const size_t end = doc.find("\n## ", section + 1);
  std::istringstream lines(doc.substr(section, end - section));
  // rule text -> "params | models", as the docs say and as the registry says.
  std::map<std::string, std::string> documented, registered;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("| `", 0) != 0) continue;
    std::vector<std::string> cells;
    std::string cell;
    for (size_t i = 1; i < line.size(); ++i) {
      if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '|') {
        cell += '|';
        ++i;
      } else if (line[i] == '|') {
        cells.push_back(cell);
        cell.clear();
      } else if (line[i] != '`') {
        cell += line[i];
      }
    }
    ASSERT_EQ(cells.size(), 3u) << line;
    auto trim = [](std::string s) {
      s.erase(0, s.find_first_not_of(' '));
      s.erase(s.find_last_not_of(' ') + 1);
      return s;
    };
    EXPECT_EQ(documented.count(trim(cells[0])), 0u) << "listed twice: " << cells[0];
    documented[trim(cells[0])] = trim(cells[1]) + " | " + trim(cells[2]);
  }
  std::map<std::string, std::vector<std::string>> models_of;
  std::map<std::string, std::string> params_of;
  for (const ModelSpec& m : BuiltinRegistry().models()) {
    for (const Rule& r : m.rules) {
      models_of[r.text].push_back(m.name);
      std::string params;
      for (const std::string& p : r.params) params += (params.empty() ? "" : ", ") + p;
      params_of[r.text] = params;
    }
  }
  for (const auto& [text, models] : models_of) {
    std::string list;
    for (const std::string& m : models) list += (list.empty() ? "" : ", ") + m;
    registered[text] = params_of[text] + " | " + list;
  }
  EXPECT_EQ(documented, registered);
}

// Each malformed configuration and the words its error must contain.
struct Bad {
  const char* what;
  const char* text;
  std::vector<std::string> expected;
};

std::vector<Bad> BadConfigs() {
  return {
      {"syntax",
       "{\"model\": \"LeakySoma\",\n  \"size\": 2,,}",
       {"invalid JSON at line 2, column"}},
      {"duplicate key",
       R"({"model": "LeakySoma", "size": 2, "size": 3})",
       {"duplicate key \"size\""}},
      {"unknown top-level key",
       R"({"dt": 1, "pols": {}})",
       {"unknown key \"pols\"", "did you mean \"pools\""}},
      {"unknown pool key",
       R"({"pools": {"e": {"model": "LeakySoma", "size": 2, "parms": {}}}})",
       {"pool \"e\"", "unknown key \"parms\"", "did you mean \"params\""}},
      {"unknown model in a pool",
       R"({"pools": {"e": {"model": "Izhikevich", "size": 2}}})",
       {"pool \"e\"", "unknown model \"Izhikevich\"", "IzhikevichSoma"}},
      {"unknown parameter",
       R"({"pools": {"e": {"model": "LeakySoma", "size": 2, "params": {"tau": 1}}}})",
       {"pool \"e\"", "LeakySoma", "unknown parameter \"tau\""}},
      {"string for a number",
       R"({"model": "LeakySoma", "size": 2, "params": {"threshold": "-40"}})",
       {"threshold must be a number, a list of numbers or an initializer, not a string"}},
      {"true for a number",
       R"({"model": "LeakySoma", "size": true})",
       {"size must be a number, not true"}},
      {"null for a number",
       R"({"model": "LeakySoma", "size": 2, "params": {"threshold": null}})",
       {"threshold must be a number, a list of numbers or an initializer, not null"}},
      {"non-finite number",
       R"({"model": "LeakySoma", "size": 2, "dt": -1e400})",
       {"invalid JSON at line 1, column 41", "-1e400 is out of range"}},
      {"negative size", R"({"model": "LeakySoma", "size": -5})", {"size = -5", "whole number"}},
      {"fractional size", R"({"model": "LeakySoma", "size": 2.5})", {"size = 2.5", "whole number"}},
      {"huge size",
       R"({"model": "LeakySoma", "size": 1e15})",
       {"size = 1000000000000000", "neurons a pool can hold"}},
      {"negative seed",
       R"({"model": "LeakySoma", "size": 2, "seed": -1})",
       {"seed must be a whole number >= 0, not -1"}},
      {"fractional seed",
       R"({"model": "LeakySoma", "size": 2, "seed": 1.5})",
       {"seed must be a whole number"}},
      {"one-pool keys beside pools",
       R"({"model": "LeakySoma", "pools": {"a": {"model": "LeakySoma", "size": 1}}})",
       {"\"model\" belongs inside a pool"}},
      {"empty pools", R"({"pools": {}})", {"\"pools\" must be an object of named pools"}},
      {"name beside pools",
       R"({"name": "a", "pools": {"a": {"model": "LeakySoma", "size": 1}}})",
       {"\"name\" names the pool of the one-pool form", "each pool's key is its name"}},
      {"name not a string",
       R"({"model": "LeakySoma", "size": 2, "name": 3})",
       {"\"name\" must be a non-empty string, not a number"}},
      {"empty name",
       R"({"model": "LeakySoma", "size": 2, "name": ""})",
       {"\"name\" must be a non-empty string, not empty"}},
      {"per-neuron list length",
       R"({"model": "LeakySoma", "size": 2, "params": {"threshold": [1, 2, 3]}})",
       {"threshold has 3 values, but the pool has 2 neurons"}},
      {"list element type",
       R"({"model": "LeakySoma", "size": 2, "params": {"threshold": [1, "x"]}})",
       {"threshold at neuron 1 must be a number, not a string"}},
      {"uniform min > max",
       R"({"model": "LeakySoma", "size": 2, "params": {"threshold": {"kind": "uniform", "min": 5, "max": 3}}})",
       {"threshold", "uniform initializer", "min = 5 > max = 3"}},
      {"normal std < 0",
       R"({"model": "LeakySoma", "size": 2, "params": {"threshold": {"kind": "normal", "mean": 1, "std": -2}}})",
       {"threshold", "normal initializer", "std = -2 < 0"}},
      {"unknown initializer kind",
       R"({"model": "LeakySoma", "size": 2, "params": {"threshold": {"kind": "gaussian"}}})",
       {"threshold", "unknown initializer kind \"gaussian\""}},
      {"initializer without kind",
       R"({"model": "LeakySoma", "size": 2, "params": {"threshold": {"min": 1}}})",
       {"threshold", "needs \"kind\""}},
      {"initializer missing field",
       R"({"model": "LeakySoma", "size": 2, "params": {"threshold": {"kind": "uniform", "min": 1}}})",
       {"threshold", "uniform initializer needs \"max\""}},
      {"initializer unknown field",
       R"({"model": "LeakySoma", "size": 2, "params": {"threshold": {"kind": "constant", "value": 1, "vlue": 2}}})",
       {"constant initializer", "unknown key \"vlue\"", "did you mean \"value\""}},
      {"half a clip range",
       R"({"model": "LeakySoma", "size": 2, "params": {"threshold": {"kind": "normal", "mean": 1, "std": 1, "min": 0}}})",
       {"clipping needs both"}},
  };
}

// Loading a file: parse it (the JSON itself), then build its pools (the values
// against their models: checked once, by Pool::Create). The first error.
Status LoadFile(const std::string& text) {
  SimulationConfig sim;
  Status s = ParseSimulation(text, &sim);
  for (size_t p = 0; s.ok() && p < sim.pools.size(); ++p) {
    Pool pool;
    s = Pool::Create(sim.pools[p], &pool);
  }
  return s;
}

TEST(ConfigErrorTest, EachMalformedInputHasItsOwnError) {
  for (const Bad& bad : BadConfigs()) {
    const Status s = LoadFile(bad.text);
    ASSERT_FALSE(s.ok()) << bad.what;
    for (const std::string& part : bad.expected) {
      EXPECT_NE(s.message().find(part), std::string::npos)
          << bad.what << ": \"" << s.message() << "\" lacks \"" << part << "\"";
    }
  }
}

TEST(ConfigErrorTest, PoolErrorsNameThePool) {
  SimulationConfig sim;
  ASSERT_TRUE(ParseSimulation(R"({"seed": 1, "pools": {"inh": {"model": "LeakySoma", "size": 4,
      "params": {"potential_tau": {"kind": "uniform", "min": -1, "max": 0}}}}})",
                              &sim)
                  .ok());
  Pool pool;
  const Status s = Pool::Create(sim.pools[0], &pool);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("pool \"inh\" (LeakySoma): potential_tau = "), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("at neuron 0"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace somas
