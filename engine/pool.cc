// Pool: creation (resolve the configuration, check memory, draw initializers,
// validate and derive constants, allocate), stepping, read and write access.
#include <hwy/targets.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <new>

#include "engine/files.h"
#include "engine/format.h"
#include "engine/initializer.h"
#include "engine/parallel.h"
#include "engine/pool_impl.h"
#include "engine/registry.h"

namespace somas {
namespace {


std::string Describe(const ModelSpec& spec, int param, double value) {
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

// A configuration matched against its model: each parameter's column, after
// initializers have drawn their values.
struct Resolved {
  const ModelSpec* spec = nullptr;
  std::string label;
  std::vector<const ParamValue*> given;  // by schema index; nullptr = default
};

// One parameter's value for a pool of `size`: one shared value, `size`
// values, or a valid initializer alone.
Status CheckShape(const std::string& label, const std::string& name, const ParamValue& value,
                  size_t size) {
  if (value.initializer && !value.values.empty()) {
    return Status::Error(label + ": " + name + " has both " + std::to_string(value.values.size()) +
                         " value(s) and an initializer; give one or the other");
  }
  if (value.initializer) {
    const std::string problem = value.initializer->Problem();
    if (!problem.empty()) {
      return Status::Error(label + ": " + name + ": " + KindName(value.initializer->kind) +
                           " initializer: " + problem);
    }
  } else if (value.values.size() != (value.per_neuron ? size : 1)) {
    if (!value.per_neuron) {
      return Status::Error(label + ": " + name + " needs exactly one shared value");
    }
    return Status::Error(label + ": " + name + " has " + std::to_string(value.values.size()) +
                         " values, but the pool has " + std::to_string(size) + " neurons");
  }
  return Status();
}

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
  if (config.size > kMaxPoolSize) {
    return Status::Error(label + ": size = " + std::to_string(config.size) + " is more than the " +
                         std::to_string(kMaxPoolSize) + " neurons a pool can hold");
  }
  std::vector<const ParamValue*> given(spec->params.size(), nullptr);
  std::vector<std::string> names;
  for (const ParamSpec& p : spec->params) names.push_back(p.name);
  for (const auto& [name, value] : config.params) {
    const int k = spec->ParamIndex(name);
    if (k < 0) {
      return Status::Error(label + ": unknown parameter \"" + name + "\"; did you mean \"" +
                           Closest(name, names) + "\"?");
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
Status CheckMemory(const Resolved& r, size_t size) {
  const ModelSpec& spec = *r.spec;
  size_t per_neuron_params = 0, drawn_params = 0;
  for (const ParamValue* v : r.given) {
    per_neuron_params += v && v->per_neuron;
    drawn_params += v && v->initializer;
  }
  const uint64_t bytes_per_neuron =
      4 * spec.num_float_states + (spec.has_counter ? 2 : 0) + 4 * per_neuron_params +
      (per_neuron_params ? 4 * spec.num_constants : 0) + 1 + 8 * drawn_params;
  const uint64_t padded = (size + kBlock - 1) / kBlock * kBlock;
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

size_t Padded(size_t size) { return (size + kBlock - 1) / kBlock * kBlock; }

// Allocates the state, counter, spike and input-tail arrays of `pool`.
void AllocateStates(PoolImpl* pool) {
  const ModelSpec& spec = *pool->spec;
  pool->states.clear();
  for (size_t s = 0; s < spec.num_float_states; ++s) pool->states.emplace_back(pool->padded);
  if (spec.has_counter) pool->counter = AlignedArray<uint16_t>(pool->padded);
  pool->spikes = AlignedArray<uint16_t>(pool->padded / kBlock);
  pool->tail = AlignedArray<float>(kBlock);
}

}  // namespace

uint64_t AvailableMemoryBytes() {
  const long pages = sysconf(_SC_AVPHYS_PAGES);
  const long page_size = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0) return std::numeric_limits<uint64_t>::max();
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size);
}

Status BuildParamTables(const ModelSpec& spec, const std::string& label, size_t size, double dt,
                        const std::vector<ParamColumn>& columns, ParamTables* out) {
  const size_t num_params = spec.params.size();
  ParamTables tables;
  for (const ParamColumn& c : columns) tables.any_per_neuron |= c.per_neuron;

  // Validate every neuron (one if nothing varies); find which constants vary.
  const size_t checked = tables.any_per_neuron ? size : 1;
  double p[kMaxParams];
  double k0[kMaxConstants];
  double k1[kMaxConstants];
  std::vector<bool> constant_varies(spec.num_constants, false);
  for (size_t i = 0; i < checked; ++i) {
    for (size_t k = 0; k < num_params; ++k) {
      const double raw = columns[k].at(i);
      const ParamSpec& ps = spec.params[k];
      const std::string where = AtNeuron(columns[k].per_neuron, i);
      if (!(std::fabs(raw) <= kStateBound) ||
          !(std::fabs(static_cast<float>(raw)) <= kStateBound)) {
        return Status::Error(label + ": " + Describe(spec, k, raw) + where +
                             ": must be a finite number within +-1e30 (the bound on every value)");
      }
      p[k] = static_cast<double>(static_cast<float>(raw));
      if (ps.bound == Bound::kPositive && !(p[k] > 0)) {
        return Status::Error(label + ": " + Describe(spec, k, raw) + where + ": must be > 0");
      }
      if (ps.bound == Bound::kNonNegative && !(p[k] >= 0)) {
        return Status::Error(label + ": " + Describe(spec, k, raw) + where + ": must be >= 0");
      }
    }
    if (spec.check) {
      if (std::optional<Violation> v = spec.check(p, dt)) {
        std::string message = label + ": ";
        bool per_neuron = false;
        for (size_t j = 0; j < v->params.size(); ++j) {
          const int k = v->params[j];
          if (j) message += ", ";
          message += Describe(spec, k, columns[k].at(i));
          per_neuron |= columns[k].per_neuron;
        }
        return Status::Error(message + AtNeuron(per_neuron, i) + ": " + v->rule);
      }
    }
    // Every initial state within the bound (Reset writes them).
    float initial[kMaxFloatStates];
    spec.init(p, initial);
    for (size_t s = 0, f = 0; s < spec.states.size(); ++s) {
      if (spec.states[s].counter) continue;
      const float v = initial[f++];
      if (!(std::fabs(v) <= kStateBound)) {
        return Status::Error(label + ": " + spec.states[s].name + " starts at " +
                             spec.states[s].initial + " = " + FormatFloat(v) +
                             AtNeuron(tables.any_per_neuron, i) + ", beyond the state bound +-1e30");
      }
    }
    spec.derive(p, dt, i == 0 ? k0 : k1);
    for (size_t c = 0; i > 0 && c < spec.num_constants; ++c) {
      constant_varies[c] =
          constant_varies[c] || static_cast<float>(k1[c]) != static_cast<float>(k0[c]);
    }
  }

  // Store. Padding lanes replicate the last neuron.
  const size_t padded = Padded(size);
  tables.params.resize(num_params);
  for (size_t k = 0; k < num_params; ++k) {
    StoredParam& sp = tables.params[k];
    sp.per_neuron = columns[k].per_neuron;
    if (!sp.per_neuron) {
      sp.shared = static_cast<float>(columns[k].at(0));
      continue;
    }
    sp.values = AlignedArray<float>(padded);
    for (size_t i = 0; i < padded; ++i) {
      sp.values[i] = static_cast<float>(columns[k].at(std::min(i, size - 1)));
    }
  }
  tables.constants.resize(spec.num_constants);
  tables.refs.assign(kMaxConstants, ConstRef{nullptr, 0});
  for (size_t c = 0; c < spec.num_constants; ++c) {
    tables.constants[c] = AlignedArray<float>(constant_varies[c] ? padded : kBlock);
    for (size_t l = 0; l < kBlock; ++l) tables.constants[c][l] = static_cast<float>(k0[c]);
  }
  if (tables.any_per_neuron) {
    for (size_t i = 0; i < padded; ++i) {
      const size_t neuron = std::min(i, size - 1);
      for (size_t k = 0; k < num_params; ++k) p[k] = tables.params[k].at(neuron);
      spec.derive(p, dt, k1);
      for (size_t c = 0; c < spec.num_constants; ++c) {
        if (constant_varies[c]) tables.constants[c][i] = static_cast<float>(k1[c]);
      }
    }
  }
  for (size_t c = 0; c < spec.num_constants; ++c) {
    tables.refs[c] = {tables.constants[c].data(), constant_varies[c] ? ~size_t{0} : size_t{0}};
  }
  *out = std::move(tables);
  return Status();
}

std::string PoolImpl::Label() const { return LabelOf(name, spec->name); }

void PoolImpl::Gather(size_t neuron, double* p) const {
  for (size_t k = 0; k < tables.params.size(); ++k) p[k] = tables.params[k].at(neuron);
}

void PoolImpl::Reset() {
  double p[kMaxParams];
  float s[kMaxFloatStates];
  for (size_t i = 0; i < padded; ++i) {
    // Initial states depend on the parameters only when some are per neuron.
    if (i == 0 || tables.any_per_neuron) {
      Gather(std::min(i, size - 1), p);
      spec->init(p, s);
    }
    for (size_t k = 0; k < states.size(); ++k) states[k][i] = s[k];
  }
  if (counter.size()) std::memset(counter.data(), 0, counter.size() * sizeof(uint16_t));
  std::memset(spikes.data(), 0, spikes.size() * sizeof(uint16_t));
  last_target = 0;
}

Pool::Pool() noexcept = default;
Pool::~Pool() = default;
Pool::Pool(Pool&& other) noexcept = default;
Pool& Pool::operator=(Pool&& other) noexcept = default;

Status Pool::Create(const PoolConfig& config, Pool* out, const Registry& registry) {
  if (!out) return Status::Error("Pool::Create: the output pool is null");
  Resolved r;
  Status status = Resolve(config, registry, &r);
  if (status.ok()) status = CheckMemory(r, config.size);
  if (!status.ok()) return status;
  const ModelSpec& spec = *r.spec;
  try {
    // Initializers draw their values (in double, one pass, before validation).
    std::vector<std::vector<double>> drawn(spec.params.size());
    std::vector<ParamColumn> columns(spec.params.size());
    for (size_t k = 0; k < spec.params.size(); ++k) {
      const ParamValue* v = r.given[k];
      ParamColumn& c = columns[k];
      if (!v) {
        c.shared = spec.params[k].default_value;
      } else if (v->initializer) {
        const uint64_t stream = StreamKey(config.seed, config.name, spec.params[k].name);
        drawn[k].resize(config.size);
        for (size_t i = 0; i < config.size; ++i) drawn[k][i] = v->initializer->Draw(stream, i);
        c = {true, 0, drawn[k].data(), nullptr};
      } else if (v->per_neuron) {
        c = {true, 0, v->values.data(), nullptr};
      } else {
        c.shared = v->values[0];
      }
    }
    auto pool = std::make_unique<PoolImpl>();
    status = BuildParamTables(spec, r.label, config.size, config.dt, columns, &pool->tables);
    if (!status.ok()) return status;
    pool->spec = std::make_shared<const ModelSpec>(spec);
    pool->name = config.name;
    pool->seed = config.seed;
    pool->size = config.size;
    pool->padded = Padded(config.size);
    pool->dt = config.dt;
    AllocateStates(pool.get());
    pool->Reset();
    out->impl_ = std::move(pool);
  } catch (const std::bad_alloc&) {
    return OutOfMemory(r.label, config.size);
  }
  return Status();
}

Status Pool::Clone(Pool* out) const {
  if (!impl_) return EmptyPool("Clone");
  if (!out) return Status::Error("Pool::Clone: the output pool is null");
  try {
    auto copy = std::make_unique<PoolImpl>(*impl_);
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
double Pool::dt() const { return impl_ ? impl_->dt : 0.0; }

Status Pool::Reset() {
  if (!impl_) return EmptyPool("Reset");
  impl_->Reset();
  return Status();
}

namespace {

// One pool's step, cut into chunks that the kernel steps independently.
struct PreparedStep {
  PoolImpl* pool = nullptr;
  const float* current = nullptr;
  KernelArgs args{};
  size_t chunk = 0;  // neurons per chunk
  size_t chunks = 0;
  std::vector<KernelResult> results;  // one per chunk
};

Status Prepare(PoolImpl& p, const float* current, size_t n, size_t threads, PreparedStep* out) {
  if (n != p.size || !current) {
    return Status::Error(p.Label() + " pool of " + std::to_string(p.size) + " neurons: step got " +
                         std::to_string(current ? n : 0) + " input currents");
  }
  const size_t n_main = p.size / kBlock * kBlock;
  std::memset(p.tail.data(), 0, kBlock * sizeof(float));
  if (p.size > n_main) {
    std::memcpy(p.tail.data(), current + n_main, (p.size - n_main) * sizeof(float));
  }
  KernelArgs& args = out->args;
  args = KernelArgs{};
  args.n_main = n_main;
  args.n_padded = p.padded;
  args.current = current;
  args.current_tail = p.tail.data();
  for (size_t k = 0; k < p.states.size(); ++k) args.state[k] = p.states[k].data();
  args.num_states = p.states.size();
  args.counter = p.counter.size() ? p.counter.data() : nullptr;
  args.constants = p.tables.refs.data();
  args.spikes = p.spikes.data();
  out->pool = &p;
  out->current = current;
  out->chunk = ChunkNeurons(p.padded, threads);
  out->chunks = (p.padded + out->chunk - 1) / out->chunk;
  out->results.assign(out->chunks, KernelResult());
  return Status();
}

void RunChunk(PreparedStep& s, size_t c) {
  KernelArgs args = s.args;
  args.begin = c * s.chunk;
  args.end = std::min(args.begin + s.chunk, args.n_padded);
  s.pool->spec->kernel(args, &s.results[c]);
}

// Merges the chunks' reports (in neuron order, so the same whatever the
// chunking) and clears the padding lanes' spike bits.
Status Finish(PreparedStep& s, StepReport* report) {
  PoolImpl& p = *s.pool;
  p.last_target = s.results[0].target;
  if (p.size < p.padded) {
    p.spikes[p.size / kBlock] &= static_cast<uint16_t>((1u << (p.size % kBlock)) - 1);
  }
  size_t count = 0, first = 0;
  for (const KernelResult& r : s.results) {
    if (r.nonfinite_count && !count) first = r.first_nonfinite;
    count += r.nonfinite_count;
  }
  if (count == 0) return Status();
  if (report) *report = {count, first};
  return Status::Error(StatusCode::kNonFiniteInput,
                       p.Label() + " pool: " + std::to_string(count) +
                           " non-finite input current(s), first at neuron " +
                           std::to_string(first) + " (" + FormatNumber(s.current[first]) +
                           " pA); those neurons were left unchanged");
}

}  // namespace

Status Pool::Step(const float* current, size_t n, StepReport* report) {
  if (report) *report = StepReport();
  if (!impl_) return EmptyPool("Step");
  const size_t threads = EffectiveThreads();
  PreparedStep step;
  try {  // (the per-chunk reports are the only allocation)
    Status status = Prepare(*impl_, current, n, threads, &step);
    if (!status.ok()) return status;
  } catch (const std::bad_alloc&) {
    return OutOfMemory(impl_->Label(), impl_->size);
  }
  ParallelFor(step.chunks, threads, [&](size_t c) { RunChunk(step, c); });
  return Finish(step, report);
}

Status StepPools(PoolStep* steps, size_t count) try {
  if (!steps && count) return Status::Error("StepPools: the list of pools is null");
  for (size_t i = 0; i < count; ++i) {
    steps[i].report = StepReport();
    const Pool* pool = steps[i].pool;
    const std::string which = "StepPools: entry " + std::to_string(i);
    if (!pool) return Status::Error(which + " has no pool");
    if (!pool->valid()) return EmptyPool("StepPools");
    for (size_t j = 0; j < i; ++j) {
      if (steps[j].pool == pool) {
        return Status::Error(which + " steps the same pool as entry " + std::to_string(j));
      }
    }
    if (steps[i].n != pool->size() || !steps[i].current) {
      return Status::Error(which + ": " + pool->model().name + " pool of " +
                           std::to_string(pool->size()) + " neurons got " +
                           std::to_string(steps[i].current ? steps[i].n : 0) + " input currents");
    }
  }
  const size_t threads = EffectiveThreads();
  std::vector<PreparedStep> prepared(count);
  std::vector<size_t> first_task(count + 1, 0);  // prefix sums of chunk counts
  for (size_t i = 0; i < count; ++i) {
    PoolImpl* impl = PoolAccess::Get(*steps[i].pool);
    Status status = Prepare(*impl, steps[i].current, steps[i].n, threads, &prepared[i]);
    if (!status.ok()) return status;  // checked above; cannot happen
    first_task[i + 1] = first_task[i] + prepared[i].chunks;
  }
  ParallelFor(first_task[count], threads, [&](size_t task) {
    const size_t i =
        std::upper_bound(first_task.begin(), first_task.end(), task) - first_task.begin() - 1;
    RunChunk(prepared[i], task - first_task[i]);
  });
  Status first_error;
  for (size_t i = 0; i < count; ++i) {
    const Status status = Finish(prepared[i], &steps[i].report);
    if (!status.ok() && first_error.ok()) first_error = status;
  }
  return first_error;
} catch (const std::bad_alloc&) {
  // Before any pool was stepped: the allocations precede the parallel region.
  return Status::Error(StatusCode::kOutOfMemory, "StepPools: out of memory preparing " +
                                                     std::to_string(count) + " pools");
}

const uint8_t* Pool::spike_bits() const {
  // The kernels store 16-bit words; on a little-endian machine their bytes
  // are in exactly this order.
  return impl_ ? reinterpret_cast<const uint8_t*>(impl_->spikes.data()) : nullptr;
}

size_t Pool::SpikeCount() const {
  if (!impl_) return 0;
  size_t count = 0;
  const AlignedArray<uint16_t>& words = impl_->spikes;
  for (size_t w = 0; w < words.size(); ++w) count += __builtin_popcount(words[w]);
  return count;
}

Status Pool::SpikeIndices(uint32_t* out, size_t capacity, size_t* count) const {
  if (!impl_) return EmptyPool("SpikeIndices");
  const size_t spikes = SpikeCount();
  if (count) *count = spikes;
  if (spikes > capacity || (spikes && !out)) {
    return Status::Error(impl_->Label() + ": " + std::to_string(spikes) +
                         " spikes do not fit a buffer of " + std::to_string(out ? capacity : 0));
  }
  const AlignedArray<uint16_t>& words = impl_->spikes;
  size_t next = 0;
  for (size_t w = 0; w < words.size(); ++w) {
    for (uint32_t bits = words[w]; bits; bits &= bits - 1) {
      out[next++] = static_cast<uint32_t>(w * kBlock + __builtin_ctz(bits));
    }
  }
  return Status();
}

std::vector<uint32_t> Pool::SpikeIndices() const {
  std::vector<uint32_t> out(SpikeCount());
  size_t count = 0;
  if (!SpikeIndices(out.data(), out.size(), &count).ok()) out.clear();
  return out;
}

Status Pool::SpikesDense(uint8_t* out, size_t n) const {
  if (!impl_) return EmptyPool("SpikesDense");
  if (n != impl_->size || !out) {
    return Status::Error(impl_->Label() + ": SpikesDense needs a buffer of " +
                         std::to_string(impl_->size) + " bytes, got " +
                         std::to_string(out ? n : 0));
  }
  for (size_t i = 0; i < n; ++i) out[i] = (impl_->spikes[i / kBlock] >> (i % kBlock)) & 1;
  return Status();
}

std::vector<uint8_t> Pool::SpikesDense() const {
  std::vector<uint8_t> out(size());
  if (!SpikesDense(out.data(), out.size()).ok()) out.clear();
  return out;
}

namespace {

// Finds state `name` of `pool`; the error lists the model's states.
Status FindState(const PoolImpl& pool, const std::string& name, int* index) {
  const ModelSpec& spec = *pool.spec;
  *index = spec.StateIndex(name);
  if (*index >= 0) return Status();
  std::vector<std::string> names;
  std::string list;
  for (const StateSpec& s : spec.states) {
    names.push_back(s.name);
    list += (list.empty() ? "" : ", ") + s.name;
  }
  return Status::Error(pool.Label() + ": unknown state \"" + name + "\"; did you mean \"" +
                       Closest(name, names) + "\"? (states: " + list + ")");
}

Status FindParam(const PoolImpl& pool, const std::string& name, int* index) {
  const ModelSpec& spec = *pool.spec;
  *index = spec.ParamIndex(name);
  if (*index >= 0) return Status();
  std::vector<std::string> names;
  for (const ParamSpec& p : spec.params) names.push_back(p.name);
  return Status::Error(pool.Label() + ": unknown parameter \"" + name + "\"; did you mean \"" +
                       Closest(name, names) + "\"?");
}

Status CheckLength(const PoolImpl& pool, const char* what, const void* data, size_t n) {
  if (data && n == pool.size) return Status();
  return Status::Error(pool.Label() + ": " + what + " needs " + std::to_string(pool.size) +
                       " values (one per neuron), got " + std::to_string(data ? n : 0));
}

// The user-unit value of state `state` (a float state) of `neuron`.
float UserState(const PoolImpl& pool, const StateSpec& state, int k, size_t neuron) {
  const float v = pool.states[k][neuron];
  return state.offset_param < 0 ? v : v + pool.tables.params[state.offset_param].at(neuron);
}

// Checks a user-unit value for `state` and converts it to kernel units.
Status KernelValue(const PoolImpl& pool, const StateSpec& state, size_t neuron, float value,
                   float* out) {
  const std::string where = pool.Label() + ": " + state.name + " = " + FormatFloat(value) +
                            (state.unit.empty() ? "" : " " + state.unit) + " at neuron " +
                            std::to_string(neuron);
  if (state.counter) {
    if (!(value >= 0 && value <= UINT16_MAX && value == std::floor(value))) {
      return Status::Error(where + ": must be a whole number of steps from 0 to 65535");
    }
    *out = value;
    return Status();
  }
  // The bound applies to the stored (kernel-unit) value. A value that
  // Potentials() or GetState() returned converts back to within one float
  // rounding of a stored one: a step past the bound by that rounding alone
  // is clamped to it, so every value read can be written back.
  const double offset =
      state.offset_param < 0 ? 0.0 : pool.tables.params[state.offset_param].at(neuron);
  const float kernel = static_cast<float>(static_cast<double>(value) - offset);
  const float rounding_slack = std::nextafter(kStateBound, HUGE_VALF);
  if (!std::isfinite(value) || !(std::fabs(kernel) <= rounding_slack)) {
    return Status::Error(where + ": must be finite, and within +-1e30 of " +
                         (state.offset_param < 0
                              ? std::string("0")
                              : pool.spec->params[state.offset_param].name) +
                         " (the bound on every value)");
  }
  *out = std::max(-kStateBound, std::min(kernel, kStateBound));
  return Status();
}

}  // namespace

Status Pool::GetState(const std::string& name, float* out, size_t n) const {
  if (!impl_) return EmptyPool("GetState");
  const PoolImpl& p = *impl_;
  int index = 0;
  Status status = FindState(p, name, &index);
  if (status.ok()) status = CheckLength(p, "GetState", out, n);
  if (!status.ok()) return status;
  const StateSpec& state = p.spec->states[index];
  if (state.counter) {
    for (size_t i = 0; i < n; ++i) out[i] = p.counter[i];
    return Status();
  }
  const int k = p.spec->FloatStateOf(index);
  for (size_t i = 0; i < n; ++i) out[i] = UserState(p, state, k, i);
  return Status();
}

Status Pool::SetState(const std::string& name, const float* values, size_t n) {
  if (!impl_) return EmptyPool("SetState");
  PoolImpl& p = *impl_;
  int index = 0;
  Status status = FindState(p, name, &index);
  if (status.ok()) status = CheckLength(p, "SetState", values, n);
  if (!status.ok()) return status;
  const StateSpec& state = p.spec->states[index];
  std::vector<float> kernel(n);
  for (size_t i = 0; i < n; ++i) {
    status = KernelValue(p, state, i, values[i], &kernel[i]);
    if (!status.ok()) return status;
  }
  // Padding lanes follow the last neuron.
  for (size_t i = 0; i < p.padded; ++i) {
    const float v = kernel[std::min(i, n - 1)];
    if (state.counter) {
      p.counter[i] = static_cast<uint16_t>(v);
    } else {
      p.states[p.spec->FloatStateOf(index)][i] = v;
    }
  }
  return Status();
}

Status Pool::SetState(const std::string& name, size_t neuron, float value) {
  if (!impl_) return EmptyPool("SetState");
  PoolImpl& p = *impl_;
  int index = 0;
  Status status = FindState(p, name, &index);
  if (!status.ok()) return status;
  if (neuron >= p.size) {
    return Status::Error(p.Label() + ": SetState(\"" + name + "\") of neuron " +
                         std::to_string(neuron) + ", but the pool has " + std::to_string(p.size) +
                         " neurons");
  }
  const StateSpec& state = p.spec->states[index];
  float kernel = 0;
  status = KernelValue(p, state, neuron, value, &kernel);
  if (!status.ok()) return status;
  const size_t end = neuron + 1 == p.size ? p.padded : neuron + 1;  // the last one's padding too
  for (size_t i = neuron; i < end; ++i) {
    if (state.counter) {
      p.counter[i] = static_cast<uint16_t>(kernel);
    } else {
      p.states[p.spec->FloatStateOf(index)][i] = kernel;
    }
  }
  return Status();
}

Status Pool::Potentials(float* out_mV, size_t n) const { return GetState("potential", out_mV, n); }

std::vector<float> Pool::Potentials() const {
  std::vector<float> out(size());
  if (!Potentials(out.data(), out.size()).ok()) out.clear();
  return out;
}

Status Pool::SetPotentials(const float* mV, size_t n) { return SetState("potential", mV, n); }

Status Pool::GetParam(const std::string& name, float* out, size_t n) const {
  if (!impl_) return EmptyPool("GetParam");
  int k = 0;
  Status status = FindParam(*impl_, name, &k);
  if (status.ok()) status = CheckLength(*impl_, "GetParam", out, n);
  if (!status.ok()) return status;
  for (size_t i = 0; i < n; ++i) out[i] = impl_->tables.params[k].at(i);
  return Status();
}

bool Pool::ParamIsPerNeuron(const std::string& name) const {
  if (!impl_) return false;
  const int k = impl_->spec->ParamIndex(name);
  return k >= 0 && impl_->tables.params[k].per_neuron;
}

float Pool::Param(size_t param, size_t neuron) const {
  if (!impl_ || param >= impl_->tables.params.size() || neuron >= impl_->size) {
    return std::numeric_limits<float>::quiet_NaN();
  }
  return impl_->tables.params[param].at(neuron);
}

namespace {

// Replaces the parameter tables of `pool` with ones where parameter `k` is
// `column`; float states with an offset parameter keep their user-unit values.
Status ReplaceParam(PoolImpl* pool, int k, const ParamColumn& column) {
  std::vector<ParamColumn> columns;
  for (const StoredParam& sp : pool->tables.params) columns.push_back(ParamColumn::Of(sp));
  columns[k] = column;
  ParamTables tables;
  try {
    Status status =
        BuildParamTables(*pool->spec, pool->Label(), pool->size, pool->dt, columns, &tables);
    if (!status.ok()) return status;
    const ModelSpec& spec = *pool->spec;
    for (size_t s = 0; s < spec.states.size(); ++s) {
      if (spec.states[s].offset_param != k) continue;
      float* v = pool->states[spec.FloatStateOf(s)].data();
      for (size_t i = 0; i < pool->padded; ++i) {
        const double before = pool->tables.params[k].at(i);
        const double after = tables.params[k].at(i);
        if (before != after) v[i] = static_cast<float>(static_cast<double>(v[i]) + before - after);
      }
    }
  } catch (const std::bad_alloc&) {
    return OutOfMemory(pool->Label(), pool->size);
  }
  pool->tables = std::move(tables);
  return Status();
}

}  // namespace

Status Pool::SetParam(const std::string& name, const ParamValue& value) {
  if (!impl_) return EmptyPool("SetParam");
  PoolImpl& p = *impl_;
  int k = 0;
  Status status = FindParam(p, name, &k);
  if (!status.ok()) return status;
  status = CheckShape(p.Label(), name, value, p.size);
  if (!status.ok()) return status;
  std::vector<double> drawn;
  ParamColumn column;
  if (value.initializer) {
    const uint64_t stream = StreamKey(p.seed, p.name, name);
    drawn.resize(p.size);
    for (size_t i = 0; i < p.size; ++i) drawn[i] = value.initializer->Draw(stream, i);
    column = {true, 0, drawn.data(), nullptr};
  } else if (value.per_neuron) {
    column = {true, 0, value.values.data(), nullptr};
  } else {
    column.shared = value.values[0];
  }
  return ReplaceParam(&p, k, column);
}

Status Pool::SetParam(const std::string& name, size_t neuron, double value) {
  if (!impl_) return EmptyPool("SetParam");
  PoolImpl& p = *impl_;
  int k = 0;
  Status status = FindParam(p, name, &k);
  if (!status.ok()) return status;
  if (neuron >= p.size) {
    return Status::Error(p.Label() + ": SetParam(\"" + name + "\") of neuron " +
                         std::to_string(neuron) + ", but the pool has " + std::to_string(p.size) +
                         " neurons");
  }
  std::vector<double> values(p.size);
  for (size_t i = 0; i < p.size; ++i) values[i] = p.tables.params[k].at(i);
  values[neuron] = value;
  return ReplaceParam(&p, k, ParamColumn{true, 0, values.data(), nullptr});
}

Status Pool::SaveToBuffer(std::string* out) const {
  if (!impl_) return EmptyPool("Save");
  if (!out) return Status::Error("Pool::SaveToBuffer: the output is null");
  try {
    *out = EncodeCheckpoint(*impl_);
  } catch (const std::bad_alloc&) {
    return OutOfMemory(impl_->Label(), impl_->size);
  }
  return Status();
}

Status Pool::LoadFromBuffer(const std::string& bytes) {
  if (!impl_) return EmptyPool("Load");
  std::unique_ptr<PoolImpl> loaded;
  Status status = DecodeCheckpoint(bytes, Registry(), impl_->spec, &loaded);
  if (!status.ok()) return status;
  if (loaded->size != impl_->size) {
    return Status::Error(StatusCode::kBadCheckpoint,
                         impl_->Label() + ": the checkpoint holds " + std::to_string(loaded->size) +
                             " neurons, this pool " + std::to_string(impl_->size));
  }
  impl_ = std::move(loaded);
  return Status();
}

namespace {

Status Prefixed(const std::string& path, const Status& status) {
  return status.ok() ? status : Status::Error(status.code(), path + ": " + status.message());
}

}  // namespace

Status Pool::Save(const std::string& path) const {
  std::string bytes;
  Status status = SaveToBuffer(&bytes);
  if (!status.ok()) return status;
  // Through a temporary file, so a crash never leaves half a checkpoint.
  const std::string temporary = path + ".partial";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) return Status::Error(StatusCode::kIo, "cannot write " + temporary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
      std::remove(temporary.c_str());
      return Status::Error(StatusCode::kIo, "cannot write " + temporary);
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    return Status::Error(StatusCode::kIo, "cannot move " + temporary + " to " + path);
  }
  return Status();
}

Status Pool::Load(const std::string& path) {
  if (!impl_) return EmptyPool("Load");
  // No checkpoint of this pool is larger than this (every parameter per neuron).
  const PoolImpl& p = *impl_;
  const uint64_t largest =
      (uint64_t{1} << 20) + p.name.size() + p.spec->name.size() +
      uint64_t{p.padded} * (4 * (p.tables.params.size() + p.states.size()) + 4);
  std::string bytes;
  Status status = ReadFile(path, &bytes, largest);
  if (!status.ok()) return status;
  return Prefixed(path, LoadFromBuffer(bytes));
}

Status Pool::FromCheckpoint(const std::string& path, Pool* out, const Registry& registry) {
  if (!out) return Status::Error("Pool::FromCheckpoint: the output pool is null");
  std::string bytes;
  Status status = ReadFile(path, &bytes, AvailableMemoryBytes() / 2);
  if (!status.ok()) return status;
  std::unique_ptr<PoolImpl> loaded;
  status = DecodeCheckpoint(bytes, registry, nullptr, &loaded);
  if (!status.ok()) return Prefixed(path, status);
  out->impl_ = std::move(loaded);
  return Status();
}

const char* Pool::last_target_name() const {
  return impl_ && impl_->last_target ? hwy::TargetName(impl_->last_target) : "none";
}

int64_t Pool::last_target() const { return impl_ ? impl_->last_target : 0; }

const char* Version() { return SOMAS_VERSION; }

namespace {

// The targets this binary has that the CPU can run, read once before any
// limit is set (Highway's SupportedTargets() reports the limit afterwards).
int64_t CpuTargets() {
  static const int64_t targets = hwy::SupportedTargets() & HWY_TARGETS;
  return targets;
}

}  // namespace

const char* SimdTarget() {
  // Highway's targets are bits, better ones lower: the best the CPU supports
  // among those compiled (and allowed by SetSimdTarget) is the lowest set bit.
  const int64_t usable = hwy::SupportedTargets() & CpuTargets();
  return usable ? hwy::TargetName(usable & -usable) : "none";
}

std::vector<std::string> AvailableTargets() {
  std::vector<std::string> names;
  for (int64_t t = CpuTargets(); t != 0; t &= t - 1) names.push_back(hwy::TargetName(t & -t));
  return names;
}

Status SetSimdTarget(const std::string& name) {
  auto upper = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
  };
  const int64_t cpu = CpuTargets();
  if (upper(name) == "AUTO") {
    hwy::SetSupportedTargetsForTest(0);
    return Status();
  }
  for (int64_t t = cpu; t != 0; t &= t - 1) {
    const int64_t target = t & -t;
    if (upper(name) == hwy::TargetName(target)) {
      hwy::SetSupportedTargetsForTest(target);
      return Status();
    }
  }
  std::string usable = "auto";
  for (const std::string& n : AvailableTargets()) usable += ", " + n;
  return Status::Error("unknown or unsupported SIMD target '" + name +
                       "': this binary on this CPU can use " + usable);
}

}  // namespace somas
