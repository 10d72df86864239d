// The run command's input noise: every value is the scalar definition's,
// whatever the SIMD target, the offset it starts at, or how it is cut up.
#include "cli/noise.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/scenarios.h"

namespace somas {
namespace {

TEST(NoiseTest, VectorCodeMatchesTheDefinitionOnEveryTarget) {
  const uint32_t key = NoiseKey(1, 0, 7);
  testing::ForEachTarget([&](int64_t) {
    std::vector<float> whole(1003);
    UniformNoise(key, 0, 100.0f, 300.0f, whole.data(), whole.size());
    double sum = 0;
    for (size_t i = 0; i < whole.size(); ++i) {
      ASSERT_EQ(whole[i], UniformNoiseAt(key, i, 100.0f, 300.0f)) << i;
      ASSERT_GE(whole[i], 100.0f);
      ASSERT_LT(whole[i], 300.0f);
      sum += whole[i];
    }
    EXPECT_NEAR(sum / whole.size(), 200.0, 5.0);
    // Cut at odd places: the same values.
    std::vector<float> pieces(1003);
    for (size_t first : {0, 5, 6, 500, 517}) {
      const size_t end = first == 517 ? 1003 : (first == 500 ? 517 : first + 1);
      UniformNoise(key, first, 100.0f, 300.0f, pieces.data() + first, end - first);
    }
    UniformNoise(key, 1, 100.0f, 300.0f, pieces.data() + 1, 4);
    UniformNoise(key, 6, 100.0f, 300.0f, pieces.data() + 6, 494);
    EXPECT_EQ(pieces, whole);
  });
  EXPECT_NE(NoiseKey(1, 0, 7), NoiseKey(1, 0, 8));
  EXPECT_NE(NoiseKey(1, 0, 7), NoiseKey(1, 1, 7));
  EXPECT_NE(NoiseKey(1, 0, 7), NoiseKey(2, 0, 7));
}

// The whole input of `somas run`, drawn in the step's hooks: every neuron
// of every pool gets the definition's value (past the first hook chunk, in
// the last partial chunk, pools smaller than one chunk), on one thread and
// several, and the pools step with exactly that input.
TEST(NoiseTest, RunInputHooksDrawTheDefinitionForEveryNeuron) {
  const std::vector<size_t> sizes = {1, 1000, kHookChunk, kHookChunk + 1, 3 * kHookChunk + 4321};
  for (size_t threads : {1, 2, 3}) {
    ASSERT_TRUE(SetThreads(threads).ok());
    std::vector<Pool> pools, plain(sizes.size());
    std::vector<std::vector<float>> currents;
    std::vector<double> drives;
    std::vector<uint32_t> keys;
    std::vector<PoolStep> steps;
    for (size_t p = 0; p < sizes.size(); ++p) {
      pools.push_back(testing::MakePool(p % 2 ? "IzhikevichSoma" : "LeakySoma", sizes[p]));
      ASSERT_TRUE(pools[p].Clone(&plain[p]).ok());
      currents.emplace_back(sizes[p], -1.0f);
      drives.push_back(pools[p].model().drive_current);
      keys.push_back(NoiseKey(3, p, 11));
    }
    for (size_t p = 0; p < sizes.size(); ++p) {
      steps.push_back({&pools[p], currents[p].data(), sizes[p], {}});
    }
    const StepHooks hooks = RunInputHooks(&drives, &keys, &currents);
    ASSERT_TRUE(StepPools(steps.data(), steps.size(), hooks).ok());
    for (size_t p = 0; p < sizes.size(); ++p) {
      const float drive = static_cast<float>(drives[p]);
      std::vector<float> expected(sizes[p]);
      for (size_t i = 0; i < sizes[p]; ++i) {
        expected[i] = UniformNoiseAt(keys[p], i, 0.5f * drive, 1.5f * drive);
        ASSERT_EQ(currents[p][i], expected[i])
            << "neuron " << i << " of pool " << p << ", " << threads << " threads";
      }
      ASSERT_TRUE(plain[p].Step(expected).ok());
      EXPECT_EQ(testing::Snapshot(pools[p]), testing::Snapshot(plain[p])) << "pool " << p;
    }
  }
  ASSERT_TRUE(SetThreads(0).ok());
}

}  // namespace
}  // namespace somas
