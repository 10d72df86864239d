// Checkpoints: a saved and loaded pool steps on bit-identically on every
// target; every damaged, truncated or foreign file is refused whole and the
// pool it was loaded into is left exactly as it was.
#include <gtest/gtest.h>
#include <hwy/targets.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "somas/somas.h"
#include "tests/scenarios.h"

namespace somas {
namespace {

// Rewrites the trailing CRC-32 so that a deliberately edited file passes the
// checksum and reaches the field checks.
void Reseal(std::string* bytes) {
  const uint32_t crc = static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(bytes->data()), bytes->size() - 4));
  std::memcpy(&(*bytes)[bytes->size() - 4], &crc, 4);
}

class CheckpointTest : public testing::ModelOnTargetTest {};

TEST_P(CheckpointTest, SteppingOnAfterLoadIsBitIdentical) {
  const std::string path = ::testing::TempDir() + "/" + name() + ".ckpt";
  for (bool per_neuron : {false, true}) {
    testing::Scenario sc = testing::MakeScenario(model(), 45, 0.5, per_neuron, 21);
    sc.config.name = "exc";
    sc.config.seed = 99;
    testing::ForEachTarget([&](int64_t target) {
      Pool pool;
      ASSERT_TRUE(Pool::Create(sc.config, &pool).ok());
      std::mt19937 rng(5);
      for (int t = 0; t < 40; ++t) {
        ASSERT_TRUE(pool.Step(testing::NoisyCurrent(model(), 45, &rng)).ok());
      }
      ASSERT_TRUE(pool.Save(path).ok());
      Pool loaded, reloaded = testing::MakePool(name(), 45);
      ASSERT_TRUE(Pool::FromCheckpoint(path, &loaded).ok());
      ASSERT_TRUE(reloaded.Load(path).ok());
      EXPECT_EQ(loaded.dt(), 0.5);
      for (int t = 0; t < 60; ++t) {
        const std::vector<float> current = testing::NoisyCurrent(model(), 45, &rng);
        ASSERT_TRUE(pool.Step(current).ok());
        ASSERT_TRUE(loaded.Step(current).ok());
        ASSERT_TRUE(reloaded.Step(current).ok());
        ASSERT_STREQ(loaded.last_target_name(), hwy::TargetName(target));
        ASSERT_EQ(pool.SpikeIndices(), loaded.SpikeIndices()) << "step " << t;
        ASSERT_EQ(pool.SpikeIndices(), reloaded.SpikeIndices()) << "step " << t;
        ASSERT_EQ(pool.Potentials(), loaded.Potentials()) << "step " << t;
      }
      // Every parameter, state, counter and spike bit, and the pool's name and seed.
      EXPECT_EQ(testing::Snapshot(loaded), testing::Snapshot(pool));
      EXPECT_EQ(testing::Snapshot(reloaded), testing::Snapshot(pool));
      // The name and seed really came back: an initializer drawn after the
      // load gives the values the original pool draws.
      Initializer spread;
      spread.kind = Initializer::Kind::kUniform;
      spread.min = 0.05;
      spread.max = 0.15;
      std::vector<float> drawn(45), drawn_loaded(45);
      ASSERT_TRUE(pool.SetParam("resistance", ParamValue::Init(spread)).ok());
      ASSERT_TRUE(loaded.SetParam("resistance", ParamValue::Init(spread)).ok());
      ASSERT_TRUE(pool.GetParam("resistance", drawn.data(), 45).ok());
      ASSERT_TRUE(loaded.GetParam("resistance", drawn_loaded.data(), 45).ok());
      EXPECT_EQ(drawn_loaded, drawn);
    });
  }
  std::remove(path.c_str());
}

TEST_P(CheckpointTest, EveryTruncationAndEveryBitFlipIsRefused) {
  testing::Scenario sc = testing::MakeScenario(model(), 3, 1.0, true, 4);
  Pool source;
  ASSERT_TRUE(Pool::Create(sc.config, &source).ok());
  std::mt19937 rng(1);
  for (int t = 0; t < 9; ++t) {
    ASSERT_TRUE(source.Step(testing::NoisyCurrent(model(), 3, &rng)).ok());
  }
  const std::string good = testing::Snapshot(source);

  Pool pool = testing::MakePool(name(), 3);
  ASSERT_TRUE(pool.Step(testing::NoisyCurrent(model(), 3, &rng)).ok());
  const std::string before = testing::Snapshot(pool);
  for (size_t length = 0; length < good.size(); ++length) {
    const Status s = pool.LoadFromBuffer(good.substr(0, length));
    ASSERT_EQ(s.code(), StatusCode::kBadCheckpoint) << "length " << length << ": " << s.message();
  }
  for (size_t byte = 0; byte < good.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string flipped = good;
      flipped[byte] = static_cast<char>(flipped[byte] ^ (1 << bit));
      const Status s = pool.LoadFromBuffer(flipped);
      ASSERT_EQ(s.code(), StatusCode::kBadCheckpoint) << "byte " << byte << " bit " << bit;
    }
  }
  EXPECT_EQ(testing::Snapshot(pool), before);
  ASSERT_TRUE(pool.LoadFromBuffer(good).ok());
  EXPECT_EQ(testing::Snapshot(pool), good);
}

