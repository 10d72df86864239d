// Fuzz target: arbitrary bytes through parse, validate, build small pools and
// step them a few times. Any crash, sanitizer report or non-finite state is a
// finding. Built as a real libFuzzer binary by tools/fuzz (clang), and as an
// ordinary test that replays the seed corpus (corpus_test.cc, GCC).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cli/matrix_io.h"
#include "engine/files.h"
#include "engine/pool_impl.h"
#include "somas/somas.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  somas::SimulationConfig sim;
  if (somas::ParseSimulation(text, &sim).ok()) {
    (void)somas::CanonicalJson(sim);
    for (const somas::PoolConfig& config : sim.pools) {
      if (config.size > 4096) continue;  // keep each input fast
      somas::Pool pool;
      if (!somas::Pool::Create(config, &pool).ok()) continue;
      std::vector<float> current(pool.size());
      for (int t = 0; t < 8; ++t) {
        for (size_t i = 0; i < current.size(); ++i) {
          // Currents from the input bytes, including NaN and inf now and then.
          uint32_t bits = 0x42c80000u;  // 100 pA
          if (size >= 4) std::memcpy(&bits, data + (i * 4 + t) % (size - 3), 4);
          std::memcpy(&current[i], &bits, 4);
        }
        (void)pool.Step(current);  // non-finite currents are reported, and allowed here
        const somas::PoolImpl& impl = somas::Internals(pool);
        for (const auto& state : impl.states) {
          for (size_t i = 0; i < impl.padded; ++i) {
            if (!std::isfinite(state[i])) std::abort();
          }
        }
      }
    }
  }
  // The checkpoint decoder and the current-file readers get the same bytes.
  somas::Pool target;
  somas::PoolConfig small;
  small.model = "AdaptiveExponentialSoma";
  small.size = 3;
  if (somas::Pool::Create(small, &target).ok()) (void)target.LoadFromBuffer(text);
  somas::Matrix matrix;
  (void)somas::ParseCsvMatrix(text, "input.csv", &matrix);
  (void)somas::ParseNpyMatrix(text, "input.npy", &matrix);
  return 0;
}
