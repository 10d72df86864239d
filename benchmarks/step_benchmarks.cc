// Google Benchmark cases for Pool::Step, enumerated from the registry.
#include "benchmarks/step_benchmarks.h"

#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <string>

#include "benchmarks/ceiling.h"
#include "engine/aligned.h"
#include "engine/parallel.h"
#include "engine/pool_impl.h"
#include "somas/somas.h"

namespace somas {
namespace {

// Every parameter per neuron (defaults jittered by +-1%, so that each derived
// constant really is an array) or all shared.
PoolConfig BenchConfig(const ModelSpec& m, size_t size, bool per_neuron) {
  PoolConfig config;
  config.model = m.name;
  config.size = size;
  if (!per_neuron) return config;
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> jitter(0.99, 1.01);
  for (const ParamSpec& p : m.params) {
    std::vector<double> values(size);
    for (double& v : values) v = p.default_value * jitter(rng);
    config.params[p.name] = ParamValue::PerNeuron(std::move(values));
  }
  return config;
}

// Reports neuron_updates_per_s: `neurons` updated per iteration.
void CountUpdates(benchmark::State& state, size_t neurons) {
  state.counters["neuron_updates_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * static_cast<double>(neurons),
                         benchmark::Counter::kIsRate);
}

// Memory traffic of one neuron-step: the current, each float state read and
// written, the counter read and written, each per-neuron constant read, and
// the spike bit.
Traffic TrafficOf(const Pool& pool) {
  const ModelSpec& m = pool.model();
  Traffic t;
  t.states = m.num_float_states;
  t.counter = m.has_counter;
  t.half = pool.dtype() == Dtype::kFloat16;
  for (size_t c = 0; c < m.num_constants; ++c)
    t.reads += Internals(pool).tables.refs[c].mask ? 1 : 0;
  return t;
}

// The model's moderate drive with noise: uniform in [0.5, 1.5] x
// drive_current, a fresh draw per neuron, reused every step.
AlignedArray<float> BenchCurrent(const ModelSpec& m, size_t size) {
  AlignedArray<float> current(size, kSlotInput);
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> u(0.5 * m.drive_current, 1.5 * m.drive_current);
  for (size_t i = 0; i < size; ++i) current[i] = static_cast<float>(u(rng));
  return current;
}

// The in-place streaming loop with a case's traffic, over its size, on as
// many threads chunked as pools are, on the best target whatever target the
// case limits its kernel to. Its passes are interleaved with the case's
// steps (Passes), so that both see the same machine: on a shared VM the
// speed of either drifts by 2x within minutes, their ratio much less.
class Ceiling {
 public:
  Ceiling(const Traffic& traffic, size_t size, size_t threads)
      : threads_(threads), n_((size + kBlock - 1) / kBlock * kBlock), stream_(BestStreamInPlace()) {
    // Arrays are kept for the next case: a 16M-neuron case with every
    // parameter per neuron needs 1.3 GB.
    static auto* floats =
        new std::vector<AlignedArray<float>>(kCeilingMaxStates + kCeilingMaxReads);
    static auto* counter = new AlignedArray<uint16_t>();
    static auto* spikes = new AlignedArray<uint16_t>();
    // Placed as a pool's arrays are (engine/aligned.h): the states in the
    // states' slots, the first read (the input current) in the input's,
    // the others in the kernel constants' slots, so that the ceiling meets
    // the same cache sets a step does.
    for (size_t k = 0; k < traffic.states + traffic.reads; ++k) {
      AlignedArray<float>& f = (*floats)[k];
      const size_t slot = k < traffic.states    ? kSlotStates + k
                          : k == traffic.states ? kSlotInput
                                                : kSlotConstants + (k - traffic.states - 1);
      if (f.size() != n_ || f.slot() != slot) f = AlignedArray<float>(n_, slot);
      for (size_t i = 0; i < n_; ++i) f[i] = 0.001f * static_cast<float>(i % 1000);
    }
    if (counter->size() != n_) *counter = AlignedArray<uint16_t>(n_, kSlotCounter);
    if (spikes->size() != n_ / kBlock) *spikes = AlignedArray<uint16_t>(n_ / kBlock, kSlotSpikes);
    for (size_t i = 0; i < n_; ++i) (*counter)[i] = static_cast<uint16_t>(i % 3);
    a_.traffic = traffic;
    for (size_t k = 0; k < traffic.states; ++k) a_.state[k] = (*floats)[k].data();
    for (size_t k = 0; k < traffic.reads; ++k) a_.read[k] = (*floats)[traffic.states + k].data();
    a_.counter = traffic.counter ? counter->data() : nullptr;
    a_.spikes = spikes->data();
    a_.n = n_;
    chunk_ = ChunkNeurons(n_, threads_);
    Pass();  // warm
  }

