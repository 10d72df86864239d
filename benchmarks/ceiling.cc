// The in-place streaming yardstick, written once with Highway.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "benchmarks/ceiling.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
// (foreach_target.h re-includes this file once per target; it must come first.)

#include <hwy/highway.h>

#include "benchmarks/ceiling.h"

HWY_BEFORE_NAMESPACE();
namespace somas {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <size_t kStates, size_t kReads>
void Stream(const CeilingArrays& a, size_t begin, size_t end) {
  const hn::ScalableTag<float> d;
  const auto k = hn::Set(d, 0.999f);
  float* HWY_RESTRICT s0 = a.state[0];
  float* HWY_RESTRICT s1 = a.state[kStates > 1 ? 1 : 0];
  const float* HWY_RESTRICT r0 = a.read[0];
  const float* HWY_RESTRICT r1 = a.read[kReads > 1 ? 1 : 0];
  for (size_t i = begin; i < end; i += hn::Lanes(d)) {
    auto in = hn::Load(d, r0 + i);
    if (kReads > 1) in = hn::Add(in, hn::Load(d, r1 + i));
    hn::Store(hn::MulAdd(hn::Load(d, s0 + i), k, in), d, s0 + i);
    if (kStates > 1) hn::Store(hn::MulAdd(hn::Load(d, s1 + i), k, in), d, s1 + i);
  }
}

void StreamInPlaceImpl(const CeilingArrays& a, size_t begin, size_t end) {
  if (a.states == 1 && a.reads == 1) return Stream<1, 1>(a, begin, end);
  if (a.states == 1) return Stream<1, 2>(a, begin, end);
  if (a.reads == 1) return Stream<2, 1>(a, begin, end);
  return Stream<2, 2>(a, begin, end);
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace somas
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace somas {

HWY_EXPORT(StreamInPlaceImpl);

void StreamInPlace(const CeilingArrays& a, size_t begin, size_t end) {
  HWY_DYNAMIC_DISPATCH(StreamInPlaceImpl)(a, begin, end);
}

}  // namespace somas
#endif  // HWY_ONCE