INSTANTIATE_TEST_SUITE_P(AllModels, CheckpointTest,
                         ::testing::ValuesIn(testing::OnEveryTarget(testing::ModelNames())),
                         testing::CaseName);

struct Refusal {
  const char* what;
  std::string bytes;
  std::string expected;
};

TEST(CheckpointErrorTest, EachRefusalSaysWhy) {
  Pool pool = testing::MakePool("AdaptiveLeakySoma", 17);
  std::mt19937 rng(3);
  ASSERT_TRUE(pool.Step(testing::NoisyCurrent(pool.model(), 17, &rng)).ok());
  const std::string good = testing::Snapshot(pool);

  std::string version = good;
  version[8] = 3;
  Reseal(&version);
  std::string extra = good.substr(0, good.size() - 4) + "x" + good.substr(good.size() - 4);
  const uint64_t longer = good.size() - 24 + 1;
  std::memcpy(&extra[12], &longer, 8);
  Reseal(&extra);
  std::string nan_state = good;
  const float nan = NAN;
  // From the end: the CRC (4 bytes), spike words (2 x 2), counters (32 x 2),
  // the counter flag (1), the second state (32 x 4); before them, the last
  // padded lane of the potential.
  const size_t last_potential = good.size() - 4 - 4 - 64 - 1 - 128 - 4;
  std::memcpy(&nan_state[last_potential], &nan, 4);
  Reseal(&nan_state);

  // The last spike word (neurons 16-31) sits just before the CRC; neuron 20
  // does not exist.
  std::string ghost_spike = good;
  ghost_spike[good.size() - 4 - 2] = static_cast<char>(ghost_spike[good.size() - 4 - 2] | 0x10);
  Reseal(&ghost_spike);

  // A payload length one short of what follows, re-sealed with a valid CRC.
  std::string shorter = good;
  const uint64_t one_short = good.size() - 24 - 1;
  std::memcpy(&shorter[12], &one_short, 8);
  Reseal(&shorter);

  const Refusal refusals[] = {
      {"empty", "", "does not start with the magic \"SOMASCKP\""},
      {"wrong magic", "SOMASCKQ" + good.substr(8), "does not start with the magic"},
      {"truncated", good.substr(0, good.size() - 10), "truncated"},
      {"flipped bit", good.substr(0, 40) + static_cast<char>(good[40] ^ 4) + good.substr(41),
       "CRC-32 does not match"},
      {"newer version", version, "format version 3; this library reads versions 1 to 2"},
      {"trailing bytes", extra, "unexpected bytes at the end"},
      {"non-finite state", nan_state, "is not finite"},
      {"a spike past the last neuron", ghost_spike, "spike bits are set past the last neuron"},
      {"a header announcing fewer bytes than follow", shorter,
       "its header announces " + std::to_string(good.size() - 25) + " bytes of data but " +
           std::to_string(good.size() - 24) + " follow"},
  };
  const std::string before = testing::Snapshot(pool);
  for (const Refusal& r : refusals) {
    const Status s = pool.LoadFromBuffer(r.bytes);
    EXPECT_EQ(s.code(), StatusCode::kBadCheckpoint) << r.what;
    EXPECT_NE(s.message().find(r.expected), std::string::npos) << r.what << ": " << s.message();
  }
  EXPECT_EQ(testing::Snapshot(pool), before);

  // A good checkpoint of another model or size.
  Pool other_model = testing::MakePool("RefractoryLeakySoma", 17);
  Pool other_size = testing::MakePool("AdaptiveLeakySoma", 16);
  Status s = other_model.LoadFromBuffer(good);
  EXPECT_NE(s.message().find("it holds a AdaptiveLeakySoma pool, not RefractoryLeakySoma"),
            std::string::npos)
      << s.message();
  s = other_size.LoadFromBuffer(good);
  EXPECT_NE(s.message().find("the checkpoint holds 17 neurons, this pool 16"), std::string::npos)
      << s.message();

  // Files: a missing one, an unwritable place, a model the registry lacks.
  const std::string dir = ::testing::TempDir();
  s = pool.Load(dir + "/missing.ckpt");
  EXPECT_EQ(s.code(), StatusCode::kIo);
  EXPECT_NE(s.message().find("cannot open " + dir + "/missing.ckpt"), std::string::npos);
  s = pool.Save(dir + "/no/such/dir/pool.ckpt");
  EXPECT_EQ(s.code(), StatusCode::kIo);
  ASSERT_TRUE(pool.Save(dir + "/adaptive.ckpt").ok());
  Pool loaded;
  s = Pool::FromCheckpoint(dir + "/adaptive.ckpt", &loaded, Registry());
  EXPECT_NE(s.message().find("unknown model \"AdaptiveLeakySoma\""), std::string::npos)
      << s.message();
  EXPECT_FALSE(loaded.valid());
  EXPECT_EQ(testing::Snapshot(pool), before);
}

