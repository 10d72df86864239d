// Parameter columns to floats, checked (engine/store_checked.h), compiled for
// every Highway target and dispatched at run time.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "engine/store_checked.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
// (foreach_target.h re-includes this file once per target; it must come first.)

#include <hwy/highway.h>

#include <cmath>

#include "engine/store_checked.h"
#include "somas/kernel_abi.h"

HWY_BEFORE_NAMESPACE();
namespace somas {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// One value, the scalar twin of the vector loop below: whether it is bad.
template <Bound kBound, typename T>
HWY_INLINE bool StoreOne(T raw, float* out) {
  const float f = static_cast<float>(raw);
  *out = f;
  bool bad = !(std::fabs(static_cast<double>(raw)) <= kStateBound);
  if constexpr (kBound == Bound::kPositive) bad |= !(f > 0);
  if constexpr (kBound == Bound::kNonNegative) bad |= !(f >= 0);
  return bad;
}

// The stored floats of one vector of inputs checked against `kBound`:
// whether all obey it.
template <Bound kBound, class DF>
HWY_INLINE bool ObeysBound(DF df, hn::Vec<DF> f) {
  if constexpr (kBound == Bound::kPositive) return hn::AllTrue(df, hn::Gt(f, hn::Zero(df)));
  if constexpr (kBound == Bound::kNonNegative) return hn::AllTrue(df, hn::Ge(f, hn::Zero(df)));
  return true;
}

template <Bound kBound>
bool Store(const double* in, size_t n, float* out) {
  bool bad = false;
  size_t i = 0;
#if HWY_HAVE_FLOAT64
  const hn::ScalableTag<double> dd;
  const hn::Rebind<float, decltype(dd)> df;  // as many floats as dd has doubles
  constexpr size_t kN = hn::MaxLanes(hn::ScalableTag<double>());
  const auto limit = hn::Set(dd, static_cast<double>(kStateBound));
  for (; i + kN <= n; i += kN) {
    const auto raw = hn::LoadU(dd, in + i);
    const auto f = hn::DemoteTo(df, raw);
    hn::StoreU(f, df, out + i);
    bad |= !hn::AllTrue(dd, hn::Le(hn::Abs(raw), limit));
    bad |= !ObeysBound<kBound>(df, f);
  }
#endif
  for (; i < n; ++i) bad |= StoreOne<kBound>(in[i], out + i);
  return !bad;
}

template <Bound kBound>
bool Store(const float* in, size_t n, float* out) {
  const hn::ScalableTag<float> df;
  constexpr size_t kN = hn::MaxLanes(hn::ScalableTag<float>());
  const auto limit = hn::Set(df, kStateBound);
  bool bad = false;
  size_t i = 0;
  for (; i + kN <= n; i += kN) {
    const auto f = hn::LoadU(df, in + i);
    hn::StoreU(f, df, out + i);
    bad |= !hn::AllTrue(df, hn::Le(hn::Abs(f), limit));
    bad |= !ObeysBound<kBound>(df, f);
  }
  for (; i < n; ++i) bad |= StoreOne<kBound>(in[i], out + i);
  return !bad;
}

// The loop for `bound`, chosen once per column.
template <typename T>
bool StoreAs(const T* in, size_t n, Bound bound, float* out) {
  switch (bound) {
    case Bound::kPositive:
      return Store<Bound::kPositive>(in, n, out);
    case Bound::kNonNegative:
      return Store<Bound::kNonNegative>(in, n, out);
    default:
      return Store<Bound::kFinite>(in, n, out);
  }
}

HWY_NOINLINE bool StoreCheckedDoubles(const double* in, size_t n, Bound bound, float* out) {
  return StoreAs(in, n, bound, out);
}

HWY_NOINLINE bool StoreCheckedFloats(const float* in, size_t n, Bound bound, float* out) {
  return StoreAs(in, n, bound, out);
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace somas
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace somas {

HWY_EXPORT(StoreCheckedDoubles);
HWY_EXPORT(StoreCheckedFloats);

bool StoreChecked(const double* in, size_t n, Bound bound, float* out) {
  return HWY_DYNAMIC_DISPATCH(StoreCheckedDoubles)(in, n, bound, out);
}

bool StoreChecked(const float* in, size_t n, Bound bound, float* out) {
  return HWY_DYNAMIC_DISPATCH(StoreCheckedFloats)(in, n, bound, out);
}

}  // namespace somas
#endif  // HWY_ONCE
