// Replays every file of the fuzzer's seed corpus through the fuzz target, so
// the corpus and the target are exercised by every `bazel test` (GCC has no libFuzzer).
#include <dirent.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/files.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

TEST(FuzzCorpusTest, EverySeedRunsCleanly) {
  const std::string dir = "tests/fuzz/corpus";
  DIR* d = opendir(dir.c_str());
  ASSERT_NE(d, nullptr) << dir;
  size_t count = 0;
  while (dirent* entry = readdir(d)) {
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    std::string bytes;
    ASSERT_TRUE(somas::ReadFile(dir + "/" + name, &bytes).ok()) << name;
    EXPECT_EQ(LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
              0)
        << name;
    ++count;
  }
  closedir(d);
  EXPECT_GE(count, 40u);
}
