// somas: the public C++ API. This header is the whole contract for C++
// embedders; it includes only the standard library. docs/embedding.md
// describes the ways in, ownership, thread safety and every change to it.
#ifndef SOMAS_SOMAS_H_
#define SOMAS_SOMAS_H_

#if __cplusplus < 201703L
#error \
    "somas/somas.h needs C++17: compile with -std=c++17 (with Bazel: copts = [\"-std=c++17\"]; its default toolchain passes -std=c++0x). C code can use somas/somas_c.h."
#endif

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "somas/kernel_abi.h"  // what a model's step kernel receives

// The library's version; Version() returns it at run time.
#define SOMAS_VERSION "0.8.0"

namespace somas {

// The library's version, "MAJOR.MINOR.PATCH" (SOMAS_VERSION of the build).
const char* Version();

// ---------------------------------------------------------------------------
// Errors

// What kind of failure a Status reports (the C ABI returns these codes).
enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument = 1,  // a value, size, name or configuration was wrong
  kNonFiniteInput = 2,   // a step got NaN or infinite currents (other neurons advanced)
  kIo = 3,               // a file could not be read or written
  kBadCheckpoint = 4,    // a checkpoint is corrupt, truncated or of another pool
  kOutOfMemory = 5,
  kEmptyPool = 6,  // the call was made on a default-constructed or moved-from Pool
  kInternal = 7,
  // (8 is the C ABI's SOMAS_ERR_ARGUMENT: a NULL pointer)
  kHookFailed = 9,  // a step hook (StepHooks) reported an error or threw
};

