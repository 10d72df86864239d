// Model schemas: what a model is (parameters, states, rules, derived kernel
// constants, kernel), as plain data the registry, the pool and the tools share.
#ifndef SOMAS_ENGINE_SCHEMA_H_
#define SOMAS_ENGINE_SCHEMA_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "engine/kernel_abi.h"

namespace somas {

inline constexpr size_t kMaxParams = 16;

// The rule every value of one parameter obeys on its own; rules that relate
// several parameters (or dt) are the model's `check`.
enum class Bound {
  kFinite,       // any finite float
  kPositive,     // finite and > 0
  kNonNegative,  // finite and >= 0
};

struct ParamSpec {
  std::string name;  // upstream name, verbatim
  std::string unit;
  double default_value;
  std::string description;
  Bound bound;
};

struct StateSpec {
  std::string name;
  std::string unit;
  std::string initial;  // the initial value, as a formula of the parameters
};

// A broken cross-parameter rule for one neuron: the parameters involved (their
// indices in ModelSpec::params) and what was wrong, in a sentence.
struct Violation {
  std::vector<int> params;
  std::string rule;
};

// Parameter values of one neuron, in ModelSpec::params order, as the kernel
// will see them (rounded to float, widened back to double).
using NeuronParams = const double*;

struct ModelSpec {
  std::string name;
  std::string description;
  std::string reference;
  std::vector<ParamSpec> params;
  // Cross-parameter rules beyond each parameter's Bound, one line each (for
  // schemas and docs); `check` enforces them.
  std::vector<std::string> rules;
  std::vector<StateSpec> states;

  // Kernel layout: float state arrays, the refractory counter, constants.
  size_t num_float_states = 1;  // state 0 is always the potential
  bool has_counter = false;
  size_t num_constants = 0;
  // Index of potential_rest if the kernel keeps the potential relative to it,
  // -1 if it keeps absolute mV.
  int potential_rest_param = -1;

  // The first broken rule for one neuron, if any.
  std::optional<Violation> (*check)(NeuronParams p, double dt) = nullptr;
  // Kernel constants of one neuron, computed in double.
  void (*derive)(NeuronParams p, double dt, double* constants) = nullptr;
  // Initial kernel state of one neuron (float states; counters start at 0).
  void (*init)(NeuronParams p, float* states) = nullptr;
  KernelFn kernel = nullptr;

  // Index of the parameter called `name`, or -1.
  int ParamIndex(const std::string& name) const;
};

const char* BoundText(Bound bound);

}  // namespace somas

#endif  // SOMAS_ENGINE_SCHEMA_H_
