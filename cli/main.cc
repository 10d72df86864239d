// The somas command: run pools, list the models, validate a configuration,
// replay an input for comparison. Options are parsed with CLI11.
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
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
#include "cli/noise.h"
#include "engine/files.h"  // the one internal header: files opened FIFO-safely, as the library does
#include "somas/somas.h"

namespace somas {
namespace {

// Bytes of memory free now (what the run's input buffers may take).
uint64_t FreeMemoryBytes() {
  const long pages = sysconf(_SC_AVPHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page)
                               : UINT64_MAX;
}

constexpr char kDescription[] =
    "somas: advance large populations of spiking-neuron somas, fast.\n"
    "Commands: run (the default), models, config, replay. `somas COMMAND --help` for each.";

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "somas: %s\n", message.c_str());
  return 2;
}

// Steps done, rate and time left (when the total is known) on stderr, for
// runs longer than about two seconds, and only when stderr is a terminal.
class Progress {
 public:
  explicit Progress(uint64_t total) : total_(total), start_(Clock::now()), shown_(start_) {}
  ~Progress() {
    if (drawn_) std::fprintf(stderr, "\r\033[K");
  }
  void Update(uint64_t done) {
    if (!terminal_) return;
    const auto now = Clock::now();
    if (now - start_ < std::chrono::seconds(2) || now - shown_ < std::chrono::milliseconds(250)) {
      return;
    }
    shown_ = now;
    drawn_ = true;
    const double elapsed = Seconds(start_);
    const double rate = done / elapsed;
    if (total_ == 0) {  // not known in advance (a .csv input)
      std::fprintf(stderr, "\r\033[K  step %llu, %.0f steps/s",
                   static_cast<unsigned long long>(done), rate);
    } else {
      std::fprintf(stderr, "\r\033[K  step %llu/%llu, %.0f steps/s, %.0f s left",
                   static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_),
                   rate, rate > 0 && done <= total_ ? (total_ - done) / rate : 0.0);
    }
    std::fflush(stderr);
  }

 private:
  const uint64_t total_;
  const Clock::time_point start_;
  Clock::time_point shown_;
  const bool terminal_ = isatty(STDERR_FILENO) == 1;
  bool drawn_ = false;
};

struct RunOptions {
  std::string model = "LeakySoma";
  uint64_t size = 100000;
  uint64_t steps = 1000;
  double dt = 1.0;
  std::string dtype = "float32";
  uint64_t seed = 1;
  std::string config;
  size_t threads = 0;
  std::string target = "auto";
};

