// The Vogels-Abbott CUBA network (benchmark 2 of Brette et al. 2007) on
// somas: one StrictRefractoryLeakySoma pool per process, stepped with
// somas's threads, the synaptic currents computed in the step's hooks;
// synapses, spike exchange and statistics are the example's own. Built twice: //examples/cuba (one
// process) and
// //examples/cuba:cuba_mpi (Open MPI; neurons split across ranks). Both give
// the same spikes for the same seed. See examples/cuba/README.md.
//
//   tools/bazel run -c opt //examples/cuba -- --neurons 4000 --duration 1000 --out /tmp/cuba
#include <sys/stat.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "examples/cuba/network.h"
#include "somas/somas.h"

#ifdef SOMAS_CUBA_MPI
#include <mpi/mpi.h>  // Debian: /usr/include/x86_64-linux-gnu/mpi
#endif

namespace cuba {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// A cheap clock for the hooks, which run thousands of times a second: the
// time-stamp counter (constant-rate on current x86), converted to seconds
// over the whole loop.
uint64_t Ticks() {
#if defined(__x86_64__)
  return __rdtsc();
#else
  return static_cast<uint64_t>(Clock::now().time_since_epoch().count());
#endif
}

struct Options {
  Parameters p;
  double duration = 1000;  // ms
  std::string out;
  size_t threads = 0;
  std::string target = "auto";
  std::string dtype = "float32";  // the pool's state storage
  std::string record = "all";     // all, or the first N neurons' spikes in spikes.csv
  bool write_network = false;
  bool plot = true;
};

int rank = 0, ranks = 1;

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "cuba: %s\n", message.c_str());
#ifdef SOMAS_CUBA_MPI
  MPI_Abort(MPI_COMM_WORLD, 1);
#endif
  std::exit(1);
}

void Check(const somas::Status& s, const char* what) {
  if (!s.ok()) Die(std::string(what) + ": " + s.message());
}

// All ranks' spikes of one step, ascending (ranks own ascending ranges).
void Exchange(const std::vector<uint32_t>& local, std::vector<uint32_t>* all) {
#ifdef SOMAS_CUBA_MPI
  static std::vector<int> counts(ranks), displacements(ranks);
  const int mine = static_cast<int>(local.size());
  MPI_Allgather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD);
  int total = 0;
  for (int r = 0; r < ranks; ++r) {
    displacements[r] = total;
    total += counts[r];
  }
  all->resize(total);
  MPI_Allgatherv(local.data(), mine, MPI_UINT32_T, all->data(), counts.data(), displacements.data(),
                 MPI_UINT32_T, MPI_COMM_WORLD);
#else
  *all = local;
#endif
}

// Per-neuron spike statistics, kept by rank 0 from the global spikes.
struct Statistics {
  explicit Statistics(size_t n) : count(n, 0), last(n, -1), isi_sum(n, 0), isi_sq(n, 0) {}
  void Add(uint32_t i, int64_t step) {
    if (last[i] >= 0) {
      const double isi = static_cast<double>(step - last[i]);
      isi_sum[i] += isi;
      isi_sq[i] += isi * isi;
    }
    last[i] = step;
    ++count[i];
  }
  std::vector<uint32_t> count;
  std::vector<int64_t> last;
  std::vector<double> isi_sum, isi_sq;
};

// Wall time of the stepping loop by part, seconds.
struct Times {
  double soma;      // the soma kernels (the step minus its hooks)
  double synapses;  // the synaptic currents (before hooks) and spike fan-out (Receive)
  double spikes;    // listing each chunk's spikes (after hooks)
  double exchange;  // MPI_Allgather(v)
};

