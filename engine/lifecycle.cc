// Pool lifecycle: resolving a configuration against its model, checking
// memory, building (Create), copying (Clone), resetting, the accessors.
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <new>

#include "engine/format.h"
#include "engine/initializer.h"
#include "engine/names.h"
#include "engine/parallel.h"
#include "engine/pool_impl.h"

namespace somas {
namespace {

// A configuration matched against its model: each parameter's column, after
// initializers have drawn their values.
struct Resolved {
  const ModelSpec* spec = nullptr;
  std::string label;
  std::vector<const ParamValue*> given;  // by schema index; nullptr = default
};

// Lookup, dt, size, parameter names, lengths and initializers: everything
// that can be checked without touching per-neuron values.
Status Resolve(const PoolConfig& config, const Registry& registry, Resolved* out) {
  Status error;
  const ModelSpec* spec = registry.Find(config.model, &error);
  if (!spec) {
    return config.name.empty() ? error
                               : Status::Error("pool \"" + config.name + "\": " + error.message());
  }
  const std::string label = LabelOf(config.name, spec->name);
  if (!(std::isfinite(config.dt) && config.dt > 0)) {
    return Status::Error(label + ": dt = " + FormatNumber(config.dt) +
                         " ms: must be finite and > 0");
  }
  if (config.size == 0) return Status::Error(label + ": size = 0: a pool needs at least 1 neuron");
  if (config.dtype != Dtype::kFloat32 && config.dtype != Dtype::kFloat16) {
    return Status::Error(label + ": dtype " + std::to_string(static_cast<int>(config.dtype)) +
                         " is neither float32 (0) nor float16 (1)");
  }
  if (config.size > kMaxPoolSize) {
    return Status::Error(label + ": size = " + std::to_string(config.size) + " is more than the " +
                         std::to_string(kMaxPoolSize) + " neurons a pool can hold");
  }
  std::vector<const ParamValue*> given(spec->params.size(), nullptr);
  for (const auto& [name, value] : config.params) {
    const int k = spec->ParamIndex(name);
    if (k < 0) {
      return Status::Error(label + ": unknown parameter \"" + name + "\"" +
                           Suggestion(name, ParamNames(*spec)));
    }
    Status status = CheckShape(label, name, value, config.size);
    if (!status.ok()) return status;
    given[k] = &value;
  }
  *out = {spec, label, std::move(given)};
  return Status();
}

// Refuses a pool this machine cannot hold before allocating any of it:
// states, counter, per-neuron parameters and constants, spike bits, and the
// doubles initializers draw into while the pool is built.
Status CheckMemory(const Resolved& r, size_t size, Dtype dtype) {
  const ModelSpec& spec = *r.spec;
  size_t per_neuron_params = 0, drawn_params = 0;
  for (const ParamValue* v : r.given) {
    per_neuron_params += v && v->per_neuron;
    drawn_params += v && v->initializer;
  }
  const uint64_t bytes_per_neuron = (dtype == Dtype::kFloat16 ? 2 : 4) * spec.num_float_states +
                                    (spec.has_counter ? 2 : 0) + 4 * per_neuron_params +
                                    (per_neuron_params ? 4 * spec.num_constants : 0) + 1 +
                                    8 * drawn_params;
  const uint64_t padded = Padded(size);
  const uint64_t bytes = padded * bytes_per_neuron;
  const uint64_t memory = AvailableMemoryBytes();
  if (bytes > memory) {
    return Status::Error(StatusCode::kOutOfMemory,
                         r.label + ": size = " + std::to_string(size) + " would need " +
                             std::to_string(bytes) + " bytes, more than the " +
                             std::to_string(memory) + " bytes of memory this machine has free");
  }
  return Status();
}

}  // namespace

void PoolImpl::AllocateStates() {
  states.clear();
  halves.clear();
  half_offset.clear();
  for (const StateSpec& s : spec->states) {
    if (!s.counter) half_offset.push_back(s.float16_offset_param);
  }
  for (size_t s = 0; s < spec->num_float_states; ++s) {
    if (dtype == Dtype::kFloat16) {
      halves.emplace_back(padded, kSlotStates + s, AlignedArray<uint16_t>::kNoInit);
    } else {
      states.emplace_back(padded, kSlotStates + s, AlignedArray<float>::kNoInit);
    }
  }
  counter =
      spec->has_counter ? AlignedArray<uint16_t>(padded, kSlotCounter) : AlignedArray<uint16_t>();
  spikes = AlignedArray<uint16_t>(padded / kBlock, kSlotSpikes);
  tail = AlignedArray<float>(kBlock);
}

HalfOffset PoolImpl::HalfOffsetOf(size_t k, const ParamTables& with) const {
  const int param = half_offset[k];
  if (param < 0) return HalfOffset();
  const StoredParam& p = with.params[param];
  return HalfOffset{p.per_neuron ? p.values.data() : nullptr, p.shared, false};
}

float PoolImpl::KernelState(size_t k, size_t neuron) const {
  if (dtype == Dtype::kFloat32) return states[k][neuron];
  const float x = FloatFromHalf(halves[k][neuron]);
  const int param = half_offset[k];
  return param < 0 ? x : x + tables.params[param].at(neuron);
}

void PoolImpl::SetKernelState(size_t k, size_t neuron, float value, const ParamTables& with) {
  if (dtype == Dtype::kFloat32) {
    states[k][neuron] = value;
    return;
  }
  const int param = half_offset[k];
  halves[k][neuron] = HalfFromFloat(param < 0 ? value : value - with.params[param].at(neuron));
}

uint64_t AvailableMemoryBytes() {
  const long pages = sysconf(_SC_AVPHYS_PAGES);
  const long page_size = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0) return std::numeric_limits<uint64_t>::max();
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size);
}
std::string PoolImpl::Label() const { return LabelOf(name, spec->name); }

