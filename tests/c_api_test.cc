// The C ABI's argument checks: every entry point, each pointer argument NULL
// in turn, answers SOMAS_ERR_ARGUMENT with a message naming the call and the
// argument, writes no output it was not asked for, and changes no pool. Also
// the codes: each SOMAS_ERR_* is its somas::StatusCode.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "somas/somas.h"
#include "somas/somas_c.h"

namespace {

static_assert(SOMAS_OK == static_cast<int>(somas::StatusCode::kOk));
static_assert(SOMAS_ERR_INVALID == static_cast<int>(somas::StatusCode::kInvalidArgument));
static_assert(SOMAS_ERR_NONFINITE == static_cast<int>(somas::StatusCode::kNonFiniteInput));
static_assert(SOMAS_ERR_IO == static_cast<int>(somas::StatusCode::kIo));
static_assert(SOMAS_ERR_CHECKPOINT == static_cast<int>(somas::StatusCode::kBadCheckpoint));
static_assert(SOMAS_ERR_MEMORY == static_cast<int>(somas::StatusCode::kOutOfMemory));
static_assert(SOMAS_ERR_EMPTY == static_cast<int>(somas::StatusCode::kEmptyPool));
static_assert(SOMAS_ERR_INTERNAL == static_cast<int>(somas::StatusCode::kInternal));
static_assert(SOMAS_ERR_HOOK == static_cast<int>(somas::StatusCode::kHookFailed));

constexpr size_t kSize = 40;

// A pool that has stepped (so spikes and states are not trivial).
somas_pool* MakePool() {
  somas_pool* pool = nullptr;
  EXPECT_EQ(somas_pool_create(R"({"model": "AdaptiveLeakySoma", "size": 40})", &pool), SOMAS_OK);
  std::vector<float> current(kSize, 300.0f);
  for (int t = 0; t < 4; ++t) EXPECT_EQ(somas_pool_step(pool, current.data(), kSize), SOMAS_OK);
  for (size_t i = 0; i < kSize; i += 3) current[i] = 6000.0f;  // every third neuron spikes
  EXPECT_EQ(somas_pool_step(pool, current.data(), kSize), SOMAS_OK);
  return pool;
}

// Everything a pool holds that the C ABI shows.
std::vector<float> Observe(const somas_pool* pool) {
  std::vector<float> all;
  for (const char* state : {"potential", "adaptive_threshold", "refractory_steps"}) {
    std::vector<float> v(kSize);
    EXPECT_EQ(somas_pool_get_state(pool, state, v.data(), kSize), SOMAS_OK);
    all.insert(all.end(), v.begin(), v.end());
  }
  std::vector<float> threshold(kSize);
  EXPECT_EQ(somas_pool_get_param(pool, "threshold", threshold.data(), kSize), SOMAS_OK);
  all.insert(all.end(), threshold.begin(), threshold.end());
  size_t spikes = 0;
  EXPECT_EQ(somas_pool_spike_count(pool, &spikes), SOMAS_OK);
  all.push_back(static_cast<float>(spikes));
  return all;
}

struct NullCase {
  const char* expected;  // the message
  std::function<int(somas_pool*)> call;
};

TEST(CApiTest, EveryNullArgumentIsNamedAndChangesNothing) {
  somas_pool* pool = MakePool();
  somas_pool* other = MakePool();
  const std::vector<float> before = Observe(pool);
  std::vector<float> floats(kSize, -55.0f);
  std::vector<double> doubles(kSize, -45.0);
  uint32_t indices[kSize];
  size_t count = 0;
  somas_pool* made = reinterpret_cast<somas_pool*>(&count);  // must be set to NULL
  const float* currents[2] = {floats.data(), floats.data()};
  somas_pool* const pools[2] = {pool, other};
  const size_t sizes[2] = {kSize, kSize};
  const char* names[2] = {"threshold", "potential_reset"};
  const char* null_name[2] = {"threshold", nullptr};
  const double reset = -70.0;
  const double* values[2] = {doubles.data(), &reset};
  const double* null_values[2] = {doubles.data(), nullptr};
  const size_t lengths[2] = {kSize, 1};
  uint8_t bits[kSize / 8];
  uint16_t halves[kSize] = {};
  const char* group_jsons[2] = {R"({"model": "LeakySoma", "size": 16})",
                                R"({"model": "LeakySoma", "size": 3})"};
  const char* null_json[2] = {group_jsons[0], nullptr};
  const std::vector<NullCase> cases = {
      {"somas_set_simd_target: name is NULL",
       [&](somas_pool*) { return somas_set_simd_target(nullptr); }},
      {"somas_pool_create: pool_json is NULL",
       [&](somas_pool*) { return somas_pool_create(nullptr, &made); }},
      {"somas_pool_create: out is NULL",
       [&](somas_pool*) {
         return somas_pool_create(R"({"model": "LeakySoma", "size": 1})", nullptr);
       }},
      {"somas_pool_create_group: pool_jsons is NULL",
       [&](somas_pool*) { return somas_pool_create_group(nullptr, 1, &made); }},
      {"somas_pool_create_group: out is NULL",
       [&](somas_pool*) { return somas_pool_create_group(group_jsons, 2, nullptr); }},
      {"somas_pool_create_group: entry 0: pool_json is NULL",
       [&](somas_pool*) { return somas_pool_create_group(null_json + 1, 1, &made); }},
      {"somas_pool_create_from_checkpoint: path is NULL",
       [&](somas_pool*) { return somas_pool_create_from_checkpoint(nullptr, &made); }},
      {"somas_pool_create_from_checkpoint: out is NULL",
       [&](somas_pool*) { return somas_pool_create_from_checkpoint("x.ckpt", nullptr); }},
      {"somas_pool_clone: pool is NULL",
       [&](somas_pool*) { return somas_pool_clone(nullptr, &made); }},
      {"somas_pool_clone: out is NULL",
       [&](somas_pool* p) { return somas_pool_clone(p, nullptr); }},
      {"somas_pool_step: pool is NULL",
       [&](somas_pool*) { return somas_pool_step(nullptr, floats.data(), kSize); }},
      {"somas_pool_step: current_pA is NULL",
       [&](somas_pool* p) { return somas_pool_step(p, nullptr, kSize); }},
      {"somas_pool_step_f16: pool is NULL",
       [&](somas_pool*) { return somas_pool_step_f16(nullptr, halves, kSize); }},
      {"somas_pool_step_f16: current_f16 is NULL",
       [&](somas_pool* p) { return somas_pool_step_f16(p, nullptr, kSize); }},
      {"somas_step_pools: pools is NULL",
       [&](somas_pool*) { return somas_step_pools(nullptr, currents, sizes, 2); }},
      {"somas_step_pools: currents is NULL",
       [&](somas_pool*) { return somas_step_pools(pools, nullptr, sizes, 2); }},
      {"somas_step_pools: n is NULL",
       [&](somas_pool*) { return somas_step_pools(pools, currents, nullptr, 2); }},
      {"somas_step_pools: pools[1] is NULL",
       [&](somas_pool* p) {
         somas_pool* const some[2] = {p, nullptr};
         return somas_step_pools(some, currents, sizes, 2);
       }},
      {"somas_step_pools: currents[1] is NULL",
       [&](somas_pool*) {
         const float* some[2] = {floats.data(), nullptr};
         return somas_step_pools(pools, some, sizes, 2);
       }},
      {"somas_pool_reset: pool is NULL", [&](somas_pool*) { return somas_pool_reset(nullptr); }},
      {"somas_pool_spike_count: pool is NULL",
       [&](somas_pool*) { return somas_pool_spike_count(nullptr, &count); }},
      {"somas_pool_spike_count: count is NULL",
       [&](somas_pool* p) { return somas_pool_spike_count(p, nullptr); }},
      {"somas_pool_spike_indices: pool is NULL",
       [&](somas_pool*) { return somas_pool_spike_indices(nullptr, indices, kSize, &count); }},
      {"somas_pool_spike_indices: count is NULL",
       [&](somas_pool* p) { return somas_pool_spike_indices(p, indices, kSize, nullptr); }},
      {"somas_pool_spike_indices: out is NULL",
       [&](somas_pool* p) { return somas_pool_spike_indices(p, nullptr, 1, &count); }},
      {"somas_pool_potentials: pool is NULL",
       [&](somas_pool*) { return somas_pool_potentials(nullptr, floats.data(), kSize); }},
      {"somas_pool_potentials: out_mV is NULL",
       [&](somas_pool* p) { return somas_pool_potentials(p, nullptr, kSize); }},
      {"somas_pool_set_potentials: pool is NULL",
       [&](somas_pool*) { return somas_pool_set_potentials(nullptr, floats.data(), kSize); }},
      {"somas_pool_set_potentials: mV is NULL",
       [&](somas_pool* p) { return somas_pool_set_potentials(p, nullptr, kSize); }},
      {"somas_pool_get_state: pool is NULL",
       [&](somas_pool*) {
         return somas_pool_get_state(nullptr, "potential", floats.data(), kSize);
       }},
      {"somas_pool_get_state: name is NULL",
       [&](somas_pool* p) { return somas_pool_get_state(p, nullptr, floats.data(), kSize); }},
      {"somas_pool_get_state: out is NULL",
       [&](somas_pool* p) { return somas_pool_get_state(p, "potential", nullptr, kSize); }},
      {"somas_pool_set_state: pool is NULL",
       [&](somas_pool*) {
         return somas_pool_set_state(nullptr, "potential", floats.data(), kSize);
       }},
      {"somas_pool_set_state: name is NULL",
       [&](somas_pool* p) { return somas_pool_set_state(p, nullptr, floats.data(), kSize); }},
      {"somas_pool_set_state: values is NULL",
       [&](somas_pool* p) { return somas_pool_set_state(p, "potential", nullptr, kSize); }},
      {"somas_pool_set_state_at: pool is NULL",
       [&](somas_pool*) { return somas_pool_set_state_at(nullptr, "potential", 0, -50.0f); }},
      {"somas_pool_set_state_at: name is NULL",
       [&](somas_pool* p) { return somas_pool_set_state_at(p, nullptr, 0, -50.0f); }},
      {"somas_pool_get_param: pool is NULL",
       [&](somas_pool*) {
         return somas_pool_get_param(nullptr, "threshold", floats.data(), kSize);
       }},
      {"somas_pool_get_param: name is NULL",
       [&](somas_pool* p) { return somas_pool_get_param(p, nullptr, floats.data(), kSize); }},
      {"somas_pool_get_param: out is NULL",
       [&](somas_pool* p) { return somas_pool_get_param(p, "threshold", nullptr, kSize); }},
      {"somas_pool_set_param: pool is NULL",
       [&](somas_pool*) { return somas_pool_set_param(nullptr, "threshold", -45.0); }},
      {"somas_pool_set_param: name is NULL",
       [&](somas_pool* p) { return somas_pool_set_param(p, nullptr, -45.0); }},
      {"somas_pool_set_param_values: pool is NULL",
       [&](somas_pool*) {
         return somas_pool_set_param_values(nullptr, "threshold", doubles.data(), kSize);
       }},
      {"somas_pool_set_param_values: name is NULL",
       [&](somas_pool* p) {
         return somas_pool_set_param_values(p, nullptr, doubles.data(), kSize);
       }},
      {"somas_pool_set_param_values: values is NULL",
       [&](somas_pool* p) { return somas_pool_set_param_values(p, "threshold", nullptr, kSize); }},
      {"somas_pool_run: pool is NULL",
       [&](somas_pool*) {
         return somas_pool_run(nullptr, floats.data(), 1, kSize, bits, nullptr, nullptr);
       }},
      {"somas_pool_run: currents_pA is NULL",
       [&](somas_pool* p) { return somas_pool_run(p, nullptr, 1, kSize, bits, nullptr, nullptr); }},
      {"somas_pool_run: spike_bits_out is NULL",
       [&](somas_pool* p) {
         return somas_pool_run(p, floats.data(), 1, kSize, nullptr, nullptr, nullptr);
       }},
      {"somas_pool_run_relative: pool is NULL",
       [&](somas_pool*) {
         return somas_pool_run_relative(nullptr, floats.data(), 1, kSize, bits, nullptr, nullptr);
       }},
      {"somas_pool_run_relative: currents_pA is NULL",
       [&](somas_pool* p) {
         return somas_pool_run_relative(p, nullptr, 1, kSize, bits, nullptr, nullptr);
       }},
      {"somas_pool_run_relative: spike_bits_out is NULL",
       [&](somas_pool* p) {
         return somas_pool_run_relative(p, floats.data(), 1, kSize, nullptr, nullptr, nullptr);
       }},
      {"somas_pool_run_relative_f16: pool is NULL",
       [&](somas_pool*) {
         return somas_pool_run_relative_f16(nullptr, floats.data(), 1, kSize, bits, halves,
                                            nullptr);
       }},
      {"somas_pool_run_relative_f16: currents_pA is NULL",
       [&](somas_pool* p) {
         return somas_pool_run_relative_f16(p, nullptr, 1, kSize, bits, halves, nullptr);
       }},
      {"somas_pool_run_relative_f16: spike_bits_out is NULL",
       [&](somas_pool* p) {
         return somas_pool_run_relative_f16(p, floats.data(), 1, kSize, nullptr, halves, nullptr);
       }},
      {"somas_pool_relative_potentials: pool is NULL",
       [&](somas_pool*) { return somas_pool_relative_potentials(nullptr, floats.data(), kSize); }},
      {"somas_pool_relative_potentials: out_mV is NULL",
       [&](somas_pool* p) { return somas_pool_relative_potentials(p, nullptr, kSize); }},
      {"somas_pool_relative_potentials_f16: pool is NULL",
       [&](somas_pool*) { return somas_pool_relative_potentials_f16(nullptr, halves, kSize); }},
      {"somas_pool_relative_potentials_f16: out_f16 is NULL",
       [&](somas_pool* p) { return somas_pool_relative_potentials_f16(p, nullptr, kSize); }},
      {"somas_pool_spikes_dense: pool is NULL",
       [&](somas_pool*) { return somas_pool_spikes_dense(nullptr, bits, kSize); }},
      {"somas_pool_spikes_dense: out is NULL",
       [&](somas_pool* p) { return somas_pool_spikes_dense(p, nullptr, kSize); }},
      {"somas_pool_set_params: pool is NULL",
       [&](somas_pool*) { return somas_pool_set_params(nullptr, names, values, lengths, 2); }},
      {"somas_pool_set_params: names is NULL",
       [&](somas_pool* p) { return somas_pool_set_params(p, nullptr, values, lengths, 2); }},
      {"somas_pool_set_params: values is NULL",
       [&](somas_pool* p) { return somas_pool_set_params(p, names, nullptr, lengths, 2); }},
      {"somas_pool_set_params: n is NULL",
       [&](somas_pool* p) { return somas_pool_set_params(p, names, values, nullptr, 2); }},
      {"somas_pool_set_params: names[1] is NULL",
       [&](somas_pool* p) { return somas_pool_set_params(p, null_name, values, lengths, 2); }},
      {"somas_pool_set_params: values[1] is NULL",
       [&](somas_pool* p) { return somas_pool_set_params(p, names, null_values, lengths, 2); }},
      {"somas_pool_set_param_at: pool is NULL",
       [&](somas_pool*) { return somas_pool_set_param_at(nullptr, "threshold", 0, -45.0); }},
      {"somas_pool_set_param_at: name is NULL",
       [&](somas_pool* p) { return somas_pool_set_param_at(p, nullptr, 0, -45.0); }},
      {"somas_pool_save: pool is NULL", [&](somas_pool*) { return somas_pool_save(nullptr, "x"); }},
      {"somas_pool_save: path is NULL", [&](somas_pool* p) { return somas_pool_save(p, nullptr); }},
      {"somas_pool_load: pool is NULL", [&](somas_pool*) { return somas_pool_load(nullptr, "x"); }},
      {"somas_pool_load: path is NULL", [&](somas_pool* p) { return somas_pool_load(p, nullptr); }},
  };
  for (const NullCase& c : cases) {
    made = reinterpret_cast<somas_pool*>(&count);
    EXPECT_EQ(c.call(pool), SOMAS_ERR_ARGUMENT) << c.expected;
    EXPECT_EQ(std::string(somas_last_error()), c.expected);
    EXPECT_EQ(Observe(pool), before) << c.expected;
    const std::string e = c.expected;
    if (e.find(": out is NULL") == std::string::npos &&
        (e.find("create") != std::string::npos || e.find("clone") != std::string::npos)) {
      EXPECT_EQ(made, nullptr) << c.expected << ": *out must be NULL on error";
    }
  }
  EXPECT_EQ(made, reinterpret_cast<somas_pool*>(&count));  // the last case left it alone
  // Accessors of a NULL pool answer 0 / NULL; destroy ignores NULL.
  EXPECT_EQ(somas_pool_size(nullptr), 0u);
  EXPECT_EQ(somas_pool_model(nullptr), nullptr);
  EXPECT_EQ(somas_pool_dt(nullptr), 0.0);
  EXPECT_EQ(somas_pool_spike_bits(nullptr), nullptr);
  somas_pool_destroy(nullptr);
  // Zero pools is a valid, empty call; so is asking for the count alone.
  EXPECT_EQ(somas_step_pools(nullptr, nullptr, nullptr, 0), SOMAS_OK);
  count = 12345;
  const int counted = somas_pool_spike_indices(pool, nullptr, 0, &count);
  size_t spikes = 0;
  ASSERT_EQ(somas_pool_spike_count(pool, &spikes), SOMAS_OK);
  EXPECT_EQ(count, spikes);
  EXPECT_EQ(counted, spikes ? SOMAS_ERR_INVALID : SOMAS_OK);
  EXPECT_GT(spikes, 0u);  // so that the case above says something
  somas_pool_destroy(pool);
  somas_pool_destroy(other);
}

// A group from JSON: members that step, read and free as pools, stepped
// by somas_step_pools with slices of one array exactly as one by one; a bad
// entry named, and nothing created.
TEST(CApiTest, PoolGroups) {
  const char* jsons[3] = {R"({"model": "RefractoryLeakySoma", "size": 32, "name": "a"})",
                          R"({"model": "RefractoryLeakySoma", "size": 48, "name": "b"})",
                          R"({"model": "RefractoryLeakySoma", "size": 5, "name": "c"})"};
  somas_pool* group[3] = {};
  somas_pool* alone[3] = {};
  ASSERT_EQ(somas_pool_create_group(jsons, 3, group), SOMAS_OK);
  for (size_t i = 0; i < 3; ++i) ASSERT_EQ(somas_pool_create(jsons[i], &alone[i]), SOMAS_OK);
  EXPECT_EQ(somas_pool_size(group[1]), 48u);
  std::vector<float> current(32 + 48 + 5, 500.0f);
  current[40] = 900.0f;
  const float* slices[3] = {current.data(), current.data() + 32, current.data() + 80};
  const size_t n[3] = {32, 48, 5};
  for (int t = 0; t < 30; ++t) {
    ASSERT_EQ(somas_step_pools(group, slices, n, 3), SOMAS_OK);
    for (size_t i = 0; i < 3; ++i) {
      ASSERT_EQ(somas_pool_step(alone[i], slices[i], n[i]), SOMAS_OK);
      std::vector<float> a(n[i]), b(n[i]);
      ASSERT_EQ(somas_pool_get_state(group[i], "refractory_steps", a.data(), n[i]), SOMAS_OK);
      ASSERT_EQ(somas_pool_get_state(alone[i], "refractory_steps", b.data(), n[i]), SOMAS_OK);
      ASSERT_EQ(a, b) << i << " step " << t;
      ASSERT_EQ(somas_pool_potentials(group[i], a.data(), n[i]), SOMAS_OK);
      ASSERT_EQ(somas_pool_potentials(alone[i], b.data(), n[i]), SOMAS_OK);
      ASSERT_EQ(a, b) << i << " step " << t;
    }
  }
  // Freed in any order, the others step on.
  somas_pool_destroy(group[1]);
  somas_pool_destroy(group[0]);
  ASSERT_EQ(somas_pool_step(group[2], slices[2], 5), SOMAS_OK);
  somas_pool_destroy(group[2]);
  for (somas_pool* p : alone) somas_pool_destroy(p);
  // A bad entry: named, nothing created, every output NULL.
  const char* bad[2] = {jsons[0], R"({"model": "RefractoryLeakySoma", "size": 3, "dt": 1,
                                      "params": {"threshold": -90}})"};
  somas_pool* made[2] = {alone[0], alone[1]};  // (freed: must be overwritten)
  EXPECT_EQ(somas_pool_create_group(bad, 2, made), SOMAS_ERR_INVALID);
  EXPECT_NE(std::string(somas_last_error())
                .find("Pool::CreateGroup: entry 1: RefractoryLeakySoma: threshold = -90 mV"),
            std::string::npos)
      << somas_last_error();
  EXPECT_EQ(made[0], nullptr);
  EXPECT_EQ(made[1], nullptr);
  const char* unparsable[2] = {jsons[0], "{"};
  EXPECT_EQ(somas_pool_create_group(unparsable, 2, made), SOMAS_ERR_INVALID);
  EXPECT_EQ(std::string(somas_last_error()).rfind("somas_pool_create_group: entry 1: ", 0), 0u)
      << somas_last_error();
  EXPECT_EQ(somas_pool_create_group(jsons, 0, made), SOMAS_ERR_INVALID);
  EXPECT_NE(std::string(somas_last_error()).find("a group needs at least one pool"),
            std::string::npos);
}

