// Fuzz target for simulation files: arbitrary bytes through parse, validate,
// build small pools and step them a few times. Any crash, sanitizer report
// or non-finite state is a finding; a file that parses prints a canonical
// form that parses back to the same form. Built as a libFuzzer binary by
// tools/fuzz (clang), and replayed over its seed corpus by corpus_test (GCC).
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
#include "tests/fuzz/fuzz_check.h"

namespace somas::fuzz {

int FuzzConfig(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  somas::SimulationConfig sim;
  if (somas::ParseSimulation(text, &sim).ok()) {
    const std::string canonical = somas::CanonicalJson(sim);
    somas::SimulationConfig again;
    SOMAS_FUZZ_CHECK(somas::ParseSimulation(canonical, &again).ok(),
                     "the canonical form does not parse: %s", canonical.c_str());
    SOMAS_FUZZ_CHECK(somas::CanonicalJson(again) == canonical,
                     "the canonical form is not a fixed point: %s", canonical.c_str());
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

}  // namespace somas::fuzz

SOMAS_FUZZ_ENTRY(somas::fuzz::FuzzConfig)
