// Per-neuron parameter columns stored as floats and checked in one pass
// (engine/store_checked.h), on every SIMD target, against the rule written
// out neuron by neuron here: a column is accepted exactly when every value
// is within +-1e30 as given and its float obeys the parameter's Bound, and
// every value within the bound is stored as its float, whatever comes
// before or after it.
#include "engine/store_checked.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "somas/kernel_abi.h"
#include "tests/scenarios.h"

namespace somas {
namespace {

using testing::ForEachTarget;

template <typename T>
bool Acceptable(T raw, Bound bound) {
  if (!(std::fabs(static_cast<double>(raw)) <= kStateBound)) return false;
  const float f = static_cast<float>(raw);
  if (bound == Bound::kPositive) return f > 0;
  if (bound == Bound::kNonNegative) return f >= 0;
  return true;
}

uint32_t Bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, sizeof(b));
  return b;
}

// Values at every edge of the checks: the bound itself and the next value
// beyond it, NaN and infinities, zeros of both signs, and (for doubles)
// values that round to a float zero or stay a float subnormal.
template <typename T>
std::vector<T> EdgeValues() {
  const T inf = std::numeric_limits<T>::infinity();
  const T bound = static_cast<T>(kStateBound);
  std::vector<T> v = {static_cast<T>(1.5),
                      static_cast<T>(-2.25),
                      bound,
                      -bound,
                      std::nextafter(bound, inf),
                      -std::nextafter(bound, inf),
                      std::numeric_limits<T>::quiet_NaN(),
                      inf,
                      -inf,
                      static_cast<T>(0.0),
                      static_cast<T>(-0.0),
                      static_cast<T>(1e-45),
                      static_cast<T>(-1e-45),
                      std::numeric_limits<T>::max()};
  if constexpr (sizeof(T) == 8) {
    v.push_back(1e-50);   // a float 0: not > 0
    v.push_back(-1e-50);  // a float -0: >= 0
    v.push_back(1e300);
  }
  return v;
}

template <typename T>
void CheckAgainstTheRule() {
  const std::vector<T> edges = EdgeValues<T>();
  std::mt19937 rng(20261201);
  const Bound bounds[] = {Bound::kFinite, Bound::kPositive, Bound::kNonNegative};
  ForEachTarget([&](int64_t) {
    for (const Bound bound : bounds) {
      // Every length up to 70 (several vectors of every target plus each
      // remainder); mostly good values, one or two edges anywhere.
      for (size_t n = 0; n <= 70; ++n) {
        for (int trial = 0; trial < 12; ++trial) {
          std::vector<T> in(n + 1);
          for (T& x : in) x = static_cast<T>(1 + (rng() % 1000) / 8.0);
          const size_t edits = trial == 0 ? 0 : 1 + trial % 2;
          for (size_t e = 0; e < edits && n > 0; ++e) in[rng() % n] = edges[rng() % edges.size()];
          bool want = true;
          for (size_t i = 0; i < n; ++i) want &= Acceptable(in[i], bound);
          // (in[n] and out[n] are sentinels: neither read nor written.)
          in[n] = std::numeric_limits<T>::quiet_NaN();
          std::vector<float> out(n + 1, 7.0f);
          const bool got = StoreChecked(in.data(), n, bound, out.data());
          ASSERT_EQ(got, want) << "n = " << n << ", bound " << static_cast<int>(bound);
          for (size_t i = 0; i < n; ++i) {
            // (Beyond the bound the stored value is unspecified.)
            if (!(std::fabs(static_cast<double>(in[i])) <= kStateBound)) continue;
            ASSERT_EQ(Bits(out[i]), Bits(static_cast<float>(in[i])))
                << "value " << i << " of " << n << " stored wrongly";
          }
          ASSERT_EQ(out[n], 7.0f) << "wrote past n = " << n;
        }
      }
      // Each edge alone at every position of a 37-value column.
      for (const T edge : edges) {
        for (size_t at = 0; at < 37; ++at) {
          std::vector<T> in(37, static_cast<T>(3));
          in[at] = edge;
          std::vector<float> out(37);
          ASSERT_EQ(StoreChecked(in.data(), in.size(), bound, out.data()), Acceptable(edge, bound))
              << "edge " << edge << " at " << at << ", bound " << static_cast<int>(bound);
        }
      }
    }
  });
}

TEST(StoreCheckedTest, DoublesFollowTheRuleOnEveryTarget) { CheckAgainstTheRule<double>(); }

TEST(StoreCheckedTest, FloatsFollowTheRuleOnEveryTarget) { CheckAgainstTheRule<float>(); }

}  // namespace
}  // namespace somas