// A float16 pool from its JSON: its dtype, float16 input (bit patterns),
// exactly the step of the same currents as float32, and its checkpoint.
TEST(CApiTest, Float16PoolsAndInputs) {
  const char* json = R"({"model": "IzhikevichSoma", "size": 33, "dtype": "float16"})";
  somas_pool* half = nullptr;
  somas_pool* twin = nullptr;
  ASSERT_EQ(somas_pool_create(json, &half), SOMAS_OK);
  ASSERT_EQ(somas_pool_create(json, &twin), SOMAS_OK);
  EXPECT_EQ(somas_pool_dtype(half), SOMAS_FLOAT16);
  EXPECT_EQ(somas_pool_dtype(nullptr), SOMAS_FLOAT32);
  somas_pool* single = nullptr;
  ASSERT_EQ(somas_pool_create(R"({"model": "IzhikevichSoma", "size": 33})", &single), SOMAS_OK);
  EXPECT_EQ(somas_pool_dtype(single), SOMAS_FLOAT32);
  std::vector<uint16_t> current16(33, 0x5640);  // 100 pA
  const std::vector<float> current(33, 100.0f);
  size_t spikes = 0, count = 0;
  for (int t = 0; t < 40; ++t) {
    ASSERT_EQ(somas_pool_step_f16(half, current16.data(), 33), SOMAS_OK);
    ASSERT_EQ(somas_pool_step(twin, current.data(), 33), SOMAS_OK);
    ASSERT_EQ(somas_pool_spike_count(half, &count), SOMAS_OK);
    spikes += count;
  }
  EXPECT_GT(spikes, 0u);
  std::vector<float> a(33), b(33);
  ASSERT_EQ(somas_pool_potentials(half, a.data(), 33), SOMAS_OK);
  ASSERT_EQ(somas_pool_potentials(twin, b.data(), 33), SOMAS_OK);
  EXPECT_EQ(a, b);
  EXPECT_EQ(somas_pool_step_f16(half, current16.data(), 32), SOMAS_ERR_INVALID);
  EXPECT_NE(std::string(somas_last_error()).find("step got 32 input currents"), std::string::npos);
  current16[7] = 0x7C00;  // +inf
  EXPECT_EQ(somas_pool_step_f16(half, current16.data(), 33), SOMAS_ERR_NONFINITE);
  EXPECT_NE(std::string(somas_last_error()).find("first at neuron 7 (inf pA)"), std::string::npos)
      << somas_last_error();
  somas_pool* bad = half;
  EXPECT_EQ(somas_pool_create(R"({"model": "LeakySoma", "size": 1, "dtype": "bf16"})", &bad),
            SOMAS_ERR_INVALID);
  EXPECT_EQ(bad, nullptr);
  somas_pool_destroy(half);
  somas_pool_destroy(twin);
  somas_pool_destroy(single);
}