int Run(const RunOptions& o, bool pool_flags) {
  if (Status s = SetThreads(o.threads); !s.ok()) return Fail("--threads: " + s.message());
  if (Status s = SetSimdTarget(o.target); !s.ok()) return Fail("--target: " + s.message());
  SimulationConfig sim;
  if (o.config.empty()) {
    PoolConfig pool;
    pool.model = o.model;
    pool.size = o.size;
    pool.dt = o.dt;
    if (Status s = ParseDtype(o.dtype, &pool.dtype); !s.ok())
      return Fail("--dtype: " + s.message());
    sim.dt = o.dt;
    sim.pools.push_back(pool);
  } else {
    if (pool_flags) {
      return Fail("run: --config describes the pools; drop --model, --size, --dt and --dtype");
    }
    std::string text;
    Status status = ReadFile(o.config, &text);
    if (status.ok()) status = ParseSimulation(text, &sim);
    if (!status.ok()) return Fail(o.config + ": " + status.message());
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
  if (buffer_bytes > FreeMemoryBytes()) {
    return Fail("run: the input currents need " + std::to_string(buffer_bytes) +
                " bytes, more than the " + std::to_string(FreeMemoryBytes()) +
                " bytes of memory left after building the pools; use a smaller --size");
  }

  // Each step draws its input in the step's hooks, chunk by chunk, on the
  // thread that then steps the chunk.
  std::vector<uint64_t> spikes(pools.size(), 0);
  std::vector<std::vector<float>> currents(pools.size());
  std::vector<double> drives(pools.size());
  std::vector<uint32_t> keys(pools.size());
  std::vector<PoolStep> steps(pools.size());
  for (size_t p = 0; p < pools.size(); ++p) {
    currents[p].resize(pools[p].size());
    drives[p] = pools[p].model().drive_current;
    steps[p] = {&pools[p], currents[p].data(), currents[p].size(), {}};
  }
  const StepHooks draw_input = RunInputHooks(&drives, &keys, &currents);
  double stepping = 0;
  Progress progress(o.steps);
  const auto start = Clock::now();
  for (uint64_t t = 0; t < o.steps; ++t) {
    for (size_t p = 0; p < pools.size(); ++p) keys[p] = NoiseKey(o.seed, p, t);
    const auto step_start = Clock::now();
    const Status stepped = StepPools(steps.data(), steps.size(), draw_input);
    stepping += Seconds(step_start);
    if (!stepped.ok()) return Fail(stepped.message());
    for (size_t p = 0; p < pools.size(); ++p) spikes[p] += pools[p].SpikeCount();
    progress.Update(t + 1);
  }
  const double wall = Seconds(start);
  const double simulated_s = static_cast<double>(o.steps) * sim.dt / 1000.0;
  double neurons = 0;
  for (const Pool& pool : pools) neurons += static_cast<double>(pool.size());

  for (size_t p = 0; p < pools.size(); ++p) {
    const Pool& pool = pools[p];
    const std::string label = sim.pools[p].name.empty() ? "" : " (pool " + sim.pools[p].name + ")";
    std::printf("somas: %zu %s neurons%s, %s, %llu steps of %g ms, seed %llu\n", pool.size(),
                pool.model().name.c_str(), label.c_str(), DtypeName(pool.dtype()),
                static_cast<unsigned long long>(o.steps), sim.dt,
                static_cast<unsigned long long>(o.seed));
    std::printf("  total spikes      %llu\n", static_cast<unsigned long long>(spikes[p]));
    std::printf("  mean firing rate  %.2f Hz\n",
                simulated_s > 0 ? static_cast<double>(spikes[p]) / pool.size() / simulated_s : 0.0);
  }
  std::printf("  SIMD target       %s\n", pools[0].last_target_name());
  std::printf("  threads           %zu\n", Threads());
  std::printf("  wall time         %.3f s (stepping, input drawn in the step: %.3f s)\n", wall,
              stepping);
  std::printf("  neuron-updates/s  %.3g (stepping, input included)\n",
              stepping > 0 ? neurons * static_cast<double>(o.steps) / stepping : 0.0);
  return 0;
}

// `somas config FILE`: the canonical form of a configuration, validated.
int Config(const std::string& path) {
  std::string text;
  SimulationConfig sim;
  Status status = ReadFile(path, &text);
  if (status.ok()) status = ParseSimulation(text, &sim);
  if (!status.ok()) return Fail(path + ": " + status.message());
  for (const PoolConfig& config : sim.pools) {
    Pool pool;
    status = Pool::Create(config, &pool);
    if (!status.ok()) return Fail(path + ": " + status.message());
  }
  std::fputs(CanonicalJson(sim).c_str(), stdout);
  return 0;
}

int Models(bool json) {
  if (json) {
    std::fputs(ModelsJson().c_str(), stdout);
    return 0;
  }
  for (const ModelSpec& m : BuiltinRegistry().models()) {
    std::printf("%s\n  %s\n  reference: %s\n", m.name.c_str(), m.description.c_str(),
                m.reference.c_str());
    for (const ParamSpec& p : m.params) {
      std::printf("    %-24s %-6s default %-8.9g (%s) %s\n", p.name.c_str(), p.unit.c_str(),
                  p.default_value, BoundText(p.bound), p.description.c_str());
    }
    for (const Rule& rule : m.rules) std::printf("    rule: %s\n", rule.text.c_str());
    std::printf("\n");
  }
  return 0;
}

// A recording choice: every neuron, none, or a list of indices and ranges
// ("0-99,500"), ascending and without repeats.
struct Selection {
  bool all = true;
  std::vector<uint32_t> neurons;  // when not all
};

Status ParseSelection(const std::string& text, const std::string& option, size_t size,
                      Selection* out) {
  Selection s;
  if (text == "all") {
    *out = s;
    return Status();
  }
  s.all = false;
  if (text == "none") {
    *out = s;
    return Status();
  }
  std::vector<bool> chosen(size, false);
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    unsigned long long first = 0, last = 0;
    const size_t dash = item.find('-');
    const bool digits =
        !item.empty() && item.find_first_not_of("0123456789-") == std::string::npos && dash != 0 &&
        dash + 1 != item.size() &&
        (dash == std::string::npos || item.find('-', dash + 1) == std::string::npos);
    if (!digits) {
      return Status::Error(option + " \"" + text + "\": \"" + item +
                           "\" is not a neuron index or range (use all, none, or e.g. 0-99,500)");
    }
    first = std::strtoull(item.c_str(), nullptr, 10);
    last = dash == std::string::npos ? first : std::strtoull(item.c_str() + dash + 1, nullptr, 10);
    if (first > last || last >= size) {
      return Status::Error(option + " \"" + text + "\": " + item + " is not within the pool's " +
                           std::to_string(size) + " neurons (0-" + std::to_string(size - 1) + ")");
    }
    for (unsigned long long i = first; i <= last; ++i) chosen[i] = true;
    start = comma + 1;
  }
  for (size_t i = 0; i < size; ++i) {
    if (chosen[i]) s.neurons.push_back(static_cast<uint32_t>(i));
  }
  *out = std::move(s);
  return Status();
}

