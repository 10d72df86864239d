// The registry: adding models within the engine's limits, lookups, name suggestions.
#include <algorithm>
#include <cctype>
#include <set>

#include "engine/names.h"
#include "engine/pool_impl.h"

namespace somas {

int ModelSpec::ParamIndex(const std::string& param) const {
  for (size_t i = 0; i < params.size(); ++i) {
    if (params[i].name == param) return static_cast<int>(i);
  }
  return -1;
}

int ModelSpec::StateIndex(const std::string& state) const {
  for (size_t i = 0; i < states.size(); ++i) {
    if (states[i].name == state) return static_cast<int>(i);
  }
  return -1;
}

int ModelSpec::FloatStateOf(size_t index) const {
  if (index >= states.size() || states[index].counter) return -1;
  int k = 0;
  for (size_t i = 0; i < index; ++i) k += !states[i].counter;
  return k;
}

const char* BoundText(Bound bound) {
  switch (bound) {
    case Bound::kFinite:
      return "finite";
    case Bound::kPositive:
      return "finite, > 0";
    case Bound::kNonNegative:
      return "finite, >= 0";
  }
  return "finite";
}

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string Closest(const std::string& name, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = static_cast<size_t>(-1);
  for (const std::string& candidate : candidates) {
    const size_t distance = EditDistance(name, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best;
}

std::string Suggestion(const std::string& name, const std::vector<std::string>& candidates) {
  const std::string closest = Closest(name, candidates);
  return closest.empty() ? "" : "; did you mean \"" + closest + "\"?";
}

std::vector<std::string> ParamNames(const ModelSpec& m) {
  std::vector<std::string> names;
  for (const ParamSpec& p : m.params) names.push_back(p.name);
  return names;
}

Status Registry::Add(ModelSpec m) {
  const std::string name = m.name.empty() ? "a model with no name" : "model \"" + m.name + "\"";
  auto fail = [&](const std::string& why) { return Status::Error(name + ": " + why); };
  if (m.name.empty()) return fail("every model needs a name");
  if (Find(m.name, nullptr)) return fail("the registry already has a model of that name");
  if (m.params.size() > kMaxParams) {
    return fail(std::to_string(m.params.size()) + " parameters, more than the engine's limit of " +
                std::to_string(kMaxParams));
  }
  if (m.num_constants > kMaxConstants) {
    return fail(std::to_string(m.num_constants) +
                " kernel constants, more than the engine's limit of " +
                std::to_string(kMaxConstants));
  }
  if (m.num_float_states < 1 || m.num_float_states > kMaxFloatStates) {
    return fail(std::to_string(m.num_float_states) + " float states; the engine needs 1 to " +
                std::to_string(kMaxFloatStates) + " (state 0 is the potential)");
  }
  if (!m.derive || !m.init || !m.kernel) {
    return fail("derive, init and kernel must all be set");
  }
  std::set<std::string> seen;
  for (const ParamSpec& p : m.params) {
    if (p.name.empty() || !seen.insert(p.name).second) {
      return fail("parameter names must be unique and not empty (\"" + p.name + "\")");
    }
  }
  size_t floats = 0, counters = 0;
  for (const StateSpec& s : m.states) {
    if (s.name.empty() || !seen.insert(s.name).second) {
      return fail("state names must be unique, not empty, and differ from parameter names (\"" +
                  s.name + "\")");
    }
    (s.counter ? counters : floats) += 1;
    if (s.offset_param >= static_cast<int>(m.params.size()) || (s.counter && s.offset_param >= 0)) {
      return fail("state \"" + s.name + "\" has an offset parameter out of range");
    }
    if (s.float16_offset_param >= static_cast<int>(m.params.size()) ||
        (s.counter && s.float16_offset_param >= 0)) {
      return fail("state \"" + s.name + "\" has a float16 offset parameter out of range");
    }
  }
  if (floats != m.num_float_states || counters != (m.has_counter ? 1u : 0u)) {
    return fail("states lists " + std::to_string(floats) + " float states and " +
                std::to_string(counters) + " counters, but the kernel layout has " +
                std::to_string(m.num_float_states) + " and " + (m.has_counter ? "1" : "0"));
  }
  if (m.states.empty() || m.states[0].counter || m.states[0].name != "potential") {
    return fail("the first state must be \"potential\"");
  }
  for (const ParamSpec& p : m.params) {
    if (p.unit.empty() || p.description.empty()) {
      return fail("parameter \"" + p.name + "\" needs a unit (\"1\" if none) and a description");
    }
  }
  std::set<std::string> texts;
  for (const Rule& rule : m.rules) {
    if (rule.text.empty() || !rule.check || rule.params.empty() ||
        rule.params.size() > kMaxParams || !texts.insert(rule.text).second) {
      return fail("every rule needs a unique text, a check and the parameters it reads (\"" +
                  rule.text + "\")");
    }
    for (const std::string& param : rule.params) {
      if (m.ParamIndex(param) < 0) {
        return fail("the rule \"" + rule.text + "\" reads \"" + param +
                    "\", which is not a parameter" + Suggestion(param, ParamNames(m)));
      }
    }
  }
  // The defaults must make a valid pool (bounds, rules, initial states) at
  // the default dt of 1 ms.
  std::vector<ParamColumn> defaults;
  for (const ParamSpec& p : m.params)
    defaults.push_back({false, p.default_value, nullptr, nullptr});
  ParamTables tables;
  const Status valid = BuildParamTables(m, m.name, 1, 1.0, defaults, &tables);
  if (!valid.ok()) return fail("its defaults are refused at dt = 1 ms: " + valid.message());
  models_.push_back(std::move(m));
  return Status();
}

const ModelSpec* Registry::Find(const std::string& name, Status* error) const {
  std::vector<std::string> names;
  for (const ModelSpec& model : models_) {
    if (model.name == name) return &model;
    names.push_back(model.name);
  }
  if (error) *error = Status::Error("unknown model \"" + name + "\"" + Suggestion(name, names));
  return nullptr;
}

}  // namespace somas
