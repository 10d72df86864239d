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

// The whole input of `somas run`, past the first chunk, in the last partial
// chunk and for pools smaller than one chunk, on one thread and several.
TEST(NoiseTest, RunInputIsTheDefinitionForEveryNeuron) {
  const uint32_t key = NoiseKey(3, 0, 11);
  for (size_t threads : {1, 2, 3}) {
    ASSERT_TRUE(SetThreads(threads).ok());
    for (size_t size :
         {size_t{1}, size_t{1000}, kRunInputChunk, kRunInputChunk + 1, 3 * kRunInputChunk + 4321}) {
      std::vector<float> current(7, -1.0f);  // resized, every value written
      RunInput(250.0, size, key, &current);
      ASSERT_EQ(current.size(), size);
      for (size_t i = 0; i < size; ++i) {
        ASSERT_EQ(current[i], UniformNoiseAt(key, i, 125.0f, 375.0f))
            << "neuron " << i << " of " << size << ", " << threads << " threads";
      }
    }
  }
  ASSERT_TRUE(SetThreads(0).ok());
}

}  // namespace
}  // namespace somas
