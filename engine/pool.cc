// Pool construction (validation, derived constants, padding), stepping and read-out.
#include "engine/pool.h"

#include <hwy/targets.h>
#include <unistd.h>

#include <bitset>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <new>

namespace somas {
namespace {

constexpr double kFloatMax = std::numeric_limits<float>::max();

std::string Describe(const ModelSpec& spec, int param, double value) {
  const ParamSpec& p = spec.params[param];
  std::string text = p.name + " = " + FormatNumber(value);
  if (!p.unit.empty()) text += " " + p.unit;
  return text;
}

std::string AtNeuron(bool per_neuron, size_t neuron) {
  return per_neuron ? " at neuron " + std::to_string(neuron) : "";
}

// Memory this machine could give a new pool now (free pages).
uint64_t AvailableMemoryBytes() {
  const long pages = sysconf(_SC_AVPHYS_PAGES);
  const long page_size = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0) return std::numeric_limits<uint64_t>::max();
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size);
}

// The parameter values of a validated-or-not configuration, per neuron.
class ConfigView {
 public:
  ConfigView(const ModelSpec& spec, const std::vector<const ParamValue*>& given) : given_(given) {
    for (size_t k = 0; k < spec.params.size(); ++k)
      defaults_.push_back(spec.params[k].default_value);
  }
  bool per_neuron(size_t k) const { return given_[k] && given_[k]->per_neuron; }
  double raw(size_t k, size_t neuron) const {
    if (!given_[k]) return defaults_[k];
    return given_[k]->per_neuron ? given_[k]->values[neuron] : given_[k]->values[0];
  }

 private:
  const std::vector<const ParamValue*>& given_;
  std::vector<double> defaults_;
};

}  // namespace

std::string FormatNumber(double value) {
  char buffer[40];
  for (int precision = 6; precision <= 17; ++precision) {
    snprintf(buffer, sizeof(buffer), "%.*g", precision, value);
    if (std::isnan(value) || std::strtod(buffer, nullptr) == value) break;
  }
  return buffer;
}

std::string FormatFloat(float value) {
  char buffer[40];
  for (int precision = 6; precision <= 9; ++precision) {
    snprintf(buffer, sizeof(buffer), "%.*g", precision, value);
    if (std::isnan(value) || std::strtof(buffer, nullptr) == value) break;
  }
  return buffer;
}