void PoolImpl::Gather(size_t neuron, double* p) const {
  for (size_t k = 0; k < tables.params.size(); ++k) p[k] = tables.params[k].at(neuron);
}

void PoolImpl::Reset() {
  // Initial states depend on the parameters only when some are per neuron;
  // then each neuron's, in chunks on the worker threads.
  constexpr size_t kNeurons = 65536;
  const size_t chunks = tables.any_per_neuron ? (padded + kNeurons - 1) / kNeurons : 1;
  // (Per-neuron parameters and float32 states through local pointers: the
  // same values as Gather and SetKernelState, without a call per value.)
  int per_neuron[kMaxParams];
  const float* values[kMaxParams];
  size_t varying = 0;
  for (size_t k = 0; k < tables.params.size(); ++k) {
    if (!tables.params[k].per_neuron) continue;
    per_neuron[varying] = static_cast<int>(k);
    values[varying++] = tables.params[k].values.data();
  }
  const size_t num_states = spec->num_float_states;
  float* out[kMaxFloatStates] = {};
  if (dtype == Dtype::kFloat32) {
    for (size_t k = 0; k < num_states; ++k) out[k] = states[k].data();
  }
  const auto init = spec->init;
  ParallelFor(chunks, chunks > 1 ? EffectiveThreads() : 1, [&](size_t chunk) {
    double p[kMaxParams];
    float s[kMaxFloatStates];
    const size_t begin = chunk * kNeurons;
    const size_t end = chunks > 1 ? std::min(padded, begin + kNeurons) : padded;
    Gather(std::min(begin, size - 1), p);
    init(p, s);
    for (size_t i = begin; i < end; ++i) {
      if (i != begin && varying) {
        const size_t neuron = i < size ? i : size - 1;
        for (size_t j = 0; j < varying; ++j) p[per_neuron[j]] = values[j][neuron];
        init(p, s);
      }
      if (out[0]) {
        for (size_t k = 0; k < num_states; ++k) out[k][i] = s[k];
      } else {
        for (size_t k = 0; k < num_states; ++k) SetKernelState(k, i, s[k]);
      }
    }
  });
  if (counter.size()) std::memset(counter.data(), 0, counter.size() * sizeof(uint16_t));
  std::memset(spikes.data(), 0, spikes.size() * sizeof(uint16_t));
  last_target = nullptr;
}

