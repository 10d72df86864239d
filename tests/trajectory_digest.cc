// Prints a digest of what every built-in model computes, on every SIMD
// target: for float32 and float16 storage, shared and per-neuron
// parameters and dt 1 and 0.1 ms, 300
// noisy steps of 37 neurons (NaN inputs included), hashing every spike,
// every state after every step and the final checkpoint bytes. A refactor
// that must change nothing observable prints the same lines before and
// after:  bazel run //tests:trajectory_digest > before.txt  (then after, diff).
#include <hwy/targets.h>
#include <zlib.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "somas/somas.h"
#include "tests/scenarios.h"

int main() {
  using namespace somas;
  for (int64_t target : hwy::SupportedAndGeneratedTargets()) {
    if (!SetSimdTarget(hwy::TargetName(target)).ok()) return 1;
    for (const ModelSpec& m : BuiltinRegistry().models()) {
      for (Dtype dtype : {Dtype::kFloat32, Dtype::kFloat16}) {
        for (bool per_neuron : {false, true}) {
          for (double dt : {1.0, 0.1}) {
            const size_t n = 37;
            somas::testing::Scenario sc = somas::testing::MakeScenario(m, n, dt, per_neuron, 3);
            sc.config.dtype = dtype;
            Pool pool;
            if (!Pool::Create(sc.config, &pool).ok()) return 1;
            std::mt19937 rng(9);
            uLong crc = crc32(0, Z_NULL, 0);
            for (int t = 0; t < 300; ++t) {
              std::vector<float> current = somas::testing::NoisyCurrent(m, n, &rng);
              if (t % 50 == 7) current[t % n] = NAN;
              (void)pool.Step(current);
              const std::vector<uint8_t> spikes = pool.SpikesDense();
              crc = crc32(crc, spikes.data(), static_cast<uInt>(spikes.size()));
              for (const StateSpec& s : m.states) {
                std::vector<float> v(n);
                if (!pool.GetState(s.name, v.data(), n).ok()) return 1;
                crc = crc32(crc, reinterpret_cast<const Bytef*>(v.data()),
                            static_cast<uInt>(n * sizeof(float)));
              }
            }
            std::string bytes;
            if (!pool.SaveToBuffer(&bytes).ok()) return 1;
            crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data()),
                        static_cast<uInt>(bytes.size()));
            std::printf("%-6s %-34s %-7s %-10s dt=%-4g %08lx\n", hwy::TargetName(target),
                        m.name.c_str(), DtypeName(dtype), per_neuron ? "per_neuron" : "shared", dt,
                        crc);
          }
        }
      }
    }
  }
  return SetSimdTarget("auto").ok() ? 0 : 1;
}
