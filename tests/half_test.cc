// float16 storage (docs/models.md, "float16 storage"): the conversions on
// every SIMD target against the compiler's own _Float16 (round to nearest
// even), and every model's float16 pool, bit for bit, against a float32
// pool whose states are rounded to float16 after each step by the test
// itself; then what a float16 pool shares with any pool (reads and writes,
// Reset, Clone, checkpoints, bad input, threads, hooks).
#include "engine/half.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "engine/pool_impl.h"
#include "models/builtin.h"
#include "tests/scenarios.h"

namespace somas {
namespace {

using testing::ForEachTarget;
using testing::MakeScenario;
using testing::ModelNames;
using testing::NoisyCurrent;

uint16_t Bits(_Float16 h) {
  uint16_t b;
  std::memcpy(&b, &h, sizeof(b));
  return b;
}
_Float16 FromBits(uint16_t b) {
  _Float16 h;
  std::memcpy(&h, &b, sizeof(h));
  return h;
}
uint32_t Bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, sizeof(b));
  return b;
}
// The rule's rounding, by the compiler: clamp, then round to nearest even.
uint16_t Expected(float x) {
  return Bits(static_cast<_Float16>(std::fmin(std::fmax(x, -kHalfMax), kHalfMax)));
}

TEST(HalfConversionTest, WideningIsExactForEveryBitPatternOnEveryTarget) {
  std::vector<uint16_t> all(65536);
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<uint16_t>(i);
  ForEachTarget([&](int64_t) {
    // An odd length: the vector loop and its scalar remainder.
    std::vector<float> out(all.size() - 3);
    HalvesToFloats(all.data(), HalfOffset(), out.data(), out.size());
    for (size_t i = 0; i < all.size(); ++i) {
      const float want = static_cast<float>(FromBits(all[i]));
      const float got = i < out.size() ? out[i] : FloatFromHalf(all[i]);
      if (std::isnan(want)) {
        ASSERT_TRUE(std::isnan(got)) << std::hex << i;  // NaNs stay NaN
      } else {
        ASSERT_EQ(Bits(got), Bits(want)) << std::hex << i << " on " << SimdTarget();
      }
      if (!std::isnan(want)) {
        ASSERT_EQ(Bits(FloatFromHalf(all[i])), Bits(want)) << std::hex << i;
      }
    }
  });
}

// Every finite float16, the ties between neighbours (round to even), one
// float either side of each tie, values past the largest (saturate), every
// subnormal step and random floats of every magnitude.
std::vector<float> NarrowingCases() {
  std::vector<float> cases;
  for (uint32_t b = 0; b < 0x7C00; ++b) {
    for (float sign : {1.0f, -1.0f}) {
      const float lo = sign * static_cast<float>(FromBits(static_cast<uint16_t>(b)));
      const float hi = sign * (b + 1 < 0x7C00 ? static_cast<float>(FromBits(b + 1)) : 65536.0f);
      const float tie = lo + (hi - lo) / 2;  // exact in float
      cases.insert(cases.end(), {lo, tie, std::nextafter(tie, lo), std::nextafter(tie, hi)});
    }
  }
  for (float big : {65504.0f, 65519.99f, 65520.0f, 70000.0f, 1e30f, 3.4e38f}) {
    cases.push_back(big);
    cases.push_back(-big);
  }
  for (float tiny : {1e-45f, 1e-38f, 2.9802322e-08f, 5.9604645e-08f, 6.1e-5f, 6.103515625e-05f}) {
    cases.push_back(tiny);
    cases.push_back(-tiny);
  }
  std::mt19937 rng(7);
  std::uniform_int_distribution<uint32_t> any(0, 0xFFFFFFFFu);
  while (cases.size() % 16 != 5 || cases.size() < 400000) {
    uint32_t b = any(rng);
    float f;
    std::memcpy(&f, &b, sizeof(f));
    if (std::isfinite(f)) cases.push_back(f);
  }
  return cases;
}

TEST(HalfConversionTest, NarrowingRoundsToNearestEvenAndSaturatesOnEveryTarget) {
  const std::vector<float> cases = NarrowingCases();
  ForEachTarget([&](int64_t) {
    std::vector<uint16_t> out(cases.size());
    FloatsToHalves(cases.data(), HalfOffset(), out.data(), out.size());
    for (size_t i = 0; i < cases.size(); ++i) {
      ASSERT_EQ(out[i], Expected(cases[i]))
          << cases[i] << " (bits " << std::hex << Bits(cases[i]) << ") on " << SimdTarget();
      ASSERT_EQ(HalfFromFloat(cases[i]), Expected(cases[i])) << cases[i];
    }
  });
}