// Spark-shaped outputs: relative potentials (float and float16 bits), a
// run that writes them, dense spike bytes, and a named pool's draws.
TEST(CApiTest, RelativePotentialsDenseSpikesAndNamedPools) {
  for (const char* dtype : {"float32", "float16"}) {
    const std::string json = std::string(R"({"model": "LeakySoma", "size": 21, "dtype": ")") +
                             dtype + R"(", "params": {"potential_rest": -61.5}})";
    somas_pool* pool = nullptr;
    somas_pool* twin = nullptr;
    ASSERT_EQ(somas_pool_create(json.c_str(), &pool), SOMAS_OK);
    ASSERT_EQ(somas_pool_create(json.c_str(), &twin), SOMAS_OK);
    std::vector<float> currents(3 * 21);
    for (size_t i = 0; i < currents.size(); ++i) currents[i] = (i % 4 == 0) ? 9000.0f : 100.0f * i;
    std::vector<uint8_t> bits(3 * 3), twin_bits(3 * 3);
    std::vector<float> relative(3 * 21), twin_relative(3 * 21), absolute(21);
    std::vector<uint16_t> halves(3 * 21), twin_halves(21);
    size_t done = 0;
    ASSERT_EQ(
        somas_pool_run_relative(pool, currents.data(), 3, 21, bits.data(), relative.data(), &done),
        SOMAS_OK);
    EXPECT_EQ(done, 3u);
    for (size_t t = 0; t < 3; ++t) {
      ASSERT_EQ(somas_pool_step(twin, currents.data() + t * 21, 21), SOMAS_OK);
      std::copy_n(somas_pool_spike_bits(twin), 3, twin_bits.begin() + t * 3);
      ASSERT_EQ(somas_pool_relative_potentials(twin, twin_relative.data() + t * 21, 21), SOMAS_OK);
      ASSERT_EQ(somas_pool_potentials(twin, absolute.data(), 21), SOMAS_OK);
      for (size_t i = 0; i < 21; ++i) {
        EXPECT_NEAR(twin_relative[t * 21 + i], absolute[i] + 61.5f, 1e-4) << t << " " << i;
      }
    }
    EXPECT_EQ(bits, twin_bits);
    EXPECT_EQ(relative, twin_relative);
    // The float16 run from a fresh pool: the float16 bits of the same values.
    somas_pool* third = nullptr;
    ASSERT_EQ(somas_pool_create(json.c_str(), &third), SOMAS_OK);
    ASSERT_EQ(somas_pool_run_relative_f16(third, currents.data(), 3, 21, bits.data(), halves.data(),
                                          &done),
              SOMAS_OK);
    ASSERT_EQ(somas_pool_relative_potentials_f16(twin, twin_halves.data(), 21), SOMAS_OK);
    for (size_t i = 0; i < 21; ++i) {
      EXPECT_EQ(halves[2 * 21 + i], twin_halves[i]) << i;
      EXPECT_EQ(somas::Float16ToFloat({twin_halves[i]}),
                static_cast<float>(static_cast<_Float16>(twin_relative[2 * 21 + i])));
    }
    // Dense spikes: one byte per neuron, the bits expanded.
    std::vector<uint8_t> dense(21, 9);
    ASSERT_EQ(somas_pool_spikes_dense(twin, dense.data(), 21), SOMAS_OK);
    size_t ones = 0;
    for (size_t i = 0; i < 21; ++i) {
      EXPECT_EQ(dense[i], (twin_bits[6 + i / 8] >> (i % 8)) & 1) << i;
      ones += dense[i];
    }
    EXPECT_GT(ones, 0u);
    EXPECT_EQ(somas_pool_spikes_dense(twin, dense.data(), 20), SOMAS_ERR_INVALID);
    EXPECT_NE(std::string(somas_last_error()).find("SpikesDense needs a buffer of 21 bytes"),
              std::string::npos);
    EXPECT_EQ(somas_pool_relative_potentials(twin, relative.data(), 22), SOMAS_ERR_INVALID);
    EXPECT_EQ(somas_pool_relative_potentials_f16(twin, halves.data(), 20), SOMAS_ERR_INVALID);
    EXPECT_EQ(somas_pool_run_relative(twin, currents.data(), 1, 20, bits.data(), nullptr, &done),
              SOMAS_ERR_INVALID);
    EXPECT_EQ(done, 0u);
    somas_pool_destroy(pool);
    somas_pool_destroy(twin);
    somas_pool_destroy(third);
  }
  // "name" keys the draws: same seed, other name, other values.
  const char* a = R"({"model": "LeakySoma", "size": 8, "seed": 3, "name": "a",
      "params": {"threshold": {"kind": "uniform", "min": -45, "max": -40}}})";
  const char* b = R"({"model": "LeakySoma", "size": 8, "seed": 3, "name": "b",
      "params": {"threshold": {"kind": "uniform", "min": -45, "max": -40}}})";
  somas_pool* pa = nullptr;
  somas_pool* pb = nullptr;
  ASSERT_EQ(somas_pool_create(a, &pa), SOMAS_OK);
  ASSERT_EQ(somas_pool_create(b, &pb), SOMAS_OK);
  std::vector<float> ta(8), tb(8);
  ASSERT_EQ(somas_pool_get_param(pa, "threshold", ta.data(), 8), SOMAS_OK);
  ASSERT_EQ(somas_pool_get_param(pb, "threshold", tb.data(), 8), SOMAS_OK);
  EXPECT_NE(ta, tb);
  somas_pool_destroy(pa);
  somas_pool_destroy(pb);
}

