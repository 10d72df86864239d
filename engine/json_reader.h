// JSON text into nlohmann documents for the configuration parsers
// (engine/config.cc), with errors that say where.
#ifndef SOMAS_ENGINE_JSON_READER_H_
#define SOMAS_ENGINE_JSON_READER_H_

#include <nlohmann/json.hpp>
#include <string>

#include "somas/somas.h"

namespace somas {

using Json = nlohmann::json;

// Parses `text` into `*out`; syntax errors and numbers beyond double range
// name their line and column, and a duplicate key is refused (nlohmann's own
// parser would keep the last silently). `*out` is untouched on error.
Status ParseJson(const std::string& text, Json* out);

// "null", "true", "a string", "a list", "an object", "a number".
std::string TypeName(const Json& j);

// `j` as a finite number, or an error beginning with `what`.
Status Number(const Json& j, const std::string& what, double* out);

}  // namespace somas

#endif  // SOMAS_ENGINE_JSON_READER_H_