  // Runs `passes` more timed passes.
  void Passes(size_t passes) {
    const auto start = std::chrono::steady_clock::now();
    for (size_t p = 0; p < passes; ++p) Pass();
    seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    passes_ += passes;
  }

  // Neuron-updates/s, after at least `seconds` of passes in all.
  double Rate(double seconds) {
    while (seconds_ < seconds) Passes(1);
    benchmark::DoNotOptimize(a_.state[0][n_ / 2]);
    return static_cast<double>(passes_) * static_cast<double>(n_) / seconds_;
  }

 private:
  void Pass() {
    const size_t chunks = (n_ + chunk_ - 1) / chunk_;
    ParallelFor(chunks, threads_,
                [&](size_t c) { stream_(a_, c * chunk_, std::min(n_, (c + 1) * chunk_)); });
  }

  size_t threads_, n_, chunk_ = 0;
  StreamFn stream_;
  CeilingArrays a_{};
  double seconds_ = 0;
  size_t passes_ = 0;
};

// Reports the kernel's rate against its ceiling (the fraction of what memory
// allows) and its bytes per second, from the loop's own clock.
void ReportCeiling(benchmark::State& state, const Pool& pool, double seconds, double ceiling) {
  const double updates = static_cast<double>(state.iterations()) * static_cast<double>(pool.size());
  state.counters["bytes_per_s"] =
      benchmark::Counter(updates * TrafficOf(pool).Bytes(), benchmark::Counter::kIsRate);
  state.counters["ceiling_updates_per_s"] = ceiling;
  state.counters["fraction_of_ceiling"] = seconds > 0 ? updates / seconds / ceiling : 0.0;
  state.SetLabel(pool.last_target_name());
}

// The timed loop: one Step per iteration; neuron-updates/s from the
// iterations. After every batch of steps (about 1 ms of them) as many
// ceiling passes run, untimed by the benchmark. Returns the seconds spent
// stepping, by the loop's own clock.
template <class Current>
double TimeSteps(benchmark::State& state, Pool* pool, const Current& current, Ceiling* ceiling) {
  const size_t batch = std::max<size_t>(1, 250000 / std::max<size_t>(1, pool->size()));
  size_t in_batch = 0;
  double seconds = 0;
  auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    if (!pool->Step(current.data(), current.size()).ok()) {
      state.SkipWithError("step failed");
      break;
    }
    benchmark::DoNotOptimize(pool->spike_bits());
    benchmark::ClobberMemory();
    if (++in_batch == batch) {
      const auto now = std::chrono::steady_clock::now();
      seconds += std::chrono::duration<double>(now - start).count();
      state.PauseTiming();
      ceiling->Passes(batch);
      state.ResumeTiming();
      in_batch = 0;
      start = std::chrono::steady_clock::now();
    }
  }
  seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double updates =
      static_cast<double>(state.iterations()) * static_cast<double>(pool->size());
  state.counters["neuron_updates_per_s"] = benchmark::Counter(updates, benchmark::Counter::kIsRate);
  return seconds;
}

// One thread (Threads/ cases cover more), on `target` ("auto" or a name
// from AvailableTargets()), against the ceiling of the same traffic.
//
// StepF16/: a float16 pool stepped with float16 input. Its ceiling is the
// float32 ceiling loop's bytes per second (measured in the same run, on the
// same arrays' placement) divided by the float16 bytes of a neuron-step
// (Traffic::half): what memory allows for the bytes the case moves.
void StepBenchmark(benchmark::State& state, const ModelSpec* m, size_t size, bool per_neuron,
                   const std::string& target, double ceiling_seconds, Dtype dtype) {
  Pool pool;
  PoolConfig config = BenchConfig(*m, size, per_neuron);
  config.dtype = dtype;
  const Status created = Pool::Create(config, &pool);
  if (!created.ok()) {
    state.SkipWithError(created.message().c_str());
    return;
  }
  (void)SetThreads(1);  // a valid count: cannot fail
  Traffic streamed = TrafficOf(pool);
  streamed.half = false;  // (the loop streams float32 arrays)
  Ceiling ceiling(streamed, size, 1);
  const AlignedArray<float> current = BenchCurrent(*m, size);
  std::vector<Float16> current16(size);
  for (size_t i = 0; i < size; ++i) current16[i].bits = HalfFromFloat(current[i]);
  const Status limited = SetSimdTarget(target);
  if (!limited.ok()) {
    state.SkipWithError(limited.message().c_str());
    (void)SetThreads(0);  // a valid count: cannot fail
    return;
  }
  const double seconds = dtype == Dtype::kFloat16 ? TimeSteps(state, &pool, current16, &ceiling)
                                                  : TimeSteps(state, &pool, current, &ceiling);
  (void)SetSimdTarget("auto");
  const double bytes_per_s = ceiling.Rate(ceiling_seconds) * streamed.Bytes();
  ReportCeiling(state, pool, seconds, bytes_per_s / TrafficOf(pool).Bytes());
  (void)SetThreads(0);  // a valid count: cannot fail
}

// A silent pool (zero input) stepped from its initial state, reset every
// 100 steps, against one first aged 10,000 steps: states that decay towards
// zero must not slow the kernel down by lingering in subnormal floats.
void SilentBenchmark(benchmark::State& state, const ModelSpec* m, size_t size, bool aged) {
  Pool pool;
  PoolConfig config;
  config.model = m->name;
  config.size = size;
  const Status created = Pool::Create(config, &pool);
  if (!created.ok()) {
    state.SkipWithError(created.message().c_str());
    return;
  }
  const std::vector<float> zero(size, 0.0f);
  if (aged) {
    for (int t = 0; t < 10000; ++t) {
      if (!pool.Step(zero).ok()) return state.SkipWithError("step failed");
    }
  }
  int since_reset = 0;
  for (auto _ : state) {
    if (!aged && ++since_reset == 100) {
      state.PauseTiming();
      if (!pool.Reset().ok()) return state.SkipWithError("reset failed");
      since_reset = 0;
      state.ResumeTiming();
    }
    if (!pool.Step(zero).ok()) return state.SkipWithError("step failed");
    benchmark::ClobberMemory();
  }
  CountUpdates(state, size);
}

void ThreadBenchmark(benchmark::State& state, const ModelSpec* m, size_t size, size_t threads,
                     double ceiling_seconds) {
  Pool pool;
  const Status created = Pool::Create(BenchConfig(*m, size, false), &pool);
  if (!created.ok()) {
    state.SkipWithError(created.message().c_str());
    return;
  }
  (void)SetThreads(threads);  // a valid count: cannot fail
  Ceiling ceiling(TrafficOf(pool), size, threads);
  const AlignedArray<float> current = BenchCurrent(*m, size);
  const double seconds = TimeSteps(state, &pool, current, &ceiling);
  ReportCeiling(state, pool, seconds, ceiling.Rate(ceiling_seconds));
  (void)SetThreads(0);  // a valid count: cannot fail
}

// What hooks cost by themselves: one thread, a step with two hooks that do
// nothing against the plain step (Step/) of the same pool; the hooked step
// also cuts the pool into kHookChunk chunks.
void HookedBenchmark(benchmark::State& state, const ModelSpec* m, size_t size, bool hooked) {
  Pool pool;
  const Status created = Pool::Create(BenchConfig(*m, size, false), &pool);
  if (!created.ok()) {
    state.SkipWithError(created.message().c_str());
    return;
  }
  (void)SetThreads(1);  // a valid count: cannot fail
  const AlignedArray<float> current = BenchCurrent(*m, size);
  StepHooks hooks;
  if (hooked) {
    hooks.before = [](const StepChunk& c) {
      benchmark::DoNotOptimize(c.begin);
      return Status();
    };
    hooks.after = hooks.before;
  }
  for (auto _ : state) {
    if (!pool.Step(current.data(), size, hooks).ok()) return state.SkipWithError("step failed");
    benchmark::ClobberMemory();
  }
  CountUpdates(state, size);
  (void)SetThreads(0);  // a valid count: cannot fail
}

// The process's minor page faults so far.
long MinorFaults() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

// Building a pool with every parameter per neuron (values prepared
// beforehand, as a simulator holds them), against writing the pool's
// arrays once: allocating and filling as many floats and counters as the
// pool holds. ratio_to_writing is the quotient of the two times.
void CreateBenchmark(benchmark::State& state, const ModelSpec* m, size_t size) {
  const PoolConfig config = BenchConfig(*m, size, true);
  double create_seconds = 0;
  size_t floats = 0, counters = 0;
  long faults = 0;
  for (auto _ : state) {
    const long faults_before = MinorFaults();
    const auto start = std::chrono::steady_clock::now();
    Pool pool;
    const Status created = Pool::Create(config, &pool);
    create_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    faults += MinorFaults() - faults_before;
    if (!created.ok()) return state.SkipWithError(created.message().c_str());
    state.PauseTiming();
    const PoolImpl& p = Internals(pool);
    floats = 0;
    for (const auto& s : p.states) floats += s.size();
    for (const auto& c : p.tables.constants) floats += c.size();
    for (const auto& prm : p.tables.params) floats += prm.values.size();
    counters = p.counter.size() + p.spikes.size();
    state.ResumeTiming();
  }
  // Writing the same arrays once, timed apart.
  const long write_faults_before = MinorFaults();
  const auto start = std::chrono::steady_clock::now();
  {
    AlignedArray<float> f(floats);
    AlignedArray<uint16_t> c(counters);
    for (size_t i = 0; i < floats; ++i) f[i] = static_cast<float>(i & 1023);
    for (size_t i = 0; i < counters; ++i) c[i] = static_cast<uint16_t>(i);
    benchmark::DoNotOptimize(f.data());
    benchmark::DoNotOptimize(c.data());
  }
  const double write_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double per_create = create_seconds / static_cast<double>(state.iterations());
  state.counters["ratio_to_writing"] = per_create / write_seconds;
  state.counters["write_ms"] = write_seconds * 1e3;
  // Page faults taken (the process's minor faults): a build in fresh memory
  // takes one per page it touches, one in memory the allocator reused none.
  state.counters["faults"] = static_cast<double>(faults) / static_cast<double>(state.iterations());
  state.counters["write_faults"] = static_cast<double>(MinorFaults() - write_faults_before);
}

// The arguments for calling a pool's kernel directly with `current` (its
// last block's inputs copied into the pool's padded tail, as a step does).
KernelArgs DirectKernelArgs(Pool& pool, const AlignedArray<float>& current) {
  PoolImpl& p = *PoolAccess::Get(pool);
  const size_t n_main = p.size / kBlock * kBlock;
  for (size_t i = 0; i < kBlock; ++i) {
    p.tail[i] = n_main + i < p.size ? current[n_main + i] : 0.0f;
  }
  return KernelArgsOf(p, current.data());
}

// What a step costs beyond its kernel, with the default thread setting:
// the whole Pool::Step against the model's kernel called directly on the
// same pool's arrays (the kernel's own per-call work included).
void OverheadBenchmark(benchmark::State& state, const ModelSpec* m, size_t size, bool kernel_only) {
  Pool pool;
  const Status created = Pool::Create(BenchConfig(*m, size, false), &pool);
  if (!created.ok()) {
    state.SkipWithError(created.message().c_str());
    return;
  }
  (void)SetThreads(0);  // a valid count: cannot fail
  const AlignedArray<float> current = BenchCurrent(*m, size);
  const KernelArgs args = DirectKernelArgs(pool, current);
  KernelResult result;
  for (auto _ : state) {
    if (kernel_only) {
      m->kernel(args, &result);
    } else if (!pool.Step(current.data(), size).ok()) {
      return state.SkipWithError("step failed");
    }
    benchmark::ClobberMemory();
  }
  CountUpdates(state, size);
}

// How ManyPoolsBenchmark steps its pools.
enum class ManyPools {
  kKernels,    // the model's kernel called directly on each pool in turn
  kStepPools,  // StepPools over independent pools
  kGroup,      // StepPools over one group's members (Pool::CreateGroup),
               // their currents slices of one array: one kernel call
};

// StepPools over `count` pools of `size` neurons (a simulator's many small
// populations), default thread setting; compare with Overhead/.../step of
// one pool of count x size. kKernels on the same pools and arrays shows
// what StepPools adds to their kernels.
void ManyPoolsBenchmark(benchmark::State& state, const ModelSpec* m, size_t count, size_t size,
                        ManyPools mode) {
  std::vector<Pool> pools(count);
  if (mode == ManyPools::kGroup) {
    const Status created =
        Pool::CreateGroup(std::vector<PoolConfig>(count, BenchConfig(*m, size, false)), &pools);
    if (!created.ok()) return state.SkipWithError(created.message().c_str());
  }
  for (Pool& pool : pools) {
    if (pool.valid()) continue;
    const Status created = Pool::Create(BenchConfig(*m, size, false), &pool);
    if (!created.ok()) return state.SkipWithError(created.message().c_str());
  }
  (void)SetThreads(0);  // a valid count: cannot fail
  const AlignedArray<float> current = BenchCurrent(*m, size);
  // (every pool's currents: the same values, from one array for a group)
  AlignedArray<float> currents(count * size, kSlotInput, AlignedArray<float>::kNoInit);
  for (size_t i = 0; i < count * size; ++i) currents[i] = current[i % size];
  std::vector<PoolStep> steps;
  std::vector<KernelArgs> args;
  for (size_t i = 0; i < count; ++i) {
    const float* in = mode == ManyPools::kGroup ? currents.data() + i * size : current.data();
    steps.push_back({&pools[i], in, size, {}});
    args.push_back(DirectKernelArgs(pools[i], current));
  }
  const bool kernels_only = mode == ManyPools::kKernels;
  KernelResult result;
  for (auto _ : state) {
    if (kernels_only) {
      for (const KernelArgs& a : args) m->kernel(a, &result);
    } else if (!StepPools(steps.data(), steps.size()).ok()) {
      return state.SkipWithError("step failed");
    }
    benchmark::ClobberMemory();
  }
  CountUpdates(state, count * size);
}

// The cost of one parallel region with nothing to do: waking the workers,
// handing out `chunks` empty tasks and waiting for them (what a threaded
// step pays on top of its kernels).
void SchedulingBenchmark(benchmark::State& state, size_t chunks, size_t threads) {
  for (auto _ : state) {
    ParallelFor(chunks, threads, [](size_t c) { benchmark::DoNotOptimize(c); });
  }
}

}  // namespace

