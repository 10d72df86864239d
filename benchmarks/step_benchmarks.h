// Registration of the pool-step benchmarks, shared by the benchmark binary and its smoke test.
#ifndef SOMAS_BENCHMARKS_STEP_BENCHMARKS_H_
#define SOMAS_BENCHMARKS_STEP_BENCHMARKS_H_

#include <cstddef>
#include <string>
#include <vector>

namespace somas {

// Registers, for every registered model, Step/MODEL/SIZE/{shared,per_neuron}/TARGET
// at each of `sizes` and each of `targets` ("auto" or names from
// AvailableTargets()), one thread, reporting neuron-updates/s, bytes/s and,
// measured in the same case, the in-place streaming ceiling for the same
// memory traffic (ceiling_updates_per_s, fraction_of_ceiling); plus the
// silent-pool (subnormal) pair at `silent_size`. Each ceiling is timed for at
// least `ceiling_seconds`.
void RegisterStepBenchmarks(const std::vector<size_t>& sizes, size_t silent_size,
                            const std::vector<std::string>& targets, double ceiling_seconds = 0.2);
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
