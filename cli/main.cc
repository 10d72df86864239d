// The somas command: run a pool, list the models, replay an input for comparison.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cli/matrix_io.h"
#include "engine/config.h"
#include "engine/format.h"
#include "engine/pool_impl.h"
#include "somas/somas.h"

namespace somas {
namespace {

constexpr char kUsage[] = R"(somas: advance large populations of spiking-neuron somas, fast.

usage:
  somas [run] [--model NAME] [--size N] [--steps N] [--dt MS] [--seed S]
  somas [run] --config FILE [--steps N] [--seed S]
      Simulate SIZE neurons of MODEL for STEPS steps of DT ms, driven by a seeded
      noisy input current (uniform between 0.5x and 1.5x a model-specific drive
      that gives a moderate firing rate), and print the SIMD target, the total
      spikes, the mean firing rate, the wall time and neuron-updates per second.
      Defaults: --model LeakySoma --size 100000 --steps 1000 --dt 1 --seed 1.
      With --config, the pools, dt and parameter seed come from FILE (a
      simulation file, docs/configuration.md); --seed seeds the input noise.
  somas models [--json]
      List the models with their parameters (unit, default, description,
      rule); --json prints every schema as JSON.
  somas config FILE
      Validate a simulation file and print its canonical form.
  somas replay --pool POOL.json --current CURRENT --out DIR
      Run the pool of POOL.json ({"model": NAME, "size": N, "dt": MS,
      "params": {NAME: number or list of N numbers}}) through CURRENT (steps x N
      input currents in pA, .csv without header or 2-D float32/float64 .npy) and
      write DIR/spikes.csv (step,neuron; steps from 0) and DIR/potential.npy
      (float32, steps x N, absolute mV after each step). Nothing is written
      unless the whole run succeeds.
  somas --help
      This text.
)";

int Fail(const std::string& message) {
  std::fprintf(stderr, "somas: %s\n", message.c_str());
  return 2;
}

bool ParseUnsigned(const std::string& text, uint64_t* out) {
  if (text.empty() || text[0] == '-' || text[0] == '+') return false;
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (errno || *end) return false;
  *out = v;
  return true;
}

bool ParsePositiveDouble(const std::string& text, double* out) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end || !std::isfinite(v) || !(v > 0)) return false;
  *out = v;
  return true;
}