void RegisterThreadBenchmarks(const std::vector<size_t>& sizes, const std::vector<size_t>& threads,
                              double ceiling_seconds) {
  for (size_t t : threads) {
    if (t < 2) continue;
    const std::string name = "Scheduling/chunks:8/threads:" + std::to_string(t);
    benchmark::RegisterBenchmark(name.c_str(), SchedulingBenchmark, size_t{8}, t)
        ->Unit(benchmark::kMicrosecond)
        ->UseRealTime();
  }
  for (const ModelSpec& m : BuiltinRegistry().models()) {
    for (size_t size : sizes) {
      for (size_t t : threads) {
        const std::string name =
            "Threads/" + m.name + "/" + std::to_string(size) + "/threads:" + std::to_string(t);
        benchmark::RegisterBenchmark(name.c_str(), ThreadBenchmark, &m, size, t, ceiling_seconds)
            ->Unit(benchmark::kMicrosecond)
            ->UseRealTime();
      }
    }
  }
}

std::vector<size_t> SweepSizes(size_t largest, const std::vector<size_t>& extra) {
  std::vector<size_t> sizes;
  for (size_t p = 1024; p <= largest; p *= 2) {
    for (size_t size : {p - kBlock, p, p + kBlock}) sizes.push_back(size);
  }
  for (size_t size : extra) sizes.push_back(size);
  std::sort(sizes.begin(), sizes.end());
  sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
  return sizes;
}