TEST(SpikeBitsTest, BitsBecomeBytesAtEveryLengthOnEveryTarget) {
  // Random bits, every length from 0 to 300 (partial vectors and bytes on
  // every target), read from an offset buffer so that no alignment helps.
  std::mt19937 rng(9);
  std::vector<uint8_t> bits(64 + 38);
  for (uint8_t& b : bits) b = static_cast<uint8_t>(rng());
  const uint8_t* in = bits.data() + 1;
  ForEachTarget([&](int64_t) {
    for (size_t n = 0; n <= 300; ++n) {
      std::vector<uint8_t> out(n + 1, 7);
      BitsToBytes(in, out.data() + 0, n);
      for (size_t i = 0; i < n; ++i) {
        ASSERT_EQ(out[i], (in[i / 8] >> (i % 8)) & 1)
            << "n " << n << " i " << i << " on " << SimdTarget();
      }
      ASSERT_EQ(out[n], 7) << "wrote past n = " << n << " on " << SimdTarget();
    }
  });
}

TEST(HalfConversionTest, OffsetsAreOneFloatAdditionOrSubtraction) {
  std::vector<float> offsets(37), values(37);
  std::vector<uint16_t> halves(37);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> mv(-80.0f, 40.0f);
  for (size_t i = 0; i < 37; ++i) {
    offsets[i] = mv(rng);
    values[i] = mv(rng);
    halves[i] = Bits(static_cast<_Float16>(values[i] / 3));
  }
  ForEachTarget([&](int64_t) {
    for (bool per_neuron : {true, false}) {
      const HalfOffset offset{per_neuron ? offsets.data() : nullptr, -65.0f, false};
      std::vector<float> widened(37);
      std::vector<uint16_t> narrowed(37);
      HalvesToFloats(halves.data(), offset, widened.data(), 37);
      FloatsToHalves(values.data(), offset, narrowed.data(), 37);
      for (size_t i = 0; i < 37; ++i) {
        const float off = per_neuron ? offsets[i] : -65.0f;
        ASSERT_EQ(Bits(widened[i]), Bits(static_cast<float>(FromBits(halves[i])) + off)) << i;
        ASSERT_EQ(narrowed[i], Expected(values[i] - off)) << i;
      }
    }
    // No offset is not + 0: a negative zero stays negative.
    const uint16_t negative_zero = 0x8000;
    float out = 1;
    HalvesToFloats(&negative_zero, HalfOffset(), &out, 1);
    EXPECT_TRUE(std::signbit(out));
  });
}

// The float16 rule applied by the test to a float32 pool: each state, in
// kernel units, becomes float(half(clamp(x - offset))) + offset.
void RoundStates(Pool* pool) {
  PoolImpl& p = *PoolAccess::Get(*pool);
  for (size_t k = 0; k < p.states.size(); ++k) {
    for (size_t i = 0; i < p.padded; ++i) {
      const int h = p.half_offset[k];
      const float off = h < 0 ? 0.0f : p.tables.params[h].at(i);
      const float x = h < 0 ? p.states[k][i] : p.states[k][i] - off;
      const float back = static_cast<float>(FromBits(Expected(x)));
      p.states[k][i] = h < 0 ? back : back + off;
    }
  }
}

// The float16 pool's storage equals the rounded float32 pool's, bit for bit.
void ExpectSameStorage(const Pool& half, const Pool& rounded, const std::string& where) {
  const PoolImpl& h = Internals(half);
  const PoolImpl& f = Internals(rounded);
  ASSERT_EQ(h.dtype, Dtype::kFloat16);
  ASSERT_EQ(h.halves.size(), f.states.size());
  for (size_t k = 0; k < h.halves.size(); ++k) {
    for (size_t i = 0; i < h.padded; ++i) {
      const int o = f.half_offset[k];
      const float x = o < 0 ? f.states[k][i] : f.states[k][i] - f.tables.params[o].at(i);
      ASSERT_EQ(h.halves[k][i], Expected(x)) << where << ": state " << k << ", neuron " << i;
    }
  }
  for (size_t i = 0; i < h.counter.size(); ++i) ASSERT_EQ(h.counter[i], f.counter[i]) << where;
  for (size_t i = 0; i < h.spikes.size(); ++i) ASSERT_EQ(h.spikes[i], f.spikes[i]) << where;
}