std::string Json(const Options& o, const Statistics& st, int64_t steps, const Times& t,
                 double t_setup, double t_loop) {
  const Parameters& p = o.p;
  const size_t e = p.excitatory();
  double spikes_e = 0, spikes_i = 0, cv_sum = 0;
  size_t cv_n = 0;
  for (size_t i = 0; i < p.neurons; ++i) (i < e ? spikes_e : spikes_i) += st.count[i];
  for (size_t i = 0; i < p.neurons; ++i) {
    if (st.count[i] < 3) continue;  // a CV needs at least two intervals
    const double n = st.count[i] - 1;
    const double mean = st.isi_sum[i] / n;
    const double var = std::max(0.0, st.isi_sq[i] / n - mean * mean);
    cv_sum += std::sqrt(var) / mean;
    ++cv_n;
  }
  const double seconds = steps * p.dt / 1000;
  char text[2048];
  std::snprintf(text, sizeof(text),
                "{\n  \"neurons\": %zu, \"excitatory\": %zu, \"in_degree\": %zu, \"seed\": %llu,\n"
                "  \"dt_ms\": %g, \"duration_ms\": %g, \"steps\": %lld,\n"
                "  \"ranks\": %d, \"threads\": %zu, \"simd_target\": \"%s\", \"dtype\": \"%s\",\n"
                "  \"rate_excitatory_hz\": %.6g, \"rate_inhibitory_hz\": %.6g,\n"
                "  \"mean_cv_isi\": %.6g, \"neurons_with_cv\": %zu, \"spikes\": %.0f,\n"
                "  \"seconds_setup\": %.6g, \"seconds_soma\": %.6g, \"seconds_synapses\": %.6g,\n"
                "  \"seconds_spike_lists\": %.6g, \"seconds_exchange\": %.6g,\n"
                "  \"seconds_loop\": %.6g, \"seconds_total\": %.6g\n}\n",
                p.neurons, e, p.in_degree, static_cast<unsigned long long>(p.seed), p.dt,
                o.duration, static_cast<long long>(steps), ranks, somas::Threads(),
                somas::SimdTarget(), o.dtype.c_str(), spikes_e / e / seconds,
                spikes_i / (p.neurons - e) / seconds, cv_n ? cv_sum / cv_n : 0.0, cv_n,
                spikes_e + spikes_i, t_setup, t.soma, t.synapses, t.spikes, t.exchange, t_loop,
                t_setup + t_loop);
  return text;
}

// The plot script next to this program (bazel run) or in the source tree.
std::string PlotScript(const char* argv0) {
  const std::string name = "examples/cuba/plot_raster.py";
  std::vector<std::string> places;
  if (const char* dir = std::getenv("RUNFILES_DIR"))
    places.push_back(std::string(dir) + "/somas/" + name);
  places.push_back(std::string(argv0) + ".runfiles/somas/" + name);
  places.push_back(name);
  for (const std::string& path : places) {
    if (access(path.c_str(), R_OK) == 0) return path;
  }
  return "";
}

