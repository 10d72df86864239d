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

}  // namespace somas

#endif  // SOMAS_BENCHMARKS_STEP_BENCHMARKS_H_