struct Case {
  double dt;
  bool per_neuron;
  bool half_input;
};

// 2,500 neurons: a partial last block, and for kernels without float16
// support (the engine's tiles of 1,024) three tiles, the last one short.
void CheckModelBitForBit(const std::string& model, const Case& c,
                         const Registry& registry = BuiltinRegistry()) {
  const ModelSpec& spec = *registry.Find(model, nullptr);
  testing::Scenario s = MakeScenario(spec, 2500, c.dt, c.per_neuron, 11);
  Pool rounded;
  ASSERT_TRUE(Pool::Create(s.config, &rounded, registry).ok());
  s.config.dtype = Dtype::kFloat16;
  Pool half;
  const Status created = Pool::Create(s.config, &half, registry);
  ASSERT_TRUE(created.ok()) << created.message();
  RoundStates(&rounded);
  ExpectSameStorage(half, rounded, "initial state");
  std::mt19937 rng(5);
  size_t spikes = 0;
  for (int t = 0; t < 400; ++t) {
    std::vector<float> current = NoisyCurrent(spec, 2500, &rng);
    // Strong inhibition now and then (at dt = 1: at 0.1 a neuron needs
    // more than 200 steps to reach threshold): the floor and the clamps.
    if (c.dt == 1.0 && t % 50 == 7) {
      for (float& x : current) x *= -40;
    }
    if (c.half_input) {
      std::vector<Float16> current16(current.size());
      for (size_t i = 0; i < current.size(); ++i) {
        current16[i].bits = Bits(static_cast<_Float16>(current[i]));
        current[i] = static_cast<float>(static_cast<_Float16>(current[i]));
      }
      ASSERT_TRUE(half.Step(current16.data(), current16.size()).ok());
    } else {
      ASSERT_TRUE(half.Step(current).ok());
    }
    ASSERT_TRUE(rounded.Step(current).ok());
    RoundStates(&rounded);
    ExpectSameStorage(half, rounded, model + " step " + std::to_string(t) + " on " + SimdTarget());
    spikes += half.SpikeCount();
  }
  EXPECT_GT(spikes, 0u) << model << " dt " << c.dt << (c.per_neuron ? " per neuron" : "")
                        << (c.half_input ? " float16 input" : "");
}

class HalfModelTest : public ::testing::TestWithParam<std::string> {};

TEST_P(HalfModelTest, StepsAreTheFloat32StepRoundedToFloat16OnEveryTarget) {
  for (const Case& c : {Case{1.0, false, false}, Case{0.1, true, false}, Case{1.0, true, true}}) {
    ForEachTarget([&](int64_t) { CheckModelBitForBit(GetParam(), c); });
  }
}

// A model whose kernel knows only float32 (a custom model's, as
// ModelSpec::float16_kernel defaults to false): the engine's tiles give the
// same bits.
TEST_P(HalfModelTest, KernelsWithoutFloat16SupportGetTheSameResultsThroughTiles) {
  ModelSpec spec = *BuiltinRegistry().Find(GetParam(), nullptr);
  spec.name = "Float32Only" + spec.name;
  spec.float16_kernel = false;
  Registry registry;
  ASSERT_TRUE(registry.Add(spec).ok());
  for (const Case& c : {Case{1.0, true, false}, Case{1.0, false, true}}) {
    CheckModelBitForBit(spec.name, c, registry);
  }
}

TEST_P(HalfModelTest, ThreadsAndChunkingDoNotChangeABit) {
  const ModelSpec& spec = *BuiltinRegistry().Find(GetParam(), nullptr);
  testing::Scenario s = MakeScenario(spec, 70001, 1.0, true, 4);
  s.config.dtype = Dtype::kFloat16;
  std::string snapshots[3];
  for (int run = 0; run < 3; ++run) {
    ASSERT_TRUE(SetThreads(run == 0 ? 1 : 2).ok());
    Pool pool;
    ASSERT_TRUE(Pool::Create(s.config, &pool).ok());
    std::mt19937 rng(9);
    for (int t = 0; t < 20; ++t) {
      const std::vector<float> current = NoisyCurrent(spec, s.config.size, &rng);
      if (run == 2) {  // hooks: chunks of kHookChunk, not a multiple of the tile
        StepHooks hooks;
        hooks.after = [](const StepChunk&) { return Status(); };
        ASSERT_TRUE(pool.Step(current.data(), current.size(), hooks).ok());
      } else {
        ASSERT_TRUE(pool.Step(current).ok());
      }
    }
    snapshots[run] = testing::Snapshot(pool);
  }
  ASSERT_TRUE(SetThreads(0).ok());
  EXPECT_EQ(snapshots[0], snapshots[1]);
  EXPECT_EQ(snapshots[0], snapshots[2]);
}

