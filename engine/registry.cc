// Registry lookups and name suggestions.
#include "engine/registry.h"

#include <algorithm>
#include <cctype>

namespace somas {

int ModelSpec::ParamIndex(const std::string& param) const {
  for (size_t i = 0; i < params.size(); ++i) {
    if (params[i].name == param) return static_cast<int>(i);
  }
  return -1;
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

const ModelSpec* Registry::Find(const std::string& name, Status* error) const {
  std::vector<std::string> names;
  for (const ModelSpec& model : models_) {
    if (model.name == name) return &model;
    names.push_back(model.name);
  }
  if (error) {
    std::string message = "unknown model \"" + name + "\"";
    const std::string closest = Closest(name, names);
    if (!closest.empty()) message += "; did you mean \"" + closest + "\"?";
    *error = Status::Error(message);
  }
  return nullptr;
}

}  // namespace somas