void RegisterSweepBenchmarks(size_t largest, const std::vector<size_t>& extra, int repetitions,
                             double ceiling_seconds) {
  // Each repetition builds its pool anew (its arrays land elsewhere): "max"
  // is the slowest repetition's time, "min" of fraction_of_ceiling its
  // worst fraction.
  auto worst = [](const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); };
  auto least = [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); };
  for (const ModelSpec& m : BuiltinRegistry().models()) {
    for (bool per_neuron : {false, true}) {
      for (size_t size : SweepSizes(largest, extra)) {
        const std::string name = "Sweep/" + m.name + "/" + std::to_string(size) + "/" +
                                 (per_neuron ? "per_neuron" : "shared");
        benchmark::RegisterBenchmark(name.c_str(), StepBenchmark, &m, size, per_neuron,
                                     std::string("auto"), ceiling_seconds, Dtype::kFloat32)
            ->Unit(benchmark::kMicrosecond)
            ->UseRealTime()
            ->Repetitions(repetitions)
            ->ComputeStatistics("max", worst)
            ->ComputeStatistics("min", least);
      }
    }
  }
}

void RegisterCreateBenchmarks(const std::vector<size_t>& sizes) {
  for (const ModelSpec& m : BuiltinRegistry().models()) {
    for (size_t size : sizes) {
      const std::string name = "Create/" + m.name + "/" + std::to_string(size) + "/per_neuron";
      benchmark::RegisterBenchmark(name.c_str(), CreateBenchmark, &m, size)
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime()
          ->Iterations(1);
    }
  }
}

