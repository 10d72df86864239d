// The C ABI (somas/somas_c.h) over the C++ API: codes for Status, a
// per-thread message, and no exception ever crossing the boundary.
#include <algorithm>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "somas/somas.h"
#include "somas/somas_c.h"

struct somas_pool {
  somas::Pool pool;
};

namespace {

thread_local std::string last_error;

int Fail(int code, std::string message) {
  last_error = std::move(message);
  return code;
}

int Report(const somas::Status& status) {
  if (status.ok()) return SOMAS_OK;
  return Fail(static_cast<int>(status.code()), status.message());
}

int Null(const char* call, const char* argument) {
  return Fail(SOMAS_ERR_ARGUMENT, std::string(call) + ": " + argument + " is NULL");
}

// Runs `body` (returning a code), turning any exception into a code.
template <class Body>
int Guard(const char* call, Body body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return Fail(SOMAS_ERR_MEMORY, std::string(call) + ": out of memory");
  } catch (const std::exception& e) {
    return Fail(SOMAS_ERR_INTERNAL, std::string(call) + ": internal error: " + e.what());
  } catch (...) {
    return Fail(SOMAS_ERR_INTERNAL, std::string(call) + ": internal error");
  }
}

// A new handle around `pool`, or an error.
int Wrap(somas::Pool pool, somas_pool** out) {
  *out = new somas_pool{std::move(pool)};
  return SOMAS_OK;
}

// The C++ hooks around C ones: a nonzero return is the hook's error.
somas::StepHooks Hooks(const somas_step_hooks& c) {
  auto wrap = [&c](somas_chunk_hook hook) -> std::function<somas::Status(const somas::StepChunk&)> {
    if (!hook) return nullptr;
    return [hook, user = c.user](const somas::StepChunk& chunk) {
      const somas_chunk view{chunk.pool, chunk.index, chunk.begin, chunk.end, chunk.thread};
      const int code = hook(user, &view);
      return code == 0 ? somas::Status()
                       : somas::Status::Error("the hook returned " + std::to_string(code));
    };
  };
  return somas::StepHooks{wrap(c.before), wrap(c.after)};
}

int StepPoolsC(const char* call, somas_pool* const* pools, const float* const* currents,
               const size_t* n, size_t count, const somas_step_hooks* hooks) {
  if (count && !pools) return Null(call, "pools");
  if (count && !currents) return Null(call, "currents");
  if (count && !n) return Null(call, "n");
  return Guard(call, [&] {
    std::vector<somas::PoolStep> steps(count);
    for (size_t i = 0; i < count; ++i) {
      if (!pools[i])
        return Fail(SOMAS_ERR_ARGUMENT,
                    std::string(call) + ": pools[" + std::to_string(i) + "] is NULL");
      if (!currents[i])
        return Fail(SOMAS_ERR_ARGUMENT,
                    std::string(call) + ": currents[" + std::to_string(i) + "] is NULL");
      steps[i].pool = &pools[i]->pool;
      steps[i].current = currents[i];
      steps[i].n = n[i];
    }
    if (!hooks) return Report(somas::StepPools(steps.data(), count));
    return Report(somas::StepPools(steps.data(), count, Hooks(*hooks)));
  });
}

}  // namespace

