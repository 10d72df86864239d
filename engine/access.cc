// Reading and writing a pool's states (in user units) and parameters by name.
#include <algorithm>
#include <cmath>
#include <limits>
#include <new>

#include "engine/format.h"
#include "engine/initializer.h"
#include "engine/names.h"
#include "engine/pool_impl.h"

namespace somas {

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
  return Status::Error(pool.Label() + ": unknown state \"" + name + "\"" + Suggestion(name, names) +
                       " (states: " + list + ")");
}

Status FindParam(const PoolImpl& pool, const std::string& name, int* index) {
  const ModelSpec& spec = *pool.spec;
  *index = spec.ParamIndex(name);
  if (*index >= 0) return Status();
  return Status::Error(pool.Label() + ": unknown parameter \"" + name + "\"" +
                       Suggestion(name, ParamNames(spec)));
}

Status CheckLength(const PoolImpl& pool, const char* what, const void* data, size_t n) {
  if (data && n == pool.size) return Status();
  return Status::Error(pool.Label() + ": " + what + " needs " + std::to_string(pool.size) +
                       " values (one per neuron), got " + std::to_string(data ? n : 0));
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
    return Status::Error(
        where + ": must be finite, and within +-1e30 of " +
        (state.offset_param < 0 ? std::string("0") : pool.spec->params[state.offset_param].name) +
        " (the bound on every value)");
  }
  *out = std::max(-kStateBound, std::min(kernel, kStateBound));
  if (pool.dtype == Dtype::kFloat16) {
    // float16 stores kernel - float16 offset, and saturates at +-65504: a
    // value that would round beyond that is refused, not clamped. (A value
    // read back converts to within one float rounding of a stored one.)
    const int half_param = state.float16_offset_param;
    const double half_offset = half_param < 0 ? 0.0 : pool.tables.params[half_param].at(neuron);
    const double stored = static_cast<double>(*out) - half_offset;
    if (!(std::fabs(stored) < 65520.0)) {
      const int param = half_param >= 0 ? half_param : state.offset_param;
      return Status::Error(
          where + ": a float16 pool stores it as a float16 " +
          (param < 0 ? std::string("value") : "offset from " + pool.spec->params[param].name) +
          ", which must be within +-65504");
    }
  }
  return Status();
}

// out[i] = float state `k` of neuron begin + i in kernel units (as
// PoolImpl::KernelState), i in [0, n): a copy, or a float16 widening.
void ReadKernelState(const PoolImpl& p, int k, size_t begin, float* out, size_t n) {
  if (p.dtype == Dtype::kFloat32) {
    std::copy_n(p.states[k].data() + begin, n, out);
    return;
  }
  HalfOffset offset = p.HalfOffsetOf(k, p.tables);
  if (offset.values) offset.values += begin;
  HalvesToFloats(p.halves[k].data() + begin, offset, out, n);
}

// out[i] += sign * parameter `param` of neuron begin + i (sign is +-1: exact).
void AddParam(const PoolImpl& p, int param, float sign, size_t begin, float* out, size_t n) {
  const StoredParam& q = p.tables.params[param];
  if (q.per_neuron) {
    const float* values = q.values.data() + begin;
    for (size_t i = 0; i < n; ++i) out[i] += sign * values[i];
  } else {
    const float shared = sign * q.shared;
    for (size_t i = 0; i < n; ++i) out[i] += shared;
  }
}

}  // namespace

Status Pool::GetState(const std::string& name, float* out, size_t n) const {
  if (!impl_) return EmptyPool("GetState");
  int index = 0;
  Status status = FindState(*impl_, name, &index);
  if (status.ok()) status = CheckLength(*impl_, "GetState", out, n);
  return status.ok() ? GetState(name, 0, out, n) : status;
}

Status Pool::GetState(const std::string& name, size_t begin, float* out, size_t n) const {
  if (!impl_) return EmptyPool("GetState");
  const PoolImpl& p = *impl_;
  int index = 0;
  Status status = FindState(p, name, &index);
  if (!status.ok()) return status;
  if (begin > p.size || n > p.size - begin || (n && !out)) {
    return Status::Error(p.Label() + ": GetState of neurons [" + std::to_string(begin) + ", " +
                         std::to_string(begin) + " + " + std::to_string(n) + ") " +
                         (n && !out
                              ? "into a null buffer"
                              : "is outside the pool's " + std::to_string(p.size) + " neurons"));
  }
  ReadState(p, index, begin, out, n);
  return Status();
}

