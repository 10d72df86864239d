// JSON pool configurations, parsed with nlohmann-json (Debian's nlohmann-json3-dev).
#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <vector>

#include "engine/files.h"
#include "engine/format.h"
#include "engine/initializer.h"
#include "engine/json_reader.h"
#include "engine/names.h"

namespace somas {

namespace {

Status CheckKeys(const Json& j, const std::vector<std::string>& known, const std::string& where) {
  for (const auto& item : j.items()) {
    if (std::find(known.begin(), known.end(), item.key()) == known.end()) {
      return Status::Error(where + "unknown key \"" + item.key() + "\"" +
                           Suggestion(item.key(), known));
    }
  }
  return Status();
}

Status ParseInitializer(const Json& j, const std::string& what, Initializer* out) {
  if (!j.contains("kind")) {
    return Status::Error(what + ": an initializer needs \"kind\" (constant, uniform or normal)");
  }
  if (!j["kind"].is_string()) {
    return Status::Error(what + ": \"kind\" must be a string, not " + TypeName(j["kind"]));
  }
  const std::string kind = j["kind"].get<std::string>();
  Initializer init;
  std::vector<std::string> keys = {"kind"};
  std::vector<std::string> required;
  if (kind == "constant") {
    init.kind = Initializer::Kind::kConstant;
    keys.push_back("value");
    required = {"value"};
  } else if (kind == "uniform") {
    init.kind = Initializer::Kind::kUniform;
    keys.insert(keys.end(), {"min", "max"});
    required = {"min", "max"};
  } else if (kind == "normal") {
    init.kind = Initializer::Kind::kNormal;
    keys.insert(keys.end(), {"mean", "std", "min", "max"});
    required = {"mean", "std"};
  } else {
    return Status::Error(what + ": unknown initializer kind \"" + kind + "\"" +
                         Suggestion(kind, {"constant", "uniform", "normal"}));
  }
  Status status = CheckKeys(j, keys, what + ": " + kind + " initializer: ");
  if (!status.ok()) return status;
  for (const std::string& key : required) {
    if (!j.contains(key))
      return Status::Error(what + ": " + kind + " initializer needs \"" + key + "\"");
  }
  auto read = [&](const char* key, double* field) {
    return j.contains(key) ? Number(j[key], what + ": " + kind + " initializer: " + key, field)
                           : Status();
  };
  for (auto [key, field] : {std::pair{"value", &init.value},
                            {"min", &init.min},
                            {"max", &init.max},
                            {"mean", &init.mean},
                            {"std", &init.std}}) {
    status = read(key, field);
    if (!status.ok()) return status;
  }
  if (init.kind == Initializer::Kind::kNormal) {
    if (j.contains("min") != j.contains("max")) {
      return Status::Error(what + ": normal initializer: clipping needs both \"min\" and \"max\"");
    }
    init.clipped = j.contains("min");
  }
  const std::string problem = init.Problem();
  if (!problem.empty()) return Status::Error(what + ": " + kind + " initializer: " + problem);
  *out = init;
  return Status();
}

Status ParseSeed(const Json& j, const std::string& where, uint64_t* seed) {
  if (!j.is_number_integer() ||
      (j.is_number_integer() && !j.is_number_unsigned() && j.get<int64_t>() < 0)) {
    return Status::Error(where + "seed must be a whole number >= 0, not " +
                         (j.is_number() ? j.dump() : TypeName(j)));
  }
  *seed = j.get<uint64_t>();
  return Status();
}

// "dtype": "float32" or "float16"; `where` prefixes its errors.
Status ParseDtypeKey(const Json& j, const std::string& where, Dtype* out) {
  if (!j.contains("dtype")) return Status();
  if (!j["dtype"].is_string()) {
    return Status::Error(where + "\"dtype\" must be a string (\"float32\" or \"float16\"), not " +
                         TypeName(j["dtype"]));
  }
  const Status status = ParseDtype(j["dtype"].get<std::string>(), out);
  return status.ok() ? status : Status::Error(where + status.message());
}

// One pool's "model", "size", "dtype" and "params"; `where` prefixes its
// errors; `dtype` is the file's (a pool's own "dtype" wins).
Status ParsePool(const Json& j, const std::string& name, Dtype dtype, PoolConfig* out) {
  const std::string where = name.empty() ? "" : "pool \"" + name + "\": ";
  PoolConfig config;
  config.name = name;
  if (!j.contains("model")) return Status::Error(where + "missing key \"model\"");
  if (!j["model"].is_string()) {
    return Status::Error(where + "\"model\" must be a string, not " + TypeName(j["model"]));
  }
  config.model = j["model"].get<std::string>();
  const std::string model = where + config.model;

  if (!j.contains("size")) return Status::Error(model + ": missing key \"size\"");
  double size = 0;
  Status status = Number(j["size"], model + ": size", &size);
  if (!status.ok()) return status;
  if (size < 1 || size != std::floor(size)) {
    return Status::Error(model + ": size = " + FormatNumber(size) +
                         " must be a whole number of neurons, at least 1");
  }
  // Pool::Create refuses sizes beyond kMaxPoolSize; larger ones saturate here.
  config.size = size < 0x1p64 ? static_cast<size_t>(size) : SIZE_MAX;
  config.dtype = dtype;
  status = ParseDtypeKey(j, model + ": ", &config.dtype);
  if (!status.ok()) return status;

  if (j.contains("params")) {
    const Json& params = j["params"];
    if (!params.is_object()) {
      return Status::Error(model + ": \"params\" must be an object, not " + TypeName(params));
    }
    // Names and list lengths are checked against the model by Pool::Create.
    for (const auto& item : params.items()) {
      const std::string& param = item.key();
      const Json& value = item.value();
      const std::string what = model + ": " + param;
      if (value.is_array()) {
        std::vector<double> values(value.size());
        for (size_t i = 0; i < value.size(); ++i) {
          status = Number(value[i], what + " at neuron " + std::to_string(i), &values[i]);
          if (!status.ok()) return status;
        }
        config.params[param] = ParamValue::PerNeuron(std::move(values));
      } else if (value.is_object()) {
        Initializer init;
        status = ParseInitializer(value, what, &init);
        if (!status.ok()) return status;
        config.params[param] = ParamValue::Init(init);
      } else {
        if (!value.is_number()) {
          return Status::Error(what +
                               " must be a number, a list of numbers or an initializer, not " +
                               TypeName(value));
        }
        double v = 0;
        status = Number(value, what, &v);
        if (!status.ok()) return status;
        config.params[param] = ParamValue::Shared(v);
      }
    }
  }
  *out = std::move(config);
  return Status();
}

Json ParamJson(const ParamValue& value) {
  if (value.initializer) {
    const Initializer& init = *value.initializer;
    Json j = {{"kind", KindName(init.kind)}};
    switch (init.kind) {
      case Initializer::Kind::kConstant:
        j["value"] = init.value;
        break;
      case Initializer::Kind::kUniform:
        j["min"] = init.min;
        j["max"] = init.max;
        break;
      case Initializer::Kind::kNormal:
        j["mean"] = init.mean;
        j["std"] = init.std;
        if (init.clipped) {
          j["min"] = init.min;
          j["max"] = init.max;
        }
        break;
    }
    return j;
  }
  if (value.per_neuron) return Json(value.values);
  return Json(value.values[0]);
}

}  // namespace

// ParseSimulation on parsed JSON.
static Status ParseSimulationJson(const Json& j, SimulationConfig* out) {
  Status status;
  if (!j.is_object()) {
    return Status::Error("a configuration must be a JSON object, not " + TypeName(j));
  }
  const bool several = j.contains("pools");
  status = CheckKeys(j, {"model", "size", "dt", "seed", "dtype", "name", "params", "pools"}, "");
  if (!status.ok()) return status;
  if (several && j.contains("name")) {
    return Status::Error(
        "\"name\" names the pool of the one-pool form; under \"pools\" each pool's key is its "
        "name");
  }
  for (const char* key : {"model", "size", "params"}) {
    if (several && j.contains(key)) {
      return Status::Error(std::string("\"") + key +
                           "\" belongs inside a pool when the file has \"pools\"");
    }
  }

  SimulationConfig config;
  if (j.contains("dt")) {
    status = Number(j["dt"], "dt", &config.dt);
    if (!status.ok()) return status;
  }
  if (j.contains("seed")) {
    status = ParseSeed(j["seed"], "", &config.seed);
    if (!status.ok()) return status;
  }
  Dtype dtype = Dtype::kFloat32;  // (several pools: every pool's, unless it has its own)
  if (several) {
    status = ParseDtypeKey(j, "", &dtype);
    if (!status.ok()) return status;
  }
  if (several) {
    const Json& pools = j["pools"];
    if (!pools.is_object() || pools.empty()) {
      return Status::Error("\"pools\" must be an object of named pools, not " +
                           (pools.is_object() ? std::string("empty") : TypeName(pools)));
    }
    for (const auto& item : pools.items()) {
      if (item.key().empty()) return Status::Error("a pool name must not be empty");
      if (!item.value().is_object()) {
        return Status::Error("pool \"" + item.key() + "\" must be an object, not " +
                             TypeName(item.value()));
      }
      status = CheckKeys(item.value(), {"model", "size", "dtype", "params"},
                         "pool \"" + item.key() + "\": ");
      if (!status.ok()) return status;
      PoolConfig pool;
      status = ParsePool(item.value(), item.key(), dtype, &pool);
      if (!status.ok()) return status;
      config.pools.push_back(std::move(pool));
    }
  } else {
    // The one-pool form may name its pool (errors and initializer streams);
    // without "name" the name is empty.
    std::string name;
    if (j.contains("name")) {
      if (!j["name"].is_string() || j["name"].get<std::string>().empty()) {
        return Status::Error("\"name\" must be a non-empty string, not " +
                             (j["name"].is_string() ? std::string("empty") : TypeName(j["name"])));
      }
      name = j["name"].get<std::string>();
    }
    PoolConfig pool;
    status = ParsePool(j, name, dtype, &pool);
    if (!status.ok()) return status;
    config.pools.push_back(std::move(pool));
  }
  for (PoolConfig& pool : config.pools) {
    pool.dt = config.dt;
    pool.seed = config.seed;
  }
  *out = std::move(config);
  return Status();
}

Status ParseSimulation(const std::string& text, SimulationConfig* out) {
  Json j;
  const Status status = ParseJson(text, &j);
  return status.ok() ? ParseSimulationJson(j, out) : status;
}

Status ParsePoolConfig(const std::string& text, PoolConfig* out) {
  Json j;
  Status status = ParseJson(text, &j);
  if (!status.ok()) return status;
  SimulationConfig config;
  status = ParseSimulationJson(j, &config);
  if (!status.ok()) return status;
  if (j.contains("pools")) {
    return Status::Error("expected one pool ({\"model\": ..., \"size\": ...}), not \"pools\"");
  }
  *out = std::move(config.pools[0]);
  return Status();
}

std::string ModelsJson(const Registry& registry) {
  Json models = Json::array();
  for (const ModelSpec& m : registry.models()) {
    Json params = Json::array();
    for (const ParamSpec& p : m.params) {
      params.push_back({{"name", p.name},
                        {"unit", p.unit},
                        {"default", p.default_value},
                        {"description", p.description},
                        {"rule", BoundText(p.bound)}});
    }
    Json rules = Json::array();
    for (const Rule& r : m.rules) rules.push_back({{"rule", r.text}, {"parameters", r.params}});
    Json states = Json::array();
    for (const StateSpec& s : m.states) {
      states.push_back({{"name", s.name}, {"unit", s.unit}, {"initial", s.initial}});
    }
    models.push_back({{"name", m.name},
                      {"description", m.description},
                      {"reference", m.reference},
                      {"parameters", params},
                      {"rules", rules},
                      {"states", states}});
  }
  return Json{{"models", models}}.dump(2) + "\n";
}

std::string CanonicalJson(const SimulationConfig& config, const Registry& registry) {
  auto pool_json = [&](const PoolConfig& pool) {
    const ModelSpec* spec = registry.Find(pool.model, nullptr);
    Json params = Json::object();
    if (spec) {
      for (const ParamSpec& p : spec->params) params[p.name] = p.default_value;
    }
    for (const auto& [name, value] : pool.params) params[name] = ParamJson(value);
    return Json{{"model", pool.model},
                {"size", pool.size},
                {"dtype", DtypeName(pool.dtype)},
                {"params", params}};
  };
  Json j;
  if (config.pools.size() == 1 && config.pools[0].name.empty()) {
    j = pool_json(config.pools[0]);
  } else {
    j["pools"] = Json::object();
    for (const PoolConfig& pool : config.pools) j["pools"][pool.name] = pool_json(pool);
  }
  j["dt"] = config.dt;
  j["seed"] = config.seed;
  return j.dump(2) + "\n";
}

}  // namespace somas
