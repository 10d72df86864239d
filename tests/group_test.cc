// Pool groups (Pool::CreateGroup): members that are ordinary pools in every
// respect, whose consecutive entries StepPools steps with one kernel call
// exactly when docs say it does, with the results of stepping them alone.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "engine/parallel.h"
#include "somas/somas.h"
#include "tests/scenarios.h"

namespace somas {
namespace {

class GroupTest : public ::testing::Test {
 protected:
  void TearDown() override {
    ASSERT_TRUE(SetThreads(0).ok());
    SetChunkNeuronsForTest(0);
  }
};

// A group's configs: sizes with members that are not multiples of kBlock
// (one in the middle, one last), one member at another dt (other
// constants), and one with jittered per-neuron parameters.
std::vector<PoolConfig> MixedConfigs(const std::string& model, Dtype dtype) {
  const size_t sizes[] = {64, 1024, 48, 50, 32, 16, 96, 16, 33};
  std::vector<PoolConfig> configs;
  for (size_t i = 0; i < std::size(sizes); ++i) {
    PoolConfig c;
    if (i == 6) {
      Status error;
      const ModelSpec* spec = BuiltinRegistry().Find(model, &error);
      EXPECT_NE(spec, nullptr) << error.message();
      c = testing::MakeScenario(*spec, sizes[i], 1.0, true, 9).config;
    }
    c.model = model;
    c.size = sizes[i];
    c.dt = i == 4 ? 0.5 : 1.0;
    c.name = "member" + std::to_string(i);
    c.seed = 3;
    c.dtype = dtype;
    configs.push_back(c);
  }
  return configs;
}

// Steps `pools` through StepPools with slices of one current array (what
// lets consecutive members run as one) and returns its status.
Status StepSlices(std::vector<Pool*> pools, const std::vector<float>& current,
                  std::vector<PoolStep>* steps) {
  steps->clear();
  size_t offset = 0;
  for (Pool* p : pools) {
    steps->push_back({p, current.data() + offset, p->size(), {}});
    offset += p->size();
  }
  return StepPools(steps->data(), steps->size());
}

TEST_F(GroupTest, MembersStepExactlyAsSeparatePools) {
  for (const std::string& model : testing::ModelNames()) {
    for (Dtype dtype : {Dtype::kFloat32, Dtype::kFloat16}) {
      for (size_t threads : {1, 2}) {
        SCOPED_TRACE(model + " " + DtypeName(dtype) + " threads " + std::to_string(threads));
        ASSERT_TRUE(SetThreads(threads).ok());
        SetChunkNeuronsForTest(threads == 2 ? 256 : 0);  // (chunks inside a run)
        const std::vector<PoolConfig> configs = MixedConfigs(model, dtype);
        std::vector<Pool> group, alone(configs.size());
        ASSERT_TRUE(Pool::CreateGroup(configs, &group).ok());
        ASSERT_EQ(group.size(), configs.size());
        size_t total = 0;
        for (size_t i = 0; i < configs.size(); ++i) {
          ASSERT_TRUE(Pool::Create(configs[i], &alone[i]).ok());
          EXPECT_TRUE(testing::Snapshot(group[i]) == testing::Snapshot(alone[i])) << i;
          total += configs[i].size;
        }
        std::vector<Pool*> members;
        for (Pool& p : group) members.push_back(&p);
        std::mt19937 rng(5);
        std::vector<PoolStep> steps;
        for (int t = 0; t < 12; ++t) {
          std::vector<float> current = testing::NoisyCurrent(group[0].model(), total, &rng);
          for (float& x : current) x *= 1.5f;  // (spikes in a few steps)
          ASSERT_TRUE(StepSlices(members, current, &steps).ok());
          size_t offset = 0;
          for (size_t i = 0; i < group.size(); ++i) {
            ASSERT_TRUE(alone[i].Step(current.data() + offset, alone[i].size()).ok());
            offset += alone[i].size();
            ASSERT_EQ(group[i].SpikeIndices(), alone[i].SpikeIndices()) << i << " step " << t;
            EXPECT_STREQ(group[i].last_target_name(), alone[i].last_target_name());
          }
        }
        for (size_t i = 0; i < group.size(); ++i) {
          EXPECT_TRUE(testing::Snapshot(group[i]) == testing::Snapshot(alone[i])) << i;
        }
      }
    }
  }
}

// LeakySoma's kernel, counting its calls: how a test sees which entries
// StepPools stepped together.
std::atomic<int> kernel_calls{0};
KernelFn leaky_kernel = nullptr;
void CountedKernel(const KernelArgs& args, KernelResult* result) {
  ++kernel_calls;
  leaky_kernel(args, result);
}

const Registry& CountedRegistry() {
  static const Registry* registry = [] {
    auto* r = new Registry();
    Status error;
    ModelSpec m = *BuiltinRegistry().Find("LeakySoma", &error);
    leaky_kernel = m.kernel;
    m.name = "CountedLeakySoma";
    m.kernel = CountedKernel;
    EXPECT_TRUE(r->Add(m).ok());
    return r;
  }();
  return *registry;
}

std::vector<Pool> CountedGroup(const std::vector<size_t>& sizes, Dtype dtype = Dtype::kFloat32) {
  std::vector<PoolConfig> configs;
  for (size_t n : sizes) {
    PoolConfig c;
    c.model = "CountedLeakySoma";
    c.size = n;
    c.dtype = dtype;
    configs.push_back(c);
  }
  std::vector<Pool> group;
  const Status s = Pool::CreateGroup(configs, &group, CountedRegistry());
  EXPECT_TRUE(s.ok()) << s.message();
  return group;
}

// Kernel calls made by one StepPools call over `pools` with slices of one array.
int CallsFor(const std::vector<Pool*>& pools) {
  size_t total = 0;
  for (Pool* p : pools) total += p->size();
  std::vector<PoolStep> steps;
  kernel_calls = 0;
  EXPECT_TRUE(StepSlices(pools, std::vector<float>(total, 300.0f), &steps).ok());
  return kernel_calls;
}

TEST_F(GroupTest, ConsecutiveMembersRunAsOneKernelCall) {
  ASSERT_TRUE(SetThreads(1).ok());
  std::vector<Pool> g = CountedGroup({16, 1024, 48, 50, 32, 33});
  EXPECT_EQ(CallsFor({&g[0], &g[1], &g[2], &g[3]}), 1);  // (the last may be any size)
  EXPECT_EQ(CallsFor({&g[3], &g[4]}), 2);                // 50 is not whole blocks
  EXPECT_EQ(CallsFor({&g[4], &g[5]}), 1);
  EXPECT_EQ(CallsFor({&g[0], &g[1], &g[2], &g[3], &g[4], &g[5]}), 2);
  EXPECT_EQ(CallsFor({&g[1], &g[0]}), 2);  // out of the group's order
  EXPECT_EQ(CallsFor({&g[0], &g[2]}), 2);  // not consecutive members
  // Entries that continue each other but not one array of currents.
  std::vector<float> a(16, 300.0f), b(1024, 300.0f);
  std::vector<PoolStep> steps = {{&g[0], a.data(), 16, {}}, {&g[1], b.data(), 1024, {}}};
  kernel_calls = 0;
  ASSERT_TRUE(StepPools(steps.data(), steps.size()).ok());
  EXPECT_EQ(kernel_calls, 2);
  // With hooks, every member is stepped alone.
  StepHooks hooks;
  hooks.before = [](const StepChunk&) { return Status(); };
  std::vector<float> ab(16 + 1024, 300.0f);
  steps = {{&g[0], ab.data(), 16, {}}, {&g[1], ab.data() + 16, 1024, {}}};
  kernel_calls = 0;
  ASSERT_TRUE(StepPools(steps.data(), steps.size(), hooks).ok());
  EXPECT_EQ(kernel_calls, 2);
  // Hooks with neither function set are no hooks.
  kernel_calls = 0;
  ASSERT_TRUE(StepPools(steps.data(), steps.size(), StepHooks()).ok());
  EXPECT_EQ(kernel_calls, 1);
}

TEST_F(GroupTest, OnlyMembersOfOneGroupWithEqualConstantsRunTogether) {
  ASSERT_TRUE(SetThreads(1).ok());
  std::vector<Pool> g = CountedGroup({1024, 16}), h = CountedGroup({1024, 16});
  // h[1] starts where g[0] would end in its own group, but it is another group's.
  EXPECT_EQ(CallsFor({&g[0], &h[1]}), 2);
  EXPECT_EQ(CallsFor({&g[0], &g[1]}), 1);
  // Independent pools.
  Pool a, b;
  PoolConfig c;
  c.model = "CountedLeakySoma";
  c.size = 16;
  ASSERT_TRUE(Pool::Create(c, &a, CountedRegistry()).ok());
  ASSERT_TRUE(Pool::Create(c, &b, CountedRegistry()).ok());
  EXPECT_EQ(CallsFor({&a, &b}), 2);
  // A clone of a member is no member, wherever the member was (here
  // right after a pool of 16 neurons).
  std::vector<Pool> pair = CountedGroup({16, 16});
  Pool clone;
  ASSERT_TRUE(pair[1].Clone(&clone).ok());
  EXPECT_EQ(CallsFor({&a, &clone}), 2);
  // Another parameter value, then back: constants decide.
  ASSERT_TRUE(g[1].SetParam("threshold", ParamValue::Shared(-45.0)).ok());
  EXPECT_EQ(CallsFor({&g[0], &g[1]}), 2);
  ASSERT_TRUE(g[1].SetParam("threshold", ParamValue::Shared(-40.0)).ok());
  EXPECT_EQ(CallsFor({&g[0], &g[1]}), 1);
  // 0 and -0 are different bits (a kernel may tell them apart).
  ASSERT_TRUE(g[1].SetParam("resistance", ParamValue::Shared(-0.0)).ok());
  ASSERT_TRUE(g[0].SetParam("resistance", ParamValue::Shared(0.0)).ok());
  EXPECT_EQ(CallsFor({&g[0], &g[1]}), 2);
  ASSERT_TRUE(g[0].SetParam("resistance", ParamValue::Shared(-0.0)).ok());
  EXPECT_EQ(CallsFor({&g[0], &g[1]}), 1);
  // Per-neuron constants: each pool's own arrays.
  std::vector<double> thresholds(16, -40.0);
  thresholds[3] = -35.0;
  ASSERT_TRUE(g[1].SetParam("threshold", ParamValue::PerNeuron(thresholds)).ok());
  EXPECT_EQ(CallsFor({&g[0], &g[1]}), 2);
  // Per-neuron values that are all the same give shared constants.
  thresholds[3] = -40.0;
  ASSERT_TRUE(g[1].SetParam("threshold", ParamValue::PerNeuron(thresholds)).ok());
  EXPECT_EQ(CallsFor({&g[0], &g[1]}), 1);
  // float16 members are stepped each on its own (widened tile by tile).
  std::vector<Pool> f = CountedGroup({1024, 16}, Dtype::kFloat16);
  EXPECT_EQ(CallsFor({&f[0], &f[1]}), 2);
}

TEST_F(GroupTest, NonFiniteCurrentsAreReportedByTheirOwnMember) {
  for (size_t threads : {1, 2}) {
    ASSERT_TRUE(SetThreads(threads).ok());
    std::vector<Pool> g = CountedGroup({32, 1024, 35}), alone;
    for (const Pool& p : g) {
      alone.emplace_back();
      ASSERT_TRUE(p.Clone(&alone.back()).ok());
    }
    std::vector<float> current(32 + 1024 + 35, 400.0f);
    current[32 + 700] = NAN;
    current[32 + 900] = -INFINITY;
    current[32 + 1024 + 34] = INFINITY;  // (the last member's last, partial block)
    std::vector<PoolStep> steps;
    std::vector<Pool*> members = {&g[0], &g[1], &g[2]};
    SetChunkNeuronsForTest(threads == 2 ? 256 : 0);
    kernel_calls = 0;
    const Status s = StepSlices(members, current, &steps);
    EXPECT_EQ(kernel_calls, threads == 1 ? 1 : 5);  // (1,104 lanes in chunks of 256)
    EXPECT_EQ(s.code(), StatusCode::kNonFiniteInput);
    EXPECT_NE(s.message().find("CountedLeakySoma pool: 2 non-finite input current(s), first at "
                               "neuron 700 (nan pA)"),
              std::string::npos)
        << s.message();
    EXPECT_EQ(steps[0].report.nonfinite_inputs, 0u);
    EXPECT_EQ(steps[1].report.nonfinite_inputs, 2u);
    EXPECT_EQ(steps[1].report.first_nonfinite, 700u);
    EXPECT_EQ(steps[2].report.nonfinite_inputs, 1u);
    EXPECT_EQ(steps[2].report.first_nonfinite, 34u);
    size_t offset = 0;
    for (size_t i = 0; i < g.size(); ++i) {
      StepReport report;
      (void)alone[i].Step(current.data() + offset, alone[i].size(), &report);
      offset += alone[i].size();
      EXPECT_TRUE(testing::Snapshot(g[i]) == testing::Snapshot(alone[i])) << i;
    }
  }
}

TEST_F(GroupTest, MembersAreOrdinaryPools) {
  ASSERT_TRUE(SetThreads(1).ok());
  std::vector<Pool> g = CountedGroup({16, 1024, 16});
  std::vector<Pool*> all = {&g[0], &g[1], &g[2]};
  std::vector<float> current(16 + 1024 + 16, 380.0f);
  std::vector<PoolStep> steps;
  for (int t = 0; t < 5; ++t) ASSERT_TRUE(StepSlices(all, current, &steps).ok());
  // A member stepped, set or reset alone touches only its own neurons.
  const std::string s0 = testing::Snapshot(g[0]), s2 = testing::Snapshot(g[2]);
  ASSERT_TRUE(g[1].Step(current.data(), 1024).ok());
  ASSERT_TRUE(g[1].SetState("potential", 0, -30.0f).ok());
  ASSERT_TRUE(g[1].SetState("potential", 1023, -30.0f).ok());
  EXPECT_TRUE(testing::Snapshot(g[0]) == s0);
  EXPECT_TRUE(testing::Snapshot(g[2]) == s2);
  // A clone owns its arrays: changing either leaves the other as it was,
  // and the clone never runs with the group.
  Pool clone;
  ASSERT_TRUE(g[1].Clone(&clone).ok());
  const std::string c0 = testing::Snapshot(clone);
  ASSERT_TRUE(g[1].Step(current.data(), 1024).ok());
  ASSERT_TRUE(g[1].SetState("potential", 7, -30.0f).ok());
  EXPECT_TRUE(testing::Snapshot(clone) == c0);
  ASSERT_TRUE(clone.Step(current.data(), 1024).ok());
  EXPECT_FALSE(testing::Snapshot(clone) == c0);
  const std::string g1 = testing::Snapshot(g[1]);
  EXPECT_EQ(CallsFor({&g[0], &clone}), 2);
  EXPECT_TRUE(testing::Snapshot(g[1]) == g1);
  // A checkpoint loaded into a member stays in the group's arrays.
  const std::string c1 = testing::Snapshot(clone);
  ASSERT_TRUE(g[1].LoadFromBuffer(c1).ok());
  EXPECT_TRUE(testing::Snapshot(g[1]) == c1);
  EXPECT_EQ(CallsFor(all), 1);
  ASSERT_TRUE(clone.Step(std::vector<float>(1024, 300.0f)).ok());  // (as CallsFor stepped g[1])
  EXPECT_TRUE(testing::Snapshot(g[1]) == testing::Snapshot(clone));
  ASSERT_TRUE(g[1].Reset().ok());
  ASSERT_TRUE(clone.Reset().ok());
  EXPECT_TRUE(testing::Snapshot(g[1]) == testing::Snapshot(clone));
  // Members outlive one another and the vector, in any order, and step on
  // as a pool of their own would.
  Pool own;
  ASSERT_TRUE(g[2].Clone(&own).ok());
  Pool last = std::move(g[2]);
  Pool first = std::move(g[0]);
  g.clear();
  first = Pool();
  size_t spikes = 0;
  for (int t = 0; t < 40; ++t) {
    ASSERT_TRUE(last.Step(current.data(), 16).ok());
    ASSERT_TRUE(own.Step(current.data(), 16).ok());
    ASSERT_EQ(last.SpikeIndices(), own.SpikeIndices());
    spikes += last.SpikeCount();
  }
  EXPECT_GT(spikes, 0u);
  EXPECT_TRUE(testing::Snapshot(last) == testing::Snapshot(own));
}

TEST_F(GroupTest, BadGroupsBuildNothing) {
  std::vector<Pool> out(2);
  const Pool* before = &out[0];
  PoolConfig leaky;
  leaky.model = "LeakySoma";
  leaky.size = 10;
  PoolConfig izh = leaky;
  izh.model = "IzhikevichSoma";
  PoolConfig half = leaky;
  half.dtype = Dtype::kFloat16;
  PoolConfig bad = leaky;
  bad.params["potential_tau"] = ParamValue::Shared(-1.0);
  struct Case {
    std::vector<PoolConfig> configs;
    std::string message;
  } cases[] = {
      {{}, "Pool::CreateGroup: a group needs at least one pool"},
      {{leaky, leaky, bad},
       "Pool::CreateGroup: entry 2: LeakySoma: potential_tau = -1 ms: must be > 0"},
      {{leaky, izh},
       "Pool::CreateGroup: entry 1: IzhikevichSoma, float32: a group's pools share "
       "one model and dtype, and entry 0 is LeakySoma, float32"},
      {{leaky, half},
       "entry 1: LeakySoma, float16: a group's pools share one model and dtype, "
       "and entry 0 is LeakySoma, float32"},
  };
  for (const Case& c : cases) {
    const Status s = Pool::CreateGroup(c.configs, &out);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find(c.message), std::string::npos) << s.message();
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(&out[0], before);
    EXPECT_FALSE(out[0].valid());
  }
  EXPECT_NE(Pool::CreateGroup({leaky}, nullptr)
                .message()
                .find("Pool::CreateGroup: the output vector is null"),
            std::string::npos);
  ASSERT_TRUE(Pool::CreateGroup({leaky}, &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].size(), 10u);
}

}  // namespace
}  // namespace somas
