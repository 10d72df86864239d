// somas::Pool: N neurons of one model in structure-of-arrays form, stepped by
// the model's dispatched kernel.
#ifndef SOMAS_ENGINE_POOL_H_
#define SOMAS_ENGINE_POOL_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/aligned.h"
#include "engine/initializer.h"
#include "engine/kernel_abi.h"
#include "engine/registry.h"
#include "engine/schema.h"
#include "engine/status.h"

namespace somas {

// One parameter as the user gave it: a value shared by every neuron, one
// value per neuron, or an initializer that draws one value per neuron.
struct ParamValue {
  bool per_neuron = false;
  std::vector<double> values;  // one if shared, one per neuron, none for an initializer
  std::optional<Initializer> initializer;

  static ParamValue Shared(double value) { return {false, {value}, std::nullopt}; }
  static ParamValue PerNeuron(std::vector<double> values) {
    return {true, std::move(values), std::nullopt};
  }
  static ParamValue Init(const Initializer& init) { return {true, {}, init}; }
};

struct PoolConfig {
  std::string name;  // names the pool in errors and keys its initializers' random streams
  std::string model;
  size_t size = 0;
  double dt = 1.0;                           // ms
  uint64_t seed = 0;                         // for initializers
  std::map<std::string, ParamValue> params;  // omitted parameters take their defaults
};

// What one step saw of its input.
struct StepReport {
  size_t nonfinite_inputs = 0;  // neurons whose current was NaN or +-inf: left unchanged
  size_t first_nonfinite = 0;   // the lowest such index, if any
};

// Largest pool: spike indices are reported as uint32.
inline constexpr size_t kMaxPoolSize = (size_t{1} << 32) - 2 * kBlock;

class Pool {
 public:
  Pool() = default;
  Pool(Pool&&) = default;
  Pool& operator=(Pool&&) = default;

  // Validates `config` against its model's schema and builds the pool in its
  // initial state. On error `*out` is untouched and the message names the
  // model, parameter, value and (for per-neuron values) the neuron index.
  static Status Create(const PoolConfig& config, Pool* out,
                       const Registry& registry = Registry::Builtin());

  // Advances every neuron by one dt: integrate, then fire (docs/models.md).
  // `current` holds `n` == size() values in pA. Neurons whose current is not
  // finite are left exactly as they were and do not spike; the step still
  // advances the others, fills `report`, and returns an error saying how many
  // there were and where the first was. A wrong `n` is an error that changes
  // nothing.
  Status Step(const float* current, size_t n, StepReport* report = nullptr);
  Status Step(const std::vector<float>& current, StepReport* report = nullptr) {
    return Step(current.data(), current.size(), report);
  }

  // Back to the initial state; spikes cleared.
  void Reset();

  const ModelSpec& model() const { return *spec_; }
  size_t size() const { return size_; }
  size_t padded_size() const { return padded_; }
  double dt() const { return dt_; }

  // Spikes of the last step. Bit i % 8 of byte i / 8 is neuron i; bits past
  // size() are zero.
  // (The kernels store 16-bit words; on a little-endian machine their bytes
  // are in exactly this order.)
  const uint8_t* spike_bits() const { return reinterpret_cast<const uint8_t*>(spikes_.data()); }
  void SpikesDense(uint8_t* out) const;  // size() bytes of 0 or 1
  std::vector<uint8_t> SpikesDense() const;
  std::vector<uint32_t> SpikeIndices() const;  // ascending
  size_t SpikeCount() const;

  // Membrane potentials after the last step, absolute mV.
  void Potentials(float* out) const;
  std::vector<float> Potentials() const;

  // A parameter as the kernel uses it (rounded to float).
  bool ParamIsPerNeuron(size_t param) const { return params_[param].per_neuron; }
  float Param(size_t param, size_t neuron) const;

  // Kernel state, for tests and tools: float state k (ModelSpec order, kernel
  // units) and the refractory counter (steps left), padded_size() elements.
  const float* state(size_t k) const { return states_[k].data(); }
  const uint16_t* counter() const { return counter_.data(); }
  const ConstRef& constant(size_t k) const { return refs_[k]; }

  // The Highway target (HWY_TARGET value) whose code ran the last step, 0 before any.
  int64_t last_target() const { return last_target_; }
  const char* last_target_name() const;

 private:
  struct StoredParam {
    bool per_neuron = false;
    float shared = 0.0f;
    AlignedArray<float> values;  // per neuron, padded with the last neuron's value
  };

  void Gather(size_t neuron, double* p) const;

  const ModelSpec* spec_ = nullptr;
  size_t size_ = 0;
  size_t padded_ = 0;
  double dt_ = 1.0;
  bool any_per_neuron_ = false;
  std::vector<StoredParam> params_;
  std::vector<AlignedArray<float>> states_;
  AlignedArray<uint16_t> counter_;
  std::vector<AlignedArray<float>> constants_;  // kBlock copies if shared
  std::vector<ConstRef> refs_;
  AlignedArray<uint16_t> spikes_;  // one word per kBlock neurons
  AlignedArray<float> tail_;
  int64_t last_target_ = 0;
};

// "12.5" rather than "12.500000": numbers as users wrote them.
std::string FormatNumber(double value);
// The shortest text that reads back as the same float.
std::string FormatFloat(float value);

}  // namespace somas

#endif  // SOMAS_ENGINE_POOL_H_
