// Simulation configurations in JSON: parsing (with errors a user can act on)
// and the canonical form somas writes back out.
#ifndef SOMAS_ENGINE_CONFIG_H_
#define SOMAS_ENGINE_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "engine/pool.h"
#include "engine/status.h"

namespace somas {

// A simulation: a time step, a global seed and named pools. Every pool
// shares dt and seed (PoolConfig::dt / seed are copies).
struct SimulationConfig {
  double dt = 1.0;  // ms
  uint64_t seed = 0;
  std::vector<PoolConfig> pools;  // sorted by name; one unnamed pool in the one-pool form
};

// Parses either form (docs/configuration.md):
//   one pool:  {"model": NAME, "size": N, "dt": MS, "seed": S, "params": {...}}
//   several:   {"dt": MS, "seed": S, "pools": {NAME: {"model", "size", "params"}, ...}}
// "dt" (1 ms), "seed" (0) and "params" may be omitted; omitted parameters take
// their defaults. A parameter is a number, a list of one number per neuron,
// or an initializer object {"kind": "constant" | "uniform" | "normal", ...}.
// Rejects malformed JSON (with line and column), duplicate keys, unknown keys
// (suggesting the nearest), wrong types, non-finite numbers, bad
// initializers, and sizes that are negative, fractional or too large.
// Parameter values are checked against their model by Pool::Create.
Status ParseSimulation(const std::string& json_text, SimulationConfig* out);

// The one-pool form only (the POOL.json of `somas replay`).
Status ParsePoolConfig(const std::string& json_text, PoolConfig* out);

// The canonical text of `config`: sorted keys, every parameter of every model
// written out (defaults included), numbers in their shortest exact form.
// Parsing it again gives the same configuration, bit-identical parameter
// arrays and the same text.
std::string CanonicalJson(const SimulationConfig& config);

// Every model of `registry` as JSON: parameters (unit, default, description,
// rule), cross-parameter rules, state variables (unit, initial value).
std::string SchemaJson(const Registry& registry);

// Reads a whole file; the error names the path.
Status ReadFile(const std::string& path, std::string* contents);

}  // namespace somas

#endif  // SOMAS_ENGINE_CONFIG_H_
