// Steps 10,000 QuadraticSoma neurons, a model the library does not ship, for
// one simulated second with a noisy drive, on the best SIMD target.
//   bazel run //examples/custom_model:qif_demo
#include <cstdio>
#include <random>
#include <vector>

#include "examples/custom_model/qif.h"

int main() {
  const somas::Registry registry = qif::RegistryWithQuadraticSoma();
  somas::PoolConfig config;
  config.model = "QuadraticSoma";
  config.size = 10000;
  config.dt = 0.1;
  somas::Pool pool;
  somas::Status status = somas::Pool::Create(config, &pool, registry);
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.message().c_str());
    return 1;
  }
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> drive(100.0f, 400.0f);
  std::vector<float> current(config.size);
  size_t spikes = 0;
  for (int t = 0; t < 10000; ++t) {
    for (float& c : current) c = drive(rng);
    status = pool.Step(current);
    if (!status.ok()) {
      std::fprintf(stderr, "%s\n", status.message().c_str());
      return 1;
    }
    spikes += pool.SpikeCount();
  }
  std::printf("QuadraticSoma: %zu neurons, 1 s at dt = 0.1 ms on %s: %zu spikes, %.1f Hz\n",
              pool.size(), pool.last_target_name(), spikes,
              static_cast<double>(spikes) / static_cast<double>(pool.size()));
  return spikes > 0 ? 0 : 1;
}