INSTANTIATE_TEST_SUITE_P(Models, HalfModelTest, ::testing::ValuesIn(ModelNames()));

Pool HalfPool(const std::string& model, size_t size,
              std::map<std::string, ParamValue> params = {}) {
  PoolConfig config;
  config.model = model;
  config.size = size;
  config.params = std::move(params);
  config.dtype = Dtype::kFloat16;
  Pool pool;
  const Status s = Pool::Create(config, &pool);
  EXPECT_TRUE(s.ok()) << s.message();
  return pool;
}

TEST(HalfPoolTest, DtypeNamesAndDefaults) {
  EXPECT_STREQ(DtypeName(Dtype::kFloat32), "float32");
  EXPECT_STREQ(DtypeName(Dtype::kFloat16), "float16");
  Dtype d = Dtype::kFloat32;
  ASSERT_TRUE(ParseDtype("float16", &d).ok());
  EXPECT_EQ(d, Dtype::kFloat16);
  ASSERT_TRUE(ParseDtype("float32", &d).ok());
  EXPECT_EQ(d, Dtype::kFloat32);
  const Status bad = ParseDtype("half", &d);
  EXPECT_EQ(bad.message(), "dtype \"half\" is neither \"float32\" nor \"float16\"");
  EXPECT_EQ(d, Dtype::kFloat32);
  EXPECT_EQ(PoolConfig().dtype, Dtype::kFloat32);
  EXPECT_EQ(Pool().dtype(), Dtype::kFloat32);
  EXPECT_EQ(HalfPool("LeakySoma", 3).dtype(), Dtype::kFloat16);
  PoolConfig config{"", "LeakySoma", 3, 1.0, 0, {}, static_cast<Dtype>(2)};
  Pool pool;
  const Status s = Pool::Create(config, &pool);
  EXPECT_EQ(s.message(), "LeakySoma: dtype 2 is neither float32 (0) nor float16 (1)");
  EXPECT_FALSE(pool.valid());
  EXPECT_EQ(Float16ToFloat(Float16{0x3C00}), 1.0f);
  EXPECT_TRUE(std::isinf(Float16ToFloat(Float16{0xFC00})));
}

