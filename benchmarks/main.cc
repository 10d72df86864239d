// The step benchmark binary: `tools/bazel run -c opt //benchmarks:step_benchmark`.
// Besides Google Benchmark's flags it takes
//   --target=NAME     Step cases on one SIMD target only (auto, or one that
//                     `somas targets` lists); the default runs auto and every one
//   --sizes=N,N,...   pool sizes of the Step and Threads cases, and the sizes
//                     the Sweep cases cover besides powers of two
//                     (default 8000000,12000000,16000000)
//   --threads=N,N,... thread counts of the Threads cases
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "benchmarks/step_benchmarks.h"
#include "somas/somas.h"

namespace {

bool ParseList(const char* text, std::vector<size_t>* out) {
  out->clear();
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    char* end = nullptr;
    const unsigned long long v = std::strtoull(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || v == 0) return false;
    out->push_back(static_cast<size_t>(v));
  }
  return !out->empty();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<size_t> step_sizes = {1024, 65536, 1048576, 16777216};
  std::vector<size_t> thread_sizes = {1048576, 16777216};
  std::vector<size_t> sweep_extra = {8000000, 12000000, 16000000};
  std::vector<size_t> threads = {1, 2};
  if (std::thread::hardware_concurrency() > 2)
    threads.push_back(std::thread::hardware_concurrency());
  std::vector<std::string> targets = {"auto"};
  for (const std::string& t : somas::AvailableTargets()) targets.push_back(t);

  std::vector<char*> rest = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    const char* arg = argv[i];
    if (std::strncmp(arg, "--target=", 9) == 0) {
      const somas::Status s = somas::SetSimdTarget(arg + 9);
      if (!s.ok()) {
        std::fprintf(stderr, "step_benchmark: --target: %s\n", s.message().c_str());
        return 2;
      }
      (void)somas::SetSimdTarget("auto");
      targets = {arg + 9};
    } else if (std::strncmp(arg, "--sizes=", 8) == 0) {
      if (!ParseList(arg + 8, &step_sizes)) {
        std::fprintf(stderr, "step_benchmark: --sizes wants positive integers: %s\n", arg + 8);
        return 2;
      }
      thread_sizes = step_sizes;
      sweep_extra = step_sizes;
    } else if (std::strncmp(arg, "--threads=", 10) == 0) {
      if (!ParseList(arg + 10, &threads)) {
        std::fprintf(stderr, "step_benchmark: --threads wants positive integers: %s\n", arg + 10);
        return 2;
      }
    } else {
      rest.push_back(argv[i]);
    }
  }
  somas::RegisterStepBenchmarks(step_sizes, 65536, targets);
  somas::RegisterThreadBenchmarks(thread_sizes, threads);
  somas::RegisterOverheadBenchmarks();
  somas::RegisterCreateBenchmarks({1048576, 16777216});
  somas::RegisterSweepBenchmarks(16777216, sweep_extra, 3);
  int rest_count = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_count, rest.data());
  if (benchmark::ReportUnrecognizedArguments(rest_count, rest.data())) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