void ReadState(const PoolImpl& p, int index, size_t begin, float* out, size_t n) {
  const StateSpec& state = p.spec->states[index];
  if (state.counter) {
    for (size_t i = 0; i < n; ++i) out[i] = p.counter[begin + i];
    return;
  }
  // A bulk copy (float32) or conversion (float16), then the user-unit
  // offset added in place: the same float additions as KernelState plus the
  // offset, without a call and two branches per neuron (a potential read
  // costs about what a step does, not twenty times it).
  ReadKernelState(p, p.spec->FloatStateOf(index), begin, out, n);
  if (state.offset_param >= 0) AddParam(p, state.offset_param, 1.0f, begin, out, n);
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
      p.SetKernelState(p.spec->FloatStateOf(index), i, v);
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
      p.SetKernelState(p.spec->FloatStateOf(index), i, kernel);
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

void ReadRelativePotentials(const PoolImpl& p, int rest, size_t begin, float* out, size_t n) {
  // The kernel's value, then, unless the model keeps the potential relative
  // to potential_rest already (then this is exact), its offset added and
  // potential_rest subtracted.
  ReadKernelState(p, p.spec->FloatStateOf(kPotentialState), begin, out, n);
  const int offset_param = p.spec->states[kPotentialState].offset_param;
  if (offset_param == rest) return;
  if (offset_param >= 0) AddParam(p, offset_param, 1.0f, begin, out, n);
  AddParam(p, rest, -1.0f, begin, out, n);
}

void ReadRelativePotentials(const PoolImpl& p, int rest, size_t begin, uint16_t* out, size_t n) {
  constexpr size_t kChunk = 2048;
  alignas(64) float scratch[kChunk];
  for (size_t i = 0; i < n; i += kChunk) {
    const size_t m = std::min(kChunk, n - i);
    ReadRelativePotentials(p, rest, begin + i, scratch, m);
    FloatsToHalves(scratch, HalfOffset(), out + i, m);
  }
}

Status RelativePotentialsOf(const PoolImpl& p, int* rest, const void* out, size_t n) {
  *rest = p.spec->ParamIndex("potential_rest");
  if (*rest < 0) {
    return Status::Error(p.Label() + ": RelativePotentials needs a \"potential_rest\" parameter");
  }
  return CheckLength(p, "RelativePotentials", out, n);
}

Status Pool::RelativePotentials(float* out_mV, size_t n) const {
  if (!impl_) return EmptyPool("RelativePotentials");
  int rest = 0;
  const Status status = RelativePotentialsOf(*impl_, &rest, out_mV, n);
  if (status.ok()) ReadRelativePotentials(*impl_, rest, 0, out_mV, n);
  return status;
}

Status Pool::RelativePotentials(Float16* out_mV, size_t n) const {
  if (!impl_) return EmptyPool("RelativePotentials");
  int rest = 0;
  const Status status = RelativePotentialsOf(*impl_, &rest, out_mV, n);
  if (status.ok()) ReadRelativePotentials(*impl_, rest, 0, reinterpret_cast<uint16_t*>(out_mV), n);
  return status;
}

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
// Replaces parameters (index, new column) all at once: the rules see the new
// values together. States offset by a replaced parameter keep their user
// values. On error nothing changes.
Status ReplaceParams(PoolImpl* pool, const std::vector<std::pair<int, ParamColumn>>& changes) {
  std::vector<ParamColumn> columns;
  for (const StoredParam& sp : pool->tables.params) columns.push_back(ParamColumn::Of(sp));
  for (const auto& [k, column] : changes) columns[k] = column;
  ParamTables tables;
  try {
    Status status =
        BuildParamTables(*pool->spec, pool->Label(), pool->size, pool->dt, columns, &tables);
    if (!status.ok()) return status;
    const ModelSpec& spec = *pool->spec;
    for (size_t s = 0; s < spec.states.size(); ++s) {
      const int k = spec.states[s].offset_param;
      const int h = pool->dtype == Dtype::kFloat16 ? spec.states[s].float16_offset_param : -1;
      if (k < 0 && h < 0) continue;
      const size_t f = spec.FloatStateOf(s);
      for (size_t i = 0; i < pool->padded; ++i) {
        const double before = k < 0 ? 0.0 : pool->tables.params[k].at(i);
        const double after = k < 0 ? 0.0 : tables.params[k].at(i);
        const bool half_moved = h >= 0 && pool->tables.params[h].at(i) != tables.params[h].at(i);
        if (before == after && !half_moved) continue;
        const float v = pool->KernelState(f, i);
        const float moved =
            before == after ? v : static_cast<float>(static_cast<double>(v) + before - after);
        pool->SetKernelState(f, i, moved, tables);
      }
    }
  } catch (const std::bad_alloc&) {
    return OutOfMemory(pool->Label(), pool->size);
  }
  pool->tables = std::move(tables);
  return Status();
}

Status ReplaceParam(PoolImpl* pool, int k, const ParamColumn& column) {
  return ReplaceParams(pool, {{k, column}});
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
  return ReplaceParam(&p, k, ColumnOf(value, p.size, StreamKey(p.seed, p.name, name), &drawn));
}

Status Pool::SetParams(const std::map<std::string, ParamValue>& values) {
  if (!impl_) return EmptyPool("SetParams");
  PoolImpl& p = *impl_;
  std::vector<std::pair<int, ParamColumn>> changes;
  std::vector<std::vector<double>> drawn(values.size());  // the initializers' draws
  try {
    for (const auto& [name, value] : values) {
      int k = 0;
      Status status = FindParam(p, name, &k);
      if (status.ok()) status = CheckShape(p.Label(), name, value, p.size);
      if (!status.ok()) return status;
      changes.push_back(
          {k, ColumnOf(value, p.size, StreamKey(p.seed, p.name, name), &drawn[changes.size()])});
    }
  } catch (const std::bad_alloc&) {
    return OutOfMemory(p.Label(), p.size);
  }
  return ReplaceParams(&p, changes);
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

}  // namespace somas
