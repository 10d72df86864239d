// Pool behaviour every model shares: spike read-out, reset, padding, input checks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/aligned.h"
#include "engine/names.h"
#include "engine/pool_impl.h"
#include "somas/somas.h"
#include "tests/scenarios.h"

namespace somas {
namespace {

class PoolTest : public testing::ModelOnTargetTest {
 protected:
  Pool Make(size_t size) { return testing::MakePool(name(), size); }
};

TEST_P(PoolTest, SpikeViewsAgree) {
  Pool pool = Make(1003);
  std::mt19937 rng(3);
  size_t total = 0;
  for (int t = 0; t < 60; ++t) {
    ASSERT_TRUE(pool.Step(testing::NoisyCurrent(model(), pool.size(), &rng)).ok());
    const std::vector<uint8_t> dense = pool.SpikesDense();
    const std::vector<uint32_t> indices = pool.SpikeIndices();
    std::vector<uint32_t> from_dense;
    for (size_t i = 0; i < dense.size(); ++i) {
      ASSERT_LE(dense[i], 1);
      if (dense[i]) from_dense.push_back(static_cast<uint32_t>(i));
    }
    EXPECT_EQ(indices, from_dense);
    EXPECT_EQ(pool.SpikeCount(), indices.size());
    total += indices.size();
  }
  EXPECT_GT(total, 0u);
}

TEST_P(PoolTest, ResetRestoresTheInitialState) {
  Pool pool = Make(37);
  const std::vector<float> initial = pool.Potentials();
  std::vector<std::vector<float>> states;
  for (size_t k = 0; k < model().num_float_states; ++k) {
    states.emplace_back(testing::StateArray(pool, k),
                        testing::StateArray(pool, k) + testing::PaddedSize(pool));
  }
  std::mt19937 rng(4);
  for (int t = 0; t < 50; ++t) {
    ASSERT_TRUE(pool.Step(testing::NoisyCurrent(model(), pool.size(), &rng)).ok());
  }
  EXPECT_NE(pool.Potentials(), initial);
  ASSERT_TRUE(pool.Reset().ok());
  EXPECT_EQ(pool.Potentials(), initial);
  for (size_t k = 0; k < states.size(); ++k) {
    EXPECT_EQ(std::vector<float>(testing::StateArray(pool, k),
                                 testing::StateArray(pool, k) + testing::PaddedSize(pool)),
              states[k]);
  }
  EXPECT_EQ(pool.SpikeCount(), 0u);
  if (model().has_counter) {
    for (size_t i = 0; i < testing::PaddedSize(pool); ++i)
      EXPECT_EQ(testing::CounterArray(pool)[i], 0);
  }
}

// GetState is the stored state plus its user-unit offset, for every range:
// the bulk read gives, bit for bit, what one neuron at a time gives.
TEST_P(PoolTest, StateReadsAreTheStoredValuePlusTheOffsetForEveryRange) {
  for (const Dtype dtype : {Dtype::kFloat32, Dtype::kFloat16}) {
    for (const bool per_neuron_rest : {false, true}) {
      PoolConfig config{"", name(), 37, 1.0, 0, {}, dtype};
      const double rest = model().params[model().ParamIndex("potential_rest")].default_value;
      if (per_neuron_rest) {
        std::vector<double> values(37);
        for (size_t i = 0; i < 37; ++i) values[i] = rest + 0.37 * i - 5;
        config.params["potential_rest"] = ParamValue::PerNeuron(values);
      }
      Pool pool;
      ASSERT_TRUE(Pool::Create(config, &pool).ok());
      std::mt19937 rng(5);
      for (int t = 0; t < 30; ++t) {
        ASSERT_TRUE(pool.Step(testing::NoisyCurrent(model(), pool.size(), &rng)).ok());
      }
      const PoolImpl& impl = Internals(pool);
      for (size_t s = 0; s < model().states.size(); ++s) {
        const StateSpec& state = model().states[s];
        if (state.counter) continue;
        const int k = model().FloatStateOf(static_cast<int>(s));
        std::vector<float> expected(37);
        for (size_t i = 0; i < 37; ++i) {
          expected[i] = impl.KernelState(k, i);
          if (state.offset_param >= 0) expected[i] += impl.tables.params[state.offset_param].at(i);
        }
        for (auto [begin, n] :
             {std::pair<size_t, size_t>{0, 37}, {0, 1}, {5, 17}, {16, 21}, {36, 1}, {37, 0}}) {
          std::vector<float> out(n + 1, -7.0f);
          ASSERT_TRUE(pool.GetState(state.name, begin, out.data(), n).ok());
          for (size_t i = 0; i < n; ++i) {
            ASSERT_EQ(std::memcmp(&out[i], &expected[begin + i], sizeof(float)), 0)
                << state.name << " " << DtypeName(dtype) << " neuron " << begin + i;
          }
          EXPECT_EQ(out[n], -7.0f) << "wrote past the range";
        }
      }
    }
  }
}

// RelativePotentials: potential - potential_rest, exactly the stored value
// for the models that keep it so, else one float subtraction; the float16
// overload rounds that; RunRelative writes what steps and reads would.
TEST_P(PoolTest, RelativePotentialsAreThePotentialMinusTheRest) {
  const int rest = model().ParamIndex("potential_rest");
  const int potential = model().StateIndex("potential");
  const bool stored_relative = model().states[potential].offset_param == rest;
  for (const Dtype dtype : {Dtype::kFloat32, Dtype::kFloat16}) {
    PoolConfig config{"", name(), 37, 1.0, 0, {}, dtype};
    std::vector<double> rests(37);
    for (size_t i = 0; i < 37; ++i) rests[i] = -60.0 - 0.3 * i;
    config.params["potential_rest"] = ParamValue::PerNeuron(rests);
    config.params["potential_reset"] = ParamValue::Shared(-55.0);
    Pool pool, twin;
    const Status created = Pool::Create(config, &pool);
    ASSERT_TRUE(created.ok()) << created.message();
    ASSERT_TRUE(Pool::Create(config, &twin).ok());
    std::mt19937 rng(6);
    std::vector<float> currents;
    std::vector<uint8_t> bits(5 * 5), twin_bits;
    std::vector<float> relative(5 * 37);
    std::vector<Float16> halves(5 * 37);
    for (int t = 0; t < 5; ++t) {
      const std::vector<float> current = testing::NoisyCurrent(model(), 37, &rng);
      currents.insert(currents.end(), current.begin(), current.end());
      ASSERT_TRUE(twin.Step(current).ok());
      const PoolImpl& impl = Internals(twin);
      const int k = model().FloatStateOf(potential);
      std::vector<float> expected(37), absolute = twin.Potentials();
      for (size_t i = 0; i < 37; ++i) {
        const float kernel = impl.KernelState(k, i);
        const float rest_i = impl.tables.params[rest].at(i);
        expected[i] = stored_relative ? kernel : absolute[i] - rest_i;
        if (stored_relative && dtype == Dtype::kFloat32) {
          ASSERT_EQ(std::memcmp(&expected[i], &impl.states[k][i], 4), 0);  // the stored value
        }
      }
      std::vector<float> got(37);
      ASSERT_TRUE(twin.RelativePotentials(got.data(), 37).ok());
      std::vector<Float16> got_half(37);
      ASSERT_TRUE(twin.RelativePotentials(got_half.data(), 37).ok());
      for (size_t i = 0; i < 37; ++i) {
        ASSERT_EQ(std::memcmp(&got[i], &expected[i], 4), 0) << DtypeName(dtype) << " " << i;
        ASSERT_EQ(got_half[i].bits, HalfFromFloat(expected[i])) << i;
        if (stored_relative && dtype == Dtype::kFloat16) {
          ASSERT_EQ(got_half[i].bits, impl.halves[k][i]) << i;  // the stored float16, exactly
        }
        relative[t * 37 + i] = got[i];
        halves[t * 37 + i] = got_half[i];
      }
      twin_bits.insert(twin_bits.end(), twin.spike_bits(), twin.spike_bits() + 5);
    }
    // One RunRelative of 5 steps on the first pool (float), then the same
    // again on a fresh pool (float16), equal the step-by-step reads.
    std::vector<float> run(5 * 37);
    size_t done = 0;
    ASSERT_TRUE(pool.RunRelative(currents.data(), 5, 37, bits.data(), run.data(), &done).ok());
    EXPECT_EQ(done, 5u);
    EXPECT_EQ(std::memcmp(run.data(), relative.data(), run.size() * 4), 0);
    EXPECT_EQ(bits, twin_bits);
    Pool again;
    ASSERT_TRUE(Pool::Create(config, &again).ok());
    std::vector<Float16> run_half(5 * 37);
    ASSERT_TRUE(again.RunRelative(currents.data(), 5, 37, bits.data(), run_half.data()).ok());
    for (size_t i = 0; i < run_half.size(); ++i) ASSERT_EQ(run_half[i].bits, halves[i].bits);
    // A null output skips the potentials; errors change nothing.
    ASSERT_TRUE(
        again.RunRelative(currents.data(), 1, 37, bits.data(), static_cast<float*>(nullptr), &done)
            .ok());
    EXPECT_EQ(done, 1u);
    const std::vector<float> before = again.Potentials();
    const Status wrong = again.RunRelative(currents.data(), 1, 36, bits.data(), run.data(), &done);
    EXPECT_NE(wrong.message().find("RunRelative needs 37 currents per step (got 36)"),
              std::string::npos)
        << wrong.message();
    EXPECT_EQ(done, 0u);
    EXPECT_EQ(again.Potentials(), before);
    std::vector<float> out(37);
    EXPECT_NE(again.RelativePotentials(out.data(), 36)
                  .message()
                  .find("RelativePotentials needs 37 values (one per neuron), got 36"),
              std::string::npos);
    EXPECT_FALSE(again.RelativePotentials(static_cast<float*>(nullptr), 37).ok());
    EXPECT_EQ(Pool().RelativePotentials(out.data(), 37).code(), StatusCode::kEmptyPool);
    EXPECT_EQ(Pool().RunRelative(currents.data(), 1, 37, bits.data(), out.data()).code(),
              StatusCode::kEmptyPool);
  }
}

// The float16 read goes through a fixed scratch buffer: pools longer than it
// (and not a multiple of it) read every neuron at its own place.
TEST(RelativePotentialsTest, Float16ReadsOfLongPoolsMatchTheFloatRead) {
  PoolConfig config{"", "IzhikevichSoma", 5000, 1.0, 0, {}, Dtype::kFloat32};
  std::vector<double> rest(5000);
  for (size_t i = 0; i < rest.size(); ++i) rest[i] = -65.0 - 0.001 * i;
  config.params["potential_rest"] = ParamValue::PerNeuron(rest);
  Pool pool;
  ASSERT_TRUE(Pool::Create(config, &pool).ok());
  std::vector<float> current(5000);
  for (size_t i = 0; i < current.size(); ++i) current[i] = 0.01f * i;
  for (int t = 0; t < 3; ++t) ASSERT_TRUE(pool.Step(current).ok());
  std::vector<float> relative(5000);
  std::vector<Float16> halves(5000);
  ASSERT_TRUE(pool.RelativePotentials(relative.data(), 5000).ok());
  ASSERT_TRUE(pool.RelativePotentials(halves.data(), 5000).ok());
  std::set<float> distinct;
  for (size_t i = 0; i < 5000; ++i) {
    ASSERT_EQ(halves[i].bits, HalfFromFloat(relative[i])) << i;
    distinct.insert(relative[i]);
  }
  EXPECT_GT(distinct.size(), 1000u);  // (every neuron has its own value)
}

TEST_P(PoolTest, PaddingLanesNeverSpikeNorTurnNonFinite) {
  for (size_t size : {1, 15, 17, 31}) {
    Pool pool = Make(size);
    ASSERT_GT(testing::PaddedSize(pool), size);
    const std::vector<float> strong(size, 1e6f);
    for (int t = 0; t < 200; ++t) {
      ASSERT_TRUE(pool.Step(strong).ok());
      const uint8_t* bits = pool.spike_bits();
      for (size_t i = size; i < testing::PaddedSize(pool); ++i) {
        ASSERT_EQ((bits[i / 8] >> (i % 8)) & 1, 0) << "padding lane " << i;
      }
      for (size_t k = 0; k < model().num_float_states; ++k) {
        for (size_t i = 0; i < testing::PaddedSize(pool); ++i)
          ASSERT_TRUE(std::isfinite(testing::StateArray(pool, k)[i]));
      }
    }
  }
}

TEST_P(PoolTest, NonFiniteCurrentsLeaveTheirNeuronsUnchanged) {
  std::mt19937 rng(5);
  testing::ForEachTarget([&](int64_t) {
    Pool pool = Make(40);
    Pool twin = Make(40);  // steps with the same finite inputs, zero where the other had NaN
    for (int t = 0; t < 20; ++t) {
      std::vector<float> current = testing::NoisyCurrent(model(), 40, &rng);
      ASSERT_TRUE(pool.Step(current).ok());
      ASSERT_TRUE(twin.Step(current).ok());
    }
    std::vector<std::vector<float>> before;
    for (size_t k = 0; k < model().num_float_states; ++k) {
      before.emplace_back(testing::StateArray(pool, k), testing::StateArray(pool, k) + 40);
    }
    const std::vector<uint16_t> counter_before =
        model().has_counter
            ? std::vector<uint16_t>(testing::CounterArray(pool), testing::CounterArray(pool) + 40)
            : std::vector<uint16_t>();
    std::vector<float> current = testing::NoisyCurrent(model(), 40, &rng);
    current[7] = std::numeric_limits<float>::quiet_NaN();
    current[8] = std::numeric_limits<float>::infinity();
    current[39] = -std::numeric_limits<float>::infinity();
    StepReport report;
    const Status s = pool.Step(current, &report);
    EXPECT_FALSE(s.ok());
    EXPECT_EQ(report.nonfinite_inputs, 3u);
    EXPECT_EQ(report.first_nonfinite, 7u);
    EXPECT_NE(s.message().find("3 non-finite"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("neuron 7"), std::string::npos) << s.message();
    std::vector<float> cleaned = current;
    for (size_t i : {7, 8, 39}) cleaned[i] = 0.0f;
    ASSERT_TRUE(twin.Step(cleaned).ok());
    for (size_t i = 0; i < 40; ++i) {
      const bool bad = i == 7 || i == 8 || i == 39;
      for (size_t k = 0; k < model().num_float_states; ++k) {
        const float expected = bad ? before[k][i] : testing::StateArray(twin, k)[i];
        EXPECT_EQ(testing::StateArray(pool, k)[i], expected) << "state " << k << " neuron " << i;
      }
      if (!bad) continue;
      if (model().has_counter) {
        EXPECT_EQ(testing::CounterArray(pool)[i], counter_before[i]);
      }
      EXPECT_EQ(pool.SpikesDense()[i], 0);
    }
  });
}

// The kernels check a group of input vectors at once by their sum: finite
// currents whose sum overflows send the group down the vector-by-vector
// path, which must step them exactly as any finite input (neuron by neuron
// as a one-neuron pool does) and report none of them. Non-finite currents
// in the last vector of a group are found too.
TEST_P(PoolTest, FiniteInputsThatOverflowAGroupSumStepAsAnyOther) {
  std::mt19937 rng(9);
  testing::ForEachTarget([&](int64_t) {
    constexpr size_t kSize = 160;
    Pool pool = Make(kSize);
    std::vector<Pool> singles;
    for (size_t i = 0; i < kSize; ++i) singles.push_back(Make(1));
    for (int t = 0; t < 3; ++t) {
      std::vector<float> current = testing::NoisyCurrent(model(), kSize, &rng);
      // Lanes of different vectors of one group on every target (AVX3
      // groups 64 neurons, AVX2 32, SSE4 16), both signs.
      for (size_t i : {1, 17, 33, 49, 66, 70, 100, 108}) {
        current[i] = (i % 3 ? 1.0f : -1.0f) * std::numeric_limits<float>::max();
      }
      StepReport report;
      ASSERT_TRUE(pool.Step(current, &report).ok());
      EXPECT_EQ(report.nonfinite_inputs, 0u);
      for (size_t i = 0; i < kSize; ++i) {
        ASSERT_TRUE(singles[i].Step(std::vector<float>{current[i]}).ok());
        for (size_t k = 0; k < model().num_float_states; ++k) {
          ASSERT_EQ(testing::StateArray(pool, k)[i], testing::StateArray(singles[i], k)[0])
              << "step " << t << " state " << k << " neuron " << i;
        }
        ASSERT_EQ(pool.SpikesDense()[i], singles[i].SpikesDense()[0]) << "neuron " << i;
      }
    }
    // A NaN in the last vector of a group, and an infinity in the last of the next.
    std::vector<float> current = testing::NoisyCurrent(model(), kSize, &rng);
    current[63] = std::numeric_limits<float>::quiet_NaN();
    current[127] = std::numeric_limits<float>::infinity();
    StepReport report;
    EXPECT_EQ(pool.Step(current, &report).code(), StatusCode::kNonFiniteInput);
    EXPECT_EQ(report.nonfinite_inputs, 2u);
    EXPECT_EQ(report.first_nonfinite, 63u);
  });
}

TEST_P(PoolTest, WrongCurrentCountChangesNothing) {
  Pool pool = Make(20);
  const std::vector<float> before = pool.Potentials();
  const Status s = pool.Step(std::vector<float>(19, 100.0f));
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("20 neurons"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("19"), std::string::npos) << s.message();
  EXPECT_EQ(pool.Potentials(), before);
  EXPECT_STREQ(pool.last_target_name(), "none");
}

TEST_P(PoolTest, NoNonFiniteStateUnderExtremeDrive) {
  // R * I = -1000 mV and +1000 mV for 100,000 steps; every other neuron gets
  // the largest finite current.
  const double r = model().params[model().ParamIndex("resistance")].default_value;
  for (double drive_mv : {-1000.0, 1000.0}) {
    Pool pool = Make(32);
    std::vector<float> current(32, static_cast<float>(drive_mv / r));
    for (size_t i = 1; i < 32; i += 2) {
      current[i] = std::copysign(std::numeric_limits<float>::max(), static_cast<float>(drive_mv));
    }
    for (int t = 0; t < 100000; ++t) ASSERT_TRUE(pool.Step(current).ok());
    for (size_t k = 0; k < model().num_float_states; ++k) {
      for (size_t i = 0; i < testing::PaddedSize(pool); ++i) {
        ASSERT_TRUE(std::isfinite(testing::StateArray(pool, k)[i]))
            << "state " << k << " neuron " << i;
      }
    }
    for (float v : pool.Potentials()) ASSERT_TRUE(std::isfinite(v));
  }
}

// Whether every lane's stored kernel constants are, bit for bit, the float
// of what the model's derive gives for that lane's parameters (padding
// lanes: the last neuron's); otherwise the first lane and constant that
// are not.
::testing::AssertionResult ConstantsAreDerives(const Pool& pool) {
  const PoolImpl& impl = Internals(pool);
  const ModelSpec& model = *impl.spec;
  for (size_t i = 0; i < impl.padded; ++i) {
    const size_t neuron = std::min(i, impl.size - 1);
    double p[kMaxParams];
    for (size_t q = 0; q < model.params.size(); ++q) p[q] = impl.tables.params[q].at(neuron);
    double k[kMaxConstants];
    model.derive(p, impl.dt, k);
    for (size_t c = 0; c < model.num_constants; ++c) {
      const ConstRef ref = impl.tables.refs[c];
      const float want = static_cast<float>(k[c]);
      if (std::memcmp(&ref.data[i & ref.mask], &want, sizeof(float)) != 0) {
        return ::testing::AssertionFailure()
               << model.name << ": constant " << c << " of lane " << i << " is "
               << ref.data[i & ref.mask] << ", derive gives " << want;
      }
    }
  }
  return ::testing::AssertionSuccess();
}

// Pools validated and derived in chunks of 65,536 neurons (in rows of 32)
// store every constant as derive gives it, whichever neurons vary: one in
// the middle of a row of a middle chunk, the last (a partial row), every
// neuron but neuron 0, or none (every parameter given per neuron, varied by
// 0.1% where it varies); a constant that no neuron varies is stored shared.
// A constant that differs from neuron 0's in its sign bit only
// (AdaptiveExponentialSoma's a, which the kernel takes as given: -0 at one
// neuron, 0 elsewhere) is kept as given.
TEST(ConstantsTest, EveryStoredConstantIsDerivesForItsNeuron) {
  const size_t n = 2 * 65536 + 77;
  for (const ModelSpec& model : BuiltinRegistry().models()) {
    for (const std::vector<size_t>& varied :
         {std::vector<size_t>{65536 + 32 * 5 + 7}, std::vector<size_t>{n - 1},
          std::vector<size_t>{}, std::vector<size_t>{1}}) {
      const bool all_but_first = varied == std::vector<size_t>{1};
      PoolConfig config;
      config.model = model.name;
      config.size = n;
      for (const ParamSpec& param : model.params) {
        std::vector<double> values(n, param.default_value);
        if (all_but_first) {
          std::fill(values.begin() + 1, values.end(), param.default_value * 1.001);
        } else {
          for (const size_t i : varied) values[i] = param.default_value * 1.001;
        }
        config.params[param.name] = ParamValue::PerNeuron(std::move(values));
      }
      Pool pool;
      const Status created = Pool::Create(config, &pool);
      ASSERT_TRUE(created.ok()) << created.message();
      EXPECT_TRUE(ConstantsAreDerives(pool))
          << (all_but_first    ? "all but neuron 0 varied"
              : varied.empty() ? "none varied"
                               : "neuron " + std::to_string(varied[0]) + " varied");
      EXPECT_EQ(Internals(pool).tables.all_shared, varied.empty()) << model.name;
      if (model.name == "AdaptiveExponentialSoma" && varied.empty()) {
        std::vector<double> a(n, 0.0);
        a[70000] = -0.0;
        config.params["adaptation_subthreshold"] = ParamValue::PerNeuron(a);
        Pool signed_zero;
        ASSERT_TRUE(Pool::Create(config, &signed_zero).ok());
        EXPECT_TRUE(ConstantsAreDerives(signed_zero)) << "a = -0 at neuron 70000";
        EXPECT_FALSE(Internals(signed_zero).tables.all_shared);
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllModels, PoolTest,
                         ::testing::ValuesIn(testing::OnEveryTarget(testing::ModelNames())),
                         testing::CaseName);

}  // namespace
}  // namespace somas

namespace somas {
namespace {

// A pool's large arrays start at distinct places within a 64 KiB window
// (engine/aligned.h), each at its slot's offset, so that the streams of a
// step never share L1 or L2 sets; clones and checkpoint loads keep it.
TEST(PlacementTest, LargeArraysGetDistinctCacheSets) {
  testing::Scenario sc = testing::MakeScenario(
      *BuiltinRegistry().Find("AdaptiveExponentialSoma", nullptr), 1 << 20, 1.0, true, 3);
  Pool pool;
  ASSERT_TRUE(Pool::Create(sc.config, &pool).ok());
  Pool clone;
  ASSERT_TRUE(pool.Clone(&clone).ok());
  std::string bytes;
  ASSERT_TRUE(pool.SaveToBuffer(&bytes).ok());
  Pool loaded;
  ASSERT_TRUE(pool.Clone(&loaded).ok());
  ASSERT_TRUE(loaded.LoadFromBuffer(bytes).ok());
  for (const Pool* p : {&pool, &clone, &loaded}) {
    const PoolImpl& impl = Internals(*p);
    std::vector<std::pair<const void*, size_t>> arrays;  // (start, slot)
    for (size_t k = 0; k < impl.states.size(); ++k) {
      arrays.push_back({impl.states[k].data(), kSlotStates + k});
    }
    if (impl.counter.size()) arrays.push_back({impl.counter.data(), kSlotCounter});
    for (size_t c = 0; c < impl.tables.constants.size(); ++c) {
      if (impl.tables.constants[c].size() > kBlock) {
        arrays.push_back({impl.tables.constants[c].data(), kSlotConstants + c});
      }
    }
    for (size_t k = 0; k < impl.tables.params.size(); ++k) {
      if (impl.tables.params[k].per_neuron) {
        arrays.push_back({impl.tables.params[k].values.data(), kSlotParams + k});
      }
    }
    ASSERT_GT(arrays.size(), 20u);
    std::set<size_t> l1_sets, l2_sets;
    for (auto [start, slot] : arrays) {
      const size_t offset = reinterpret_cast<uintptr_t>(start) % kPlacementPeriod;
      EXPECT_EQ(offset, slot * kPlacementStride % kPlacementPeriod) << "slot " << slot;
      EXPECT_EQ(offset % 64, 0u);
      l1_sets.insert(offset / 64 % 64);
      l2_sets.insert(offset / 64);
    }
    EXPECT_EQ(l1_sets.size(), arrays.size());
    EXPECT_EQ(l2_sets.size(), arrays.size());
  }
  // Small arrays are left where the allocator puts them (still 64-byte aligned).
  Pool small = testing::MakePool("LeakySoma", 100);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(Internals(small).states[0].data()) % 64, 0u);
}

}  // namespace
}  // namespace somas
