// Forcing each compiled Highway target really runs that target's code in every model file.
#include <gtest/gtest.h>
#include <hwy/targets.h>

#include <set>
#include <vector>

#include "engine/registry.h"
#include "somas/somas.h"
#include "tests/scenarios.h"

namespace somas {
namespace {

TEST(DispatchTest, EveryModelRunsEveryForcedTarget) {
  const std::vector<int64_t> targets = hwy::SupportedAndGeneratedTargets();
  ASSERT_GE(targets.size(), 2u) << "expected at least one SIMD target besides the fallback";
  for (const ModelSpec& model : BuiltinRegistry().models()) {
    Pool pool = testing::MakePool(model.name, 33);
    std::set<int64_t> ran;
    testing::ForEachTarget([&](int64_t target) {
      ASSERT_TRUE(pool.Step(std::vector<float>(33, 1.0f)).ok());
      // The kernel reports the HWY_TARGET it was compiled for.
      EXPECT_EQ(pool.last_target(), target)
          << model.name << " forced to " << hwy::TargetName(target);
      ran.insert(pool.last_target());
    });
    EXPECT_EQ(ran.size(), targets.size()) << model.name;
  }
}

TEST(DispatchTest, UnforcedDispatchPicksTheBestTarget) {
  Pool pool = testing::MakePool("LeakySoma", 16);
  EXPECT_EQ(pool.last_target(), 0);
  EXPECT_STREQ(pool.last_target_name(), "none");
  ASSERT_TRUE(pool.Step(std::vector<float>(16, 0.0f)).ok());
  // Targets are bits; lower bits are better (newer) targets on x86.
  EXPECT_EQ(pool.last_target(), hwy::SupportedAndGeneratedTargets().front());
}

}  // namespace
}  // namespace somas
