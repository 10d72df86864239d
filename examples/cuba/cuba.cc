// The Vogels-Abbott CUBA network (benchmark 2 of Brette et al. 2007) on
// somas: one StrictRefractoryLeakySoma pool per process, stepped with
// somas's threads; synapses, spike exchange and statistics are the
// example's own. Built twice: //examples/cuba (one process) and
// //examples/cuba:cuba_mpi (Open MPI; neurons split across ranks). Both give
// the same spikes for the same seed. See examples/cuba/README.md.
//
//   tools/bazel run -c opt //examples/cuba -- --neurons 4000 --duration 1000 --out /tmp/cuba
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
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

struct Options {
  Parameters p;
  double duration = 1000;  // ms
  std::string out;
  size_t threads = 0;
  std::string target = "auto";
  std::string record = "all";  // all, or the first N neurons' spikes in spikes.csv
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

std::string Json(const Options& o, const Statistics& st, int64_t steps, double t_soma, double t_syn,
                 double t_exchange, double t_setup, double t_total) {
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
                "  \"ranks\": %d, \"threads\": %zu, \"simd_target\": \"%s\",\n"
                "  \"rate_excitatory_hz\": %.6g, \"rate_inhibitory_hz\": %.6g,\n"
                "  \"mean_cv_isi\": %.6g, \"neurons_with_cv\": %zu, \"spikes\": %.0f,\n"
                "  \"seconds_setup\": %.6g, \"seconds_soma\": %.6g, \"seconds_synapses\": %.6g,\n"
                "  \"seconds_exchange\": %.6g, \"seconds_total\": %.6g\n}\n",
                p.neurons, e, p.in_degree, static_cast<unsigned long long>(p.seed), p.dt,
                o.duration, static_cast<long long>(steps), ranks, somas::Threads(),
                somas::SimdTarget(), spikes_e / e / seconds, spikes_i / (p.neurons - e) / seconds,
                cv_n ? cv_sum / cv_n : 0.0, cv_n, spikes_e + spikes_i, t_setup, t_soma, t_syn,
                t_exchange, t_total);
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
  somas::Pool pool;
  Check(somas::Pool::Create(config, &pool), "creating the pool");
  std::vector<float> v(local);
  for (size_t k = 0; k < local; ++k) v[k] = static_cast<float>(InitialPotential(p, begin + k));
  Check(pool.SetPotentials(v.data(), v.size()), "initial potentials");

  const Fanout fanout = BuildFanout(p, begin, end);
  Synapses synapses(p, local, static_cast<int>(somas::Threads()));
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
  const double t_setup = Seconds(start);

  std::vector<float> current(local, 0.0f);  // no synaptic input before the first spike
  std::vector<uint32_t> local_spikes, all_spikes;
  double t_soma = 0, t_syn = 0, t_exchange = 0;
  std::string line;
  for (int64_t t = 0; t < steps; ++t) {
    auto t0 = Clock::now();
    Check(pool.Step(current), "step");
    size_t fired = 0;
    local_spikes.resize(local);
    Check(pool.SpikeIndices(local_spikes.data(), local_spikes.size(), &fired), "spikes");
    local_spikes.resize(fired);
    t_soma += Seconds(t0);
    for (uint32_t& s : local_spikes) s += static_cast<uint32_t>(begin);
    t0 = Clock::now();
    Exchange(local_spikes, &all_spikes);
    t_exchange += Seconds(t0);
    t0 = Clock::now();
    synapses.Advance(fanout, all_spikes, &current);
    t_syn += Seconds(t0);
    if (rank == 0) {
      for (uint32_t s : all_spikes) {
        stats.Add(s, t);
        if (s < record) std::fprintf(spikes_file, "%lld,%u\n", static_cast<long long>(t), s);
      }
    }
  }
  if (rank != 0) return 0;
  if (std::fclose(spikes_file) != 0) Die("cannot write " + o.out + "/spikes.csv");
  const std::string json =
      Json(o, stats, steps, t_soma, t_syn, t_exchange, t_setup, Seconds(start));
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
  // OpenMP's idle threads (the synaptic pass) must not spin while somas's
  // workers step the pool on the same cores.
  setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
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