extern "C" {

const char* somas_version(void) { return somas::Version(); }

const char* somas_last_error(void) { return last_error.c_str(); }

const char* somas_models_json(void) {
  try {
    static const std::string* const json = new std::string(somas::ModelsJson());
    return json->c_str();
  } catch (...) {
    return "{}";
  }
}

const char* somas_simd_target(void) { return somas::SimdTarget(); }

const char* somas_available_targets(void) {
  try {
    static const std::string* const names = [] {
      auto* joined = new std::string;
      for (const std::string& name : somas::AvailableTargets())
        *joined += (joined->empty() ? "" : ",") + name;
      return joined;
    }();
    return names->c_str();
  } catch (...) {
    return "";
  }
}

int somas_set_simd_target(const char* name) {
  if (!name) return Null("somas_set_simd_target", "name");
  return Guard("somas_set_simd_target", [&] { return Report(somas::SetSimdTarget(name)); });
}

int somas_set_threads(size_t threads) {
  return Guard("somas_set_threads", [&] { return Report(somas::SetThreads(threads)); });
}

size_t somas_threads(void) { return somas::Threads(); }

int somas_step_pools(somas_pool* const* pools, const float* const* currents, const size_t* n,
                     size_t count) {
  return StepPoolsC("somas_step_pools", pools, currents, n, count, nullptr);
}

int somas_step_pools_hooked(somas_pool* const* pools, const float* const* currents, const size_t* n,
                            size_t count, const somas_step_hooks* hooks) {
  if (!hooks) return Null("somas_step_pools_hooked", "hooks");
  return StepPoolsC("somas_step_pools_hooked", pools, currents, n, count, hooks);
}

int somas_pool_create(const char* pool_json, somas_pool** out) {
  if (out) *out = nullptr;
  if (!pool_json) return Null("somas_pool_create", "pool_json");
  if (!out) return Null("somas_pool_create", "out");
  return Guard("somas_pool_create", [&] {
    somas::PoolConfig config;
    somas::Status status = somas::ParsePoolConfig(pool_json, &config);
    somas::Pool pool;
    if (status.ok()) status = somas::Pool::Create(config, &pool);
    if (!status.ok()) return Report(status);
    return Wrap(std::move(pool), out);
  });
}

int somas_pool_create_group(const char* const* pool_jsons, size_t count, somas_pool** out) {
  if (out) std::fill(out, out + count, nullptr);
  if (!pool_jsons) return Null("somas_pool_create_group", "pool_jsons");
  if (!out) return Null("somas_pool_create_group", "out");
  return Guard("somas_pool_create_group", [&] {
    std::vector<somas::PoolConfig> configs(count);
    for (size_t i = 0; i < count; ++i) {
      const std::string entry = "somas_pool_create_group: entry " + std::to_string(i);
      if (!pool_jsons[i]) return Fail(SOMAS_ERR_ARGUMENT, entry + ": pool_json is NULL");
      const somas::Status status = somas::ParsePoolConfig(pool_jsons[i], &configs[i]);
      if (!status.ok())
        return Fail(static_cast<int>(status.code()), entry + ": " + status.message());
    }
    std::vector<somas::Pool> pools;
    const somas::Status status = somas::Pool::CreateGroup(configs, &pools);
    if (!status.ok()) return Report(status);
    std::vector<std::unique_ptr<somas_pool>> handles;  // (none leaks if one fails)
    for (somas::Pool& pool : pools) handles.emplace_back(new somas_pool{std::move(pool)});
    for (size_t i = 0; i < count; ++i) out[i] = handles[i].release();
    return SOMAS_OK;
  });
}

int somas_pool_create_from_checkpoint(const char* path, somas_pool** out) {
  if (out) *out = nullptr;
  if (!path) return Null("somas_pool_create_from_checkpoint", "path");
  if (!out) return Null("somas_pool_create_from_checkpoint", "out");
  return Guard("somas_pool_create_from_checkpoint", [&] {
    somas::Pool pool;
    const somas::Status status = somas::Pool::FromCheckpoint(path, &pool);
    if (!status.ok()) return Report(status);
    return Wrap(std::move(pool), out);
  });
}

int somas_pool_clone(const somas_pool* pool, somas_pool** out) {
  if (out) *out = nullptr;
  if (!pool) return Null("somas_pool_clone", "pool");
  if (!out) return Null("somas_pool_clone", "out");
  return Guard("somas_pool_clone", [&] {
    somas::Pool copy;
    const somas::Status status = pool->pool.Clone(&copy);
    if (!status.ok()) return Report(status);
    return Wrap(std::move(copy), out);
  });
}

void somas_pool_destroy(somas_pool* pool) { delete pool; }

size_t somas_pool_size(const somas_pool* pool) { return pool ? pool->pool.size() : 0; }

const char* somas_pool_model(const somas_pool* pool) {
  return pool ? pool->pool.model().name.c_str() : nullptr;
}

double somas_pool_dt(const somas_pool* pool) { return pool ? pool->pool.dt() : 0.0; }
int somas_pool_dtype(const somas_pool* pool) {
  static_assert(static_cast<int>(somas::Dtype::kFloat16) == SOMAS_FLOAT16, "C and C++ agree");
  return pool ? static_cast<int>(pool->pool.dtype()) : SOMAS_FLOAT32;
}

int somas_pool_step(somas_pool* pool, const float* current_pA, size_t n) {
  if (!pool) return Null("somas_pool_step", "pool");
  if (!current_pA) return Null("somas_pool_step", "current_pA");
  return Guard("somas_pool_step", [&] { return Report(pool->pool.Step(current_pA, n)); });
}

int somas_pool_step_f16(somas_pool* pool, const uint16_t* current_f16, size_t n) {
  if (!pool) return Null("somas_pool_step_f16", "pool");
  if (!current_f16) return Null("somas_pool_step_f16", "current_f16");
  static_assert(sizeof(somas::Float16) == sizeof(uint16_t), "Float16 is the bits alone");
  return Guard("somas_pool_step_f16", [&] {
    return Report(pool->pool.Step(reinterpret_cast<const somas::Float16*>(current_f16), n));
  });
}

int somas_pool_step_hooked(somas_pool* pool, const float* current_pA, size_t n,
                           const somas_step_hooks* hooks) {
  if (!pool) return Null("somas_pool_step_hooked", "pool");
  if (!current_pA) return Null("somas_pool_step_hooked", "current_pA");
  if (!hooks) return Null("somas_pool_step_hooked", "hooks");
  return Guard("somas_pool_step_hooked",
               [&] { return Report(pool->pool.Step(current_pA, n, Hooks(*hooks))); });
}

int somas_pool_run(somas_pool* pool, const float* currents_pA, size_t steps, size_t n,
                   uint8_t* spike_bits_out, float* potentials_mV, size_t* done) {
  if (done) *done = 0;
  if (!pool) return Null("somas_pool_run", "pool");
  if (!currents_pA) return Null("somas_pool_run", "currents_pA");
  if (!spike_bits_out) return Null("somas_pool_run", "spike_bits_out");
  return Guard("somas_pool_run", [&] {
    return Report(pool->pool.Run(currents_pA, steps, n, spike_bits_out, potentials_mV, done));
  });
}

int somas_pool_run_relative(somas_pool* pool, const float* currents_pA, size_t steps, size_t n,
                            uint8_t* spike_bits_out, float* relative_mV, size_t* done) {
  if (done) *done = 0;
  if (!pool) return Null("somas_pool_run_relative", "pool");
  if (!currents_pA) return Null("somas_pool_run_relative", "currents_pA");
  if (!spike_bits_out) return Null("somas_pool_run_relative", "spike_bits_out");
  return Guard("somas_pool_run_relative", [&] {
    return Report(pool->pool.RunRelative(currents_pA, steps, n, spike_bits_out, relative_mV, done));
  });
}

int somas_pool_run_relative_f16(somas_pool* pool, const float* currents_pA, size_t steps, size_t n,
                                uint8_t* spike_bits_out, uint16_t* relative_f16, size_t* done) {
  if (done) *done = 0;
  if (!pool) return Null("somas_pool_run_relative_f16", "pool");
  if (!currents_pA) return Null("somas_pool_run_relative_f16", "currents_pA");
  if (!spike_bits_out) return Null("somas_pool_run_relative_f16", "spike_bits_out");
  return Guard("somas_pool_run_relative_f16", [&] {
    return Report(pool->pool.RunRelative(currents_pA, steps, n, spike_bits_out,
                                         reinterpret_cast<somas::Float16*>(relative_f16), done));
  });
}

int somas_pool_reset(somas_pool* pool) {
  if (!pool) return Null("somas_pool_reset", "pool");
  return Guard("somas_pool_reset", [&] { return Report(pool->pool.Reset()); });
}

int somas_pool_spike_count(const somas_pool* pool, size_t* count) {
  if (!pool) return Null("somas_pool_spike_count", "pool");
  if (!count) return Null("somas_pool_spike_count", "count");
  *count = pool->pool.SpikeCount();
  return SOMAS_OK;
}

int somas_pool_spike_indices(const somas_pool* pool, uint32_t* out, size_t capacity,
                             size_t* count) {
  if (!pool) return Null("somas_pool_spike_indices", "pool");
  if (!count) return Null("somas_pool_spike_indices", "count");
  if (!out && capacity > 0) return Null("somas_pool_spike_indices", "out");
  return Guard("somas_pool_spike_indices",
               [&] { return Report(pool->pool.SpikeIndices(out, capacity, count)); });
}

int somas_pool_spikes_dense(const somas_pool* pool, uint8_t* out, size_t n) {
  if (!pool) return Null("somas_pool_spikes_dense", "pool");
  if (!out) return Null("somas_pool_spikes_dense", "out");
  return Guard("somas_pool_spikes_dense", [&] { return Report(pool->pool.SpikesDense(out, n)); });
}

const uint8_t* somas_pool_spike_bits(const somas_pool* pool) {
  return pool ? pool->pool.spike_bits() : nullptr;
}

int somas_pool_potentials(const somas_pool* pool, float* out_mV, size_t n) {
  if (!pool) return Null("somas_pool_potentials", "pool");
  if (!out_mV) return Null("somas_pool_potentials", "out_mV");
  return Guard("somas_pool_potentials", [&] { return Report(pool->pool.Potentials(out_mV, n)); });
}

int somas_pool_relative_potentials(const somas_pool* pool, float* out_mV, size_t n) {
  if (!pool) return Null("somas_pool_relative_potentials", "pool");
  if (!out_mV) return Null("somas_pool_relative_potentials", "out_mV");
  return Guard("somas_pool_relative_potentials",
               [&] { return Report(pool->pool.RelativePotentials(out_mV, n)); });
}

int somas_pool_relative_potentials_f16(const somas_pool* pool, uint16_t* out_f16, size_t n) {
  if (!pool) return Null("somas_pool_relative_potentials_f16", "pool");
  if (!out_f16) return Null("somas_pool_relative_potentials_f16", "out_f16");
  return Guard("somas_pool_relative_potentials_f16", [&] {
    return Report(pool->pool.RelativePotentials(reinterpret_cast<somas::Float16*>(out_f16), n));
  });
}

int somas_pool_set_potentials(somas_pool* pool, const float* mV, size_t n) {
  if (!pool) return Null("somas_pool_set_potentials", "pool");
  if (!mV) return Null("somas_pool_set_potentials", "mV");
  return Guard("somas_pool_set_potentials",
               [&] { return Report(pool->pool.SetPotentials(mV, n)); });
}

int somas_pool_get_state(const somas_pool* pool, const char* name, float* out, size_t n) {
  if (!pool) return Null("somas_pool_get_state", "pool");
  if (!name) return Null("somas_pool_get_state", "name");
  if (!out) return Null("somas_pool_get_state", "out");
  return Guard("somas_pool_get_state", [&] { return Report(pool->pool.GetState(name, out, n)); });
}

int somas_pool_get_state_range(const somas_pool* pool, const char* name, size_t begin, float* out,
                               size_t n) {
  if (!pool) return Null("somas_pool_get_state_range", "pool");
  if (!name) return Null("somas_pool_get_state_range", "name");
  if (!out) return Null("somas_pool_get_state_range", "out");
  return Guard("somas_pool_get_state_range",
               [&] { return Report(pool->pool.GetState(name, begin, out, n)); });
}

int somas_pool_set_state(somas_pool* pool, const char* name, const float* values, size_t n) {
  if (!pool) return Null("somas_pool_set_state", "pool");
  if (!name) return Null("somas_pool_set_state", "name");
  if (!values) return Null("somas_pool_set_state", "values");
  return Guard("somas_pool_set_state",
               [&] { return Report(pool->pool.SetState(name, values, n)); });
}

int somas_pool_set_state_at(somas_pool* pool, const char* name, size_t neuron, float value) {
  if (!pool) return Null("somas_pool_set_state_at", "pool");
  if (!name) return Null("somas_pool_set_state_at", "name");
  return Guard("somas_pool_set_state_at",
               [&] { return Report(pool->pool.SetState(name, neuron, value)); });
}

int somas_pool_get_param(const somas_pool* pool, const char* name, float* out, size_t n) {
  if (!pool) return Null("somas_pool_get_param", "pool");
  if (!name) return Null("somas_pool_get_param", "name");
  if (!out) return Null("somas_pool_get_param", "out");
  return Guard("somas_pool_get_param", [&] { return Report(pool->pool.GetParam(name, out, n)); });
}

int somas_pool_set_param(somas_pool* pool, const char* name, double value) {
  if (!pool) return Null("somas_pool_set_param", "pool");
  if (!name) return Null("somas_pool_set_param", "name");
  return Guard("somas_pool_set_param",
               [&] { return Report(pool->pool.SetParam(name, somas::ParamValue::Shared(value))); });
}

int somas_pool_set_param_values(somas_pool* pool, const char* name, const double* values,
                                size_t n) {
  if (!pool) return Null("somas_pool_set_param_values", "pool");
  if (!name) return Null("somas_pool_set_param_values", "name");
  if (!values) return Null("somas_pool_set_param_values", "values");
  return Guard("somas_pool_set_param_values", [&] {
    return Report(pool->pool.SetParam(
        name, somas::ParamValue::PerNeuron(std::vector<double>(values, values + n))));
  });
}

int somas_pool_set_params(somas_pool* pool, const char* const* names, const double* const* values,
                          const size_t* n, size_t count) {
  if (!pool) return Null("somas_pool_set_params", "pool");
  if (count && !names) return Null("somas_pool_set_params", "names");
  if (count && !values) return Null("somas_pool_set_params", "values");
  if (count && !n) return Null("somas_pool_set_params", "n");
  return Guard("somas_pool_set_params", [&] {
    std::map<std::string, somas::ParamValue> params;
    for (size_t i = 0; i < count; ++i) {
      const std::string at = "somas_pool_set_params: ";
      if (!names[i])
        return Fail(SOMAS_ERR_ARGUMENT, at + "names[" + std::to_string(i) + "] is NULL");
      if (!values[i]) {
        return Fail(SOMAS_ERR_ARGUMENT, at + "values[" + std::to_string(i) + "] is NULL");
      }
      if (params.count(names[i])) {
        return Fail(SOMAS_ERR_INVALID, at + "parameter \"" + names[i] + "\" is given twice");
      }
      if (n[i] == 1) {
        params[names[i]] = somas::ParamValue::Shared(values[i][0]);
      } else {
        params[names[i]] =
            somas::ParamValue::PerNeuron(std::vector<double>(values[i], values[i] + n[i]));
      }
    }
    return Report(pool->pool.SetParams(params));
  });
}

int somas_pool_set_param_at(somas_pool* pool, const char* name, size_t neuron, double value) {
  if (!pool) return Null("somas_pool_set_param_at", "pool");
  if (!name) return Null("somas_pool_set_param_at", "name");
  return Guard("somas_pool_set_param_at",
               [&] { return Report(pool->pool.SetParam(name, neuron, value)); });
}

int somas_pool_save(const somas_pool* pool, const char* path) {
  if (!pool) return Null("somas_pool_save", "pool");
  if (!path) return Null("somas_pool_save", "path");
  return Guard("somas_pool_save", [&] { return Report(pool->pool.Save(path)); });
}

int somas_pool_load(somas_pool* pool, const char* path) {
  if (!pool) return Null("somas_pool_load", "pool");
  if (!path) return Null("somas_pool_load", "path");
  return Guard("somas_pool_load", [&] { return Report(pool->pool.Load(path)); });
}

}  // extern "C"
