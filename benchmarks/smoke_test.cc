// Runs every step benchmark for a moment at small sizes, so the benchmarks cannot rot.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <vector>

#include "benchmarks/step_benchmarks.h"
#include "somas/somas.h"

namespace {

// Fails the test if any benchmark reported an error.
class CheckingReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      ++count;
      if (run.error_occurred) {
        ++errors;
        std::fprintf(stderr, "benchmark %s failed: %s\n", run.benchmark_name().c_str(),
                     run.error_message.c_str());
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }
  int count = 0;
  int errors = 0;
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> targets = {"auto"};
  for (const std::string& t : somas::AvailableTargets()) targets.push_back(t);
  somas::RegisterStepBenchmarks({17, 1024}, 1024, targets, 0.001);
  somas::RegisterThreadBenchmarks({1024, 40000}, {1, 2}, 0.001);
  somas::RegisterOverheadBenchmarks();
  somas::RegisterCreateBenchmarks({1000});
  somas::RegisterSweepBenchmarks(1024, {1500}, 2, 0.001);
  char min_time[] = "--benchmark_min_time=0.0005";
  char* args[] = {argv[0], min_time};
  int args_count = 2;
  benchmark::Initialize(&args_count, args);
  CheckingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  std::printf("%d benchmarks ran, %d failed\n", reporter.count, reporter.errors);
  return reporter.count > 0 && reporter.errors == 0 ? 0 : 1;
}