Pool::Pool() noexcept = default;
Pool::~Pool() = default;
Pool::Pool(Pool&& other) noexcept = default;
Pool& Pool::operator=(Pool&& other) noexcept = default;

Status Pool::Create(const PoolConfig& config, Pool* out, const Registry& registry) {
  if (!out) return Status::Error("Pool::Create: the output pool is null");
  Resolved r;
  Status status = Resolve(config, registry, &r);
  if (status.ok()) status = CheckMemory(r, config.size, config.dtype);
  if (!status.ok()) return status;
  const ModelSpec& spec = *r.spec;
  try {
    // Initializers draw their values (in double, one pass, before validation).
    std::vector<std::vector<double>> drawn(spec.params.size());
    std::vector<ParamColumn> columns(spec.params.size());
    for (size_t k = 0; k < spec.params.size(); ++k) {
      const ParamValue* v = r.given[k];
      columns[k] = v ? ColumnOf(*v, config.size,
                                StreamKey(config.seed, config.name, spec.params[k].name), &drawn[k])
                     : ParamColumn{false, spec.params[k].default_value, nullptr, nullptr};
    }
    auto pool = std::make_unique<PoolImpl>();
    pool->spec = std::make_shared<const ModelSpec>(spec);
    pool->name = config.name;
    pool->seed = config.seed;
    pool->size = config.size;
    pool->padded = Padded(config.size);
    pool->dt = config.dt;
    pool->dtype = config.dtype;
    pool->AllocateStates();  // (counters and spikes zero)
    // A float32 pool's states written while per-neuron parameters are
    // checked: one pass over the pool, not two.
    float* initial[kMaxFloatStates] = {};
    for (size_t k = 0; k < pool->states.size(); ++k) initial[k] = pool->states[k].data();
    const bool float32 = config.dtype == Dtype::kFloat32;
    status = BuildParamTables(spec, r.label, config.size, config.dt, columns, &pool->tables,
                              float32 ? initial : nullptr);
    if (!status.ok()) return status;
    if (!(float32 && pool->tables.any_per_neuron)) pool->Reset();
    out->impl_ = std::move(pool);
  } catch (const std::bad_alloc&) {
    return OutOfMemory(r.label, config.size);
  }
  return Status();
}

namespace {

// A group's shared arrays (Pool::CreateGroup): its members' are views.
struct GroupStorage {
  std::vector<AlignedArray<float>> states;
  std::vector<AlignedArray<uint16_t>> halves;
  AlignedArray<uint16_t> counter;
  AlignedArray<uint16_t> spikes;
};

// `array`'s elements copied to `storage` at `offset`, and `array` made a
// view of them.
template <typename T>
void MoveInto(AlignedArray<T>& array, AlignedArray<T>& storage, size_t offset,
              const std::shared_ptr<const void>& keep) {
  T* at = storage.data() + offset;
  if (array.size()) std::memcpy(at, array.data(), array.size() * sizeof(T));
  array = AlignedArray<T>::View(at, array.size(), array.slot(), keep);
}

}  // namespace