int Run(const Options& o, const char* argv0) {
  const auto start = Clock::now();
  const Parameters& p = o.p;
  Check(somas::SetThreads(o.threads), "--threads");
  Check(somas::SetSimdTarget(o.target), "--target");
  const size_t begin = p.neurons * rank / ranks, end = p.neurons * (rank + 1) / ranks;
  const size_t local = end - begin;

  somas::PoolConfig config;
  config.model = "StrictRefractoryLeakySoma";
  config.size = local;
  config.dt = p.dt;
  config.params["potential_rest"] = somas::ParamValue::Shared(p.v_leak);
  config.params["potential_reset"] = somas::ParamValue::Shared(p.v_reset);
  config.params["threshold"] = somas::ParamValue::Shared(p.v_threshold);
  config.params["potential_tau"] = somas::ParamValue::Shared(p.tau_m);
  config.params["resistance"] = somas::ParamValue::Shared(1.0);  // pA of current = mV of drive
  config.params["cooldown"] = somas::ParamValue::Shared(p.refractory);
  Check(somas::ParseDtype(o.dtype, &config.dtype), "--dtype");
  somas::Pool pool;
  Check(somas::Pool::Create(config, &pool), "creating the pool");
  std::vector<float> v(local);
  for (size_t k = 0; k < local; ++k) v[k] = static_cast<float>(InitialPotential(p, begin + k));
  Check(pool.SetPotentials(v.data(), v.size()), "initial potentials");

  const Fanout fanout = BuildFanout(p, begin, end);
  Synapses synapses(p, local);
  const int64_t steps = std::llround(o.duration / p.dt);
  size_t record = p.neurons;
  if (o.record != "all") record = std::strtoull(o.record.c_str(), nullptr, 10);

  std::FILE* spikes_file = nullptr;
  if (rank == 0) {
    mkdir(o.out.c_str(), 0777);
    spikes_file = std::fopen((o.out + "/spikes.csv").c_str(), "w");
    if (!spikes_file) Die("cannot write " + o.out + "/spikes.csv");
    std::fprintf(spikes_file, "step,neuron\n");
    if (o.write_network) {
      // For peers (examples/cuba/brian2_cuba.py): every neuron's inputs and
      // initial potential, little-endian uint32 and float64.
      std::ofstream sources(o.out + "/sources.u32", std::ios::binary);
      std::ofstream v0(o.out + "/v0.f64", std::ios::binary);
      std::vector<uint32_t> inputs;
      for (size_t i = 0; i < p.neurons; ++i) {
        Inputs(p, i, &inputs);
        sources.write(reinterpret_cast<const char*>(inputs.data()), inputs.size() * 4);
        const double v_i = InitialPotential(p, i);
        v0.write(reinterpret_cast<const char*>(&v_i), sizeof v_i);
      }
    }
  }
  Statistics stats(rank == 0 ? p.neurons : 0);

  // One network step is one somas step with hooks (docs/embedding.md,
  // "A network step around somas"). For each chunk of neurons, on the thread
  // that steps it: `before` advances the chunk's synaptic currents (decay and
  // the spikes received last step) and writes its input current; somas steps
  // the chunk's somas; `after` lists the chunk's spikes into the chunk's own
  // slot. Nothing else passes over every neuron: the spikes are gathered
  // from the slots in neuron order, exchanged, and counted onto their
  // targets. Every hook touches its chunk only, so the result is the same
  // for any thread count.
  std::vector<float> current(local, 0.0f);
  std::vector<std::vector<uint32_t>> chunk_spikes((local + somas::kHookChunk - 1) /
                                                  somas::kHookChunk);
  // Ticks spent in each hook (thread-ticks), one padded slot per thread.
  struct alignas(64) HookTime {
    uint64_t before = 0, after = 0;
  };
  std::vector<HookTime> hook_time(somas::Threads());
  somas::StepHooks hooks;
  hooks.before = [&](const somas::StepChunk& c) {
    const uint64_t t0 = Ticks();
    synapses.Currents(c.begin, c.end, current.data());
    hook_time[c.thread].before += Ticks() - t0;
    return somas::Status();
  };
  hooks.after = [&](const somas::StepChunk& c) {
    const uint64_t t0 = Ticks();
    std::vector<uint32_t>& out = chunk_spikes[c.index];
    out.clear();
    // c.begin is a multiple of 64; bits past the pool's end are zero.
    const uint8_t* bits = pool.spike_bits();
    const size_t bytes = (c.end - c.begin + 7) / 8;
    for (size_t at = 0; at < bytes; at += 8) {
      uint64_t word = 0;
      std::memcpy(&word, bits + c.begin / 8 + at, std::min<size_t>(8, bytes - at));
      for (; word; word &= word - 1) {
        out.push_back(static_cast<uint32_t>(begin + c.begin + at * 8 + __builtin_ctzll(word)));
      }
    }
    hook_time[c.thread].after += Ticks() - t0;
    return somas::Status();
  };
  const double t_setup = Seconds(start);

  std::vector<uint32_t> local_spikes, all_spikes;
  std::vector<std::pair<int64_t, uint32_t>> recorded;  // (step, neuron), rank 0
  double t_step = 0, t_receive = 0, t_exchange = 0;
  const auto loop_start = Clock::now();
  const uint64_t loop_ticks = Ticks();
  for (int64_t t = 0; t < steps; ++t) {
    auto t0 = Clock::now();
    Check(pool.Step(current.data(), current.size(), hooks), "step");
    t_step += Seconds(t0);
    local_spikes.clear();
    for (const std::vector<uint32_t>& found : chunk_spikes) {
      local_spikes.insert(local_spikes.end(), found.begin(), found.end());
    }
    t0 = Clock::now();
    Exchange(local_spikes, &all_spikes);
    t_exchange += Seconds(t0);
    t0 = Clock::now();
    synapses.Receive(fanout, all_spikes);
    t_receive += Seconds(t0);
    if (rank == 0) {  // kept in memory, written after the loop
      for (uint32_t s : all_spikes) {
        stats.Add(s, t);
        if (s < record) recorded.push_back({t, s});
      }
    }
  }
  const double t_loop = Seconds(loop_start);
  const double seconds_per_tick = t_loop / static_cast<double>(Ticks() - loop_ticks);
  // The step's wall time split between the soma kernels and the hooks: the
  // hooks' thread-seconds shared out over the threads that ran them.
  double before = 0, after = 0;
  for (const HookTime& h : hook_time) {
    before += static_cast<double>(h.before) * seconds_per_tick;
    after += static_cast<double>(h.after) * seconds_per_tick;
  }
  const double threads_used =
      std::max<double>(1, std::min<double>(somas::Threads(), chunk_spikes.size()));
  const Times times{t_step - (before + after) / threads_used, before / threads_used + t_receive,
                    after / threads_used, t_exchange};
  if (rank != 0) return 0;
  for (const auto& [t, s] : recorded) {
    std::fprintf(spikes_file, "%lld,%u\n", static_cast<long long>(t), s);
  }
  if (std::fclose(spikes_file) != 0) Die("cannot write " + o.out + "/spikes.csv");
  const std::string json = Json(o, stats, steps, times, t_setup, t_loop);
  std::ofstream(o.out + "/summary.json") << json;
  std::printf("%s", json.c_str());
  if (o.plot) {
    const std::string script = PlotScript(argv0);
    if (script.empty()) {
      std::fprintf(stderr, "cuba: plot_raster.py not found; no raster.png\n");
    } else {
      const std::string command = "/usr/bin/python3 '" + script + "' '" + o.out + "'";
      if (std::system(command.c_str()) != 0) std::fprintf(stderr, "cuba: plotting failed\n");
    }
  }
  return 0;
}

}  // namespace
}  // namespace cuba