// A directory of outputs that appears under its final name only when the run
// succeeded: files are written into a temporary directory beside it, renamed
// into place by Commit, and removed with it on any failure.
class OutputDirectory {
 public:
  ~OutputDirectory() {
    if (temporary_.empty()) return;
    for (const std::string& file : files_) std::remove((temporary_ + "/" + file).c_str());
    rmdir(temporary_.c_str());
  }
  Status Create(const std::string& final_path) {
    final_ = final_path;
    while (final_.size() > 1 && final_.back() == '/') final_.pop_back();
    struct stat st;
    if (stat(final_.c_str(), &st) == 0) {
      const bool empty_dir = S_ISDIR(st.st_mode) && rmdir(final_.c_str()) == 0;
      if (!empty_dir) {
        return Status::Error(final_ +
                             " already exists; replay writes a new directory (remove it or choose "
                             "another --out)");
      }
    }
    std::string pattern = final_ + ".partial-XXXXXX";
    if (!mkdtemp(&pattern[0])) {
      return Status::Error(StatusCode::kIo, "cannot create a directory beside " + final_ + ": " +
                                                std::strerror(errno));
    }
    temporary_ = pattern;
    return Status();
  }
  // The path of a new file `name` inside it.
  std::string File(const std::string& name) {
    files_.push_back(name);
    return temporary_ + "/" + name;
  }
  Status Commit() {
    if (std::rename(temporary_.c_str(), final_.c_str()) != 0) {
      return Status::Error(StatusCode::kIo, "cannot move " + temporary_ + " to " + final_ + ": " +
                                                std::strerror(errno));
    }
    temporary_.clear();
    return Status();
  }

 private:
  std::string final_, temporary_;
  std::vector<std::string> files_;
};

struct ReplayOptions {
  std::string pool, current, out;
  size_t threads = 0;
  std::string target = "auto";
  std::string record_potential = "all";
  std::string record_spikes = "all";
  std::vector<std::string> record_states;
};

