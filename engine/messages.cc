// How the engine's errors name things: a pool's label, a parameter with its
// value and unit, a neuron, and the common errors of every pool call.
#include "engine/format.h"
#include "engine/pool_impl.h"

namespace somas {

std::string DescribeParam(const ModelSpec& spec, int param, double value) {
  const ParamSpec& p = spec.params[param];
  std::string text = p.name + " = " + FormatNumber(value);
  if (!p.unit.empty()) text += " " + p.unit;
  return text;
}

std::string AtNeuron(bool per_neuron, size_t neuron) {
  return per_neuron ? " at neuron " + std::to_string(neuron) : "";
}

std::string LabelOf(const std::string& pool_name, const std::string& model) {
  return pool_name.empty() ? model : "pool \"" + pool_name + "\" (" + model + ")";
}

Status EmptyPool(const char* call) {
  return Status::Error(StatusCode::kEmptyPool,
                       std::string(call) +
                           ": this pool is empty (default-constructed or moved from); create "
                           "one with Pool::Create, Clone or FromCheckpoint");
}

Status OutOfMemory(const std::string& label, size_t size) {
  return Status::Error(StatusCode::kOutOfMemory, label + ": out of memory for a pool of " +
                                                     std::to_string(size) + " neurons");
}

}  // namespace somas
