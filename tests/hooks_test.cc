// Step hooks (StepHooks, somas_step_hooks): every chunk exactly once, in
// order within a thread; a `before` hook's current is the one the kernel
// uses; `after` sees the chunk's final spikes and states; errors stop the
// chunk and are reported; 1, 2 and 3 threads give the same bits.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "engine/parallel.h"
#include "somas/somas.h"
#include "somas/somas_c.h"
#include "tests/scenarios.h"

namespace somas {
namespace {

class HooksTest : public ::testing::Test {
 protected:
  void TearDown() override {
    ASSERT_TRUE(SetThreads(0).ok());
    SetChunkNeuronsForTest(0);
  }
};

// Pool sizes at the edges of blocks (16) and chunks (8,192).
const size_t kSizes[] = {1, 15, 16, 17, 8191, 8192, 8193, 3 * kHookChunk + 5};

// Neuron i's current in step t: a deterministic function, finite, enough to
// make LeakySoma fire now and then.
float CurrentOf(size_t i, int t) {
  return static_cast<float>(150.0 + 100.0 * std::sin(0.37 * i + 0.91 * t));
}

// The chunk records of one step: who ran which range, on which thread.
struct Seen {
  std::mutex mutex;
  std::vector<StepChunk> before, after;
  std::map<size_t, std::set<std::thread::id>> threads;  // index -> the threads that had it
};

TEST_F(HooksTest, EveryChunkOnceInOrderWithinAThread) {
  for (size_t threads : {1, 2, 3}) {
    ASSERT_TRUE(SetThreads(threads).ok());
    for (size_t size : kSizes) {
      SCOPED_TRACE("size " + std::to_string(size) + ", threads " + std::to_string(threads));
      Pool pool = testing::MakePool("LeakySoma", size);
      std::vector<float> current(size, 0.0f);
      Seen seen;
      StepHooks hooks;
      hooks.before = [&](const StepChunk& c) {
        std::lock_guard<std::mutex> lock(seen.mutex);
        seen.before.push_back(c);
        seen.threads[c.thread].insert(std::this_thread::get_id());
        return Status();
      };
      hooks.after = [&](const StepChunk& c) {
        std::lock_guard<std::mutex> lock(seen.mutex);
        seen.after.push_back(c);
        return Status();
      };
      ASSERT_TRUE(pool.Step(current.data(), size, hooks).ok());
      const size_t chunks = (size + kHookChunk - 1) / kHookChunk;
      ASSERT_EQ(seen.before.size(), chunks);
      ASSERT_EQ(seen.after.size(), chunks);
      std::vector<int> covered(size, 0);
      std::vector<size_t> last_index(threads, SIZE_MAX);
      for (const StepChunk& c : seen.before) {
        EXPECT_EQ(c.pool, 0u);
        EXPECT_EQ(c.begin, c.index * kHookChunk);
        EXPECT_EQ(c.end, std::min(c.begin + kHookChunk, size));
        ASSERT_LT(c.thread, threads);
        // A thread's chunks come in ascending order.
        if (last_index[c.thread] != SIZE_MAX) {
          EXPECT_GT(c.index, last_index[c.thread]);
        }
        last_index[c.thread] = c.index;
        for (size_t i = c.begin; i < c.end; ++i) ++covered[i];
      }
      EXPECT_EQ(std::count(covered.begin(), covered.end(), 1), static_cast<long>(size));
      // One thread index is one thread; with several chunks, every thread
      // takes a share; the caller is thread 0.
      for (const auto& [index, ids] : seen.threads) EXPECT_EQ(ids.size(), 1u) << index;
      EXPECT_EQ(seen.threads.size(), std::min(threads, chunks));
      EXPECT_EQ(*seen.threads[0].begin(), std::this_thread::get_id());
      // `after` runs on the same thread as the chunk's `before`.
      for (const StepChunk& a : seen.after) {
        const auto b = std::find_if(seen.before.begin(), seen.before.end(),
                                    [&](const StepChunk& c) { return c.index == a.index; });
        ASSERT_NE(b, seen.before.end());
        EXPECT_EQ(a.thread, b->thread);
        EXPECT_EQ(a.begin, b->begin);
        EXPECT_EQ(a.end, b->end);
      }
    }
  }
}

TEST_F(HooksTest, StepPoolsNamesEachPoolAndCoversIt) {
  ASSERT_TRUE(SetThreads(3).ok());
  const std::vector<size_t> sizes = {17, 2 * kHookChunk + 1, 1, kHookChunk};
  std::vector<Pool> pools;
  std::vector<std::vector<float>> currents;
  for (size_t n : sizes) {
    pools.push_back(testing::MakePool("IzhikevichSoma", n));
    currents.emplace_back(n, 5.0f);
  }
  std::vector<PoolStep> steps;
  for (size_t p = 0; p < pools.size(); ++p) {
    steps.push_back({&pools[p], currents[p].data(), sizes[p], {}});
  }
  Seen seen;
  StepHooks hooks;
  hooks.before = [&](const StepChunk& c) {
    std::lock_guard<std::mutex> lock(seen.mutex);
    seen.before.push_back(c);
    return Status();
  };
  ASSERT_TRUE(StepPools(steps.data(), steps.size(), hooks).ok());
  std::vector<std::vector<int>> covered;
  for (size_t n : sizes) covered.emplace_back(n, 0);
  std::vector<std::pair<size_t, size_t>> last(3, {SIZE_MAX, 0});
  for (const StepChunk& c : seen.before) {
    ASSERT_LT(c.pool, sizes.size());
    EXPECT_EQ(c.end, std::min(c.begin + kHookChunk, sizes[c.pool]));
    ASSERT_LT(c.thread, 3u);
    // (pool, index) ascending within a thread.
    if (last[c.thread].first != SIZE_MAX) {
      EXPECT_LT(last[c.thread], std::make_pair(c.pool, c.index));
    }
    last[c.thread] = {c.pool, c.index};
    for (size_t i = c.begin; i < c.end; ++i) ++covered[c.pool][i];
  }
  for (size_t p = 0; p < sizes.size(); ++p) {
    EXPECT_EQ(std::count(covered[p].begin(), covered[p].end(), 1), static_cast<long>(sizes[p]))
        << "pool " << p;
  }
}

// The kernel steps with the current `before` wrote, including the last
// partial block (which the engine copies into padding after the hook).
TEST_F(HooksTest, TheKernelUsesTheCurrentBeforeWrote) {
  for (size_t threads : {1, 2}) {
    ASSERT_TRUE(SetThreads(threads).ok());
    for (size_t size : kSizes) {
      SCOPED_TRACE("size " + std::to_string(size) + ", threads " + std::to_string(threads));
      Pool hooked = testing::MakePool("AdaptiveLeakySoma", size);
      Pool plain;
      ASSERT_TRUE(hooked.Clone(&plain).ok());
      // NaN until the hook writes it: a neuron stepped before its current
      // was written would be reported as non-finite and left unchanged.
      std::vector<float> current(size, NAN), expected(size);
      for (int t = 0; t < 5; ++t) {
        std::fill(current.begin(), current.end(), NAN);
        for (size_t i = 0; i < size; ++i) expected[i] = CurrentOf(i, t);
        StepHooks hooks;
        hooks.before = [&](const StepChunk& c) {
          for (size_t i = c.begin; i < c.end; ++i) current[i] = CurrentOf(i, t);
          return Status();
        };
        StepReport report;
        const Status s = hooked.Step(current.data(), size, hooks, &report);
        ASSERT_TRUE(s.ok()) << s.message();
        EXPECT_EQ(report.nonfinite_inputs, 0u);
        ASSERT_TRUE(plain.Step(expected).ok());
        ASSERT_EQ(testing::Snapshot(hooked), testing::Snapshot(plain)) << "step " << t;
        ASSERT_EQ(hooked.SpikeIndices(), plain.SpikeIndices());
      }
    }
  }
}

// `after` reads the chunk's final spikes and potentials.
TEST_F(HooksTest, AfterSeesTheChunksSpikesAndStates) {
  ASSERT_TRUE(SetThreads(2).ok());
  const size_t size = 3 * kHookChunk + 5;
  Pool pool = testing::MakePool("RefractoryLeakySoma", size);
  std::vector<float> current(size);
  for (size_t i = 0; i < size; ++i) current[i] = CurrentOf(i, 0) * 3;
  current[size - 1] = 5000.0f;  // the last neuron (and so its padding copies) fires often
  std::vector<uint8_t> spikes(size, 2);
  std::vector<float> potential(size, NAN), refractory(size, NAN);
  StepHooks hooks;
  hooks.after = [&](const StepChunk& c) {
    const uint8_t* bits = pool.spike_bits();
    for (size_t i = c.begin; i < c.end; ++i) spikes[i] = (bits[i / 8] >> (i % 8)) & 1;
    // Bits past the pool's end are zero already: an after hook may read
    // whole bytes.
    for (size_t i = c.end; i < (c.end + 7) / 8 * 8 && c.end == size; ++i) {
      if ((bits[i / 8] >> (i % 8)) & 1) return Status::Error("bit " + std::to_string(i) + " set");
    }
    Status s = pool.GetState("potential", c.begin, potential.data() + c.begin, c.end - c.begin);
    if (s.ok()) {
      s = pool.GetState("refractory_steps", c.begin, refractory.data() + c.begin, c.end - c.begin);
    }
    return s;
  };
  for (int t = 0; t < 30; ++t) {
    const Status s = pool.Step(current.data(), size, hooks);
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_EQ(spikes, pool.SpikesDense()) << "step " << t;
    EXPECT_EQ(potential, pool.Potentials()) << "step " << t;
    std::vector<float> counters(size);
    ASSERT_TRUE(pool.GetState("refractory_steps", counters.data(), size).ok());
    EXPECT_EQ(refractory, counters);
  }
  EXPECT_GT(pool.SpikeCount(), 0u);
}

// Padding lanes copy the last neuron and fire with it; an after hook sees
// their bits cleared already (as spike_bits() promises), so it may read its
// chunk's bits by whole bytes. A pool whose rest lies above its
// threshold (as in the CUBA benchmark) fires with no input at all.
TEST_F(HooksTest, AfterNeverSeesPaddingLanesSpike) {
  for (size_t threads : {1, 2}) {
    ASSERT_TRUE(SetThreads(threads).ok());
    for (size_t size : {size_t{5}, size_t{17}, kHookChunk + 5, 2 * kHookChunk + 13}) {
      PoolConfig config;
      config.model = "LeakySoma";
      config.size = size;
      config.params = {{"potential_rest", ParamValue::Shared(-49)},
                       {"threshold", ParamValue::Shared(-50)},
                       {"potential_reset", ParamValue::Shared(-60)},
                       {"potential_tau", ParamValue::Shared(2)}};
      Pool pool;
      ASSERT_TRUE(Pool::Create(config, &pool).ok());
      std::vector<float> zero(size, 0.0f);
      size_t last_fired = 0;
      StepHooks hooks;
      hooks.after = [&](const StepChunk& c) {
        if (c.end != size) return Status();
        const uint8_t* bits = pool.spike_bits();
        last_fired += (bits[(size - 1) / 8] >> ((size - 1) % 8)) & 1;
        for (size_t i = size; i < (size + 7) / 8 * 8; ++i) {  // the rest of the last byte
          if ((bits[i / 8] >> (i % 8)) & 1) {
            return Status::Error("padding bit " + std::to_string(i) + " set");
          }
        }
        return Status();
      };
      for (int t = 0; t < 40; ++t) {
        const Status s = pool.Step(zero.data(), size, hooks);
        ASSERT_TRUE(s.ok()) << s.message();
      }
      EXPECT_GT(last_fired, 2u) << size;  // the last neuron (and its copies) fired
    }
  }
}

TEST_F(HooksTest, GetStateRangeChecksItsArguments) {
  Pool pool = testing::MakePool("LeakySoma", 100);
  float out[8];
  EXPECT_TRUE(pool.GetState("potential", 92, out, 8).ok());
  EXPECT_TRUE(pool.GetState("potential", 100, out, 0).ok());
  for (auto [begin, n] : {std::pair<size_t, size_t>{93, 8}, {101, 0}, {1, SIZE_MAX}}) {
    const Status s = pool.GetState("potential", begin, out, n);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << begin << " " << n;
    EXPECT_NE(s.message().find("outside the pool's 100 neurons"), std::string::npos) << s.message();
  }
  EXPECT_NE(pool.GetState("potential", 0, nullptr, 1).message().find("null buffer"),
            std::string::npos);
  EXPECT_NE(pool.GetState("potentail", 0, out, 1).message().find("did you mean"),
            std::string::npos);
  EXPECT_EQ(Pool().GetState("potential", 0, out, 1).code(), StatusCode::kEmptyPool);
}

struct Failure {
  size_t pool, chunk;  // where the hook fails
  bool before;         // in `before` (else `after`)
  bool throws;         // by throwing (else by returning an error)
};

// A failing hook: its chunk is not stepped (before) or was (after), the
// other chunks are, and the step says which chunk failed first.
TEST_F(HooksTest, AHookErrorStopsItsChunkAndIsReported) {
  for (size_t threads : {1, 2, 3}) {
    ASSERT_TRUE(SetThreads(threads).ok());
    for (const Failure& f :
         {Failure{0, 1, true, false}, Failure{0, 0, false, false}, Failure{0, 3, true, true},
          Failure{1, 0, true, false}, Failure{1, 1, false, true}}) {
      SCOPED_TRACE("threads " + std::to_string(threads) + ", pool " + std::to_string(f.pool) +
                   ", chunk " + std::to_string(f.chunk) + (f.before ? ", before" : ", after"));
      const size_t sizes[2] = {3 * kHookChunk + 5, 2 * kHookChunk};
      Pool pools[2], reference[2];
      std::vector<float> current[2];
      std::vector<PoolStep> steps;
      for (int p = 0; p < 2; ++p) {
        pools[p] = testing::MakePool("IzhikevichSoma", sizes[p]);
        ASSERT_TRUE(pools[p].Clone(&reference[p]).ok());
        current[p].assign(sizes[p], 0.0f);
        const double drive = pools[p].model().drive_current;
        for (size_t i = 0; i < sizes[p]; ++i) {
          current[p][i] = static_cast<float>(drive * (1.5 + std::sin(0.37 * i)));
        }
        steps.push_back({&pools[p], current[p].data(), sizes[p], {}});
      }
      // Steps without hooks until the failing chunk has spikes to lose.
      const size_t begin = f.chunk * kHookChunk;
      const size_t end = std::min(begin + kHookChunk, sizes[f.pool]);
      for (int warm = 0;; ++warm) {
        ASSERT_LT(warm, 100) << "the chunk never spiked";
        ASSERT_TRUE(StepPools(steps.data(), 2).ok());
        for (int p = 0; p < 2; ++p) ASSERT_TRUE(reference[p].Step(current[p]).ok());
        const std::vector<uint8_t> dense = pools[f.pool].SpikesDense();
        if (std::count(dense.begin() + begin, dense.begin() + end, 1) > 0) break;
      }
      const std::string before_failure = testing::Snapshot(pools[f.pool]);
      std::vector<float> before_potential = pools[f.pool].Potentials();
      for (int p = 0; p < 2; ++p) ASSERT_TRUE(reference[p].Step(current[p]).ok());

      auto hook = [&](bool in_before) {
        return [&f, in_before](const StepChunk& c) -> Status {
          if (c.pool != f.pool || c.index != f.chunk || in_before != f.before) return Status();
          if (f.throws) throw std::runtime_error("no synapses today");
          return Status::Error("the synapse table is gone");
        };
      };
      const StepHooks hooks{hook(true), hook(false)};
      const Status s = StepPools(steps.data(), 2, hooks);
      ASSERT_EQ(s.code(), StatusCode::kHookFailed) << s.message();
      const std::string range = "neurons [" + std::to_string(begin) + ", " + std::to_string(end);
      EXPECT_NE(s.message().find("IzhikevichSoma"), std::string::npos) << s.message();
      EXPECT_NE(s.message().find("entry " + std::to_string(f.pool)), std::string::npos);
      EXPECT_NE(s.message().find(range), std::string::npos) << s.message();
      EXPECT_NE(s.message().find(f.throws ? "threw: no synapses today" : "synapse table is gone"),
                std::string::npos)
          << s.message();
      EXPECT_NE(s.message().find(f.before ? "before hook" : "after hook"), std::string::npos);
      EXPECT_NE(s.message().find("1 of"), std::string::npos) << s.message();

      // The other pool is stepped as without hooks.
      const int other = 1 - static_cast<int>(f.pool);
      EXPECT_EQ(testing::Snapshot(pools[other]), testing::Snapshot(reference[other]));
      // The failing pool: its other chunks are stepped; a failed `before`
      // leaves its chunk as it was, without spikes.
      const std::vector<float> v = pools[f.pool].Potentials();
      const std::vector<float> v_ref = reference[f.pool].Potentials();
      const std::vector<uint8_t> spikes = pools[f.pool].SpikesDense();
      const std::vector<uint8_t> spikes_ref = reference[f.pool].SpikesDense();
      size_t unchanged = 0;
      for (size_t i = 0; i < sizes[f.pool]; ++i) {
        const bool in_chunk = i >= begin && i < end;
        if (in_chunk && f.before) {
          ASSERT_EQ(v[i], before_potential[i]) << i;
          ASSERT_EQ(spikes[i], 0) << i;
          unchanged += v_ref[i] != before_potential[i];
        } else {
          ASSERT_EQ(v[i], v_ref[i]) << i;
          ASSERT_EQ(spikes[i], spikes_ref[i]) << i;
        }
      }
      if (f.before) {
        EXPECT_GT(unchanged, 0u);  // stepping would have changed the chunk
      } else {
        EXPECT_NE(testing::Snapshot(pools[f.pool]), before_failure);
      }
    }
  }
}

TEST_F(HooksTest, ManyFailuresReportTheFirstInOrderAndTheCount) {
  for (size_t threads : {1, 2, 3}) {
    ASSERT_TRUE(SetThreads(threads).ok());
    Pool pool = testing::MakePool("LeakySoma", 5 * kHookChunk);
    std::vector<float> current(pool.size(), 100.0f);
    StepHooks hooks;
    hooks.before = [](const StepChunk& c) {
      return c.index >= 2 ? Status::Error("chunk " + std::to_string(c.index)) : Status();
    };
    const Status s = pool.Step(current.data(), current.size(), hooks);
    EXPECT_EQ(s.code(), StatusCode::kHookFailed);
    EXPECT_NE(s.message().find("chunk 2, neurons [16384, 24576): chunk 2;"), std::string::npos)
        << s.message();
    EXPECT_NE(s.message().find("(3 of 5 chunks failed"), std::string::npos) << s.message();
  }
}

// A hook's failure outranks non-finite currents, which are still counted.
TEST_F(HooksTest, HookFailureAndNonFiniteInput) {
  Pool pool = testing::MakePool("LeakySoma", 2 * kHookChunk);
  std::vector<float> current(pool.size(), 100.0f);
  current[kHookChunk + 3] = NAN;
  StepHooks hooks;
  hooks.after = [](const StepChunk& c) { return c.index == 0 ? Status::Error("full") : Status(); };
  StepReport report;
  const Status s = pool.Step(current.data(), current.size(), hooks, &report);
  EXPECT_EQ(s.code(), StatusCode::kHookFailed) << s.message();
  EXPECT_EQ(report.nonfinite_inputs, 1u);
  EXPECT_EQ(report.first_nonfinite, kHookChunk + 3);
  // Without the failing hook: the non-finite error as usual.
  const Status again = pool.Step(current.data(), current.size(), StepHooks{});
  EXPECT_EQ(again.code(), StatusCode::kNonFiniteInput) << again.message();
  // StepPools: pool 0's non-finite current comes first in the list, pool
  // 1's failed hook is still what the call returns; both reports are filled.
  Pool other = testing::MakePool("IzhikevichSoma", 100);
  std::vector<float> fine(100, 5.0f);
  PoolStep steps[2] = {{&pool, current.data(), current.size(), {}},
                       {&other, fine.data(), fine.size(), {}}};
  StepHooks fail_second;
  fail_second.before = [](const StepChunk& c) {
    return c.pool == 1 ? Status::Error("no input") : Status();
  };
  const Status both = StepPools(steps, 2, fail_second);
  EXPECT_EQ(both.code(), StatusCode::kHookFailed) << both.message();
  EXPECT_NE(both.message().find("entry 1"), std::string::npos) << both.message();
  EXPECT_EQ(steps[0].report.nonfinite_inputs, 1u);
}

// Argument errors come before any hook runs, and change nothing.
TEST_F(HooksTest, BadArgumentsRunNoHook) {
  Pool pool = testing::MakePool("LeakySoma", 100);
  const std::string before = testing::Snapshot(pool);
  int calls = 0;
  StepHooks hooks;
  hooks.before = [&](const StepChunk&) {
    ++calls;
    return Status();
  };
  std::vector<float> current(99, 1.0f);
  EXPECT_EQ(pool.Step(current.data(), current.size(), hooks).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(pool.Step(static_cast<const float*>(nullptr), 100, hooks).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Pool().Step(current.data(), 99, hooks).code(), StatusCode::kEmptyPool);
  PoolStep step{&pool, current.data(), 99, {}};
  EXPECT_EQ(StepPools(&step, 1, hooks).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(testing::Snapshot(pool), before);
}

// A hook that steps a pool (its own, another, or several) gets an error
// instead of corrupting the step it runs in, on the caller's thread and on
// the workers alike.
TEST_F(HooksTest, AHookThatStepsAPoolIsRefused) {
  ASSERT_TRUE(SetThreads(2).ok());
  Pool pool = testing::MakePool("LeakySoma", 4 * kHookChunk);
  Pool other = testing::MakePool("LeakySoma", 10);
  std::vector<float> current(pool.size(), 100.0f), small(10, 100.0f);
  const std::string other_before = testing::Snapshot(other);
  StepHooks hooks;
  hooks.before = [&](const StepChunk& c) {
    if (c.index % 2) return other.Step(small);
    PoolStep step{&other, small.data(), small.size(), {}};
    return StepPools(&step, 1);
  };
  const Status s = pool.Step(current.data(), current.size(), hooks);
  EXPECT_EQ(s.code(), StatusCode::kHookFailed);
  EXPECT_NE(s.message().find("StepPools was called from inside a step"), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("4 of 4 chunks failed"), std::string::npos) << s.message();
  EXPECT_EQ(testing::Snapshot(other), other_before);
  // Outside a step, stepping works again on every thread.
  EXPECT_TRUE(other.Step(small).ok());
  EXPECT_TRUE(pool.Step(current.data(), current.size(), StepHooks{}).ok());
}

// A CUBA-like network step: the hooks keep a synaptic state per neuron,
// compute the current from it before the kernel, and collect spikes per
// chunk after it; per-thread scratch indexed by `thread`. 1, 2 and 3
// threads (and chunks of other sizes) give the same bits.
struct NetworkRun {
  std::string pool;
  std::vector<std::vector<uint32_t>> spikes;
  std::vector<float> synapse;
};

NetworkRun Network(size_t threads, size_t chunk) {
  EXPECT_TRUE(SetThreads(threads).ok());
  SetChunkNeuronsForTest(chunk);
  const size_t size = 5 * kHookChunk + 77;
  testing::Scenario sc = testing::MakeScenario(
      *BuiltinRegistry().Find("AdaptiveExponentialSoma", nullptr), size, 0.5, true, 5);
  Pool pool;
  EXPECT_TRUE(Pool::Create(sc.config, &pool).ok());
  std::vector<float> synapse(size, 0.0f), current(size), hits(size, 0.0f);
  std::vector<std::vector<std::pair<size_t, std::vector<uint32_t>>>> per_thread(threads);
  NetworkRun run;
  StepHooks hooks;
  hooks.before = [&](const StepChunk& c) {
    for (size_t i = c.begin; i < c.end; ++i) {
      synapse[i] = synapse[i] * 0.9f + hits[i];
      current[i] = 500.0f + 40.0f * synapse[i] + CurrentOf(i, 0);
      hits[i] = 0.0f;
    }
    return Status();
  };
  hooks.after = [&](const StepChunk& c) {
    std::vector<uint32_t> found;
    const uint8_t* bits = pool.spike_bits();
    for (size_t i = c.begin; i < c.end; ++i) {
      if ((bits[i / 8] >> (i % 8)) & 1) found.push_back(static_cast<uint32_t>(i));
    }
    per_thread.at(c.thread).emplace_back(c.begin, std::move(found));
    return Status();
  };
  for (int t = 0; t < 40; ++t) {
    for (auto& list : per_thread) list.clear();
    const Status s = pool.Step(current.data(), size, hooks);
    EXPECT_TRUE(s.ok()) << s.message();
    // Merge: chunks in neuron order, whatever thread ran them.
    std::vector<std::pair<size_t, std::vector<uint32_t>>> all;
    for (auto& list : per_thread) all.insert(all.end(), list.begin(), list.end());
    std::sort(all.begin(), all.end());
    std::vector<uint32_t> spikes;
    for (auto& [begin, found] : all) spikes.insert(spikes.end(), found.begin(), found.end());
    EXPECT_EQ(spikes, pool.SpikeIndices());
    for (uint32_t j : spikes) {  // each spike excites 7 neurons
      for (size_t k = 1; k <= 7; ++k) hits[(j * 2654435761u + k * 977) % size] += 1.0f;
    }
    run.spikes.push_back(spikes);
  }
  run.pool = testing::Snapshot(pool);
  run.synapse = synapse;
  return run;
}

TEST_F(HooksTest, ANetworkStepIsTheSameOnAnyThreadCount) {
  const NetworkRun one = Network(1, 0);
  size_t spikes = 0;
  for (const auto& s : one.spikes) spikes += s.size();
  EXPECT_GT(spikes, 100u);  // the network is active
  for (auto [threads, chunk] : {std::pair<size_t, size_t>{2, 0}, {3, 0}, {3, 512}, {2, 16}}) {
    const NetworkRun other = Network(threads, chunk);
    EXPECT_EQ(other.spikes, one.spikes) << threads << " threads, chunk " << chunk;
    EXPECT_EQ(other.synapse, one.synapse) << threads << " threads, chunk " << chunk;
    EXPECT_TRUE(other.pool == one.pool) << threads << " threads, chunk " << chunk;
  }
}

// The C ABI: C hooks with a user pointer, a nonzero return, NULL hooks.
struct CRecord {
  std::mutex mutex;
  size_t chunks = 0, neurons = 0;
  int fail_chunk = -1;
  float* current = nullptr;
};

int CBefore(void* user, const somas_chunk* c) {
  auto* r = static_cast<CRecord*>(user);
  if (c->pool != 0) return 0;  // (the second pool of the StepPools call has its own input)
  for (size_t i = c->begin; i < c->end; ++i) r->current[i] = CurrentOf(i, 1);
  std::lock_guard<std::mutex> lock(r->mutex);
  ++r->chunks;
  r->neurons += c->end - c->begin;
  return static_cast<int>(c->index) == r->fail_chunk ? 7 : 0;
}

TEST_F(HooksTest, CAbi) {
  static_assert(SOMAS_HOOK_CHUNK == kHookChunk, "the C and C++ chunk sizes");
  ASSERT_EQ(somas_set_threads(2), SOMAS_OK);
  somas_pool* pool = nullptr;
  ASSERT_EQ(somas_pool_create("{\"model\": \"LeakySoma\", \"size\": 20000}", &pool), SOMAS_OK);
  somas_pool* plain = nullptr;
  ASSERT_EQ(somas_pool_clone(pool, &plain), SOMAS_OK);
  std::vector<float> current(20000, NAN), expected(20000);
  for (size_t i = 0; i < expected.size(); ++i) expected[i] = CurrentOf(i, 1);
  CRecord record;
  record.current = current.data();
  somas_step_hooks hooks{CBefore, nullptr, &record};
  ASSERT_EQ(somas_pool_step_hooked(pool, current.data(), current.size(), &hooks), SOMAS_OK)
      << somas_last_error();
  EXPECT_EQ(record.chunks, 3u);
  EXPECT_EQ(record.neurons, 20000u);
  ASSERT_EQ(somas_pool_step(plain, expected.data(), expected.size()), SOMAS_OK);
  std::vector<float> a(20000), b(20000);
  ASSERT_EQ(somas_pool_potentials(pool, a.data(), a.size()), SOMAS_OK);
  ASSERT_EQ(somas_pool_potentials(plain, b.data(), b.size()), SOMAS_OK);
  EXPECT_EQ(a, b);
  float part[4];
  ASSERT_EQ(somas_pool_get_state_range(pool, "potential", 19996, part, 4), SOMAS_OK);
  EXPECT_EQ(std::vector<float>(part, part + 4), std::vector<float>(a.end() - 4, a.end()));
  EXPECT_EQ(somas_pool_get_state_range(pool, "potential", 19997, part, 4), SOMAS_ERR_INVALID);
  EXPECT_EQ(somas_pool_get_state_range(nullptr, "potential", 0, part, 1), SOMAS_ERR_ARGUMENT);
  EXPECT_EQ(somas_pool_get_state_range(pool, nullptr, 0, part, 1), SOMAS_ERR_ARGUMENT);
  EXPECT_EQ(somas_pool_get_state_range(pool, "potential", 0, nullptr, 1), SOMAS_ERR_ARGUMENT);

  record.fail_chunk = 1;
  EXPECT_EQ(somas_pool_step_hooked(pool, current.data(), current.size(), &hooks), SOMAS_ERR_HOOK);
  EXPECT_NE(std::string(somas_last_error())
                .find("chunk 1, neurons [8192, 16384): the hook "
                      "returned 7"),
            std::string::npos)
      << somas_last_error();

  const float* currents[2] = {current.data(), expected.data()};
  somas_pool* pools[2] = {pool, plain};
  const size_t n[2] = {20000, 20000};
  record.fail_chunk = -1;
  EXPECT_EQ(somas_step_pools_hooked(pools, currents, n, 2, &hooks), SOMAS_OK) << somas_last_error();
  EXPECT_EQ(somas_pool_step_hooked(pool, current.data(), 20000, nullptr), SOMAS_ERR_ARGUMENT);
  EXPECT_NE(std::string(somas_last_error()).find("hooks is NULL"), std::string::npos);
  EXPECT_EQ(somas_pool_step_hooked(nullptr, current.data(), 20000, &hooks), SOMAS_ERR_ARGUMENT);
  EXPECT_EQ(somas_pool_step_hooked(pool, nullptr, 20000, &hooks), SOMAS_ERR_ARGUMENT);
  EXPECT_EQ(somas_step_pools_hooked(pools, currents, n, 2, nullptr), SOMAS_ERR_ARGUMENT);
  pools[1] = nullptr;
  EXPECT_EQ(somas_step_pools_hooked(pools, currents, n, 2, &hooks), SOMAS_ERR_ARGUMENT);
  EXPECT_NE(std::string(somas_last_error()).find("somas_step_pools_hooked: pools[1] is NULL"),
            std::string::npos);
  somas_pool_destroy(pool);
  somas_pool_destroy(plain);
}

}  // namespace
}  // namespace somas