TEST(HalfPoolTest, StatesReadAndWriteInUserUnits) {
  for (const char* model : {"AdaptiveLeakySoma", "IzhikevichSoma", "AdaptiveExponentialSoma"}) {
    Pool pool = HalfPool(model, 21);
    // Initial potentials are potential_rest exactly (stored as 0).
    std::vector<float> v(21);
    ASSERT_TRUE(pool.Potentials(v.data(), 21).ok());
    const float rest = pool.Param(0, 0);
    for (float x : v) EXPECT_EQ(x, rest) << model;
    // A written value reads back as its float16 rounding relative to rest
    // (Izhikevich: its potential's float16 offset is potential_rest too).
    std::vector<float> want(21);
    for (size_t i = 0; i < 21; ++i) want[i] = rest + 0.1f * static_cast<float>(i) - 1.0f;
    ASSERT_TRUE(pool.SetPotentials(want.data(), 21).ok());
    ASSERT_TRUE(pool.Potentials(v.data(), 21).ok());
    for (size_t i = 0; i < 21; ++i) {
      const float stored = static_cast<float>(static_cast<_Float16>(want[i] - rest));
      EXPECT_EQ(v[i], stored + rest) << model << " neuron " << i;
      EXPECT_NE(v[i], want[i] == rest ? 1e9f : 0.0f);
    }
    // Reading back and writing what was read changes nothing.
    const std::string before = testing::Snapshot(pool);
    ASSERT_TRUE(pool.SetPotentials(v.data(), 21).ok());
    EXPECT_EQ(testing::Snapshot(pool), before) << model;
    // One neuron; its range read (what a hook does).
    ASSERT_TRUE(pool.SetState("potential", 20, rest + 2.5f).ok());
    float last = 0;
    ASSERT_TRUE(pool.GetState("potential", 20, &last, 1).ok());
    EXPECT_EQ(last, rest + 2.5f);
    // Beyond float16's range relative to the offset: refused, naming it.
    const Status far = pool.SetState("potential", 3, rest + 70000.0f);
    EXPECT_NE(far.message().find("a float16 pool stores it as a float16 offset from "
                                 "potential_rest, which must be within +-65504"),
              std::string::npos)
        << far.message();
    EXPECT_EQ(testing::Snapshot(pool), testing::Snapshot(pool));
    std::vector<float> all(21, rest - 65600.0f);
    EXPECT_FALSE(pool.SetPotentials(all.data(), 21).ok());
    ASSERT_TRUE(pool.GetState("potential", 20, &last, 1).ok());
    EXPECT_EQ(last, rest + 2.5f) << "a refused write changed nothing";
    // Within range: 65504 above rest is stored exactly.
    ASSERT_TRUE(pool.SetState("potential", 3, rest + 65504.0f).ok());
    ASSERT_TRUE(pool.GetState("potential", 3, &last, 1).ok());
    EXPECT_EQ(last, rest + 65504.0f);
    // Reset: back to rest; Clone: the same bytes.
    ASSERT_TRUE(pool.Reset().ok());
    ASSERT_TRUE(pool.Potentials(v.data(), 21).ok());
    for (float x : v) EXPECT_EQ(x, rest);
    Pool copy;
    ASSERT_TRUE(pool.SetState("potential", 5, rest + 3.0f).ok());
    ASSERT_TRUE(pool.Clone(&copy).ok());
    EXPECT_EQ(copy.dtype(), Dtype::kFloat16);
    EXPECT_EQ(testing::Snapshot(copy), testing::Snapshot(pool));
  }
  // A state with no offset at all (the adaptation current, pA).
  Pool adex = HalfPool("AdaptiveExponentialSoma", 2);
  ASSERT_TRUE(adex.SetState("adaptation", 0, 1000.3f).ok());
  float w = 0;
  ASSERT_TRUE(adex.GetState("adaptation", 0, &w, 1).ok());
  EXPECT_EQ(w, 1000.5f);  // float16 spacing at 1000 is 0.5
  EXPECT_NE(adex.SetState("adaptation", 0, -65520.0f)
                .message()
                .find("a float16 pool stores it as a float16 value, which must be within +-65504"),
            std::string::npos);
}

// States pushed past float16's range saturate at +-65504 (relative to
// their offset) instead of becoming infinite, in every model's kernel.
TEST(HalfPoolTest, StatesSaturateAtTheLargestFloat16) {
  for (const std::string& model : ModelNames()) {
    const ModelSpec& spec = *BuiltinRegistry().Find(model, nullptr);
    for (size_t st = 0; st < spec.states.size(); ++st) {
      const StateSpec& state = spec.states[st];
      if (state.counter) continue;
      Pool pool = HalfPool(model, 16);
      const int offset = state.offset_param >= 0 ? state.offset_param : state.float16_offset_param;
      const float base = offset >= 0 ? pool.Param(offset, 0) : 0.0f;
      for (float sign : {1.0f, -1.0f}) {
        ASSERT_TRUE(pool.Reset().ok());
        ASSERT_TRUE(pool.SetState(state.name, 0, base + sign * 65504.0f).ok());
        const std::vector<float> push(16, sign * 1e6f);
        (void)pool.Step(push);
        float after = 0;
        ASSERT_TRUE(pool.GetState(state.name, 0, &after, 1).ok());
        EXPECT_TRUE(std::isfinite(after)) << model << " " << state.name << " " << sign;
        EXPECT_LE(std::fabs(after - base), 65504.0f) << model << " " << state.name;
      }
    }
  }
}

