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
// Registers, for every registered model, Sweep/MODEL/SIZE/{shared,per_neuron}:
// the Step case (one thread, best target, with its ceiling) at every power of
// two from 1,024 to `largest`, one block (16 neurons) either side of each,
// and at each of `extra`; `repetitions` of each, each building its pool
// anew, reported with the median and the worst repetition ("max" of the
// time, "min" of fraction_of_ceiling). Finds sizes or array placements
// where a step falls off its ceiling (docs/benchmarks.md, "No cliffs").
void RegisterSweepBenchmarks(size_t largest, const std::vector<size_t>& extra, int repetitions,
                             double ceiling_seconds = 0.2);
// Registers Overhead/MODEL/SIZE/{step,kernel} (LeakySoma, IzhikevichSoma;
// 64, 1,024, 16,384 and 102,400 neurons; default thread setting): a whole
// Pool::Step against the kernel called directly on the same pool, and
// Overhead/MODEL/100x1024/step_pools: StepPools over 100 pools of 1,024.
void RegisterOverheadBenchmarks();
// Registers Create/MODEL/SIZE/per_neuron at each of `sizes`: Pool::Create
// with every parameter given per neuron, one iteration, reporting
// ratio_to_writing (its time over that of allocating and writing as many
// arrays as the pool holds) and write_ms.
void RegisterCreateBenchmarks(const std::vector<size_t>& sizes);
// The sizes that sweep covers, ascending.
std::vector<size_t> SweepSizes(size_t largest, const std::vector<size_t>& extra);
void RegisterThreadBenchmarks(const std::vector<size_t>& sizes, const std::vector<size_t>& threads,
                              double ceiling_seconds = 0.2);

}  // namespace somas

#endif  // SOMAS_BENCHMARKS_STEP_BENCHMARKS_H_