// Every per-neuron flag but 0 and 1, in a file re-sealed with a valid CRC,
// is refused, whichever parameter carries it.
TEST(CheckpointErrorTest, PerNeuronFlagsOtherThanZeroAndOneAreRefused) {
  Pool pool = testing::MakePool("LeakySoma", 5, 1.0,
                                {{"threshold", ParamValue::PerNeuron({-40, -41, -42, -43, -44})}});
  const std::string good = testing::Snapshot(pool);
  for (const char* param : {"potential_rest", "threshold"}) {
    const size_t flag = good.find(param) + std::strlen(param);
    for (int value = 2; value < 256; ++value) {
      std::string bad = good;
      bad[flag] = static_cast<char>(value);
      Reseal(&bad);
      const Status s = pool.LoadFromBuffer(bad);
      ASSERT_EQ(s.code(), StatusCode::kBadCheckpoint) << param << " " << value;
      ASSERT_NE(s.message().find(std::string("parameter ") + param + " has a bad per-neuron flag"),
                std::string::npos)
          << s.message();
    }
  }
  EXPECT_EQ(testing::Snapshot(pool), good);
}

std::string ReadGolden(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path << " is missing";
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Files written from the documented formats by tests/data/make_checkpoint_v1.py
// and make_checkpoint_v2.py, not by this library: the same pool as version 1
// (float32), version 2 float32 and version 2 float16. Each loads with the
// values it was written with (every one exact in float16), as its dtype, and
// saves as the version-2 file of its dtype.
struct GoldenFile {
  const char* path;
  Dtype dtype;
  const char* saves_as;
};

class CheckpointFormatTest : public ::testing::TestWithParam<GoldenFile> {};

TEST_P(CheckpointFormatTest, TheDocumentedFileLoads) {
  const std::string golden = ReadGolden(GetParam().saves_as);
  Pool pool;
  const Status s = Pool::FromCheckpoint(GetParam().path, &pool);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(pool.dtype(), GetParam().dtype);
  EXPECT_EQ(pool.model().name, "AdaptiveLeakySoma");
  EXPECT_EQ(pool.size(), 3u);
  EXPECT_EQ(pool.dt(), 0.5);
  auto state = [&](const char* name) {
    std::vector<float> v(3);
    EXPECT_TRUE(pool.GetState(name, v.data(), 3).ok()) << name;
    return v;
  };
  auto param = [&](const char* name) {
    std::vector<float> v(3);
    EXPECT_TRUE(pool.GetParam(name, v.data(), 3).ok()) << name;
    return v;
  };
  EXPECT_EQ(param("threshold"), (std::vector<float>{-40.0f, -42.5f, -45.0f}));
  EXPECT_TRUE(pool.ParamIsPerNeuron("threshold"));
  EXPECT_FALSE(pool.ParamIsPerNeuron("cooldown"));
  EXPECT_EQ(param("cooldown"), std::vector<float>(3, 1.5f));
  EXPECT_EQ(param("resistance"), std::vector<float>(3, 0.1f));
  EXPECT_EQ(state("potential"), (std::vector<float>{-55.0f, -62.5f, -50.0f}));
  EXPECT_EQ(state("adaptive_threshold"), (std::vector<float>{-40.0f, -41.25f, -41.5f}));
  EXPECT_EQ(state("refractory_steps"), (std::vector<float>{0.0f, 3.0f, 65535.0f}));
  EXPECT_EQ(pool.SpikeIndices(), std::vector<uint32_t>{1});
  std::string saved;
  ASSERT_TRUE(pool.SaveToBuffer(&saved).ok());
  EXPECT_EQ(saved, golden);
  // The seed and name came back: an initializer draws what a pool created
  // with them draws.
  PoolConfig config;
  config.model = "AdaptiveLeakySoma";
  config.name = "golden";
  config.seed = 7;
  config.size = 3;
  config.dt = 0.5;
  Pool fresh;
  ASSERT_TRUE(Pool::Create(config, &fresh).ok());
  Initializer spread;
  spread.kind = Initializer::Kind::kUniform;
  spread.min = 0.05;
  spread.max = 0.15;
  ASSERT_TRUE(pool.SetParam("resistance", ParamValue::Init(spread)).ok());
  ASSERT_TRUE(fresh.SetParam("resistance", ParamValue::Init(spread)).ok());
  std::vector<float> drawn(3);
  ASSERT_TRUE(fresh.GetParam("resistance", drawn.data(), 3).ok());
  EXPECT_EQ(param("resistance"), drawn);
  // A counter of 65535, documented as allowed, can be written too; 65536 cannot.
  ASSERT_TRUE(pool.SetState("refractory_steps", 0, 65535.0f).ok());
  EXPECT_EQ(state("refractory_steps")[0], 65535.0f);
  EXPECT_FALSE(pool.SetState("refractory_steps", 0, 65536.0f).ok());
}

// A float16 checkpoint whose state holds an infinity or a NaN (re-sealed
// with a valid CRC) is refused, naming the state and neuron.
TEST(CheckpointDtypeTest, NonFiniteFloat16StatesAreRefused) {
  const std::string golden = ReadGolden("tests/data/checkpoint_v2_float16.ckpt");
  // The states start after the parameters: the second state array (the
  // threshold excess, 16 float16 values) ends 4 (CRC) + 2 (spike word) +
  // 32 (counter) + 1 (counter flag) bytes before the end; neuron 2 of it:
  const size_t neuron2 = golden.size() - 4 - 2 - 32 - 1 - 32 + 2 * 2;
  for (uint16_t bad : {uint16_t{0x7C00}, uint16_t{0xFC00}, uint16_t{0x7E00}}) {
    std::string bytes = golden;
    std::memcpy(&bytes[neuron2], &bad, 2);
    Reseal(&bytes);
    Pool pool;
    ASSERT_TRUE(
        Pool::Create(PoolConfig{"", "AdaptiveLeakySoma", 3, 0.5, 0, {}, Dtype::kFloat16}, &pool)
            .ok());
    const std::string before = testing::Snapshot(pool);
    const Status s = pool.LoadFromBuffer(bytes);
    EXPECT_EQ(s.code(), StatusCode::kBadCheckpoint);
    EXPECT_NE(s.message().find("state 1 of neuron 2 is not a finite float16"), std::string::npos)
        << s.message();
    EXPECT_EQ(testing::Snapshot(pool), before);
  }
  // The same position holding a finite value loads (the offset is right).
  std::string finite = golden;
  const uint16_t two = 0x4000;
  std::memcpy(&finite[neuron2], &two, 2);
  Reseal(&finite);
  Pool pool;
  ASSERT_TRUE(
      Pool::Create(PoolConfig{"", "AdaptiveLeakySoma", 3, 0.5, 0, {}, Dtype::kFloat16}, &pool)
          .ok());
  ASSERT_TRUE(pool.LoadFromBuffer(finite).ok());
  std::vector<float> threshold(3);
  ASSERT_TRUE(pool.GetState("adaptive_threshold", threshold.data(), 3).ok());
  EXPECT_EQ(threshold[2], -45.0f + 2.0f);
}

INSTANTIATE_TEST_SUITE_P(
    Files, CheckpointFormatTest,
    ::testing::Values(GoldenFile{"tests/data/checkpoint_v1.ckpt", Dtype::kFloat32,
                                 "tests/data/checkpoint_v2.ckpt"},
                      GoldenFile{"tests/data/checkpoint_v2.ckpt", Dtype::kFloat32,
                                 "tests/data/checkpoint_v2.ckpt"},
                      GoldenFile{"tests/data/checkpoint_v2_float16.ckpt", Dtype::kFloat16,
                                 "tests/data/checkpoint_v2_float16.ckpt"}));

// Loading never changes a pool's dtype: a checkpoint of the other dtype is
// refused, naming both, and the pool is unchanged; FromCheckpoint builds a
// pool of the checkpoint's dtype, which steps on exactly as the saved one.
TEST(CheckpointDtypeTest, LoadingNeverChangesAPoolsDtype) {
  for (const char* model : {"AdaptiveLeakySoma", "IzhikevichSoma", "AdaptiveExponentialSoma"}) {
    PoolConfig config;
    config.model = model;
    config.size = 40;
    config.dtype = Dtype::kFloat16;
    Pool half, single;
    ASSERT_TRUE(Pool::Create(config, &half).ok());
    config.dtype = Dtype::kFloat32;
    ASSERT_TRUE(Pool::Create(config, &single).ok());
    const std::vector<float> drive(40, static_cast<float>(half.model().drive_current));
    for (int t = 0; t < 30; ++t) ASSERT_TRUE(half.Step(drive).ok());
    std::string bytes, single_bytes;
    ASSERT_TRUE(half.SaveToBuffer(&bytes).ok());
    ASSERT_TRUE(single.SaveToBuffer(&single_bytes).ok());
    const std::string before = testing::Snapshot(single);
    Status s = single.LoadFromBuffer(bytes);
    EXPECT_EQ(s.code(), StatusCode::kBadCheckpoint);
    EXPECT_NE(s.message().find("the checkpoint holds a float16 pool, this pool is float32"),
              std::string::npos)
        << s.message();
    EXPECT_EQ(testing::Snapshot(single), before);
    Pool fresh_half;
    ASSERT_TRUE(
        Pool::Create(PoolConfig{"", model, 40, 1.0, 0, {}, Dtype::kFloat16}, &fresh_half).ok());
    s = fresh_half.LoadFromBuffer(single_bytes);
    EXPECT_NE(s.message().find("holds a float32 pool, this pool is float16"), std::string::npos);
    ASSERT_TRUE(fresh_half.LoadFromBuffer(bytes).ok());
    const std::string path = ::testing::TempDir() + "/half.ckpt";
    ASSERT_TRUE(half.Save(path).ok());
    Pool loaded;
    ASSERT_TRUE(Pool::FromCheckpoint(path, &loaded).ok());
    EXPECT_EQ(loaded.dtype(), Dtype::kFloat16);
    for (int t = 0; t < 30; ++t) {
      ASSERT_TRUE(half.Step(drive).ok());
      ASSERT_TRUE(loaded.Step(drive).ok());
      ASSERT_TRUE(fresh_half.Step(drive).ok());
    }
    EXPECT_EQ(testing::Snapshot(loaded), testing::Snapshot(half)) << model;
    EXPECT_EQ(testing::Snapshot(fresh_half), testing::Snapshot(half)) << model;
  }
}

// The size cap of Load counts the pool's name: a pool named with 1.5 MiB
// loads its own checkpoint.
TEST(CheckpointFilesTest, APoolWithAHugeNameLoadsItsOwnCheckpoint) {
  PoolConfig config;
  config.model = "LeakySoma";
  config.name = std::string(3 << 19, 'n');
  config.size = 20;
  Pool pool;
  ASSERT_TRUE(Pool::Create(config, &pool).ok());
  const std::string path = ::testing::TempDir() + "/named.ckpt";
  ASSERT_TRUE(pool.Save(path).ok());
  const Status s = pool.Load(path);
  EXPECT_TRUE(s.ok()) << s.message().substr(0, 300);
}

// A FIFO with no writer, a device or a directory is refused at once (a
// blocking open would wait forever), by Load and by FromCheckpoint, and the
// pool is unchanged. (Were it waited on, this test would time out.)
TEST(CheckpointFilesTest, NonRegularFilesAreRefusedBeforeAnythingIsRead) {
  const std::string fifo = ::testing::TempDir() + "/pool.fifo";
  unlink(fifo.c_str());
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  Pool pool = testing::MakePool("LeakySoma", 33);
  const std::string before = testing::Snapshot(pool);
  alarm(60);  // a blocked open ends the test (SIGALRM) instead of hanging it
  for (const std::string& path : {fifo, std::string("/dev/zero"), ::testing::TempDir()}) {
    Status s = pool.Load(path);
    EXPECT_EQ(s.code(), StatusCode::kIo) << path;
    EXPECT_NE(s.message().find(path + (path == ::testing::TempDir() ? " is a directory"
                                                                    : " is not a regular file")),
              std::string::npos)
        << s.message();
    Pool loaded;
    s = Pool::FromCheckpoint(path, &loaded);
    EXPECT_EQ(s.code(), StatusCode::kIo) << path;
    EXPECT_FALSE(loaded.valid());
  }
  alarm(0);
  EXPECT_EQ(testing::Snapshot(pool), before);
}

}  // namespace
}  // namespace somas
