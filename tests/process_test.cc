// The worker threads as a process sees them: fork, the thread-count range,
// threads the system refuses, and the CPU affinity mask. Each case that needs
// a fresh process (no workers yet, its own affinity, its own limits) runs in
// a forked child, which reports through its exit status; a child that does
// not finish within its time limit is a hang, and fails the test.
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/parallel.h"
#include "somas/somas.h"
#include "tests/scenarios.h"

namespace somas {
namespace {

constexpr size_t kLarge = 200000;  // several chunks on 2 threads

// What the child reported: its exit code, or "hang", or the signal.
std::string RunInChild(const std::function<int()>& body, bool use_exit = false, int seconds = 60) {
  const pid_t pid = fork();
  if (pid < 0) return "fork failed";
  if (pid == 0) {
    const int code = body();
    if (use_exit) std::exit(code);  // static destructors and atexit handlers run
    _exit(code);
  }
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > until) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return "hang";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
  return "exit " + std::to_string(WEXITSTATUS(status));
}

// `steps` noisy steps of a fresh AdaptiveExponentialSoma pool: its snapshot and spike lists.
std::string Simulate(size_t size, int steps) {
  Pool pool = testing::MakePool("AdaptiveExponentialSoma", size);
  std::mt19937 rng(5);
  std::string out;
  for (int t = 0; t < steps; ++t) {
    if (!pool.Step(testing::NoisyCurrent(pool.model(), size, &rng)).ok()) return "step failed";
    out += std::to_string(pool.SpikeCount()) + ",";
  }
  return out + testing::Snapshot(pool);
}

class ProcessTest : public ::testing::Test {
 protected:
  void TearDown() override {
    ASSERT_TRUE(SetThreads(0).ok());
    LimitWorkerStartsForTest(~size_t{0});
  }
};

TEST_F(ProcessTest, ThreadCountsOutsideTheRangeAreRefusedAndChangeNothing) {
  ASSERT_TRUE(SetThreads(3).ok());
  for (size_t bad :
       {kMaxThreads + 1, size_t{1} << 62, size_t{1} << 63, size_t{3} << 62, ~size_t{0}}) {
    const Status s = SetThreads(bad);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find("SetThreads(" + std::to_string(bad) + ")"), std::string::npos)
        << s.message();
    EXPECT_NE(s.message().find("0 (one per usable CPU) to 1024"), std::string::npos) << s.message();
    EXPECT_EQ(Threads(), 3u);
  }
  // The largest accepted count steps a large pool exactly as one thread does.
  ASSERT_TRUE(SetThreads(1).ok());
  const std::string one = Simulate(kLarge, 3);
  ASSERT_TRUE(SetThreads(kMaxThreads).ok());
  EXPECT_EQ(Threads(), kMaxThreads);
  EXPECT_EQ(Simulate(kLarge, 3), one);
}

TEST_F(ProcessTest, ForkedChildStepsOnOneAndSeveralThreadsAndExits) {
  ASSERT_TRUE(SetThreads(2).ok());
  const std::string expected = Simulate(kLarge, 4);  // the workers are running now
  // The child steps with the parent's thread setting, then with one thread.
  EXPECT_EQ(RunInChild([&] { return Simulate(kLarge, 4) == expected ? 0 : 1; }), "exit 0");
  EXPECT_EQ(RunInChild([&] {
              if (!SetThreads(1).ok()) return 2;
              return Simulate(kLarge, 4) == expected ? 0 : 1;
            }),
            "exit 0");
  // A child that never calls somas exits through exit() (static destructors).
  EXPECT_EQ(RunInChild([] { return 0; }, /*use_exit=*/true), "exit 0");
  // A child that steps and then exits, and a grandchild of it.
  EXPECT_EQ(RunInChild(
                [&] {
                  if (Simulate(kLarge, 4) != expected) return 1;
                  return RunInChild([&] { return Simulate(kLarge, 4) == expected ? 0 : 1; },
                                    true) == "exit 0"
                             ? 0
                             : 3;
                },
                /*use_exit=*/true),
            "exit 0");
  // The parent's workers are still its own.
  EXPECT_EQ(Simulate(kLarge, 4), expected);
}

