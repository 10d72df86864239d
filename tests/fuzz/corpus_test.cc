// Replays every seed of every fuzz target's corpus (tests/fuzz/corpus/NAME)
// through the target, properties included, so the corpora and the targets
// are exercised by every `bazel test` (GCC has no libFuzzer). Findings of a
// fuzzing campaign are added to the corpus of their target.
#include <dirent.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/files.h"
#include "tests/fuzz/fuzz_check.h"

namespace somas::fuzz {
namespace {

struct Target {
  const char* name;
  int (*run)(const uint8_t*, size_t);
  size_t at_least;  // seeds expected
};

class CorpusTest : public ::testing::TestWithParam<Target> {};

TEST_P(CorpusTest, EverySeedRunsCleanly) {
  const std::string dir = std::string("tests/fuzz/corpus/") + GetParam().name;
  DIR* d = opendir(dir.c_str());
  ASSERT_NE(d, nullptr) << dir;
  size_t count = 0;
  while (dirent* entry = readdir(d)) {
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    std::string bytes;
    ASSERT_TRUE(ReadFile(dir + "/" + name, &bytes).ok()) << name;
    EXPECT_EQ(GetParam().run(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), 0)
        << name;
    ++count;
  }
  closedir(d);
  EXPECT_GE(count, GetParam().at_least);
}

INSTANTIATE_TEST_SUITE_P(Targets, CorpusTest,
                         ::testing::Values(Target{"config", FuzzConfig, 55},
                                           Target{"checkpoint", FuzzCheckpoint, 18},
                                           Target{"csv", FuzzCsv, 12}, Target{"npy", FuzzNpy, 9}),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace somas::fuzz
