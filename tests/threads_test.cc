// Threaded stepping: bit-identical results for any thread count and chunking,
// on every target and model; several pools in one region; the worker pool.
#include <gtest/gtest.h>
#include <hwy/targets.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
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

// Restores the default threads and chunking when a test ends.
class ThreadsTest : public ::testing::TestWithParam<std::string> {
 protected:
  void TearDown() override {
    ASSERT_TRUE(SetThreads(0).ok());
    SetChunkNeuronsForTest(0);
  }
  const ModelSpec& model() const { return *BuiltinRegistry().Find(GetParam(), nullptr); }
};

struct Outcome {
  std::string state;  // the whole pool after the last step
  std::vector<std::vector<uint32_t>> spikes;
  std::vector<StepReport> reports;
};

// `steps` steps of a per-neuron-parameter pool of `size`, with NaN and inf
// currents in several places, on `threads` threads with chunks of `chunk`.
Outcome Simulate(const ModelSpec& model, size_t size, size_t threads, size_t chunk) {
  EXPECT_TRUE(SetThreads(threads).ok());
  SetChunkNeuronsForTest(chunk);
  testing::Scenario sc = testing::MakeScenario(model, size, 0.5, true, 17);
  Pool pool;
  EXPECT_TRUE(Pool::Create(sc.config, &pool).ok());
  std::mt19937 rng(23);
  Outcome run;
  for (int t = 0; t < 20; ++t) {
    std::vector<float> current = testing::NoisyCurrent(model, size, &rng);
    if (t % 4 == 1) {
      for (size_t i : {size_t{5}, size_t{600}, size_t{999}, size - 1}) {
        if (i < size) current[i] = t % 8 == 1 ? NAN : -INFINITY;
      }
    }
    StepReport report;
    const Status s = pool.Step(current, &report);
    EXPECT_EQ(s.ok(), report.nonfinite_inputs == 0) << s.message();
    run.spikes.push_back(pool.SpikeIndices());
    run.reports.push_back(report);
  }
  run.state = testing::Snapshot(pool);
  return run;
}

TEST_P(ThreadsTest, AnyThreadCountAndChunkingGivesTheSameBits) {
  struct Split {
    size_t threads, chunk;
  };
  const Split splits[] = {{2, 0}, {2, 16}, {3, 16}, {7, 48}, {64, 512}, {3, 0}};
  testing::ForEachTarget([&](int64_t target) {
    for (size_t size : {1, 17, 1000, 20000}) {
      const Outcome one = Simulate(model(), size, 1, 0);
      for (const Split& split : splits) {
        const Outcome many = Simulate(model(), size, split.threads, split.chunk);
        const std::string where = "target " + std::string(hwy::TargetName(target)) + ", size " +
                                  std::to_string(size) + ", " + std::to_string(split.threads) +
                                  " threads, chunk " + std::to_string(split.chunk);
        ASSERT_EQ(many.spikes, one.spikes) << where;
        ASSERT_EQ(many.state, one.state) << where;
        for (size_t t = 0; t < one.reports.size(); ++t) {
          ASSERT_EQ(many.reports[t].nonfinite_inputs, one.reports[t].nonfinite_inputs) << where;
          ASSERT_EQ(many.reports[t].first_nonfinite, one.reports[t].first_nonfinite) << where;
        }
      }
      if (size >= 1000) {  // the non-finite currents spread over several chunks
        EXPECT_EQ(one.reports[1].nonfinite_inputs, size == 1000 ? 3u : 4u);
        EXPECT_EQ(one.reports[1].first_nonfinite, 5u);
      }
    }
  });
}

INSTANTIATE_TEST_SUITE_P(AllModels, ThreadsTest, ::testing::ValuesIn(testing::ModelNames()),
                         [](const auto& info) { return info.param; });

class StepPoolsTest : public ::testing::Test {
 protected:
  void TearDown() override {
    ASSERT_TRUE(SetThreads(0).ok());
    SetChunkNeuronsForTest(0);
  }
};