// Recovery and adaptation driven past +-65504 by the potential they follow.
TEST(HalfPoolTest, RecoveryAndAdaptationSaturate) {
  struct Push {
    const char* model;
    std::map<std::string, ParamValue> params;
    const char* state;
    float start;
    float potential;  // absolute mV, before the step
    float expected;   // the state after it: its offset + 65504
  };
  const Push pushes[] = {
      // u follows dt a b v = 0.02 * 100 * 5000 mV per step past 65,504.
      {"IzhikevichSoma",
       {{"recovery_sensitivity", ParamValue::Shared(100)}},
       "recovery",
       65000,
       5000,
       65504},
      // A spike raises the threshold excess by 70,000 mV (over the -40 mV
      // threshold).
      {"AdaptiveLeakySoma",
       {{"threshold_delta", ParamValue::Shared(70000)}},
       "adaptive_threshold",
       -40,
       0,
       -40 + 65504},
  };
  for (const Push& p : pushes) {
    Pool pool = HalfPool(p.model, 16, p.params);
    ASSERT_TRUE(pool.SetState(p.state, 0, p.start).ok());
    ASSERT_TRUE(pool.SetState("potential", 0, p.potential).ok());
    (void)pool.Step(std::vector<float>(16, 0.0f));
    float after = 0;
    ASSERT_TRUE(pool.GetState(p.state, 0, &after, 1).ok());
    EXPECT_EQ(after, p.expected) << p.model << " " << p.state;
  }
}

// Changing potential_rest keeps absolute potentials (up to float16
// rounding of the new offset), for states stored relative to it in either way.
TEST(HalfPoolTest, ChangingTheRestKeepsAbsolutePotentials) {
  for (const char* model : {"LeakySoma", "IzhikevichSoma"}) {
    Pool pool = HalfPool(model, 5);
    const std::vector<float> v = {-70.0f, -66.0f, -60.0f, -55.5f, -50.25f};
    ASSERT_TRUE(pool.SetPotentials(v.data(), 5).ok());
    ASSERT_TRUE(
        pool.SetParam("potential_rest", ParamValue::PerNeuron({-64, -63, -62, -61, -60})).ok());
    std::vector<float> after(5);
    ASSERT_TRUE(pool.Potentials(after.data(), 5).ok());
    EXPECT_EQ(after, v) << model;  // (each exact in float16 relative to either rest)
    // A neuron's rest only: the others untouched.
    ASSERT_TRUE(pool.SetParam("potential_rest", 2, -70.0).ok());
    ASSERT_TRUE(pool.Potentials(after.data(), 5).ok());
    EXPECT_EQ(after, v) << model;
  }
}

// Non-finite float16 currents (infinities, NaNs) leave their neurons
// exactly as they were; the report names the first and its value.
// Both ways of stepping float16: the built-in kernels, and copies of them
// that know only float32 (the engine's tiles; for a float32 pool, float16
// input widened a tile at a time).
TEST(HalfPoolTest, NonFiniteFloat16InputLeavesNeuronsUnchanged) {
  Registry only32;
  for (const char* model : {"RefractoryLeakySoma", "IzhikevichSoma"}) {
    ModelSpec spec = *BuiltinRegistry().Find(model, nullptr);
    spec.name = std::string("Float32Only") + model;
    spec.float16_kernel = false;
    ASSERT_TRUE(only32.Add(spec).ok());
  }
  for (const Registry* registry : {&BuiltinRegistry(), static_cast<const Registry*>(&only32)}) {
    for (Dtype dtype : {Dtype::kFloat16, Dtype::kFloat32}) {
      for (const char* name : {"RefractoryLeakySoma", "IzhikevichSoma"}) {
        const std::string model = (registry == &only32 ? "Float32Only" : "") + std::string(name);
        PoolConfig config{"", model, 1030, 1.0, 0, {}, dtype};
        Pool pool, twin;
        ASSERT_TRUE(Pool::Create(config, &pool, *registry).ok());
        ASSERT_TRUE(Pool::Create(config, &twin, *registry).ok());
        const uint16_t drive = Bits(static_cast<_Float16>(pool.model().drive_current * 2));
        std::vector<Float16> current(1030, Float16{drive});
        std::vector<float> widened(1030, static_cast<float>(FromBits(drive)));
        for (int t = 0; t < 4; ++t) {
          ASSERT_TRUE(pool.Step(current.data(), 1030).ok());
          ASSERT_TRUE(twin.Step(widened).ok());
        }
        EXPECT_EQ(testing::Snapshot(pool), testing::Snapshot(twin)) << "float16 input is exact";
        std::vector<float> before(1030);
        ASSERT_TRUE(pool.Potentials(before.data(), 1030).ok());
        current[1025].bits = 0x7C00;  // +inf (second tile, past the 1024-neuron first)
        current[1029].bits = 0x7E00;  // NaN (the last, partial block)
        current[3].bits = 0xFC00;     // -inf
        StepReport report;
        const Status s = pool.Step(current.data(), 1030, &report);
        EXPECT_EQ(s.code(), StatusCode::kNonFiniteInput);
        EXPECT_EQ(report.nonfinite_inputs, 3u);
        EXPECT_EQ(report.first_nonfinite, 3u);
        EXPECT_NE(s.message().find("3 non-finite input current(s), first at neuron 3 (-inf pA)"),
                  std::string::npos)
            << s.message();
        std::vector<float> after(1030);
        ASSERT_TRUE(pool.Potentials(after.data(), 1030).ok());
        for (size_t i : {3, 1025, 1029}) EXPECT_EQ(after[i], before[i]) << i;
        EXPECT_NE(after[4], before[4]);
        const std::vector<uint32_t> spikes = pool.SpikeIndices();
        for (uint32_t i : spikes) EXPECT_TRUE(i != 3 && i != 1025 && i != 1029);
        // The first bad input past the first 1,024 neurons (the tiles'
        // second) is reported by its index in the pool.
        current[3] = current[1029] = Float16{drive};
        EXPECT_EQ(pool.Step(current.data(), 1030, &report).code(), StatusCode::kNonFiniteInput);
        EXPECT_EQ(report.nonfinite_inputs, 1u);
        EXPECT_EQ(report.first_nonfinite, 1025u);
        // A wrong length or a null array: refused, nothing changes.
        const std::string kept = testing::Snapshot(pool);
        EXPECT_FALSE(pool.Step(current.data(), 1029).ok());
        EXPECT_FALSE(pool.Step(static_cast<const Float16*>(nullptr), 1030).ok());
        EXPECT_EQ(Pool().Step(current.data(), 1030).code(), StatusCode::kEmptyPool);
        EXPECT_EQ(testing::Snapshot(pool), kept);
      }
    }
  }
}

