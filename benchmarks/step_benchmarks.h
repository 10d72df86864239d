// Registration of the pool-step benchmarks, shared by the benchmark binary and its smoke test.
#ifndef SOMAS_BENCHMARKS_STEP_BENCHMARKS_H_
#define SOMAS_BENCHMARKS_STEP_BENCHMARKS_H_

#include <cstddef>
#include <vector>

namespace somas {

// Registers, for every registered model, Step at each of `sizes` with shared
// and per-neuron parameters on every compiled target and on the automatically
// chosen one, plus the silent-pool (subnormal) pair at `silent_size`.
void RegisterStepBenchmarks(const std::vector<size_t>& sizes, size_t silent_size);

// Registers, for every registered model, Threads/MODEL/SIZE/threads:N: Step
// with shared parameters on the chosen target at each of `sizes` and each of
// `threads`, reporting neuron-updates/s and, measured in the same benchmark,
// the in-place streaming ceiling for the same memory traffic on as many
// threads (ceiling_updates_per_s, fraction_of_ceiling).
// The ceiling is timed for at least `ceiling_seconds`.
void RegisterThreadBenchmarks(const std::vector<size_t>& sizes, const std::vector<size_t>& threads,
                              double ceiling_seconds = 0.2);

}  // namespace somas

#endif  // SOMAS_BENCHMARKS_STEP_BENCHMARKS_H_
