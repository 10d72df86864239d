// An embedder's program, using only "somas/somas.h": an excitatory and an
// inhibitory population of different models, a seeded input, a checkpoint
// half-way. It prints spike counts and a hash of every spike and of the final
// potentials, so that builds in different modes and workspaces can be compared.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "somas/somas.h"

namespace {

// FNV-1a over bytes.
uint64_t Hash(uint64_t h, const void* data, size_t n) {
  const unsigned char* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

int Check(const somas::Status& status) {
  if (status.ok()) return 0;
  std::fprintf(stderr, "two_pools: %s\n", status.message().c_str());
  return 1;
}

}  // namespace

int main() {
  somas::PoolConfig exc_config, inh_config;
  exc_config.name = "exc";
  exc_config.model = "AdaptiveExponentialSoma";
  exc_config.size = 4000;
  exc_config.dt = 0.5;
  exc_config.seed = 7;
  somas::Initializer spread;
  spread.kind = somas::Initializer::Kind::kUniform;
  spread.min = 15;
  spread.max = 25;
  exc_config.params["potential_tau"] = somas::ParamValue::Init(spread);
  inh_config.name = "inh";
  inh_config.model = "IzhikevichSoma";
  inh_config.size = 1000;
  inh_config.dt = 0.5;
  inh_config.params["recovery_timescale"] = somas::ParamValue::Shared(0.1);  // fast spiking

  somas::Pool exc, inh;
  if (Check(somas::Pool::Create(exc_config, &exc)) || Check(somas::Pool::Create(inh_config, &inh)))
    return 1;

  uint64_t hash = 0xcbf29ce484222325ull;
  uint64_t noise = 12345;
  size_t spikes[2] = {0, 0};
  std::vector<float> current;
  std::vector<uint32_t> indices(4000);
  const std::string checkpoint = "two_pools_exc.ckpt";
  for (int t = 0; t < 400; ++t) {
    somas::Pool* pools[2] = {&exc, &inh};
    for (int p = 0; p < 2; ++p) {
      somas::Pool& pool = *pools[p];
      current.resize(pool.size());
      for (float& c : current) {  // a 64-bit LCG: the same numbers everywhere
        noise = noise * 6364136223846793005ull + 1442695040888963407ull;
        c = static_cast<float>(pool.model().drive_current * (0.5 + (noise >> 11) * 0x1.0p-53));
      }
      if (Check(pool.Step(current))) return 1;
      size_t count = 0;
      if (Check(pool.SpikeIndices(indices.data(), indices.size(), &count))) return 1;
      hash = Hash(hash, indices.data(), count * sizeof(uint32_t));
      spikes[p] += count;
    }
    if (t == 199 && Check(exc.Save(checkpoint))) return 1;
    if (t == 299 && Check(exc.Load(checkpoint))) return 1;  // rewinds exc by 100 steps
  }
  std::remove(checkpoint.c_str());
  for (const somas::Pool* pool : {&exc, &inh}) {
    const std::vector<float> v = pool->Potentials();
    hash = Hash(hash, v.data(), v.size() * sizeof(float));
  }
  std::printf("somas %s on %s: exc %zu spikes, inh %zu spikes, hash %016llx\n", somas::Version(),
              exc.last_target_name(), spikes[0], spikes[1], static_cast<unsigned long long>(hash));
  return 0;
}