// Ok, or an error with a message meant for the person who gave the input:
// it names the model, parameter, value and neuron index that were wrong.
class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Error(std::string message) {
    return Status(StatusCode::kInvalidArgument, std::move(message));
  }
  static Status Error(StatusCode code, std::string message) {
    return Status(code, std::move(message));
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// ---------------------------------------------------------------------------
// Model schemas

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

// A state variable as users see it. The kernel keeps a float state (or, for
// the refractory counter, a uint16 counter) in its own units:
// user value = kernel value + the parameter `offset_param` (e.g. potentials
// kept relative to potential_rest), or the kernel value itself if -1.
struct StateSpec {
  std::string name;
  std::string unit;
  std::string initial;    // the initial value, as a formula of the parameters
  bool counter = false;   // the refractory counter (whole steps left)
  int offset_param = -1;  // see above; float states only
  // float16 pools (Dtype::kFloat16) store kernel value - this parameter
  // (or the kernel value itself if -1), so that float16's resolution sits
  // where the state lives: IzhikevichSoma keeps its potential in absolute
  // mV and stores it relative to potential_rest. Float states only.
  int float16_offset_param = -1;
};

// Parameter values of one neuron, in ModelSpec::params order, as the kernel
// will see them (rounded to float, widened back to double).
using NeuronParams = const double*;

// A rule relating parameters (or a parameter and dt), beyond each
// parameter's Bound. One object serves validation (at creation, SetParam and
// checkpoint loads), the schema (`somas models`, ModelsJson), the tests and
// the docs table (docs/models.md, "Rules").
struct Rule {
  std::string text;                 // the rule in one line: "threshold > potential_reset"
  std::vector<std::string> params;  // the parameters it reads, in the order check gets them
  // "" if `values` (this neuron's values of `params`, in that order, as the
  // kernel sees them) and `dt` obey the rule; otherwise what is wrong, in a
  // sentence (the engine puts the model, the values and the neuron before it).
  std::string (*check)(const double* values, double dt) = nullptr;
};

// Tool metadata (not used by the engine): how closely a float32 kernel
// follows a double-precision integration of the same equations
// (docs/models.md, "float32"); tests and tools choose tolerances by it.
enum class Accuracy {
  kSmooth,       // errors stay near float rounding (leaky family)
  kExponential,  // the exponential term amplifies rounding in the upswing
  kChaotic,      // trajectories part ways after a while (Izhikevich)
};

struct ModelSpec {
  std::string name;
  std::string description;
  std::string reference;
  std::vector<ParamSpec> params;
  // Rules beyond each parameter's Bound; Registry::Add checks that each
  // names parameters of the model, and that the defaults obey them at dt = 1.
  std::vector<Rule> rules;
  // Every state variable; the float ones in kernel state order, the counter
  // (if any) anywhere. State 0 is always the membrane potential.
  std::vector<StateSpec> states;

  // Kernel layout: float state arrays, the refractory counter, constants.
  size_t num_float_states = 1;
  bool has_counter = false;
  size_t num_constants = 0;

  // Tool metadata (not used by the engine): a mean input current (pA) that
  // makes the model, at its defaults, fire regularly at a moderate rate (what
  // `somas run`, tests and benchmarks drive it with), and its Accuracy.
  double drive_current = 0;
  Accuracy accuracy = Accuracy::kSmooth;

  // Kernel constants of one neuron, computed in double.
  void (*derive)(NeuronParams p, double dt, double* constants) = nullptr;
  // Initial kernel state of one neuron (float states; counters start at 0).
  void (*init)(NeuronParams p, float* states) = nullptr;
  KernelFn kernel = nullptr;
  // Whether `kernel` reads and writes float16 states and inputs itself
  // (KernelArgs::state_f16 and current_f16; the built-in models do). If
  // not, float16 pools and inputs still work: the engine widens them into
  // float32 scratch a tile at a time around each kernel call, with the same
  // results and more time.
  bool float16_kernel = false;

  // Index of the parameter called `name`, or -1.
  int ParamIndex(const std::string& name) const;
  // Index of the state called `name` in `states`, or -1.
  int StateIndex(const std::string& name) const;
  // The float state array of states[index] (-1 for the counter).
  int FloatStateOf(size_t index) const;
};

// "finite", "finite, > 0" or "finite, >= 0".
const char* BoundText(Bound bound);

// Model name -> schema and kernel. A value: copy it, extend it with Add.
// Pools copy the schema they are built from, so a registry may be destroyed
// while its pools live on.
class Registry {
 public:
  Registry() = default;

  // Adds a model after checking it against the engine's limits (parameter,
  // state and constant counts, unique names, every function present). On
  // error nothing is added.
  Status Add(ModelSpec model);

  const std::vector<ModelSpec>& models() const { return models_; }
  // The model called `name`; otherwise nullptr and an error naming the
  // closest known model.
  const ModelSpec* Find(const std::string& name, Status* error) const;

 private:
  std::vector<ModelSpec> models_;
};

// The nine built-in models, in the order of the upstream API. Built once.
const Registry& BuiltinRegistry();

// ---------------------------------------------------------------------------
// Pool configuration

// Draws one value per neuron. A value depends only on (seed, pool name,
// parameter name, neuron index), never on SIMD target, threads or chunking;
// docs/configuration.md gives the exact derivation.
struct Initializer {
  enum class Kind { kConstant, kUniform, kNormal };
  Kind kind = Kind::kConstant;
  double value = 0;          // constant
  double min = 0, max = 0;   // uniform range; normal's clip range if `clipped`
  double mean = 0, std = 0;  // normal
  bool clipped = false;      // normal only: clip (not reject) to [min, max]

  // "" if valid, else what is wrong ("min = 5 > max = 3").
  std::string Problem() const;
  // The value for neuron `neuron` of the random stream `stream`.
  double Draw(uint64_t stream, size_t neuron) const;
};

// One parameter as the user gives it: a value shared by every neuron, one
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

// How a pool stores its float states (docs/models.md, "float16 storage").
// Parameters, kernel constants and the arithmetic are float32 either way.
enum class Dtype : int {
  kFloat32 = 0,  // IEEE binary32 (the default)
  kFloat16 = 1,  // IEEE binary16: each step widens the states to float32,
                 // steps them as a float32 pool would and rounds the new
                 // states to nearest even (saturating at +-65504)
};
// "float32" or "float16".
const char* DtypeName(Dtype dtype);
// Parses "float32" or "float16"; anything else is an error naming both.
Status ParseDtype(const std::string& name, Dtype* out);

// The bits of one IEEE binary16 value (C++17 has no half type): input
// currents for Pool::Step's float16 overload.
struct Float16 {
  uint16_t bits;
};
// Its value, exactly (infinities and NaNs included): what a step reads.
float Float16ToFloat(Float16 h);

// Largest pool: spike indices are reported as uint32.
inline constexpr size_t kMaxPoolSize = (size_t{1} << 32) - 2 * kBlock;

struct PoolConfig {
  std::string name;  // names the pool in errors and keys its initializers' random streams
  std::string model;
  size_t size = 0;
  double dt = 1.0;                           // ms
  uint64_t seed = 0;                         // for initializers
  std::map<std::string, ParamValue> params;  // omitted parameters take their defaults
  Dtype dtype = Dtype::kFloat32;             // how states are stored
};

// A simulation file: a time step, a global seed and named pools. Every pool
// shares dt and seed (PoolConfig::dt / seed are copies).
struct SimulationConfig {
  double dt = 1.0;  // ms
  uint64_t seed = 0;
  std::vector<PoolConfig> pools;  // sorted by name; one pool in the one-pool form
};

// Parses a simulation file, either form (docs/configuration.md):
//   one pool:  {"model": NAME, "size": N, "dt": MS, "seed": S, "params": {...}}
//              (optionally "name": the pool's name; empty without it)
//   several:   {"dt": MS, "seed": S, "pools": {NAME: {"model", "size", "params"}, ...}}
// Checks the JSON itself (syntax with line and column, duplicate and unknown
// keys, types, finite numbers, initializers). Whether the values suit their
// model is checked once, by Pool::Create.
Status ParseSimulation(const std::string& json_text, SimulationConfig* out);
// The one-pool form only (the POOL.json of `somas replay`, the C ABI's pool_json).
Status ParsePoolConfig(const std::string& json_text, PoolConfig* out);
// Canonical text: sorted keys, every parameter written out (defaults from
// `registry`), numbers in their shortest exact form; parses back identically.
std::string CanonicalJson(const SimulationConfig& config,
                          const Registry& registry = BuiltinRegistry());
// Every model of `registry` as JSON, as `somas models --json` prints it.
std::string ModelsJson(const Registry& registry = BuiltinRegistry());

// ---------------------------------------------------------------------------
// Pools

// What one step saw of its input.
struct StepReport {
  size_t nonfinite_inputs = 0;  // neurons whose current was NaN or +-inf: left unchanged
  size_t first_nonfinite = 0;   // the lowest such index, if any
};

// The SIMD target (e.g. "AVX3", "AVX2", "SSE4") the next step will run on.
const char* SimdTarget();
// Every SIMD target this binary has that this CPU can run, best first, e.g.
// {"AVX3", "AVX2", "SSE4", "SSSE3", "SCALAR"}.
std::vector<std::string> AvailableTargets();
// Makes every later step, process-wide, run on the target `name` (one of
// AvailableTargets(), in any letter case), or on the best one again for
// "auto" (the default). Results on one target are bit-identical whatever the
// thread count; between targets they differ within the tolerances of
// docs/models.md. Call it between steps: a step running meanwhile on another
// thread may use either target. An unknown or unusable name is a
// kInvalidArgument error that lists the usable ones, and changes nothing.
Status SetSimdTarget(const std::string& name);

// The most threads SetThreads accepts.
inline constexpr size_t kMaxThreads = 1024;

// Threads that Pool::Step and StepPools use, process-wide: 0 (the default)
// means one per CPU this process may run on (its affinity mask, as set by
// taskset, a container's cpuset or an MPI launcher's binding; counted on first
// need and again at each SetThreads(0), not per step), 1 steps on the calling
// thread alone, at most kMaxThreads; a larger count is a kInvalidArgument
// error that changes nothing. The workers are started once, on first need,
// and sleep between steps; if the system refuses to start one (a thread or
// memory limit), steps run on the threads that did start. Results are
// bit-identical whatever the thread count. A step called while another
// thread's step is using the workers runs on its own thread alone. fork():
// a child process has none of its parent's workers and starts its own on its
// first threaded step (docs/embedding.md, "Threads").
Status SetThreads(size_t threads);
// The thread count in effect (SetThreads(0) resolved as above).
size_t Threads();

struct PoolImpl;

// ---------------------------------------------------------------------------
// Step hooks: the embedder's code on the thread that steps each chunk

// A step with hooks cuts each pool into chunks of kHookChunk neurons (the
// last one shorter), whatever the thread count: chunk c is neurons
// [c * kHookChunk, min((c + 1) * kHookChunk, size())). 8,192 neurons keep a
// chunk's arrays (and an embedder's few arrays beside them) in a core's L2.
inline constexpr size_t kHookChunk = 8192;

// One chunk, as a hook sees it.
struct StepChunk {
  size_t pool = 0;   // the pool's index in StepPools' list (0 for Pool::Step)
  size_t index = 0;  // the chunk's number within its pool
  size_t begin = 0;  // its neurons: [begin, end), begin = index * kHookChunk
  size_t end = 0;
  size_t thread = 0;  // the thread running it: 0 (the caller) .. Threads() - 1
};

// Code run on the thread that steps each chunk, in a step or StepPools.
// For each chunk, on one thread and in this order:
//   before(chunk)  -> the kernel steps neurons [begin, end) -> after(chunk)
// `before` may write the step's input current[begin, end) (the caller's
// buffer: the kernel reads it after `before` returns). `after` may read the
// chunk's spikes (spike_bits(), bytes [begin / 8, (end + 7) / 8)) and states
// (GetState with a range, Param) while they are in cache.
//
// Rules:
// - Hooks run concurrently on up to Threads() threads, each chunk exactly
//   once; one thread runs its chunks in ascending (pool, index) order, but
//   which thread runs which chunk varies from step to step. A hook may touch
//   its chunk's range of the pool (the reads above) and of the caller's
//   arrays, and per-thread data (indexed by `thread`); it must not call
//   anything that changes or steps a pool, nor touch another chunk's neurons.
// - Results are bit-identical for any thread count when the hooks' own
//   results depend only on their chunk (not on `thread` or timing).
// - Errors: a hook returns an error Status (or throws; the exception is
//   caught). A chunk whose `before` fails is not stepped: its neurons keep
//   their states and counters and have no spikes this step, and its `after`
//   does not run. A failing `after` comes after its chunk was stepped. Every
//   other chunk is stepped as usual (so the outcome never depends on thread
//   timing), and the step returns kHookFailed naming the pool, the first
//   failing chunk in (pool, index) order, its range and the hook's message,
//   and the number of failed chunks.
// Either hook may be empty.
struct StepHooks {
  std::function<Status(const StepChunk&)> before;
  std::function<Status(const StepChunk&)> after;
};

// N neurons of one model in structure-of-arrays form. A Pool owns all its
// memory and a copy of its model's schema. It is movable, not copyable (use
// Clone). A default-constructed or moved-from Pool is empty: every call on it
// returns a kEmptyPool error (accessors return 0, nullptr or empty vectors).
// Not thread-safe: one thread at a time per Pool; distinct Pools are independent.
//
// Every call that changes a pool validates first and changes nothing on error.
class Pool {
 public:
  Pool() noexcept;
  ~Pool();
  Pool(Pool&& other) noexcept;
  Pool& operator=(Pool&& other) noexcept;
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Validates `config` against its model's schema and builds the pool in its
  // initial state. On error `*out` is untouched and the message names the
  // model, parameter, value and (for per-neuron values) the neuron index.
  static Status Create(const PoolConfig& config, Pool* out,
                       const Registry& registry = BuiltinRegistry());
  // A group: pools of one model and dtype, each built from its config as
  // Create builds it, whose states, counters and spike bits lie back to back
  // in shared arrays (member i's neurons after member i - 1's, each padded
  // to a multiple of kBlock). Each member is an ordinary pool in every
  // respect (stepped, read, set, saved, cloned, moved or destroyed alone, in
  // any order; the storage lives while any member does). What the group
  // adds is speed: StepPools steps consecutive members with one kernel call
  // (as one pool), see StepPools. Building holds each member's own states
  // and the shared arrays at once (about twice the states' memory, briefly).
  // On error `*out` is untouched, no pool is built, and the message names
  // the entry (its index in `configs`).
  static Status CreateGroup(const std::vector<PoolConfig>& configs, std::vector<Pool>* out,
                            const Registry& registry = BuiltinRegistry());
  // A pool rebuilt from a checkpoint file (see Save); its model is looked up
  // in `registry`.
  static Status FromCheckpoint(const std::string& path, Pool* out,
                               const Registry& registry = BuiltinRegistry());
  // An independent copy: same parameters, states, counters and last spikes.
  Status Clone(Pool* out) const;

  bool valid() const { return impl_ != nullptr; }
  // The model's schema (an empty one for an empty pool).
  const ModelSpec& model() const;
  size_t size() const;  // neurons; 0 for an empty pool
  double dt() const;    // ms; 0 for an empty pool
  Dtype dtype() const;  // how its states are stored; kFloat32 for an empty pool

  // Advances every neuron by one dt: integrate, then fire (docs/models.md).
  // `current` holds `n` == size() values in pA. Neurons whose current is not
  // finite are left exactly as they were and do not spike; the step still
  // advances the others, fills `report`, and returns a kNonFiniteInput error
  // saying how many there were and where the first was. A wrong `n` is an
  // error that changes nothing.
  Status Step(const float* current, size_t n, StepReport* report = nullptr);
  Status Step(const std::vector<float>& current, StepReport* report = nullptr) {
    return Step(current.data(), current.size(), report);
  }
  // The same step with the embedder's code run beside each chunk (StepHooks,
  // below): a chunk is stepped only if its `before` hook succeeds.
  Status Step(const float* current, size_t n, const StepHooks& hooks, StepReport* report = nullptr);
  // The same steps with float16 currents (pA), widened exactly to float32
  // as the kernel reads them: half the input bytes of a float32 array, for
  // a pool of either dtype. A `before` hook may write them.
  Status Step(const Float16* current, size_t n, StepReport* report = nullptr);
  Status Step(const Float16* current, size_t n, const StepHooks& hooks,
              StepReport* report = nullptr);
  // `steps` steps in one call: step t takes currents[t * n .. (t + 1) * n)
  // (n == size()). After each step its spike bits go to
  // spike_bits[t * B .. (t + 1) * B), B = (size() + 7) / 8 bytes laid out as
  // spike_bits(), and, if `potentials` is not null, the potentials (absolute
  // mV) to potentials[t * n ..]. The run stops after the first step that
  // reports an error (non-finite currents: that step still advanced the
  // other neurons and its outputs are written), and the error names the
  // step; `*done` (if not null) is the number of steps taken. A wrong `n`
  // or a null `currents` or `spike_bits` (with steps > 0) is an error that
  // changes nothing.
  Status Run(const float* currents, size_t steps, size_t n, uint8_t* spike_bits,
             float* potentials = nullptr, size_t* done = nullptr);
  // Run writing the potentials relative to potential_rest (as
  // RelativePotentials, below: float or float16) instead of absolute ones;
  // a null pointer of either type skips them. A model without a
  // "potential_rest" parameter is an error that changes nothing.
  Status RunRelative(const float* currents, size_t steps, size_t n, uint8_t* spike_bits,
                     float* relative_mV, size_t* done = nullptr);
  Status RunRelative(const float* currents, size_t steps, size_t n, uint8_t* spike_bits,
                     Float16* relative_mV, size_t* done = nullptr);
  // (Several pools in one parallel region: StepPools, below.)
  // Back to the initial state (parameters as they are now); spikes cleared.
  Status Reset();

  // Spikes of the last step. spike_bits(): bit i % 8 of byte i / 8 is neuron
  // i, (size() + 7) / 8 bytes, bits past size() zero; valid until the next
  // call that changes the pool; nullptr for an empty pool. No copy is made.
  const uint8_t* spike_bits() const;
  size_t SpikeCount() const;
  // The indices of the neurons that spiked, ascending, into the caller's
  // buffer of `capacity`; `*count` is set to the number of spikes even when
  // they do not fit (then nothing is written and an error is returned).
  Status SpikeIndices(uint32_t* out, size_t capacity, size_t* count) const;
  std::vector<uint32_t> SpikeIndices() const;
  // size() bytes of 0 or 1.
  Status SpikesDense(uint8_t* out, size_t n) const;
  std::vector<uint8_t> SpikesDense() const;

  // State variables by name (ModelSpec::states), in user units: "potential"
  // in absolute mV, the refractory counter in whole steps left. `n` must be
  // size(). Writes must be finite, and their stored value (relative to the
  // offset parameter, e.g. potential - potential_rest) within +-kStateBound;
  // a value read from the pool can always be written back (counters: whole
  // numbers 0..65535).
  Status GetState(const std::string& name, float* out, size_t n) const;
  // Neurons [begin, begin + n) only (a step hook reading its chunk).
  Status GetState(const std::string& name, size_t begin, float* out, size_t n) const;
  Status SetState(const std::string& name, const float* values, size_t n);
  Status SetState(const std::string& name, size_t neuron, float value);
  // The potential, absolute mV (GetState / SetState of "potential").
  Status Potentials(float* out_mV, size_t n) const;
  std::vector<float> Potentials() const;
  Status SetPotentials(const float* mV, size_t n);
  // The potential relative to potential_rest, potential - potential_rest
  // (mV), as Spark reports it: for the models that keep it so (the leaky
  // and exponential families) the stored value itself, exactly; otherwise
  // one float subtraction. The float16 overload rounds that to nearest even
  // (a float16 pool's stored value, exactly, for those models). `n` must be
  // size(); a model without "potential_rest" is an error.
  Status RelativePotentials(float* out_mV, size_t n) const;
  Status RelativePotentials(Float16* out_mV, size_t n) const;

  // Parameters by name, one value per neuron, as the kernel uses them
  // (rounded to float).
  Status GetParam(const std::string& name, float* out, size_t n) const;
  bool ParamIsPerNeuron(const std::string& name) const;
  // Changes a parameter for the whole pool (shared, per-neuron values or an
  // initializer, drawn with the pool's name and seed), or for one neuron.
  // Every rule is checked as at creation and the kernel constants are
  // recomputed exactly as at creation. State variables keep their user-unit
  // values (a potential stays at the same absolute mV when potential_rest
  // changes).
  Status SetParam(const std::string& name, const ParamValue& value);
  Status SetParam(const std::string& name, size_t neuron, double value);
  // Changes several parameters at once (each as SetParam would), validated
  // together: every rule sees the new values side by side, so a coupled
  // change (threshold and potential_reset moved past each other) is accepted
  // whenever its end state is valid, which one SetParam at a time may never
  // be. The tables are rebuilt once. On error nothing changes.
  Status SetParams(const std::map<std::string, ParamValue>& values);
  // Parameter `param` (ModelSpec::params index) of `neuron` as the kernel
  // uses it; NaN if either is out of range or the pool is empty.
  float Param(size_t param, size_t neuron) const;

  // Checkpoints (docs/embedding.md, "Checkpoint format"): the model, size,
  // dt, every parameter as stored, every state, refractory counter and the
  // last spikes, with a CRC-32. Stepping on after Load gives bit-identical
  // results to never having stopped, on the same SIMD target. Load checks
  // the whole file (magic, version, length, checksum, model, size, every
  // value against the model's rules) before changing anything; on error
  // the pool is exactly as it was.
  Status Save(const std::string& path) const;
  Status Load(const std::string& path);
  Status SaveToBuffer(std::string* out) const;
  Status LoadFromBuffer(const std::string& bytes);

  // The SIMD target whose code ran the last step, by name ("AVX2"; "none"
  // before any step).
  const char* last_target_name() const;

 private:
  friend struct PoolAccess;
  std::unique_ptr<PoolImpl> impl_;
};

// One pool's part of a StepPools call.
struct PoolStep {
  Pool* pool = nullptr;
  const float* current = nullptr;  // pool->size() values, pA
  size_t n = 0;
  StepReport report;  // filled by StepPools
};

// Advances several pools (of any models and sizes, each with its own input)
// by one step each, in one parallel region on Threads() threads: the result
// is the same as stepping them one by one. Every pool must be valid, appear
// once and get size() currents, or nothing is stepped. Non-finite currents
// behave as in Pool::Step, pool by pool; the error returned is the first
// pool's (in `steps` order) and names it.
// Consecutive entries that are consecutive members of one group
// (Pool::CreateGroup), each but the last a multiple of kBlock neurons, with
// equal shared kernel constants (the same parameter values and dt) and
// currents that continue one another (entry i + 1's array starts where
// entry i's ends: slices of one array) are stepped by one kernel call, as
// one pool: many small populations cost what one large pool costs. Results
// are the same either way; hooks turn this off.
Status StepPools(PoolStep* steps, size_t count);
// The same with hooks run beside each chunk of every pool (StepHooks above;
// StepChunk::pool is the index in `steps`).
Status StepPools(PoolStep* steps, size_t count, const StepHooks& hooks);

}  // namespace somas

#endif  // SOMAS_SOMAS_H_