Status Pool::Create(const PoolConfig& config, Pool* out, const Registry& registry) {
  Status error;
  const ModelSpec* spec = registry.Find(config.model, &error);
  if (!spec) return error;
  const std::string model =
      config.name.empty() ? spec->name : "pool \"" + config.name + "\" (" + spec->name + ")";

  if (!(std::isfinite(config.dt) && config.dt > 0)) {
    return Status::Error(model + ": dt = " + FormatNumber(config.dt) +
                         " ms: must be finite and > 0");
  }
  if (config.size == 0) {
    return Status::Error(model + ": size = 0: a pool needs at least 1 neuron");
  }

  // Parameters by schema index; unknown names and wrong lengths first.
  std::vector<const ParamValue*> given(spec->params.size(), nullptr);
  std::vector<std::string> names;
  for (const ParamSpec& p : spec->params) names.push_back(p.name);
  for (const auto& [name, value] : config.params) {
    const int k = spec->ParamIndex(name);
    if (k < 0) {
      return Status::Error(model + ": unknown parameter \"" + name + "\"; did you mean \"" +
                           Closest(name, names) + "\"?");
    }
    if (value.initializer) {
      const std::string problem = value.initializer->Problem();
      if (!problem.empty()) {
        return Status::Error(model + ": " + name + ": " + KindName(value.initializer->kind) +
                             " initializer: " + problem);
      }
      given[k] = &value;
      continue;
    }
    const size_t expected = value.per_neuron ? config.size : 1;
    if (value.values.size() != expected) {
      if (value.per_neuron) {
        return Status::Error(model + ": " + name + " has " + std::to_string(value.values.size()) +
                             " values, but the pool has " + std::to_string(config.size) +
                             " neurons");
      }
      return Status::Error(model + ": " + name + " needs exactly one shared value");
    }
    given[k] = &value;
  }

  // Size: refuse before allocating what this machine cannot hold.
  const size_t num_params = spec->params.size();
  if (config.size > kMaxPoolSize) {
    return Status::Error(model + ": size = " + std::to_string(config.size) + " is more than the " +
                         std::to_string(kMaxPoolSize) + " neurons a pool can hold");
  }
  const size_t padded = (config.size + kBlock - 1) / kBlock * kBlock;
  size_t per_neuron_params = 0, drawn_params = 0;
  for (const ParamValue* v : given) {
    per_neuron_params += v && v->per_neuron;
    drawn_params += v && v->initializer;
  }
  // States, counter, per-neuron parameters and constants, spike bits, and
  // the doubles initializers draw into while the pool is built.
  const uint64_t bytes_per_neuron =
      4 * spec->num_float_states + (spec->has_counter ? 2 : 0) + 4 * per_neuron_params +
      (per_neuron_params ? 4 * spec->num_constants : 0) + 1 + 8 * drawn_params;
  const uint64_t bytes = static_cast<uint64_t>(padded) * bytes_per_neuron;
  const uint64_t memory = AvailableMemoryBytes();
  if (bytes > memory) {
    return Status::Error(model + ": size = " + std::to_string(config.size) + " would need " +
                         std::to_string(bytes) + " bytes, more than the " + std::to_string(memory) +
                         " bytes of memory this machine has free");
  }

  // Initializers draw their values (in double, one pass, before validation).
  std::vector<ParamValue> drawn(num_params);
  for (size_t k = 0; k < num_params; ++k) {
    if (!given[k] || !given[k]->initializer) continue;
    const Initializer& init = *given[k]->initializer;
    const uint64_t stream = StreamKey(config.seed, config.name, spec->params[k].name);
    std::vector<double> values(config.size);
    for (size_t i = 0; i < config.size; ++i) values[i] = init.Draw(stream, i);
    drawn[k] = ParamValue::PerNeuron(std::move(values));
    given[k] = &drawn[k];
  }

  // Validate every neuron; at the same time find which constants vary.
  ConfigView view(*spec, given);
  bool any_per_neuron = false;
  for (size_t k = 0; k < num_params; ++k) any_per_neuron |= view.per_neuron(k);
  const size_t checked = any_per_neuron ? config.size : 1;
  double p[kMaxParams];
  double k0[kMaxConstants];
  double k1[kMaxConstants];
  std::vector<bool> constant_varies(spec->num_constants, false);
  for (size_t i = 0; i < checked; ++i) {
    for (size_t k = 0; k < num_params; ++k) {
      const double raw = view.raw(k, i);
      const ParamSpec& ps = spec->params[k];
      const std::string where = AtNeuron(view.per_neuron(k), i);
      if (!std::isfinite(raw) || std::fabs(raw) > kFloatMax) {
        return Status::Error(model + ": " + Describe(*spec, k, raw) + where +
                             ": must be a finite number (|x| <= 3.4e38)");
      }
      p[k] = static_cast<double>(static_cast<float>(raw));
      if (ps.bound == Bound::kPositive && !(p[k] > 0)) {
        return Status::Error(model + ": " + Describe(*spec, k, raw) + where + ": must be > 0");
      }
      if (ps.bound == Bound::kNonNegative && !(p[k] >= 0)) {
        return Status::Error(model + ": " + Describe(*spec, k, raw) + where + ": must be >= 0");
      }
    }
    if (spec->check) {
      if (std::optional<Violation> v = spec->check(p, config.dt)) {
        std::string message = model + ": ";
        bool per_neuron = false;
        for (size_t j = 0; j < v->params.size(); ++j) {
          const int k = v->params[j];
          if (j) message += ", ";
          message += Describe(*spec, k, view.raw(k, i));
          per_neuron |= view.per_neuron(k);
        }
        return Status::Error(message + AtNeuron(per_neuron, i) + ": " + v->rule);
      }
    }
    spec->derive(p, config.dt, i == 0 ? k0 : k1);
    if (i > 0) {
      for (size_t c = 0; c < spec->num_constants; ++c) {
        constant_varies[c] =
            constant_varies[c] || static_cast<float>(k1[c]) != static_cast<float>(k0[c]);
      }
    }
  }

  // Build. Padding lanes replicate the last neuron and get zero input; their
  // spike bits are cleared after each step.
  Pool pool;
  try {
    pool.spec_ = spec;
    pool.size_ = config.size;
    pool.padded_ = padded;
    pool.dt_ = config.dt;
    pool.any_per_neuron_ = any_per_neuron;
    pool.params_.resize(num_params);
    for (size_t k = 0; k < num_params; ++k) {
      StoredParam& sp = pool.params_[k];
      sp.per_neuron = view.per_neuron(k);
      if (!sp.per_neuron) {
        sp.shared = static_cast<float>(view.raw(k, 0));
        continue;
      }
      sp.values = AlignedArray<float>(padded);
      for (size_t i = 0; i < padded; ++i) {
        sp.values[i] = static_cast<float>(view.raw(k, std::min(i, config.size - 1)));
      }
    }
    pool.constants_.resize(spec->num_constants);
    pool.refs_.assign(kMaxConstants, ConstRef{nullptr, 0});
    for (size_t c = 0; c < spec->num_constants; ++c) {
      pool.constants_[c] = AlignedArray<float>(constant_varies[c] ? padded : kBlock);
      for (size_t l = 0; l < kBlock; ++l) pool.constants_[c][l] = static_cast<float>(k0[c]);
    }
    if (any_per_neuron) {
      for (size_t i = 0; i < padded; ++i) {
        pool.Gather(std::min(i, config.size - 1), p);
        spec->derive(p, config.dt, k1);
        for (size_t c = 0; c < spec->num_constants; ++c) {
          if (constant_varies[c]) pool.constants_[c][i] = static_cast<float>(k1[c]);
        }
      }
    }
    for (size_t c = 0; c < spec->num_constants; ++c) {
      pool.refs_[c] = {pool.constants_[c].data(), constant_varies[c] ? ~size_t{0} : size_t{0}};
    }
    for (size_t s = 0; s < spec->num_float_states; ++s) pool.states_.emplace_back(padded);
    if (spec->has_counter) pool.counter_ = AlignedArray<uint16_t>(padded);
    pool.spikes_ = AlignedArray<uint16_t>(padded / kBlock);
    pool.tail_ = AlignedArray<float>(kBlock);
  } catch (const std::bad_alloc&) {
    return Status::Error(model + ": out of memory building a pool of " +
                         std::to_string(config.size) + " neurons (about " + std::to_string(bytes) +
                         " bytes)");
  }
  pool.Reset();
  *out = std::move(pool);
  return Status();
}