TEST_F(StepPoolsTest, SeveralPoolsInOneRegionEqualOneByOne) {
  const char* models[] = {"AdaptiveExponentialSoma", "IzhikevichSoma", "LeakySoma",
                          "StrictRefractoryLeakySoma"};
  const size_t sizes[] = {3000, 1, 40000, 517};
  for (size_t threads : {1, 2, 5}) {
    ASSERT_TRUE(SetThreads(threads).ok());
    SetChunkNeuronsForTest(threads == 5 ? 512 : 0);
    std::vector<Pool> together, alone;
    for (size_t p = 0; p < 4; ++p) {
      together.push_back(testing::MakePool(models[p], sizes[p]));
      alone.push_back(testing::MakePool(models[p], sizes[p]));
    }
    std::mt19937 rng(2);
    for (int t = 0; t < 15; ++t) {
      std::vector<std::vector<float>> currents;
      std::vector<PoolStep> steps(4);
      for (size_t p = 0; p < 4; ++p) {
        currents.push_back(testing::NoisyCurrent(together[p].model(), sizes[p], &rng));
        if (t == 3 && p == 2) currents[p][777] = NAN;
        steps[p] = {&together[p], currents[p].data(), sizes[p], {}};
      }
      const Status s = StepPools(steps.data(), steps.size());
      EXPECT_EQ(s.ok(), t != 3) << s.message();
      for (size_t p = 0; p < 4; ++p) {
        StepReport report;
        (void)alone[p].Step(currents[p], &report);
        EXPECT_EQ(steps[p].report.nonfinite_inputs, report.nonfinite_inputs);
        EXPECT_EQ(steps[p].report.first_nonfinite, report.first_nonfinite);
        ASSERT_EQ(together[p].SpikeIndices(), alone[p].SpikeIndices()) << models[p] << " " << t;
      }
      if (t == 3) {
        EXPECT_NE(s.message().find("LeakySoma pool: 1 non-finite input current(s), first at "
                                   "neuron 777"),
                  std::string::npos)
            << s.message();
      }
    }
    for (size_t p = 0; p < 4; ++p)
      EXPECT_EQ(testing::Snapshot(together[p]), testing::Snapshot(alone[p]));
  }
}

TEST_F(StepPoolsTest, BadCallsStepNothing) {
  Pool a = testing::MakePool("LeakySoma", 10), b = testing::MakePool("IzhikevichSoma", 20);
  const std::string a0 = testing::Snapshot(a), b0 = testing::Snapshot(b);
  const std::vector<float> ten(10, 300.0f), twenty(20, 300.0f);
  Pool empty;
  struct Case {
    std::vector<PoolStep> steps;
    const char* expected;
  };
  const Case cases[] = {
      {{{&a, ten.data(), 10, {}}, {&b, twenty.data(), 19, {}}},
       "entry 1: IzhikevichSoma pool of 20"},
      {{{&a, ten.data(), 10, {}}, {&a, ten.data(), 10, {}}}, "steps the same pool as entry 0"},
      {{{&a, ten.data(), 10, {}}, {nullptr, ten.data(), 10, {}}}, "entry 1 has no pool"},
      {{{&a, ten.data(), 10, {}}, {&empty, ten.data(), 10, {}}}, "this pool is empty"},
      {{{&a, ten.data(), 10, {}}, {&b, nullptr, 20, {}}}, "got 0 input currents"},
      // An entry's own error outranks an earlier repeat.
      {{{&a, ten.data(), 10, {}}, {&a, ten.data(), 10, {}}, {&b, twenty.data(), 19, {}}},
       "entry 2: IzhikevichSoma pool of 20"},
      {{{&b, twenty.data(), 20, {}},
        {&a, ten.data(), 10, {}},
        {&a, ten.data(), 10, {}},
        {&a, ten.data(), 10, {}}},
       "entry 2 steps the same pool as entry 1"},
  };
  for (const Case& c : cases) {
    std::vector<PoolStep> steps = c.steps;
    const Status s = StepPools(steps.data(), steps.size());
    EXPECT_NE(s.message().find(c.expected), std::string::npos) << s.message();
  }
  EXPECT_EQ(testing::Snapshot(a), a0);
  EXPECT_EQ(testing::Snapshot(b), b0);
  EXPECT_TRUE(StepPools(nullptr, 0).ok());
  EXPECT_NE(StepPools(nullptr, 2).message().find("StepPools: the list of pools is null"),
            std::string::npos);
  // Long lists: the first repeat in list order, with the entry it repeats,
  // whichever pool it is.
  std::vector<Pool> many(60);
  for (Pool& pool : many) pool = testing::MakePool("LeakySoma", 10);
  for (auto [repeats, expected] :
       std::vector<std::pair<std::vector<std::pair<size_t, size_t>>, std::string>>{
           {{{31, 5}}, "entry 31 steps the same pool as entry 5"},
           {{{59, 58}}, "entry 59 steps the same pool as entry 58"},
           {{{50, 3}, {40, 20}}, "entry 40 steps the same pool as entry 20"},
           {{{45, 3}, {44, 10}, {47, 10}}, "entry 44 steps the same pool as entry 10"}}) {
    std::vector<PoolStep> steps;
    for (Pool& pool : many) steps.push_back({&pool, ten.data(), 10, {}});
    for (auto [later, earlier] : repeats) steps[later].pool = &many[earlier];
    const Status s = StepPools(steps.data(), steps.size());
    EXPECT_NE(s.message().find(expected), std::string::npos) << s.message();
  }
  std::vector<PoolStep> distinct;
  for (Pool& pool : many) distinct.push_back({&pool, ten.data(), 10, {}});
  // (a list is checked afresh at every call: stepping it again is no repeat)
  for (int call = 0; call < 3; ++call) {
    EXPECT_TRUE(StepPools(distinct.data(), distinct.size()).ok()) << "call " << call;
  }
}

