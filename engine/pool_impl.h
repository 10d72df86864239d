// somas::PoolImpl: the structure-of-arrays storage behind a Pool, and the
// internal view of it that the engine, tests and benchmarks use.
#ifndef SOMAS_ENGINE_POOL_IMPL_H_
#define SOMAS_ENGINE_POOL_IMPL_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/aligned.h"
#include "engine/half.h"
#include "somas/somas.h"

namespace somas {

// One parameter as stored: shared, or one float per neuron padded with the
// last neuron's value.
struct StoredParam {
  bool per_neuron = false;
  float shared = 0.0f;
  AlignedArray<float> values;

  float at(size_t neuron) const { return per_neuron ? values[neuron] : shared; }
};

// Parameters and the kernel constants derived from them: everything that
// changes together when a parameter is set.
struct ParamTables {
  bool any_per_neuron = false;
  std::vector<StoredParam> params;
  std::vector<AlignedArray<float>> constants;  // kBlock copies if shared
  std::vector<ConstRef> refs;                  // kMaxConstants entries
  // Whether every constant is shared, and then their bits: what StepPools
  // compares to step two group members as one, without leaving the pools.
  bool all_shared = false;
  uint32_t shared_bits[kMaxConstants] = {};
};

// What one chunk of a step reported beyond its kernel's result.
struct ChunkReport {
  KernelResult result;
  int failed_hook = 0;  // 0 none, 1 `before` (chunk not stepped), 2 `after`
  std::string message;  // the hook's
};

struct PoolImpl {
  std::shared_ptr<const ModelSpec> spec;
  std::string name;   // PoolConfig::name, for errors and initializer streams
  uint64_t seed = 0;  // PoolConfig::seed
  size_t size = 0;
  size_t padded = 0;
  double dt = 1.0;
  Dtype dtype = Dtype::kFloat32;
  ParamTables tables;
  // The float states, padded: float32 pools keep kernel units in `states`;
  // float16 pools keep float16 bits of (kernel value - the state's
  // float16_offset_param) in `halves`. Read and write them through
  // KernelState and SetKernelState unless the dtype is known.
  std::vector<AlignedArray<float>> states;
  std::vector<AlignedArray<uint16_t>> halves;
  std::vector<int> half_offset;            // float16_offset_param of each float state
  AlignedArray<uint16_t> counter;          // refractory steps left, padded
  AlignedArray<uint16_t> spikes;           // one word per kBlock neurons
  AlignedArray<float> tail;                // the zero-padded last block of input
  const char* last_target = nullptr;       // the SIMD target of the last step, by name
  std::vector<ChunkReport> chunk_reports;  // a step's scratch, kept so that steps allocate nothing
  // A group member's place (Pool::CreateGroup): its states, counter and
  // spike bits are views of the group's shared arrays, from neuron
  // `group_offset` on. null for any other pool (a clone of a member too).
  const void* group = nullptr;
  size_t group_offset = 0;
  // The StepPools call that last listed this pool (its stamp) and at which
  // entry: how a pool listed twice is found.
  uint64_t listed_in = 0;
  size_t listed_at = 0;

  // "LeakySoma" or "pool "exc" (LeakySoma)": how errors name this pool.
  std::string Label() const;
  // Parameters of one neuron as the kernel sees them (float, widened).
  void Gather(size_t neuron, double* p) const;
  // Every state to its initial value, counters to 0, spikes cleared.
  void Reset();