TEST(CApiTest, ThreadCountsAreCheckedAndNamed) {
  ASSERT_EQ(somas_set_threads(2), SOMAS_OK);
  EXPECT_EQ(somas_set_threads(1025), SOMAS_ERR_INVALID);
  EXPECT_NE(std::string(somas_last_error()).find("0 (one per usable CPU) to 1024"),
            std::string::npos)
      << somas_last_error();
  EXPECT_EQ(somas_set_threads(SIZE_MAX), SOMAS_ERR_INVALID);
  EXPECT_EQ(somas_threads(), 2u);
  EXPECT_EQ(somas_set_threads(1024), SOMAS_OK);
  EXPECT_EQ(somas_threads(), 1024u);
  ASSERT_EQ(somas_set_threads(0), SOMAS_OK);
}

// somas_pool_set_params: shared and per-neuron values together, a coupled
// change, a name given twice, a wrong length; on error nothing changes.
TEST(CApiTest, SetParamsTakesSeveralParametersAtOnce) {
  somas_pool* pool = MakePool();
  const std::vector<float> before = Observe(pool);
  std::vector<double> threshold(kSize, -45.0);
  threshold[7] = -80.0;  // below the shared reset below: refused
  const double reset = -70.0;
  const char* names[2] = {"threshold", "potential_reset"};
  const double* values[2] = {threshold.data(), &reset};
  size_t lengths[2] = {kSize, 1};
  EXPECT_EQ(somas_pool_set_params(pool, names, values, lengths, 2), SOMAS_ERR_INVALID);
  EXPECT_NE(std::string(somas_last_error()).find("at neuron 7"), std::string::npos)
      << somas_last_error();
  lengths[0] = kSize - 1;
  EXPECT_EQ(somas_pool_set_params(pool, names, values, lengths, 2), SOMAS_ERR_INVALID);
  const char* twice[2] = {"threshold", "threshold"};
  lengths[0] = kSize;
  EXPECT_EQ(somas_pool_set_params(pool, twice, values, lengths, 2), SOMAS_ERR_INVALID);
  EXPECT_NE(std::string(somas_last_error()).find("\"threshold\" is given twice"),
            std::string::npos);
  EXPECT_EQ(Observe(pool), before);
  threshold[7] = -60.0;
  ASSERT_EQ(somas_pool_set_params(pool, names, values, lengths, 2), SOMAS_OK) << somas_last_error();
  std::vector<float> got(kSize);
  ASSERT_EQ(somas_pool_get_param(pool, "threshold", got.data(), kSize), SOMAS_OK);
  EXPECT_EQ(got[7], -60.0f);
  EXPECT_EQ(got[8], -45.0f);
  ASSERT_EQ(somas_pool_get_param(pool, "potential_reset", got.data(), kSize), SOMAS_OK);
  EXPECT_EQ(got, std::vector<float>(kSize, -70.0f));
  EXPECT_EQ(somas_pool_set_params(pool, nullptr, nullptr, nullptr, 0), SOMAS_OK);
  somas_pool_destroy(pool);
}

}  // namespace
