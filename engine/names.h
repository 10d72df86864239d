// Names in errors: suggestions ("did you mean ...?") and a model's parameter
// names. (The Registry itself is public, somas/somas.h; engine/registry.cc.)
#ifndef SOMAS_ENGINE_NAMES_H_
#define SOMAS_ENGINE_NAMES_H_

#include <string>
#include <vector>

#include "somas/somas.h"

namespace somas {

// Levenshtein distance, case-insensitive.
size_t EditDistance(const std::string& a, const std::string& b);
// The candidate closest to `name` ("" if there are none).
std::string Closest(const std::string& name, const std::vector<std::string>& candidates);
// "; did you mean \"CLOSEST\"?" ("" if there are no candidates): the one
// wording of every suggestion.
std::string Suggestion(const std::string& name, const std::vector<std::string>& candidates);
// The names of `m`'s parameters, in order.
std::vector<std::string> ParamNames(const ModelSpec& m);

}  // namespace somas

#endif  // SOMAS_ENGINE_NAMES_H_