// The threads a parallel region actually ran its tasks on.
size_t ThreadsUsed(size_t threads) {
  std::mutex mutex;
  std::set<std::thread::id> ids;
  ParallelFor(64, threads, [&](size_t) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    std::lock_guard<std::mutex> lock(mutex);
    ids.insert(std::this_thread::get_id());
  });
  return ids.size();
}

TEST_F(ProcessTest, RefusedWorkerThreadsMeanFewerThreadsNotAnError) {
  ASSERT_TRUE(SetThreads(1).ok());
  const std::string expected = Simulate(kLarge, 4);
  // In a fresh child (no workers yet) the system refuses every worker past
  // the first `limit`: steps still succeed, bit-identical, on fewer threads.
  for (size_t limit : {0, 1, 2}) {
    EXPECT_EQ(RunInChild([&] {
                LimitWorkerStartsForTest(limit);
                if (!SetThreads(8).ok()) return 2;
                if (Simulate(kLarge, 4) != expected) return 1;
                return ThreadsUsed(8) == limit + 1 ? 0 : 3;
              }),
              "exit 0")
        << "limit " << limit;
  }
}

#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
// The same with a real limit: an address-space cap leaves room for a few
// 8 MiB thread stacks, not for 1000. (Sanitizers reserve terabytes of address
// space, so these builds rely on the case above.)
TEST_F(ProcessTest, AnAddressSpaceLimitMeansFewerThreadsNotACrash) {
  ASSERT_TRUE(SetThreads(1).ok());
  const std::string expected = Simulate(kLarge, 2);
  EXPECT_EQ(RunInChild([&] {
              Pool warm = testing::MakePool("AdaptiveExponentialSoma", kLarge);  // heap in place
              struct rlimit limit;
              getrlimit(RLIMIT_AS, &limit);
              // What the process maps now, plus 64 MiB.
              FILE* f = std::fopen("/proc/self/statm", "r");
              unsigned long pages = 0;
              if (!f || std::fscanf(f, "%lu", &pages) != 1) return 4;
              std::fclose(f);
              limit.rlim_cur = pages * sysconf(_SC_PAGESIZE) + (size_t{64} << 20);
              if (setrlimit(RLIMIT_AS, &limit) != 0) return 5;
              if (!SetThreads(1000).ok()) return 2;
              return Simulate(kLarge, 2) == expected ? 0 : 1;
            }),
            "exit 0");
}
#endif

TEST_F(ProcessTest, DefaultThreadsFollowTheAffinityMaskCountedOnce) {
  cpu_set_t mask;
  ASSERT_EQ(sched_getaffinity(0, sizeof(mask), &mask), 0);
  ASSERT_TRUE(SetThreads(0).ok());
  EXPECT_EQ(Threads(), static_cast<size_t>(CPU_COUNT(&mask)));
  int first = -1;
  for (int c = 0; c < CPU_SETSIZE && first < 0; ++c) {
    if (CPU_ISSET(c, &mask)) first = c;
  }
  const size_t all = Threads();
  EXPECT_EQ(RunInChild([&] {
              cpu_set_t one;
              CPU_ZERO(&one);
              CPU_SET(first, &one);
              if (sched_setaffinity(0, sizeof(one), &one) != 0) return 4;
              // Counted once: the change is seen at the next SetThreads(0), not per step.
              if (Threads() != all) return 1;
              if (!SetThreads(0).ok() || Threads() != 1) return 2;
              return Simulate(kLarge, 2).empty() ? 3 : 0;
            }),
            "exit 0");
}

}  // namespace
}  // namespace somas