// splitmix64: a small, fast, seedable generator for the run's input noise.
uint64_t SplitMix(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

int Run(const std::vector<std::string>& args) {
  PoolConfig flags;
  flags.model = "LeakySoma";
  flags.size = 100000;
  uint64_t steps = 1000, seed = 1;
  std::string config_path;
  bool pool_flags = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (flag == "--help" || flag == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (i + 1 >= args.size()) return Fail("run: " + flag + " needs a value (see somas --help)");
    const std::string& value = args[++i];
    uint64_t n = 0;
    pool_flags |= flag == "--model" || flag == "--size" || flag == "--dt";
    if (flag == "--model") {
      flags.model = value;
    } else if (flag == "--size") {
      if (!ParseUnsigned(value, &n) || n == 0) {
        return Fail("run: --size must be a positive whole number, not \"" + value + "\"");
      }
      flags.size = n;
    } else if (flag == "--steps") {
      if (!ParseUnsigned(value, &steps)) {
        return Fail("run: --steps must be a whole number, not \"" + value + "\"");
      }
    } else if (flag == "--seed") {
      if (!ParseUnsigned(value, &seed)) {
        return Fail("run: --seed must be a whole number, not \"" + value + "\"");
      }
    } else if (flag == "--dt") {
      if (!ParsePositiveDouble(value, &flags.dt)) {
        return Fail("run: --dt must be a positive number of ms, not \"" + value + "\"");
      }
    } else if (flag == "--config") {
      config_path = value;
    } else {
      return Fail("run: unknown option \"" + flag + "\" (see somas --help)");
    }
  }

  SimulationConfig sim;
  if (config_path.empty()) {
    sim.dt = flags.dt;
    sim.pools.push_back(flags);
  } else {
    if (pool_flags) return Fail("run: --config describes the pools; drop --model, --size and --dt");
    std::string text;
    Status status = ReadFile(config_path, &text);
    if (status.ok()) status = ParseSimulation(text, &sim);
    if (!status.ok()) return Fail(config_path + ": " + status.message());
  }
  std::vector<Pool> pools(sim.pools.size());
  for (size_t p = 0; p < pools.size(); ++p) {
    const Status created = Pool::Create(sim.pools[p], &pools[p]);
    if (!created.ok()) return Fail(created.message());
  }
  // The run's own buffers: one input current per neuron. The pools already
  // hold their memory, so what is free now is what the buffers can have.
  uint64_t buffer_bytes = 0;
  for (const Pool& pool : pools) buffer_bytes += uint64_t{pool.size()} * sizeof(float);
  if (buffer_bytes > AvailableMemoryBytes()) {
    return Fail("run: the input currents need " + std::to_string(buffer_bytes) +
                " bytes, more than the " + std::to_string(AvailableMemoryBytes()) +
                " bytes of memory left after building the pools; use a smaller --size");
  }

  std::vector<uint64_t> spikes(pools.size(), 0);
  std::vector<std::vector<float>> currents(pools.size());
  double stepping = 0;
  uint64_t rng = seed;
  const auto start = std::chrono::steady_clock::now();
  for (uint64_t t = 0; t < steps; ++t) {
    for (size_t p = 0; p < pools.size(); ++p) {
      const double drive = pools[p].model().drive_current;
      std::vector<float>& current = currents[p];
      current.resize(pools[p].size());
      for (float& c : current) {
        const double u = static_cast<double>(SplitMix(&rng) >> 11) * 0x1.0p-53;
        c = static_cast<float>(drive * (0.5 + u));
      }
      const auto step_start = std::chrono::steady_clock::now();
      const Status stepped = pools[p].Step(current);
      stepping +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - step_start).count();
      if (!stepped.ok()) return Fail(stepped.message());
      spikes[p] += pools[p].SpikeCount();
    }
  }
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double simulated_s = static_cast<double>(steps) * sim.dt / 1000.0;
  double neurons = 0;
  for (const Pool& pool : pools) neurons += static_cast<double>(pool.size());

  for (size_t p = 0; p < pools.size(); ++p) {
    const Pool& pool = pools[p];
    const std::string label = sim.pools[p].name.empty() ? "" : " (pool " + sim.pools[p].name + ")";
    std::printf("somas: %zu %s neurons%s, %llu steps of %g ms, seed %llu\n", pool.size(),
                pool.model().name.c_str(), label.c_str(), static_cast<unsigned long long>(steps),
                sim.dt, static_cast<unsigned long long>(seed));
    std::printf("  total spikes      %llu\n", static_cast<unsigned long long>(spikes[p]));
    std::printf("  mean firing rate  %.2f Hz\n",
                simulated_s > 0 ? static_cast<double>(spikes[p]) / pool.size() / simulated_s : 0.0);
  }
  std::printf("  SIMD target       %s\n", pools[0].last_target_name());
  std::printf("  wall time         %.3f s (stepping %.3f s, generating input %.3f s)\n", wall,
              stepping, wall - stepping);
  std::printf("  neuron-updates/s  %.3g (stepping only)\n",
              stepping > 0 ? neurons * static_cast<double>(steps) / stepping : 0.0);
  return 0;
}

// `somas config FILE`: the canonical form of a configuration, validated.
int Config(const std::vector<std::string>& args) {
  if (args.size() != 1) return Fail("config: needs exactly one FILE (see somas --help)");
  std::string text;
  SimulationConfig sim;
  Status status = ReadFile(args[0], &text);
  if (status.ok()) status = ParseSimulation(text, &sim);
  if (!status.ok()) return Fail(args[0] + ": " + status.message());
  for (const PoolConfig& config : sim.pools) {
    Pool pool;
    status = Pool::Create(config, &pool);
    if (!status.ok()) return Fail(args[0] + ": " + status.message());
  }
  std::fputs(CanonicalJson(sim).c_str(), stdout);
  return 0;
}

int Models(const std::vector<std::string>& args) {
  if (args.size() == 1 && args[0] == "--json") {
    std::fputs(ModelsJson(BuiltinRegistry()).c_str(), stdout);
    return 0;
  }
  if (!args.empty()) return Fail("models: unexpected argument \"" + args[0] + "\" (try --json)");
  for (const ModelSpec& m : BuiltinRegistry().models()) {
    std::printf("%s\n  %s\n  reference: %s\n", m.name.c_str(), m.description.c_str(),
                m.reference.c_str());
    for (const ParamSpec& p : m.params) {
      std::printf("    %-24s %-6s default %-8s (%s) %s\n", p.name.c_str(), p.unit.c_str(),
                  FormatNumber(p.default_value).c_str(), BoundText(p.bound), p.description.c_str());
    }
    for (const std::string& rule : m.rules) std::printf("    rule: %s\n", rule.c_str());
    std::printf("\n");
  }
  return 0;
}

