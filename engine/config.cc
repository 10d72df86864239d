// JSON pool configurations, parsed with nlohmann-json (Debian's nlohmann-json3-dev).
#include "engine/config.h"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <vector>

namespace somas {
namespace {

using Json = nlohmann::json;

std::string TypeName(const Json& j) {
  if (j.is_null()) return "null";
  if (j.is_boolean()) return j.get<bool>() ? "true" : "false";
  if (j.is_string()) return "a string";
  if (j.is_array()) return "a list";
  if (j.is_object()) return "an object";
  return "a number";
}

// Line and column of byte `offset` in `text` (1-based).
std::string Position(const std::string& text, size_t offset) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

// Parses `text`, rejecting duplicate keys (nlohmann keeps the last silently).
Status ParseJson(const std::string& text, Json* out) {
  std::vector<std::set<std::string>> keys;
  std::string duplicate;
  auto callback = [&](int /*depth*/, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::object_start) keys.emplace_back();
    if (event == Json::parse_event_t::object_end) keys.pop_back();
    if (event == Json::parse_event_t::key &&
        !keys.back().insert(parsed.get<std::string>()).second && duplicate.empty()) {
      duplicate = parsed.get<std::string>();
    }
    return true;
  };
  try {
    *out = Json::parse(text, callback);
  } catch (const Json::out_of_range& e) {
    return Status::Error(std::string("invalid JSON: a number out of range (") + e.what() + ")");
  } catch (const Json::parse_error& e) {
    std::string what = e.what();
    const size_t colon = what.find("syntax error");
    return Status::Error("invalid JSON at " + Position(text, e.byte ? e.byte - 1 : 0) + ": " +
                         (colon == std::string::npos ? what : what.substr(colon)));
  }
  if (!duplicate.empty()) return Status::Error("duplicate key \"" + duplicate + "\"");
  return Status();
}

Status Number(const Json& j, const std::string& what, double* out) {
  if (!j.is_number()) return Status::Error(what + " must be a number, not " + TypeName(j));
  *out = j.get<double>();
  if (!std::isfinite(*out)) return Status::Error(what + " must be finite");
  return Status();
}

}  // namespace

Status ReadFile(const std::string& path, std::string* contents) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error("cannot open " + path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return Status::Error("cannot read " + path);
  *contents = buffer.str();
  return Status();
}

Status ParsePoolConfig(const std::string& text, PoolConfig* out) {
  Json j;
  Status status = ParseJson(text, &j);
  if (!status.ok()) return status;
  if (!j.is_object()) return Status::Error("a pool must be a JSON object, not " + TypeName(j));
  const std::vector<std::string> known = {"model", "size", "dt", "params"};
  for (const auto& item : j.items()) {
    bool found = false;
    for (const std::string& k : known) found |= item.key() == k;
    if (!found) {
      return Status::Error("unknown key \"" + item.key() + "\"; did you mean \"" +
                           Closest(item.key(), known) + "\"?");
    }
  }

  PoolConfig config;
  if (!j.contains("model")) return Status::Error("missing key \"model\"");
  if (!j["model"].is_string()) {
    return Status::Error("\"model\" must be a string, not " + TypeName(j["model"]));
  }
  config.model = j["model"].get<std::string>();
  Status lookup;
  const ModelSpec* spec = Registry::Builtin().Find(config.model, &lookup);
  if (!spec) return lookup;

  if (!j.contains("size")) return Status::Error(config.model + ": missing key \"size\"");
  double size = 0;
  status = Number(j["size"], config.model + ": size", &size);
  if (!status.ok()) return status;
  if (size < 1 || size != std::floor(size)) {
    return Status::Error(config.model + ": size = " + FormatNumber(size) +
                         " must be a whole number of neurons, at least 1");
  }
  if (size > static_cast<double>(kMaxPoolSize)) {
    return Status::Error(config.model + ": size = " + FormatNumber(size) + " is more than the " +
                         std::to_string(kMaxPoolSize) + " neurons a pool can hold");
  }
  config.size = static_cast<size_t>(size);

  if (j.contains("dt")) {
    status = Number(j["dt"], config.model + ": dt", &config.dt);
    if (!status.ok()) return status;
  }

  if (j.contains("params")) {
    const Json& params = j["params"];
    if (!params.is_object()) {
      return Status::Error(config.model + ": \"params\" must be an object, not " +
                           TypeName(params));
    }
    std::vector<std::string> names;
    for (const ParamSpec& p : spec->params) names.push_back(p.name);
    for (const auto& item : params.items()) {
      const std::string& name = item.key();
      if (spec->ParamIndex(name) < 0) {
        return Status::Error(config.model + ": unknown parameter \"" + name +
                             "\"; did you mean \"" + Closest(name, names) + "\"?");
      }
      const Json& value = item.value();
      const std::string what = config.model + ": " + name;
      if (value.is_array()) {
        if (value.size() != config.size) {
          return Status::Error(what + " has " + std::to_string(value.size()) +
                               " values, but the pool has " + std::to_string(config.size) +
                               " neurons");
        }
        std::vector<double> values(value.size());
        for (size_t i = 0; i < value.size(); ++i) {
          status = Number(value[i], what + " at neuron " + std::to_string(i), &values[i]);
          if (!status.ok()) return status;
        }
        config.params[name] = ParamValue::PerNeuron(std::move(values));
      } else {
        double v = 0;
        status = Number(value, what, &v);
        if (!status.ok()) return Status::Error(status.message() + " or a list of numbers");
        config.params[name] = ParamValue::Shared(v);
      }
    }
  }
  *out = std::move(config);
  return Status();
}

}  // namespace somas
