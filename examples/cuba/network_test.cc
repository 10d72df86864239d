// The CUBA example's network: fixed in-degree connectivity drawn per neuron,
// fanouts that do not depend on the partition, synaptic input that does not
// depend on spike order, the exact current over a step, and the program end
// to end (the same spikes for any thread count, an asynchronous irregular
// state).
#include "examples/cuba/network.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

namespace cuba {
namespace {

TEST(InputsTest, FixedInDegreeDistinctAndPerPopulation) {
  Parameters p;
  p.neurons = 4000;
  std::vector<uint32_t> in, again;
  for (size_t post : {size_t{0}, size_t{17}, size_t{3199}, size_t{3999}}) {
    Inputs(p, post, &in);
    ASSERT_EQ(in.size(), 80u);
    EXPECT_TRUE(std::is_sorted(in.begin(), in.begin() + 64));
    EXPECT_TRUE(std::is_sorted(in.begin() + 64, in.end()));
    EXPECT_EQ(std::adjacent_find(in.begin(), in.end()), in.end()) << "a repeated input";
    EXPECT_LT(in[63], 3200u);
    EXPECT_GE(in[64], 3200u);
    EXPECT_LT(in[79], 4000u);
    Inputs(p, post, &again);
    EXPECT_EQ(in, again);
  }
  Parameters other = p;
  other.seed = 2;
  Inputs(other, 17, &again);
  Inputs(p, 17, &in);
  EXPECT_NE(in, again) << "the seed changes the network";
}

TEST(InputsTest, PresynapticNeuronsAreSpreadUniformly) {
  Parameters p;
  p.neurons = 4000;
  std::vector<uint32_t> out_degree(p.neurons, 0), in;
  for (size_t post = 0; post < p.neurons; ++post) {
    Inputs(p, post, &in);
    for (uint32_t pre : in) ++out_degree[pre];
  }
  // Each neuron projects to 80 others on average (binomial, sd ~ 9).
  double sum = 0;
  for (uint32_t d : out_degree) sum += d;
  EXPECT_NEAR(sum / p.neurons, 80.0, 1e-9);
  EXPECT_LT(*std::max_element(out_degree.begin(), out_degree.end()), 130u);
  EXPECT_GT(*std::min_element(out_degree.begin(), out_degree.end()), 40u);
}

TEST(FanoutTest, PartsOfAPartitionTogetherAreTheWhole) {
  Parameters p;
  p.neurons = 1000;
  const Fanout whole = BuildFanout(p, 0, p.neurons);
  for (size_t parts : {2, 3, 7}) {
    std::vector<std::vector<uint32_t>> targets(p.neurons);
    for (size_t r = 0; r < parts; ++r) {
      const Fanout f = BuildFanout(p, p.neurons * r / parts, p.neurons * (r + 1) / parts);
      for (size_t j = 0; j < p.neurons; ++j) {
        for (uint64_t s = f.offsets[j]; s < f.offsets[j + 1]; ++s)
          targets[j].push_back(static_cast<uint32_t>(f.begin + f.targets[s]));
      }
    }
    for (size_t j = 0; j < p.neurons; ++j) {
      std::vector<uint32_t> expected(whole.targets.begin() + whole.offsets[j],
                                     whole.targets.begin() + whole.offsets[j + 1]);
      EXPECT_EQ(targets[j], expected) << "presynaptic neuron " << j << ", " << parts << " parts";
    }
  }
}

TEST(SynapsesTest, InputDoesNotDependOnSpikeOrder) {
  Parameters p;
  p.neurons = 1000;
  const Fanout f = BuildFanout(p, 0, p.neurons);
  Synapses a(p, p.neurons), b(p, p.neurons);
  std::vector<float> ca, cb;
  std::mt19937 rng(3);
  for (int step = 0; step < 50; ++step) {
    std::vector<uint32_t> spikes;
    for (uint32_t j = 0; j < p.neurons; ++j)
      if (rng() % 20 == 0) spikes.push_back(j);
    a.Advance(f, spikes, &ca);
    std::shuffle(spikes.begin(), spikes.end(), rng);
    b.Advance(f, spikes, &cb);
    EXPECT_EQ(ca, cb);
  }
  EXPECT_NE(std::count(ca.begin(), ca.end(), 0.0f), static_cast<long>(ca.size()));
}

// One excitatory spike onto a neuron at rest: over the next step the
// membrane equation dv/dt = (g(t) - v) / tau_m with g = w_e e^(-t/tau_e)
// moves v exactly as the constant current Advance() gives moves somas's
// leaky kernel: v(dt) = (1 - e^(-dt/tau_m)) * current.
TEST(SynapsesTest, CurrentIntegratesTheDecayingSynapseExactly) {
  Parameters p;
  p.neurons = 4000;
  Fanout f;
  f.begin = 0;
  f.end = 1;
  f.offsets.assign(p.neurons + 1, 1);
  f.offsets[0] = 0;
  f.targets = {0};  // neuron 0 excites neuron 0
  for (bool excitatory : {true, false}) {
    Synapses s(p, 1);
    Fanout g = f;
    if (!excitatory) {  // the synapse from an inhibitory neuron instead
      g.offsets.assign(p.neurons + 1, 0);
      for (size_t j = 3201; j <= p.neurons; ++j) g.offsets[j] = 1;
    }
    std::vector<float> current;
    s.Advance(g, {excitatory ? 0u : 3200u}, &current);
    const double w = excitatory ? p.w_e : p.w_i, tau = excitatory ? p.tau_e : p.tau_i;
    double v = 0;  // fourth-order Runge-Kutta, 10,000 substeps
    const int n = 10000;
    const double h = p.dt / n;
    auto f_v = [&](double t, double x) { return (w * std::exp(-t / tau) - x) / p.tau_m; };
    for (int k = 0; k < n; ++k) {
      const double t = k * h;
      const double k1 = f_v(t, v), k2 = f_v(t + h / 2, v + h / 2 * k1);
      const double k3 = f_v(t + h / 2, v + h / 2 * k2), k4 = f_v(t + h, v + h * k3);
      v += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
    }
    EXPECT_NEAR((1 - std::exp(-p.dt / p.tau_m)) * current[0], v, 1e-7 * std::abs(v))
        << (excitatory ? "excitatory" : "inhibitory");
  }
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

double Field(const std::string& json, const std::string& name) {
  const size_t at = json.find("\"" + name + "\":");
  return at == std::string::npos ? -1 : std::atof(json.c_str() + at + name.size() + 3);
}

// 4,000 neurons are one hook chunk; 20,001 are three (the last partial, with
// padding lanes that fire: rest lies above threshold here), which 2 and 3 threads
// step (and hook) at once.
TEST(CubaTest, SameSpikesForAnyThreadCountAndAnAsynchronousIrregularState) {
  const std::string tmp = std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp";
  for (const auto& [neurons, duration] : {std::pair<int, int>{4000, 1000}, {20001, 300}}) {
    std::string first;
    for (int threads : {1, 2, 3}) {
      const std::string out =
          tmp + "/cuba_" + std::to_string(neurons) + "_" + std::to_string(threads);
      const std::string command = "examples/cuba/cuba --neurons " + std::to_string(neurons) +
                                  " --duration " + std::to_string(duration) +
                                  " --no-plot --threads " + std::to_string(threads) + " --out " +
                                  out + " > " + out + ".log 2>&1";
      const int status = std::system(command.c_str());
      ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << ReadAll(out + ".log");
      const std::string spikes = ReadAll(out + "/spikes.csv");
      if (first.empty()) first = spikes;
      EXPECT_EQ(spikes, first) << neurons << " neurons, " << threads << " threads";
      const std::string summary = ReadAll(out + "/summary.json");
      // The published network settles into asynchronous irregular firing:
      // rates of a few to a few tens of Hz and irregular interspike intervals
      // (a CV of 0.6 here; 1 for a Poisson process, 0 for a clock).
      EXPECT_GT(Field(summary, "rate_excitatory_hz"), 2) << summary;
      EXPECT_LT(Field(summary, "rate_excitatory_hz"), 60) << summary;
      EXPECT_GT(Field(summary, "rate_inhibitory_hz"), 2) << summary;
      if (duration >= 1000) {  // (in 300 ms, the neurons with two intervals are the regular ones)
        EXPECT_GT(Field(summary, "mean_cv_isi"), 0.4) << summary;
        EXPECT_LT(Field(summary, "mean_cv_isi"), 2.0) << summary;
      }
      // The time split adds up to no more than the loop.
      EXPECT_GE(Field(summary, "seconds_soma"), 0) << summary;
      EXPECT_LE(Field(summary, "seconds_soma") + Field(summary, "seconds_synapses") +
                    Field(summary, "seconds_spike_lists") + Field(summary, "seconds_exchange"),
                Field(summary, "seconds_loop") * 1.01)
          << summary;
    }
    EXPECT_GT(std::count(first.begin(), first.end(), '\n'), 1000);
  }
}

TEST(CubaTest, BadOptionsAreRefusedByName) {
  const std::string tmp = std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp";
  for (const std::string args :
       {"--neurons 10 --out x", "--duration -1 --out x", "--record some --out x",
        "--target AVX9 --out x", "--dtype float64 --out x"}) {
    const std::string log = tmp + "/bad.log";
    const int status = std::system(("examples/cuba/cuba " + args + " > " + log + " 2>&1").c_str());
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0) << args;
    const std::string said = ReadAll(log);
    const std::string option = args.substr(2, args.find(' ') - 2);
    EXPECT_NE(said.find(option == "target" ? "AVX9" : option), std::string::npos)
        << args << ": " << said;
  }
}

}  // namespace
}  // namespace cuba