void RegisterOverheadBenchmarks() {
  for (const char* model : {"LeakySoma", "IzhikevichSoma"}) {
    const ModelSpec* m = BuiltinRegistry().Find(model, nullptr);
    for (size_t size : {size_t{64}, size_t{1024}, size_t{16384}, size_t{102400}}) {
      for (bool kernel_only : {true, false}) {
        const std::string name = std::string("Overhead/") + model + "/" + std::to_string(size) +
                                 (kernel_only ? "/kernel" : "/step");
        benchmark::RegisterBenchmark(name.c_str(), OverheadBenchmark, m, size, kernel_only)
            ->Unit(benchmark::kMicrosecond)
            ->UseRealTime();
      }
    }
    for (ManyPools mode : {ManyPools::kKernels, ManyPools::kStepPools, ManyPools::kGroup}) {
      const std::string name = std::string("Overhead/") + model + "/100x1024/" +
                               (mode == ManyPools::kKernels     ? "kernels"
                                : mode == ManyPools::kStepPools ? "step_pools"
                                                                : "group");
      benchmark::RegisterBenchmark(name.c_str(), ManyPoolsBenchmark, m, size_t{100}, size_t{1024},
                                   mode)
          ->Unit(benchmark::kMicrosecond)
          ->UseRealTime();
    }
  }
}

