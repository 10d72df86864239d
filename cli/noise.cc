// Counter-based uniform noise for `somas run`, written once with Highway.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "cli/noise.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
// (foreach_target.h re-includes this file once per target; it must come first.)

#include <hwy/highway.h>

#include <algorithm>

#include "cli/noise.h"

HWY_BEFORE_NAMESPACE();
namespace somas {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// x = counter * golden + key; lowbias32(x); the top 24 bits as a float in
// [0, 1). Multiply and add round separately, exactly as UniformNoiseAt does,
// so a value does not depend on whether it fell in the vector loop or the tail.
void UniformNoiseImpl(uint32_t key, size_t first, float lo, float hi, float* out, size_t n) {
  const hn::ScalableTag<uint32_t> du;
  const hn::Rebind<float, decltype(du)> df;
  const hn::Rebind<int32_t, decltype(du)> di;
  const size_t lanes = hn::Lanes(du);
  const auto golden = hn::Set(du, 0x9E3779B9u);
  const auto m1 = hn::Set(du, 0x7feb352du);
  const auto m2 = hn::Set(du, 0x846ca68bu);
  const auto vkey = hn::Set(du, key);
  const auto scale = hn::Set(df, (hi - lo) * 0x1.0p-24f);
  const auto offset = hn::Set(df, lo);
  auto counter = hn::Iota(du, static_cast<uint32_t>(first));
  const auto step = hn::Set(du, static_cast<uint32_t>(lanes));
  size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    auto x = hn::Add(hn::Mul(counter, golden), vkey);
    x = hn::Xor(x, hn::ShiftRight<16>(x));
    x = hn::Mul(x, m1);
    x = hn::Xor(x, hn::ShiftRight<15>(x));
    x = hn::Mul(x, m2);
    x = hn::Xor(x, hn::ShiftRight<16>(x));
    const auto u = hn::ConvertTo(df, hn::BitCast(di, hn::ShiftRight<8>(x)));
    hn::StoreU(hn::Add(hn::Mul(u, scale), offset), df, out + i);  // as the scalar tail
    counter = hn::Add(counter, step);
  }
  for (; i < n; ++i) out[i] = UniformNoiseAt(key, first + i, lo, hi);
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace somas
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace somas {

HWY_EXPORT(UniformNoiseImpl);

void UniformNoise(uint32_t key, size_t first, float lo, float hi, float* out, size_t n) {
  HWY_DYNAMIC_DISPATCH(UniformNoiseImpl)(key, first, lo, hi, out, n);
}

float UniformNoiseAt(uint32_t key, size_t neuron, float lo, float hi) {
  uint32_t x = static_cast<uint32_t>(neuron) * 0x9E3779B9u + key;
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  const float u = static_cast<float>(static_cast<int32_t>(x >> 8));
  return u * ((hi - lo) * 0x1.0p-24f) + lo;  // two roundings, as the vector code
}

StepHooks RunInputHooks(const std::vector<double>* drives, const std::vector<uint32_t>* keys,
                        std::vector<std::vector<float>>* currents) {
  StepHooks hooks;
  hooks.before = [drives, keys, currents](const StepChunk& c) {
    const float drive = static_cast<float>((*drives)[c.pool]);
    UniformNoise((*keys)[c.pool], c.begin, 0.5f * drive, 1.5f * drive,
                 (*currents)[c.pool].data() + c.begin, c.end - c.begin);
    return Status();
  };
  return hooks;
}

namespace {
uint64_t Mix(uint64_t z) {  // one splitmix64 step: the golden increment, then its finaliser
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
}  // namespace

uint32_t NoiseKey(uint64_t seed, uint64_t pool, uint64_t step) {
  return static_cast<uint32_t>(Mix(Mix(seed ^ Mix(pool)) ^ step) >> 32);
}

}  // namespace somas
#endif  // HWY_ONCE