int Replay(const ReplayOptions& o) {
  if (Status s = SetThreads(o.threads); !s.ok()) return Fail("replay: --threads: " + s.message());
  if (Status s = SetSimdTarget(o.target); !s.ok()) return Fail("replay: --target: " + s.message());
  std::string text;
  Status status = ReadFile(o.pool, &text);
  if (!status.ok()) return Fail("replay: " + status.message());
  PoolConfig config;
  status = ParsePoolConfig(text, &config);
  if (!status.ok()) return Fail("replay: " + o.pool + ": " + status.message());
  Pool pool;
  status = Pool::Create(config, &pool);
  if (!status.ok()) return Fail("replay: " + o.pool + ": " + status.message());
  const size_t n = pool.size();
  Selection potentials, spikes;
  status = ParseSelection(o.record_potential, "--record-potential", n, &potentials);
  if (status.ok()) status = ParseSelection(o.record_spikes, "--record-spikes", n, &spikes);
  if (!status.ok()) return Fail("replay: " + status.message());
  for (const std::string& state : o.record_states) {
    if (pool.model().StateIndex(state) < 0 || state == "potential") {
      std::string names;
      for (const StateSpec& s : pool.model().states) {
        if (s.name != "potential") names += (names.empty() ? "" : ", ") + s.name;
      }
      return Fail("replay: --record-state " + state + ": " + pool.model().name +
                  " has no such state" + (names.empty() ? "" : " (it has " + names + ")"));
    }
  }
  std::unique_ptr<CurrentReader> reader;
  status = CurrentReader::Open(o.current, n, &reader);
  if (!status.ok()) return Fail("replay: " + status.message());

  OutputDirectory out;
  status = out.Create(o.out);
  if (!status.ok()) return Fail("replay: " + status.message());
  // Outputs, written as they are produced.
  const size_t recorded = potentials.all ? n : potentials.neurons.size();
  NpyWriter potential_file;
  std::vector<std::unique_ptr<NpyWriter>> state_files;
  if (recorded > 0) {
    status = potential_file.Open(out.File("potential.npy"), recorded);
    for (const std::string& state : o.record_states) {
      if (!status.ok()) break;
      state_files.push_back(std::make_unique<NpyWriter>());
      status = state_files.back()->Open(out.File(state + ".npy"), recorded);
    }
  }
  if (status.ok() && !potentials.all && recorded > 0) {
    // Column j of potential.npy is neuron recorded_neurons.csv[j].
    std::string index = "neuron\n";
    for (uint32_t i : potentials.neurons) index += std::to_string(i) + "\n";
    const std::string path = out.File("recorded_neurons.csv");
    FILE* f = std::fopen(path.c_str(), "wb");
    const bool written = f && std::fwrite(index.data(), 1, index.size(), f) == index.size();
    if (!(f && std::fclose(f) == 0 && written)) {
      status = Status::Error(StatusCode::kIo, "cannot write " + path);
    }
  }
  const std::string spike_path = out.File("spikes.csv");
  std::unique_ptr<FILE, int (*)(FILE*)> spike_file(nullptr, std::fclose);
  if (status.ok()) {
    spike_file.reset(std::fopen(spike_path.c_str(), "wb"));
    if (!spike_file) status = Status::Error(StatusCode::kIo, "cannot write " + spike_path);
  }
  if (!status.ok()) return Fail("replay: " + status.message());
  std::fputs("step,neuron\n", spike_file.get());

  std::vector<float> row(n), values(n), picked(recorded);
  std::vector<uint8_t> wanted_spike;
  if (!spikes.all) {
    wanted_spike.assign(n, 0);
    for (uint32_t i : spikes.neurons) wanted_spike[i] = 1;
  }
  const bool any_spikes = spikes.all || !spikes.neurons.empty();
  auto record = [&](const std::string& state, NpyWriter* file) {
    Status s = pool.GetState(state, values.data(), n);
    if (!s.ok()) return s;
    if (potentials.all) return file->Append(values.data());
    for (size_t j = 0; j < recorded; ++j) picked[j] = values[potentials.neurons[j]];
    return file->Append(picked.data());
  };
  Progress progress(reader->rows());
  std::string line;
  for (uint64_t t = 0;; ++t) {
    bool done = false;
    status = reader->Next(row.data(), &done);
    if (!status.ok()) return Fail("replay: " + status.message());
    if (done) break;
    status = pool.Step(row.data(), n);
    if (!status.ok()) return Fail("replay: step " + std::to_string(t) + ": " + status.message());
    if (any_spikes) {
      line.clear();
      for (uint32_t i : pool.SpikeIndices()) {
        if (spikes.all || wanted_spike[i]) {
          line += std::to_string(t) + "," + std::to_string(i) + "\n";
        }
      }
      if (!line.empty() &&
          std::fwrite(line.data(), 1, line.size(), spike_file.get()) != line.size()) {
        return Fail("replay: cannot write " + spike_path);
      }
    }
    if (recorded > 0) {
      status = record("potential", &potential_file);
      for (size_t k = 0; status.ok() && k < state_files.size(); ++k) {
        status = record(o.record_states[k], state_files[k].get());
      }
      if (!status.ok()) return Fail("replay: " + status.message());
    }
    progress.Update(t + 1);
  }
  if (recorded > 0) {
    status = potential_file.Finish();
    for (size_t k = 0; status.ok() && k < state_files.size(); ++k) {
      status = state_files[k]->Finish();
    }
  }
  if (std::fclose(spike_file.release()) != 0 && status.ok()) {
    status = Status::Error(StatusCode::kIo, "cannot write " + spike_path);
  }
  if (status.ok()) status = out.Commit();
  if (!status.ok()) return Fail("replay: " + status.message());
  return 0;
}

constexpr const char* kTargetHelp =
    "SIMD target: auto (the best this CPU runs) or one that `somas targets` lists";

int Targets() {
  const std::vector<std::string> names = AvailableTargets();
  for (size_t i = 0; i < names.size(); ++i) {
    std::printf("%s%s\n", names[i].c_str(), i == 0 ? "  (auto: the default)" : "");
  }
  return 0;
}

