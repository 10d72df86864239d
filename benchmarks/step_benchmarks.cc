// Google Benchmark cases for Pool::Step, enumerated from the registry.
#include "benchmarks/step_benchmarks.h"

#include <benchmark/benchmark.h>
#include <hwy/targets.h>

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

// Memory traffic of one neuron-step: the current, each float state read and
// written, the counter read and written, each per-neuron constant read, and
// the spike bit.
double BytesPerNeuronStep(const Pool& pool) {
  const ModelSpec& m = pool.model();
  double bytes = 4.0 + 8.0 * m.num_float_states + (m.has_counter ? 4.0 : 0.0) + 1.0 / 8;
  for (size_t c = 0; c < m.num_constants; ++c)
    bytes += Internals(pool).tables.refs[c].mask ? 4.0 : 0.0;
  return bytes;
}

// The model's moderate drive with noise: uniform in [0.5, 1.5] x
// drive_current, a fresh draw per neuron, reused every step.
std::vector<float> BenchCurrent(const ModelSpec& m, size_t size) {
  std::vector<float> current(size);
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> u(0.5 * m.drive_current, 1.5 * m.drive_current);
  for (float& c : current) c = static_cast<float>(u(rng));
  return current;
}

// The timed loop: one Step per iteration; neuron-updates/s from the iterations.
void TimeSteps(benchmark::State& state, Pool* pool, const std::vector<float>& current) {
  for (auto _ : state) {
    if (!pool->Step(current.data(), current.size()).ok()) {
      state.SkipWithError("step failed");
      break;
    }
    benchmark::DoNotOptimize(pool->spike_bits());
    benchmark::ClobberMemory();
  }
  const double updates =
      static_cast<double>(state.iterations()) * static_cast<double>(pool->size());
  state.counters["neuron_updates_per_s"] = benchmark::Counter(updates, benchmark::Counter::kIsRate);
}

void StepBenchmark(benchmark::State& state, const ModelSpec* m, size_t size, bool per_neuron,
                   int64_t target) {
  Pool pool;
  const Status created = Pool::Create(BenchConfig(*m, size, per_neuron), &pool);
  if (!created.ok()) {
    state.SkipWithError(created.message().c_str());
    return;
  }
  const std::vector<float> current = BenchCurrent(*m, size);
  hwy::SetSupportedTargetsForTest(target);
  TimeSteps(state, &pool, current);
  hwy::SetSupportedTargetsForTest(0);
  const double updates = static_cast<double>(state.iterations()) * static_cast<double>(size);
  state.counters["bytes_per_s"] =
      benchmark::Counter(updates * BytesPerNeuronStep(pool), benchmark::Counter::kIsRate);
  state.SetLabel(pool.last_target_name());
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
  state.counters["neuron_updates_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * static_cast<double>(size),
                         benchmark::Counter::kIsRate);
}

// Neuron-updates/s of the in-place streaming loop with the traffic of one
// step of `m` (its float states read and written; the current, and the
// counter's 4 bytes as one more read), on `threads` threads chunked as pools
// are, timed over at least `seconds`.
double CeilingRate(const ModelSpec& m, size_t size, size_t threads, double seconds) {
  const size_t n = (size + kBlock - 1) / kBlock * kBlock;
  std::vector<AlignedArray<float>> arrays;
  for (int k = 0; k < 4; ++k) {
    arrays.emplace_back(n);
    for (size_t i = 0; i < n; ++i) arrays.back()[i] = 0.001f * static_cast<float>(i % 1000);
  }
  CeilingArrays a{{arrays[0].data(), arrays[1].data()},
                  {arrays[2].data(), arrays[3].data()},
                  m.num_float_states > 1 ? size_t{2} : size_t{1},
                  m.has_counter ? size_t{2} : size_t{1},
                  n};
  const size_t chunk = ChunkNeurons(n, threads);
  const size_t chunks = (n + chunk - 1) / chunk;
  auto pass = [&] {
    ParallelFor(chunks, threads,
                [&](size_t c) { StreamInPlace(a, c * chunk, std::min(n, (c + 1) * chunk)); });
  };
  pass();  // warm
  const auto start = std::chrono::steady_clock::now();
  size_t passes = 0;
  double elapsed = 0;
  do {
    pass();
    ++passes;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  } while (elapsed < seconds);
  benchmark::DoNotOptimize(arrays[0].data()[n / 2]);
  return static_cast<double>(passes) * static_cast<double>(n) / elapsed;
}

void ThreadBenchmark(benchmark::State& state, const ModelSpec* m, size_t size, size_t threads,
                     double ceiling_seconds) {
  SetThreads(threads);
  Pool pool;
  const Status created = Pool::Create(BenchConfig(*m, size, false), &pool);
  if (!created.ok()) {
    state.SkipWithError(created.message().c_str());
    SetThreads(0);
    return;
  }
  const double ceiling = CeilingRate(*m, size, threads, ceiling_seconds);
  const std::vector<float> current = BenchCurrent(*m, size);
  TimeSteps(state, &pool, current);
  SetThreads(0);
  const double updates = static_cast<double>(state.iterations()) * static_cast<double>(size);
  state.counters["ceiling_updates_per_s"] = ceiling;
  // Both rates per second of real time: the fraction of what memory allows.
  state.counters["fraction_of_ceiling"] =
      benchmark::Counter(updates / ceiling, benchmark::Counter::kIsRate);
  state.SetLabel(pool.last_target_name());
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

void RegisterStepBenchmarks(const std::vector<size_t>& sizes, size_t silent_size) {
  std::vector<std::pair<std::string, int64_t>> targets = {{"auto", 0}};
  for (int64_t t : hwy::SupportedAndGeneratedTargets()) targets.push_back({hwy::TargetName(t), t});
  for (const ModelSpec& m : BuiltinRegistry().models()) {
    for (size_t size : sizes) {
      for (bool per_neuron : {false, true}) {
        for (const auto& [target_name, target] : targets) {
          const std::string name = "Step/" + m.name + "/" + std::to_string(size) + "/" +
                                   (per_neuron ? "per_neuron" : "shared") + "/" + target_name;
          benchmark::RegisterBenchmark(name.c_str(), StepBenchmark, &m, size, per_neuron, target)
              ->Unit(benchmark::kMicrosecond)
              ->UseRealTime();
        }
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