// Writes `contents` to `path` through a temporary file, so a reader never sees half a file.
Status WriteAtomically(const std::string& path, const std::string& contents) {
  const std::string temporary = path + ".partial";
  FILE* f = std::fopen(temporary.c_str(), "wb");
  if (!f) return Status::Error("cannot write " + temporary + ": " + std::strerror(errno));
  const bool written = std::fwrite(contents.data(), 1, contents.size(), f) == contents.size();
  const bool closed = std::fclose(f) == 0;
  if (!written || !closed) {
    std::remove(temporary.c_str());
    return Status::Error("cannot write " + temporary);
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    return Status::Error("cannot move " + temporary + " to " + path + ": " + std::strerror(errno));
  }
  return Status();
}

int Replay(const std::vector<std::string>& args) {
  std::string pool_path, current_path, out_dir;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (flag == "--help" || flag == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (i + 1 >= args.size()) return Fail("replay: " + flag + " needs a value (see somas --help)");
    std::string* target = flag == "--pool"      ? &pool_path
                          : flag == "--current" ? &current_path
                          : flag == "--out"     ? &out_dir
                                                : nullptr;
    if (!target) return Fail("replay: unknown option \"" + flag + "\" (see somas --help)");
    *target = args[++i];
  }
  if (pool_path.empty() || current_path.empty() || out_dir.empty()) {
    return Fail("replay: needs --pool POOL.json --current CURRENT --out DIR");
  }

  std::string text;
  Status status = ReadFile(pool_path, &text);
  if (!status.ok()) return Fail("replay: " + status.message());
  PoolConfig config;
  status = ParsePoolConfig(text, &config);
  if (!status.ok()) return Fail("replay: " + pool_path + ": " + status.message());
  Pool pool;
  status = Pool::Create(config, &pool);
  if (!status.ok()) return Fail("replay: " + pool_path + ": " + status.message());
  Matrix current;
  status = ReadMatrix(current_path, &current);
  if (!status.ok()) return Fail("replay: " + status.message());
  if (current.columns != pool.size()) {
    return Fail("replay: " + current_path + " has " + std::to_string(current.columns) +
                " columns, but the pool has " + std::to_string(pool.size()) + " neurons");
  }

  std::string spikes = "step,neuron\n";
  std::vector<float> potential(current.rows * current.columns);
  for (size_t t = 0; t < current.rows; ++t) {
    status = pool.Step(current.values.data() + t * current.columns, current.columns);
    if (!status.ok()) return Fail("replay: step " + std::to_string(t) + ": " + status.message());
    for (uint32_t i : pool.SpikeIndices())
      spikes += std::to_string(t) + "," + std::to_string(i) + "\n";
    status = pool.Potentials(potential.data() + t * current.columns, current.columns);
    if (!status.ok()) return Fail("replay: " + status.message());
  }

  if (mkdir(out_dir.c_str(), 0777) != 0 && errno != EEXIST) {
    return Fail("replay: cannot create " + out_dir + ": " + std::strerror(errno));
  }
  status = WriteAtomically(out_dir + "/potential.npy",
                           NpyFloat32(potential.data(), current.rows, current.columns));
  if (status.ok()) status = WriteAtomically(out_dir + "/spikes.csv", spikes);
  if (!status.ok()) return Fail("replay: " + status.message());
  return 0;
}

}  // namespace
}  // namespace somas

int main(int argc, char** argv) {
  // `bazel run` starts programs in the runfiles tree; paths are the user's.
  if (const char* dir = std::getenv("BUILD_WORKING_DIRECTORY")) {
    if (chdir(dir) != 0) return somas::Fail(std::string("cannot enter ") + dir);
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string command = "run";
  if (!args.empty() && args[0].rfind("-", 0) != 0) {
    command = args[0];
    args.erase(args.begin());
  }
  if (command == "run") return somas::Run(args);
  if (command == "models") return somas::Models(args);
  if (command == "config") return somas::Config(args);
  if (command == "replay") return somas::Replay(args);
  if (command == "help") {
    std::fputs(somas::kUsage, stdout);
    return 0;
  }
  return somas::Fail("unknown command \"" + command +
                     "\" (commands: run, models, config, replay; see --help)");
}