void Pool::Gather(size_t neuron, double* p) const {
  for (size_t k = 0; k < params_.size(); ++k) {
    const StoredParam& sp = params_[k];
    p[k] = sp.per_neuron ? sp.values[neuron] : sp.shared;
  }
}

float Pool::Param(size_t param, size_t neuron) const {
  const StoredParam& sp = params_[param];
  return sp.per_neuron ? sp.values[neuron] : sp.shared;
}

void Pool::Reset() {
  double p[kMaxParams];
  float s[kMaxFloatStates];
  for (size_t i = 0; i < padded_; ++i) {
    // Initial states depend on the parameters only when some are per neuron.
    if (i == 0 || any_per_neuron_) {
      Gather(std::min(i, size_ - 1), p);
      spec_->init(p, s);
    }
    for (size_t k = 0; k < states_.size(); ++k) states_[k][i] = s[k];
  }
  if (counter_.size()) std::memset(counter_.data(), 0, counter_.size() * sizeof(uint16_t));
  std::memset(spikes_.data(), 0, spikes_.size() * sizeof(uint16_t));
  last_target_ = 0;
}

Status Pool::Step(const float* current, size_t n, StepReport* report) {
  if (report) *report = StepReport();
  if (n != size_ || (n && !current)) {
    return Status::Error(spec_->name + " pool of " + std::to_string(size_) + " neurons: step got " +
                         std::to_string(current ? n : 0) + " input currents");
  }
  const size_t n_main = size_ / kBlock * kBlock;
  std::memset(tail_.data(), 0, kBlock * sizeof(float));
  if (size_ > n_main) std::memcpy(tail_.data(), current + n_main, (size_ - n_main) * sizeof(float));

  KernelArgs args{};
  args.n_main = n_main;
  args.n_padded = padded_;
  args.current = current;
  args.current_tail = tail_.data();
  for (size_t k = 0; k < states_.size(); ++k) args.state[k] = states_[k].data();
  args.num_states = states_.size();
  args.counter = counter_.size() ? counter_.data() : nullptr;
  args.constants = refs_.data();
  args.spikes = spikes_.data();
  KernelResult result;
  spec_->kernel(args, &result);
  last_target_ = result.target;

  // Padding lanes never report spikes.
  if (size_ < padded_)
    spikes_[size_ / kBlock] &= static_cast<uint16_t>((1u << (size_ % kBlock)) - 1);

  if (result.nonfinite_count == 0) return Status();
  if (report) *report = {result.nonfinite_count, result.first_nonfinite};
  return Status::Error(spec_->name + " pool: " + std::to_string(result.nonfinite_count) +
                       " non-finite input current(s), first at neuron " +
                       std::to_string(result.first_nonfinite) + " (" +
                       FormatNumber(current[result.first_nonfinite]) +
                       " pA); those neurons were left unchanged");
}

void Pool::SpikesDense(uint8_t* out) const {
  for (size_t i = 0; i < size_; ++i) out[i] = (spikes_[i / kBlock] >> (i % kBlock)) & 1;
}

std::vector<uint8_t> Pool::SpikesDense() const {
  std::vector<uint8_t> out(size_);
  SpikesDense(out.data());
  return out;
}

std::vector<uint32_t> Pool::SpikeIndices() const {
  std::vector<uint32_t> out;
  for (size_t word = 0; word < spikes_.size(); ++word) {
    for (uint32_t bits = spikes_[word]; bits; bits &= bits - 1) {
      out.push_back(static_cast<uint32_t>(word * kBlock + __builtin_ctz(bits)));
    }
  }
  return out;
}

size_t Pool::SpikeCount() const {
  size_t count = 0;
  for (size_t word = 0; word < spikes_.size(); ++word) count += __builtin_popcount(spikes_[word]);
  return count;
}

void Pool::Potentials(float* out) const {
  const float* v = states_[0].data();
  const int rest = spec_->potential_rest_param;
  if (rest < 0) {
    std::memcpy(out, v, size_ * sizeof(float));
    return;
  }
  for (size_t i = 0; i < size_; ++i) out[i] = v[i] + Param(rest, i);
}

std::vector<float> Pool::Potentials() const {
  std::vector<float> out(size_);
  Potentials(out.data());
  return out;
}

const char* Pool::last_target_name() const {
  return last_target_ ? hwy::TargetName(last_target_) : "none";
}

}  // namespace somas