// A float16 before hook writes the float16 input the chunk then reads.
TEST(HalfPoolTest, HooksSeeAndWriteFloat16Input) {
  Pool pool = HalfPool("LeakySoma", 9000);
  Pool twin = HalfPool("LeakySoma", 9000);
  std::vector<Float16> current(9000, Float16{0});
  const uint16_t drive = Bits(static_cast<_Float16>(pool.model().drive_current));
  StepHooks hooks;
  hooks.before = [&](const StepChunk& c) {
    for (size_t i = c.begin; i < c.end; ++i) current[i].bits = drive;
    return Status();
  };
  const std::vector<Float16> direct(9000, Float16{drive});
  size_t spikes = 0;
  for (int t = 0; t < 30; ++t) {
    ASSERT_TRUE(pool.Step(current.data(), current.size(), hooks).ok());
    std::fill(current.begin(), current.end(), Float16{0});
    ASSERT_TRUE(twin.Step(direct.data(), direct.size()).ok());
    spikes += pool.SpikeCount();
  }
  EXPECT_GT(spikes, 0u);
  EXPECT_EQ(testing::Snapshot(pool), testing::Snapshot(twin));
}

// Seeded initializers draw the same parameters for either dtype (parameters
// stay float32); the initial states follow from them, rounded.
TEST(HalfPoolTest, InitializersDrawTheSameParametersForEitherDtype) {
  Initializer uniform;
  uniform.kind = Initializer::Kind::kUniform;
  uniform.min = -70;
  uniform.max = -60;
  PoolConfig config{"exc", "IzhikevichSoma", 100, 1.0, 42, {}, Dtype::kFloat32};
  config.params["potential_rest"] = ParamValue::Init(uniform);
  Pool single, half;
  ASSERT_TRUE(Pool::Create(config, &single).ok());
  config.dtype = Dtype::kFloat16;
  ASSERT_TRUE(Pool::Create(config, &half).ok());
  std::vector<float> a(100), b(100), u(100), uh(100);
  ASSERT_TRUE(single.GetParam("potential_rest", a.data(), 100).ok());
  ASSERT_TRUE(half.GetParam("potential_rest", b.data(), 100).ok());
  EXPECT_EQ(a, b);
  ASSERT_TRUE(half.Potentials(b.data(), 100).ok());
  EXPECT_EQ(a, b);  // v starts at rest: stored as exactly 0 relative to it
  ASSERT_TRUE(single.GetState("recovery", u.data(), 100).ok());
  ASSERT_TRUE(half.GetState("recovery", uh.data(), 100).ok());
  for (size_t i = 0; i < 100; ++i) {
    EXPECT_EQ(uh[i], static_cast<float>(static_cast<_Float16>(u[i]))) << i;
  }
}

