// The step benchmark binary: `tools/bazel run -c opt //benchmarks:step_benchmark`.
#include <benchmark/benchmark.h>

#include <thread>
#include <vector>

#include "benchmarks/step_benchmarks.h"

int main(int argc, char** argv) {
  somas::RegisterStepBenchmarks({1024, 65536, 1048576, 16777216}, 65536);
  std::vector<size_t> threads = {1, 2};
  if (std::thread::hardware_concurrency() > 2)
    threads.push_back(std::thread::hardware_concurrency());
  somas::RegisterThreadBenchmarks({1048576, 16777216}, threads);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
