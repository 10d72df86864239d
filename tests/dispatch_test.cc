// Forcing each compiled Highway target really runs that target's code in every model file.
#include <gtest/gtest.h>
#include <hwy/targets.h>

#include <cctype>
#include <set>
#include <string>
#include <vector>

#include "engine/names.h"
#include "somas/somas.h"
#include "tests/scenarios.h"

namespace somas {
namespace {

TEST(DispatchTest, EveryModelRunsEveryForcedTarget) {
  const std::vector<int64_t> targets = hwy::SupportedAndGeneratedTargets();
  ASSERT_GE(targets.size(), 2u) << "expected at least one SIMD target besides the fallback";
  for (const ModelSpec& model : BuiltinRegistry().models()) {
    Pool pool = testing::MakePool(model.name, 33);
    std::set<std::string> ran;
    testing::ForEachTarget([&](int64_t target) {
      ASSERT_TRUE(pool.Step(std::vector<float>(33, 1.0f)).ok());
      // The kernel reports the HWY_TARGET it was compiled for.
      EXPECT_STREQ(pool.last_target_name(), hwy::TargetName(target)) << model.name;
      ran.insert(pool.last_target_name());
    });
    EXPECT_EQ(ran.size(), targets.size()) << model.name;
  }
}

TEST(DispatchTest, UnforcedDispatchPicksTheBestTarget) {
  Pool pool = testing::MakePool("LeakySoma", 16);
  EXPECT_STREQ(pool.last_target_name(), "none");
  ASSERT_TRUE(pool.Step(std::vector<float>(16, 0.0f)).ok());
  // Highway's targets are bits; lower bits are better (newer) targets on x86.
  EXPECT_STREQ(pool.last_target_name(),
               hwy::TargetName(hwy::SupportedAndGeneratedTargets().front()));
  EXPECT_STREQ(pool.last_target_name(), SimdTarget());
}

TEST(DispatchTest, AvailableTargetsAreTheCompiledOnesTheCpuRunsBestFirst) {
  std::vector<std::string> expected;
  for (int64_t t : hwy::SupportedAndGeneratedTargets()) expected.push_back(hwy::TargetName(t));
  EXPECT_EQ(AvailableTargets(), expected);
  EXPECT_STREQ(SimdTarget(), expected.front().c_str());
}

TEST(DispatchTest, SetSimdTargetAcceptsAnyCaseAndAutoRestoresTheBest) {
  const std::vector<std::string> names = AvailableTargets();
  const std::string last = names.back();
  std::string lower = last;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  ASSERT_TRUE(SetSimdTarget(lower).ok());
  EXPECT_EQ(SimdTarget(), last);
  Pool pool = testing::MakePool("IzhikevichSoma", 40);
  ASSERT_TRUE(pool.Step(std::vector<float>(40, 1.0f)).ok());
  EXPECT_EQ(pool.last_target_name(), last);
  ASSERT_TRUE(SetSimdTarget("AUTO").ok());
  EXPECT_EQ(SimdTarget(), names.front());
  ASSERT_TRUE(pool.Step(std::vector<float>(40, 1.0f)).ok());
  EXPECT_EQ(pool.last_target_name(), names.front());
}

TEST(DispatchTest, UnknownOrUnusableTargetsAreRefusedByNameAndChangeNothing) {
  ASSERT_TRUE(SetSimdTarget(AvailableTargets().back()).ok());
  for (const std::string bad : {"AVX9", "", "NEON", "SVE", "avx2 "}) {
    const Status s = SetSimdTarget(bad);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find("'" + bad + "'"), std::string::npos) << s.message();
    for (const std::string& usable : AvailableTargets())
      EXPECT_NE(s.message().find(usable), std::string::npos) << s.message();
    EXPECT_EQ(SimdTarget(), AvailableTargets().back()) << "a refused name changed the target";
  }
  ASSERT_TRUE(SetSimdTarget("auto").ok());
}

}  // namespace
}  // namespace somas
