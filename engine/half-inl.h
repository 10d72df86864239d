// Per-target float16 <-> float32 conversions (docs/models.md, "float16
// storage"), shared by engine/half.cc and the step kernels (kernel-inl.h).
// Include after <hwy/highway.h> inside a file compiled by foreach_target.h.
//
// Targets with F16C (AVX2 and AVX3 on x86) convert with Highway's PromoteTo
// and DemoteTo, that is with vcvtph2ps and vcvtps2ph in round-to-nearest-even
// mode. Highway 1.0.3's own emulation for the others (SSE4, SSSE3, SCALAR)
// truncates when it narrows and turns float16 infinities into 65536, so
// those targets use the integer arithmetic below instead, which gives the
// same bits as the hardware for every input these conversions get
// (tests/half_test.cc checks every float16 and every tie on every target).

#if defined(SOMAS_ENGINE_HALF_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef SOMAS_ENGINE_HALF_INL_H_
#undef SOMAS_ENGINE_HALF_INL_H_
#else
#define SOMAS_ENGINE_HALF_INL_H_
#endif

#include <hwy/highway.h>

#include <cstddef>
#include <cstdint>

HWY_BEFORE_NAMESPACE();
namespace somas {
namespace HWY_NAMESPACE {
namespace half_detail {
namespace hn = hwy::HWY_NAMESPACE;
using DF = hn::ScalableTag<float>;
using VF = hn::Vec<DF>;
using DU = hn::RebindToUnsigned<DF>;
using VU = hn::Vec<DU>;
using DI = hn::RebindToSigned<DF>;
using DU16 = hn::Rebind<uint16_t, DF>;

#undef SOMAS_HALF_HARDWARE
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2 && !defined(HWY_DISABLE_F16C)
#define SOMAS_HALF_HARDWARE 1
using DH = hn::Rebind<hwy::float16_t, DF>;
#else
#define SOMAS_HALF_HARDWARE 0
#endif

// Widens the float16 bits of `lanes` exactly.
HWY_INLINE VF WidenHalves(const uint16_t* lanes) {
  const DF df;
#if SOMAS_HALF_HARDWARE
  return hn::PromoteTo(df, hn::LoadU(DH(), reinterpret_cast<const hwy::float16_t*>(lanes)));
#else
  const DU du;
  const VU bits = hn::PromoteTo(du, hn::LoadU(DU16(), lanes));
  const VU sign = hn::ShiftLeft<16>(hn::And(bits, hn::Set(du, 0x8000u)));
  const VU exponent = hn::And(hn::ShiftRight<10>(bits), hn::Set(du, 0x1Fu));
  const VU mantissa = hn::And(bits, hn::Set(du, 0x3FFu));
  // Normal: rebias the exponent (15 -> 127); infinities and NaNs (exponent
  // 31) keep an all-ones exponent; zeros and subnormals are m * 2^-24,
  // exact in float.
  const auto is_special = hn::Eq(exponent, hn::Set(du, 31u));
  const VU exponent32 =
      hn::IfThenElse(is_special, hn::Set(du, 255u), hn::Add(exponent, hn::Set(du, 127u - 15u)));
  const VU normal = hn::Or(hn::ShiftLeft<23>(exponent32), hn::ShiftLeft<13>(mantissa));
  const VF tiny =
      hn::Mul(hn::ConvertTo(df, hn::BitCast(DI(), mantissa)), hn::Set(df, 1.0f / 16777216.0f));
  const VU magnitude =
      hn::IfThenElse(hn::Eq(exponent, hn::Zero(du)), hn::BitCast(du, tiny), normal);
  return hn::BitCast(df, hn::Or(sign, magnitude));
#endif
}

// Rounds `x` (finite, |x| <= 65504) to float16 bits, to nearest even.
HWY_INLINE void NarrowHalves(VF x, uint16_t* lanes) {
#if SOMAS_HALF_HARDWARE
  const hn::Vec<DH> h = hn::DemoteTo(DH(), x);
  hn::StoreU(hn::BitCast(DU16(), h), DU16(), lanes);
#else
  const DF df;
  const DU du;
  const VU bits = hn::BitCast(du, x);
  const VU sign = hn::ShiftRight<16>(hn::And(bits, hn::Set(du, 0x80000000u)));
  const VU magnitude = hn::And(bits, hn::Set(du, 0x7FFFFFFFu));
  // Normal results (|x| >= 2^-14): drop 13 mantissa bits, rounding to
  // nearest even by adding 0xFFF plus the lowest kept bit (a carry moves
  // into the exponent as it should), then rebias the exponent (127 -> 15).
  const VU kept_lsb = hn::And(hn::ShiftRight<13>(magnitude), hn::Set(du, 1u));
  const VU rounded = hn::ShiftRight<13>(hn::Add(magnitude, hn::Add(hn::Set(du, 0xFFFu), kept_lsb)));
  const VU normal = hn::Sub(rounded, hn::Set(du, (127u - 15u) << 10));
  // Subnormal results: adding 0.5 leaves a float whose last mantissa bit is
  // 2^-24, the float16 subnormal step, so the float adder itself rounds |x|
  // to it (to nearest even); the mantissa bits above 0.5's are the float16
  // bits (1024, i.e. 0x400, when the sum rounds up to 2^-14).
  const VF shifted = hn::Add(hn::BitCast(df, magnitude), hn::Set(df, 0.5f));
  const VU subnormal = hn::Sub(hn::BitCast(du, shifted), hn::Set(du, 0x3F000000u));
  const VU half =
      hn::Or(sign, hn::IfThenElse(hn::Lt(magnitude, hn::Set(du, 0x38800000u)), subnormal, normal));
  hn::StoreU(hn::DemoteTo(DU16(), hn::BitCast(DI(), half)), DU16(), lanes);
#endif
}

// The float16 storage rule's clamp: finite values beyond +-65504 saturate.
HWY_INLINE VF ClampToHalf(VF x) {
  const DF d;
  return hn::Min(hn::Max(x, hn::Set(d, -65504.0f)), hn::Set(d, 65504.0f));
}

}  // namespace half_detail

using half_detail::ClampToHalf;
using half_detail::NarrowHalves;
using half_detail::WidenHalves;

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace somas
HWY_AFTER_NAMESPACE();

#endif  // SOMAS_ENGINE_HALF_INL_H_