// StepPools over float16 and float32 pools of several models, float32
// input: the same as stepping them one by one.
TEST(HalfPoolTest, StepPoolsMixesDtypes) {
  std::vector<Pool> together, alone;
  std::vector<std::vector<float>> currents;
  for (const char* model : {"LeakySoma", "IzhikevichSoma", "AdaptiveExponentialSoma"}) {
    for (Dtype dtype : {Dtype::kFloat16, Dtype::kFloat32}) {
      PoolConfig config{"", model, 20000, 1.0, 0, {}, dtype};
      for (std::vector<Pool>* list : {&together, &alone}) {
        list->emplace_back();
        ASSERT_TRUE(Pool::Create(config, &list->back()).ok());
      }
      currents.emplace_back(20000, static_cast<float>(together.back().model().drive_current));
    }
  }
  ASSERT_TRUE(SetThreads(2).ok());
  for (int t = 0; t < 25; ++t) {
    std::vector<PoolStep> steps;
    for (size_t p = 0; p < together.size(); ++p) {
      steps.push_back(PoolStep{&together[p], currents[p].data(), currents[p].size(), {}});
      ASSERT_TRUE(alone[p].Step(currents[p]).ok());
    }
    ASSERT_TRUE(StepPools(steps.data(), steps.size()).ok());
  }
  ASSERT_TRUE(SetThreads(0).ok());
  for (size_t p = 0; p < together.size(); ++p) {
    EXPECT_EQ(testing::Snapshot(together[p]), testing::Snapshot(alone[p])) << p;
  }
}

TEST(HalfConfigTest, DtypeInSimulationFiles) {
  PoolConfig one;
  ASSERT_TRUE(
      ParsePoolConfig(R"({"model": "LeakySoma", "size": 3, "dtype": "float16"})", &one).ok());
  EXPECT_EQ(one.dtype, Dtype::kFloat16);
  ASSERT_TRUE(ParsePoolConfig(R"({"model": "LeakySoma", "size": 3})", &one).ok());
  EXPECT_EQ(one.dtype, Dtype::kFloat32);
  SimulationConfig sim;
  ASSERT_TRUE(ParseSimulation(R"({"dtype": "float16", "pools": {
      "a": {"model": "LeakySoma", "size": 3},
      "b": {"model": "LeakySoma", "size": 3, "dtype": "float32"}}})",
                              &sim)
                  .ok());
  ASSERT_EQ(sim.pools.size(), 2u);
  EXPECT_EQ(sim.pools[0].dtype, Dtype::kFloat16);
  EXPECT_EQ(sim.pools[1].dtype, Dtype::kFloat32);
  // The canonical form writes each pool's dtype and parses back the same.
  const std::string text = CanonicalJson(sim);
  EXPECT_NE(text.find("\"dtype\": \"float16\""), std::string::npos) << text;
  SimulationConfig again;
  ASSERT_TRUE(ParseSimulation(text, &again).ok());
  EXPECT_EQ(again.pools[0].dtype, Dtype::kFloat16);
  EXPECT_EQ(again.pools[1].dtype, Dtype::kFloat32);
  EXPECT_EQ(CanonicalJson(again), text);
  EXPECT_EQ(
      ParsePoolConfig(R"({"model": "LeakySoma", "size": 3, "dtype": "float64"})", &one).message(),
      "LeakySoma: dtype \"float64\" is neither \"float32\" nor \"float16\"");
  EXPECT_EQ(ParsePoolConfig(R"({"model": "LeakySoma", "size": 3, "dtype": 16})", &one).message(),
            "LeakySoma: \"dtype\" must be a string (\"float32\" or \"float16\"), not a number");
  EXPECT_EQ(ParseSimulation(
                R"({"dtype": "f16", "pools": {"a": {"model": "LeakySoma", "size": 3}}})", &sim)
                .message(),
            "dtype \"f16\" is neither \"float32\" nor \"float16\"");
  EXPECT_NE(
      ParseSimulation(R"({"pools": {"a": {"model": "LeakySoma", "size": 3, "dtype": 1}}})", &sim)
          .message()
          .find("pool \"a\": LeakySoma: \"dtype\" must be a string"),
      std::string::npos);
}

}  // namespace
}  // namespace somas