  // Float state `k` of `neuron` in kernel units, and writing it (float16
  // pools round it to float16, saturating). `tables` gives the offsets
  // (the pool's own by default).
  float KernelState(size_t k, size_t neuron) const;
  void SetKernelState(size_t k, size_t neuron, float value) {
    SetKernelState(k, neuron, value, tables);
  }
  void SetKernelState(size_t k, size_t neuron, float value, const ParamTables& with);
  // What float16 state `k` is stored relative to, from `with`'s parameters.
  HalfOffset HalfOffsetOf(size_t k, const ParamTables& with) const;
  // Allocates the state, counter, spike and input-tail arrays for spec, padded and dtype.
  void AllocateStates();
};

// The kernel's view of pool `p` stepping all its neurons with `current`
// (p.size values; the last partial block's come from p.tail, which the
// caller fills: zero-padded copies of current[n_main, size)).
KernelArgs KernelArgsOf(PoolImpl& p, const float* current);

// State `index` (ModelSpec::states) of neurons [begin, begin + n) in user
// units, as Pool::GetState reads it (engine/access.cc); the caller checked
// the range.
void ReadState(const PoolImpl& p, int index, size_t begin, float* out, size_t n);

// Every model's state 0 is its float "potential" (Registry::Add checks).
inline constexpr int kPotentialState = 0;

// Potentials relative to potential_rest of neurons [begin, begin + n)
// (engine/access.cc; Pool::RelativePotentials): `rest` indexes the
// "potential_rest" parameter, as RelativePotentialsOf finds it (its error
// names a model without one, or a null or wrong-length `out`).
Status RelativePotentialsOf(const PoolImpl& p, int* rest, const void* out, size_t n);
void ReadRelativePotentials(const PoolImpl& p, int rest, size_t begin, float* out, size_t n);
void ReadRelativePotentials(const PoolImpl& p, int rest, size_t begin, uint16_t* out, size_t n);

// A pool of `size` neurons holds this many lanes: whole blocks of kBlock.
inline size_t Padded(size_t size) { return (size + kBlock - 1) / kBlock * kBlock; }

// How errors name things (engine/messages.cc): "LeakySoma" or
// "pool "exc" (LeakySoma)"; "threshold = -40 mV"; " at neuron 6" (or "" for
// a shared value); and the errors every pool call shares.
std::string LabelOf(const std::string& pool_name, const std::string& model);
std::string DescribeParam(const ModelSpec& spec, int param, double value);
std::string AtNeuron(bool per_neuron, size_t neuron);
Status EmptyPool(const char* call);
Status OutOfMemory(const std::string& label, size_t size);

// The internals of a Pool, for the engine's own code, tests and benchmarks
// (never for embedders: nothing here is part of the public API).
struct PoolAccess {
  static PoolImpl* Get(Pool& pool) { return pool.impl_.get(); }
  static const PoolImpl* Get(const Pool& pool) { return pool.impl_.get(); }
  static void Set(Pool& pool, std::unique_ptr<PoolImpl> impl) { pool.impl_ = std::move(impl); }
};

inline const PoolImpl& Internals(const Pool& pool) { return *PoolAccess::Get(pool); }

// The values one parameter takes, as the user gave them (doubles) or as a
// pool stores them (floats): shared, or one per neuron.
struct ParamColumn {
  bool per_neuron = false;
  double shared = 0;
  const double* doubles = nullptr;  // per neuron, if set
  const float* floats = nullptr;    // per neuron, otherwise

  double at(size_t neuron) const {
    if (!per_neuron) return shared;
    return doubles ? doubles[neuron] : static_cast<double>(floats[neuron]);
  }
  static ParamColumn Of(const StoredParam& p) {
    return p.per_neuron ? ParamColumn{true, 0, nullptr, p.values.data()}
                        : ParamColumn{false, p.shared, nullptr, nullptr};
  }
};

// One parameter's value for a pool of `size`: one shared value, `size`
// values, or a valid initializer alone; errors begin with `label`.
Status CheckShape(const std::string& label, const std::string& name, const ParamValue& value,
                  size_t size);
// The column of a checked `value`: an initializer draws its `size` values
// from `stream` into `*drawn` (which must outlive the column). The one path
// of Create and SetParam.
ParamColumn ColumnOf(const ParamValue& value, size_t size, uint64_t stream,
                     std::vector<double>* drawn);

// Builds the parameter tables of a `size`-neuron pool of `spec` at `dt` from
// one column per parameter, validating every neuron against the parameter
// bounds and the model's rules, and deriving the kernel constants (in
// double, from the float-rounded values). The one place where parameter
// values are checked: creation, SetParam and checkpoint loads all use it.
// Errors begin with `label`. With `initial_states` (a new float32 pool's
// state arrays, Padded(size) floats each), a build with per-neuron
// parameters (out->any_per_neuron) also writes every neuron's initial float
// states there, as Reset would: they are computed for the state bound's
// check anyway.
Status BuildParamTables(const ModelSpec& spec, const std::string& label, size_t size, double dt,
                        const std::vector<ParamColumn>& columns, ParamTables* out,
                        float* const* initial_states = nullptr);

// Bytes of memory this machine could give a new pool now (free pages).
uint64_t AvailableMemoryBytes();

// The checkpoint codec (engine/checkpoint.cc).
std::string EncodeCheckpoint(const PoolImpl& pool);
// Decodes and checks `bytes` whole into a new pool. Its model is `expected`
// if set (a checkpoint of another model is an error), else looked up in
// `registry`. Errors have code kBadCheckpoint (or kOutOfMemory).
Status DecodeCheckpoint(const std::string& bytes, const Registry& registry,
                        const std::shared_ptr<const ModelSpec>& expected,
                        std::unique_ptr<PoolImpl>* out);

}  // namespace somas

#endif  // SOMAS_ENGINE_POOL_IMPL_H_
