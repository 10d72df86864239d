// somas::Registry: model name -> schema and kernel, built from an explicit list.
#ifndef SOMAS_ENGINE_REGISTRY_H_
#define SOMAS_ENGINE_REGISTRY_H_

#include <string>
#include <vector>

#include "engine/schema.h"
#include "engine/status.h"

namespace somas {

class Registry {
 public:
  explicit Registry(std::vector<ModelSpec> models) : models_(std::move(models)) {}

  // The nine built-in models (models/builtin.cc). Built once, on first use.
  static const Registry& Builtin();

  const std::vector<ModelSpec>& models() const { return models_; }
  // The model called `name`; otherwise nullptr and an error naming the
  // closest known model.
  const ModelSpec* Find(const std::string& name, Status* error) const;

 private:
  std::vector<ModelSpec> models_;
};

// Levenshtein distance, for "did you mean" suggestions.
size_t EditDistance(const std::string& a, const std::string& b);
// The candidate closest to `name` ("" if there are none).
std::string Closest(const std::string& name, const std::vector<std::string>& candidates);

}  // namespace somas

#endif  // SOMAS_ENGINE_REGISTRY_H_