int main(int argc, char** argv) {
#ifdef SOMAS_CUBA_MPI
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &cuba::rank);
  MPI_Comm_size(MPI_COMM_WORLD, &cuba::ranks);
#endif
  if (const char* dir = std::getenv("BUILD_WORKING_DIRECTORY")) {
    if (chdir(dir) != 0) cuba::Die(std::string("cannot enter ") + dir);
  }
  cuba::Options o;
  CLI::App app(
      "The Vogels-Abbott CUBA benchmark network (Brette et al. 2007, benchmark 2) on somas: "
      "writes OUT/spikes.csv (step,neuron), OUT/summary.json (rates, CV of ISIs, wall time "
      "split) and OUT/raster.png.",
      "cuba");
  app.add_option("--neurons", o.p.neurons, "neurons, 80% excitatory")
      ->capture_default_str()
      ->check(CLI::Range(size_t{100}, size_t{100000000}));
  app.add_option("--duration", o.duration, "simulated time, ms")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--seed", o.p.seed, "seed of the network and the initial potentials")
      ->capture_default_str();
  app.add_option("--out", o.out, "output directory")->required();
  app.add_option("--threads", o.threads, "somas threads per process; 0 = every core")
      ->capture_default_str();
  app.add_option("--target", o.target, "SIMD target (auto, or one `somas targets` lists)")
      ->capture_default_str();
  app.add_option("--record", o.record, "all, or N: spikes.csv holds neurons 0..N-1 only")
      ->capture_default_str();
  app.add_option("--dtype", o.dtype, "the somas pool's state storage: float32 or float16")
      ->capture_default_str()
      ->check(CLI::IsMember({"float32", "float16"}));
  app.add_flag("--write-network", o.write_network,
               "also write OUT/sources.u32 and OUT/v0.f64 for a peer simulator");
  bool no_plot = false;
  app.add_flag("--no-plot", no_plot, "skip raster.png");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
#ifdef SOMAS_CUBA_MPI
    MPI_Finalize();
#endif
    return code;
  }
  o.plot = !no_plot;
  if (o.record != "all" && o.record.find_first_not_of("0123456789") != std::string::npos) {
    cuba::Die("--record wants 'all' or a number, not '" + o.record + "'");
  }
  if (o.p.excitatory_in() > o.p.excitatory() ||
      o.p.in_degree - o.p.excitatory_in() > o.p.neurons - o.p.excitatory()) {
    cuba::Die("too few neurons for an in-degree of 80");
  }
  const int code = cuba::Run(o, argv[0]);
#ifdef SOMAS_CUBA_MPI
  MPI_Finalize();
#endif
  return code;
}