TEST(WorkersTest, TasksRunOnSeveralThreadsExactlyOnce) {
  std::mutex mutex;
  std::set<std::thread::id> ids;
  std::vector<int> ran(64, 0);
  ParallelFor(64, 2, [&](size_t i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::lock_guard<std::mutex> lock(mutex);
    ids.insert(std::this_thread::get_id());
    ++ran[i];
  });
  EXPECT_EQ(ran, std::vector<int>(64, 1));
  EXPECT_EQ(ids.size(), 2u);
}

// Thread indices, dynamic and contiguous shares: thread 0 is the caller;
// with `contiguous`, thread k runs exactly the k-th equal share, in order,
// and so the same tasks from one region to the next.
TEST(WorkersTest, ThreadIndicesAndContiguousShares) {
  for (bool contiguous : {false, true}) {
    for (size_t threads : {2, 3}) {
      for (size_t count : {1, 2, 3, 5, 64}) {
        SCOPED_TRACE(std::to_string(count) + " tasks, " + std::to_string(threads) + " threads" +
                     (contiguous ? ", contiguous" : ""));
        std::mutex mutex;
        std::vector<std::vector<size_t>> by_thread(threads);
        std::map<size_t, std::set<std::thread::id>> ids;
        std::vector<int> ran(count, 0);
        for (int round = 0; round < 3; ++round) {
          for (auto& tasks : by_thread) tasks.clear();
          ParallelFor(
              count, threads,
              [&](size_t i, size_t thread) {
                std::lock_guard<std::mutex> lock(mutex);
                ASSERT_LT(thread, threads);
                by_thread[thread].push_back(i);
                ids[thread].insert(std::this_thread::get_id());
                ++ran[i];
              },
              contiguous);
          for (const auto& tasks : by_thread) {
            EXPECT_TRUE(std::is_sorted(tasks.begin(), tasks.end()));
          }
          if (contiguous && count > 1) {
            const size_t parts = std::min(threads, count);  // no thread without a task
            for (size_t k = 0; k < threads; ++k) {
              std::vector<size_t> share;
              for (size_t i = count * k / parts; k < parts && i < count * (k + 1) / parts; ++i) {
                share.push_back(i);
              }
              EXPECT_EQ(by_thread[k], share) << "thread " << k;
            }
          }
        }
        EXPECT_EQ(ran, std::vector<int>(count, 3));
        for (const auto& [thread, seen] : ids) EXPECT_EQ(seen.size(), 1u) << thread;
        if (ids.count(0)) {
          EXPECT_EQ(*ids[0].begin(), std::this_thread::get_id());
        }
      }
    }
  }
}

TEST(WorkersTest, ConcurrentCallersEachFinishTheirOwnTasks) {
  // An embedder's own threads calling in at once: one gets the workers, the
  // others run alone; every task of every caller runs exactly once.
  std::vector<std::vector<int>> ran(4, std::vector<int>(200, 0));
  std::vector<std::thread> callers;
  for (size_t c = 0; c < 4; ++c) {
    callers.emplace_back([&, c] {
      for (int round = 0; round < 20; ++round) {
        ParallelFor(10, 3, [&](size_t i) { ++ran[c][round * 10 + i]; });
      }
    });
  }
  for (std::thread& t : callers) t.join();
  for (const std::vector<int>& r : ran) EXPECT_EQ(r, std::vector<int>(200, 1));
}

TEST(WorkersTest, ChunksAreWholeCacheLinesOfEveryArray) {
  for (size_t padded : {size_t{16}, size_t{1} << 20, size_t{16777216}, size_t{1000016}}) {
    for (size_t threads : {2, 3, 64}) {
      const size_t chunk = ChunkNeurons(padded, threads);
      EXPECT_EQ(chunk % kChunkAlign, 0u) << padded << " " << threads;
      EXPECT_GE(chunk, kMinNeuronsPerThread);
    }
    EXPECT_EQ(ChunkNeurons(padded, 1), padded);
  }
  // At 1M neurons on 2 threads: a handful of chunks per thread.
  EXPECT_EQ((size_t{1} << 20) / ChunkNeurons(size_t{1} << 20, 2), 8u);
  // Small pools do not pay for a parallel region (docs/embedding.md): at
  // least 16,384 neurons per thread, so 16,384 stay one chunk on 2 threads,
  // 16,400 and 32,768 become two, 1,024 on 64 threads one.
  EXPECT_EQ(ChunkNeurons(8192, 2), 16384u);
  EXPECT_EQ(ChunkNeurons(16384, 2), 16384u);
  EXPECT_EQ((16400 + 16383) / ChunkNeurons(16400, 2), 2u);
  EXPECT_EQ(ChunkNeurons(32768, 2), 16384u);
  EXPECT_EQ(ChunkNeurons(1024, 64), 16384u);
}

}  // namespace
}  // namespace somas