Status Pool::CreateGroup(const std::vector<PoolConfig>& configs, std::vector<Pool>* out,
                         const Registry& registry) {
  if (!out) return Status::Error("Pool::CreateGroup: the output vector is null");
  if (configs.empty()) return Status::Error("Pool::CreateGroup: a group needs at least one pool");
  std::vector<Pool> members(configs.size());
  size_t total = 0;
  for (size_t i = 0; i < configs.size(); ++i) {
    const std::string entry = "Pool::CreateGroup: entry " + std::to_string(i) + ": ";
    Status status = Create(configs[i], &members[i], registry);
    if (!status.ok()) return Status::Error(status.code(), entry + status.message());
    const PoolImpl& first = *members[0].impl_;
    const PoolImpl& p = *members[i].impl_;
    if (p.spec->name != first.spec->name || p.dtype != first.dtype) {
      return Status::Error(entry + p.Label() + ", " + DtypeName(p.dtype) +
                           ": a group's pools share one model and dtype, and entry 0 is " +
                           first.Label() + ", " + DtypeName(first.dtype));
    }
    total += p.padded;
  }
  const PoolImpl& first = *members[0].impl_;
  try {
    auto storage = std::make_shared<GroupStorage>();
    for (const AlignedArray<float>& a : first.states) {
      storage->states.emplace_back(total, a.slot(), AlignedArray<float>::kNoInit);
    }
    for (const AlignedArray<uint16_t>& a : first.halves) {
      storage->halves.emplace_back(total, a.slot(), AlignedArray<uint16_t>::kNoInit);
    }
    if (first.counter.size()) {
      storage->counter =
          AlignedArray<uint16_t>(total, kSlotCounter, AlignedArray<uint16_t>::kNoInit);
    }
    storage->spikes =
        AlignedArray<uint16_t>(total / kBlock, kSlotSpikes, AlignedArray<uint16_t>::kNoInit);
    const std::shared_ptr<const void> keep = storage;
    size_t offset = 0;
    for (Pool& member : members) {
      PoolImpl& p = *member.impl_;
      for (size_t k = 0; k < p.states.size(); ++k) {
        MoveInto(p.states[k], storage->states[k], offset, keep);
      }
      for (size_t k = 0; k < p.halves.size(); ++k) {
        MoveInto(p.halves[k], storage->halves[k], offset, keep);
      }
      if (p.counter.size()) MoveInto(p.counter, storage->counter, offset, keep);
      MoveInto(p.spikes, storage->spikes, offset / kBlock, keep);
      p.group = storage.get();
      p.group_offset = offset;
      offset += p.padded;
    }
  } catch (const std::bad_alloc&) {
    return Status::Error(StatusCode::kOutOfMemory,
                         "Pool::CreateGroup: out of memory for the shared arrays of " +
                             std::to_string(configs.size()) + " pools, " + std::to_string(total) +
                             " neurons");
  }
  *out = std::move(members);
  return Status();
}

Status Pool::Clone(Pool* out) const {
  if (!impl_) return EmptyPool("Clone");
  if (!out) return Status::Error("Pool::Clone: the output pool is null");
  try {
    auto copy = std::make_unique<PoolImpl>(*impl_);  // (owning copies of a member's views)
    copy->group = nullptr;
    // The copied refs still point into this pool's constant arrays.
    for (size_t c = 0; c < copy->tables.constants.size(); ++c) {
      copy->tables.refs[c].data = copy->tables.constants[c].data();
    }
    out->impl_ = std::move(copy);
  } catch (const std::bad_alloc&) {
    return OutOfMemory(impl_->Label(), impl_->size);
  }
  return Status();
}

const ModelSpec& Pool::model() const {
  static const ModelSpec* const empty = new ModelSpec();
  return impl_ ? *impl_->spec : *empty;
}

size_t Pool::size() const { return impl_ ? impl_->size : 0; }
Dtype Pool::dtype() const { return impl_ ? impl_->dtype : Dtype::kFloat32; }

const char* DtypeName(Dtype dtype) {
  return dtype == Dtype::kFloat16 ? "float16" : dtype == Dtype::kFloat32 ? "float32" : "unknown";
}

Status ParseDtype(const std::string& name, Dtype* out) {
  for (Dtype d : {Dtype::kFloat32, Dtype::kFloat16}) {
    if (name == DtypeName(d)) {
      if (out) *out = d;
      return Status();
    }
  }
  return Status::Error("dtype \"" + name + "\" is neither \"float32\" nor \"float16\"");
}
double Pool::dt() const { return impl_ ? impl_->dt : 0.0; }

Status Pool::Reset() {
  if (!impl_) return EmptyPool("Reset");
  impl_->Reset();
  return Status();
}

}  // namespace somas
