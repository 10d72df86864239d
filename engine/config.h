// Reading pool configurations from JSON text (the POOL.json of `somas replay`).
#ifndef SOMAS_ENGINE_CONFIG_H_
#define SOMAS_ENGINE_CONFIG_H_

#include <string>

#include "engine/pool.h"
#include "engine/status.h"

namespace somas {

// Parses {"model": NAME, "size": N, "dt": MS, "params": {NAME: number | [N numbers]}}.
// "dt" and "params" may be omitted (dt = 1 ms; omitted parameters take their
// defaults). Rejects malformed JSON (with line and column), duplicate keys,
// unknown keys (suggesting the nearest), wrong types, non-finite numbers and
// sizes that are negative, fractional or too large. Parameter values are
// checked against the model when the pool is created (Pool::Create).
Status ParsePoolConfig(const std::string& json_text, PoolConfig* out);

// Reads a whole file; the error names the path.
Status ReadFile(const std::string& path, std::string* contents);

}  // namespace somas

#endif  // SOMAS_ENGINE_CONFIG_H_