int Main(int argc, char** argv) {
  CLI::App app(kDescription, "somas");
  app.require_subcommand(0, 1);
  app.fallthrough();

  RunOptions run;
  CLI::App* run_cmd = app.add_subcommand(
      "run",
      "Simulate SIZE neurons of MODEL for STEPS steps of DT ms, driven by a seeded noisy "
      "input current (uniform between 0.5x and 1.5x the model's drive_current), and print "
      "the spikes, mean firing rate, SIMD target, threads, wall time and neuron-updates per "
      "second. The default command.");
  auto add_run_options = [&](CLI::App* a) {
    a->add_option("--model", run.model, "model name (see `somas models`)")->capture_default_str();
    a->add_option("--size", run.size, "neurons")->capture_default_str()->check(CLI::PositiveNumber);
    a->add_option("--steps", run.steps, "steps")->capture_default_str();
    a->add_option("--dt", run.dt, "time step, ms")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    a->add_option("--dtype", run.dtype,
                  "how the pool stores its states: float32 or float16 (docs/models.md)")
        ->capture_default_str()
        ->check(CLI::IsMember({"float32", "float16"}));
    a->add_option("--seed", run.seed, "seed of the input noise")->capture_default_str();
    a->add_option("--config", run.config,
                  "simulation file (docs/configuration.md): pools, dt, dtype and parameter "
                  "seed; replaces --model, --size, --dt and --dtype");
    a->add_option("--threads", run.threads,
                  "threads, 0 to 1024; 0 = one per CPU of the affinity mask")
        ->capture_default_str();
    a->add_option("--target", run.target, kTargetHelp)->capture_default_str();
  };
  add_run_options(run_cmd);
  add_run_options(&app);  // `somas --model X` runs too

  bool json = false;
  CLI::App* models_cmd = app.add_subcommand(
      "models", "List the models with their parameters (unit, default, description, rule).");
  models_cmd->add_flag("--json", json, "every schema as JSON");

  CLI::App* targets_cmd = app.add_subcommand(
      "targets",
      "List the SIMD targets this binary can use on this CPU, best (the default) first.");

  std::string config_path;
  CLI::App* config_cmd =
      app.add_subcommand("config", "Validate a simulation file and print its canonical form.");
  config_cmd->add_option("FILE", config_path, "simulation file")->required();

  ReplayOptions replay;
  CLI::App* replay_cmd = app.add_subcommand(
      "replay",
      "Run the pool of POOL.json ({\"model\", \"size\", \"dt\", \"params\"}) through CURRENT "
      "(steps x N currents in pA: .csv without header, or 2-D float32/float64 .npy) and write "
      "DIR/spikes.csv (step,neuron) and DIR/potential.npy (float32, steps x N, absolute mV). "
      "Inputs are read and outputs written a step at a time; DIR (new) appears only if the "
      "whole run succeeds.");
  replay_cmd->add_option("--pool", replay.pool, "POOL.json")->required();
  replay_cmd->add_option("--current", replay.current, "CURRENT.csv or CURRENT.npy")->required();
  replay_cmd->add_option("--out", replay.out, "output directory DIR")->required();
  replay_cmd
      ->add_option("--threads", replay.threads,
                   "threads, 0 to 1024; 0 = one per CPU of the affinity mask")
      ->capture_default_str();
  replay_cmd->add_option("--target", replay.target, kTargetHelp)->capture_default_str();
  replay_cmd
      ->add_option("--record-potential", replay.record_potential,
                   "all, none, or neuron indices and ranges (e.g. 0-99,500) to record in "
                   "potential.npy (and the --record-state files); recorded_neurons.csv lists them")
      ->capture_default_str();
  replay_cmd
      ->add_option("--record-spikes", replay.record_spikes,
                   "all, none, or neuron indices and ranges whose spikes go to spikes.csv")
      ->capture_default_str();
  replay_cmd->add_option(
      "--record-state", replay.record_states,
      "also record this state variable (e.g. adaptation) to NAME.npy; repeatable");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    std::fprintf(stderr, "somas: %s (see somas --help)\n", e.what());
    return 2;
  }
  if (*models_cmd) return Models(json);
  if (*targets_cmd) return Targets();
  if (*config_cmd) return Config(config_path);
  if (*replay_cmd) return Replay(replay);
  bool pool_flags = false;
  for (const char* flag : {"--model", "--size", "--dt", "--dtype"}) {
    pool_flags |= app.count(flag) > 0 || run_cmd->count(flag) > 0;
  }
  return Run(run, pool_flags);
}

}  // namespace
}  // namespace somas

int main(int argc, char** argv) {
  // `bazel run` starts programs in the runfiles tree; paths are the user's.
  if (const char* dir = std::getenv("BUILD_WORKING_DIRECTORY")) {
    if (chdir(dir) != 0) return somas::Fail(std::string("cannot enter ") + dir);
  }
  return somas::Main(argc, argv);
}
