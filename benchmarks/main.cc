// The step benchmark binary: `tools/bazel run -c opt //benchmarks:step_benchmark`.
#include <benchmark/benchmark.h>

#include "benchmarks/step_benchmarks.h"

int main(int argc, char** argv) {
  somas::RegisterStepBenchmarks({1024, 65536, 1048576, 16777216}, 65536);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