void RegisterStepBenchmarks(const std::vector<size_t>& sizes, size_t silent_size,
                            const std::vector<std::string>& targets, double ceiling_seconds) {
  for (const ModelSpec& m : BuiltinRegistry().models()) {
    for (size_t size : sizes) {
      for (bool per_neuron : {false, true}) {
        for (const std::string& target : targets) {
          const std::string name = "Step/" + m.name + "/" + std::to_string(size) + "/" +
                                   (per_neuron ? "per_neuron" : "shared") + "/" + target;
          benchmark::RegisterBenchmark(name.c_str(), StepBenchmark, &m, size, per_neuron, target,
                                       ceiling_seconds, Dtype::kFloat32)
              ->Unit(benchmark::kMicrosecond)
              ->UseRealTime();
          benchmark::RegisterBenchmark(("StepF16" + name.substr(4)).c_str(), StepBenchmark, &m,
                                       size, per_neuron, target, ceiling_seconds, Dtype::kFloat16)
              ->Unit(benchmark::kMicrosecond)
              ->UseRealTime();
        }
      }
    }
    for (size_t size : sizes) {
      for (bool hooked : {false, true}) {
        const std::string name = "Hooked/" + m.name + "/" + std::to_string(size) + "/" +
                                 (hooked ? "empty_hooks" : "no_hooks");
        benchmark::RegisterBenchmark(name.c_str(), HookedBenchmark, &m, size, hooked)
            ->Unit(benchmark::kMicrosecond)
            ->UseRealTime();
      }
    }
    for (bool aged : {false, true}) {
      const std::string name = "Silent/" + m.name + "/" + std::to_string(silent_size) + "/" +
                               (aged ? "after_10000_steps" : "first_100_steps");
      benchmark::RegisterBenchmark(name.c_str(), SilentBenchmark, &m, silent_size, aged)
          ->Unit(benchmark::kMicrosecond)
          ->UseRealTime();
    }
  }
}

}  // namespace somas
