// float16 <-> float32 conversions of pool states and inputs (engine/half.h),
// compiled for every Highway target and dispatched at run time.
//
// Targets with F16C (AVX2 and AVX3 on x86) convert with Highway's PromoteTo
// and DemoteTo, that is with vcvtph2ps and vcvtps2ph in round-to-nearest-even
// mode. Highway 1.0.3's own emulation for the others (SSE4, SSSE3, SCALAR)
// truncates when it narrows and turns float16 infinities into 65536, so
// those targets use the integer arithmetic below instead, which gives the
// same bits as the hardware for every input these conversions get.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "engine/half.cc"
#include "engine/half.h"

#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <cstring>

#include "somas/somas.h"

HWY_BEFORE_NAMESPACE();
namespace somas {
namespace HWY_NAMESPACE {
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
HWY_INLINE VF Widen(const uint16_t* lanes) {
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
HWY_INLINE void Narrow(VF x, uint16_t* lanes) {
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

HWY_NOINLINE void HalvesToFloatsImpl(const uint16_t* in, const HalfOffset& offset, float* out,
                                     size_t n) {
  const DF df;
  constexpr size_t kN = hn::MaxLanes(DF());
  size_t i = 0;
  if (offset.none) {
    for (; i + kN <= n; i += kN) hn::StoreU(Widen(in + i), df, out + i);
  } else if (offset.values) {
    for (; i + kN <= n; i += kN) {
      hn::StoreU(hn::Add(Widen(in + i), hn::LoadU(df, offset.values + i)), df, out + i);
    }
  } else {
    const VF shared = hn::Set(df, offset.shared);
    for (; i + kN <= n; i += kN) hn::StoreU(hn::Add(Widen(in + i), shared), df, out + i);
  }
  for (; i < n; ++i) {
    const float x = FloatFromHalf(in[i]);
    out[i] = offset.none ? x : x + (offset.values ? offset.values[i] : offset.shared);
  }
}

HWY_NOINLINE void FloatsToHalvesImpl(const float* in, const HalfOffset& offset, uint16_t* out,
                                     size_t n) {
  const DF df;
  constexpr size_t kN = hn::MaxLanes(DF());
  const VF lo = hn::Set(df, -kHalfMax);
  const VF hi = hn::Set(df, kHalfMax);
  auto clamp = [&](VF x) HWY_ATTR { return hn::Min(hn::Max(x, lo), hi); };
  size_t i = 0;
  if (offset.none) {
    for (; i + kN <= n; i += kN) Narrow(clamp(hn::LoadU(df, in + i)), out + i);
  } else if (offset.values) {
    for (; i + kN <= n; i += kN) {
      Narrow(clamp(hn::Sub(hn::LoadU(df, in + i), hn::LoadU(df, offset.values + i))), out + i);
    }
  } else {
    const VF shared = hn::Set(df, offset.shared);
    for (; i + kN <= n; i += kN) Narrow(clamp(hn::Sub(hn::LoadU(df, in + i), shared)), out + i);
  }
  for (; i < n; ++i) {
    const float x =
        offset.none ? in[i] : in[i] - (offset.values ? offset.values[i] : offset.shared);
    out[i] = HalfFromFloat(x);
  }
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace somas
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace somas {

HWY_EXPORT(HalvesToFloatsImpl);
HWY_EXPORT(FloatsToHalvesImpl);

void HalvesToFloats(const uint16_t* in, const HalfOffset& offset, float* out, size_t n) {
  HWY_DYNAMIC_DISPATCH(HalvesToFloatsImpl)(in, offset, out, n);
}

void FloatsToHalves(const float* in, const HalfOffset& offset, uint16_t* out, size_t n) {
  HWY_DYNAMIC_DISPATCH(FloatsToHalvesImpl)(in, offset, out, n);
}

float Float16ToFloat(Float16 h) { return FloatFromHalf(h.bits); }

// The scalar twins of Widen and Narrow, in plain integer arithmetic.
float FloatFromHalf(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1Fu;
  const uint32_t mantissa = h & 0x3FFu;
  uint32_t bits = 0;
  if (exponent == 0) {
    float tiny = static_cast<float>(mantissa) * (1.0f / 16777216.0f);
    std::memcpy(&bits, &tiny, sizeof(bits));
  } else {
    bits = ((exponent == 31 ? 255u : exponent + (127u - 15u)) << 23) | (mantissa << 13);
  }
  bits |= sign;
  float out;
  std::memcpy(&out, &bits, sizeof(out));
  return out;
}

uint16_t HalfFromFloat(float x) {
  x = x < -kHalfMax ? -kHalfMax : (x > kHalfMax ? kHalfMax : x);
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof(bits));
  const uint32_t sign = (bits & 0x80000000u) >> 16;
  const uint32_t magnitude = bits & 0x7FFFFFFFu;
  uint32_t half;
  if (magnitude < 0x38800000u) {  // below 2^-14: a subnormal (or zero) result
    float shifted;
    std::memcpy(&shifted, &magnitude, sizeof(shifted));
    shifted += 0.5f;
    std::memcpy(&half, &shifted, sizeof(half));
    half -= 0x3F000000u;
  } else {
    half = ((magnitude + 0xFFFu + ((magnitude >> 13) & 1u)) >> 13) - ((127u - 15u) << 10);
  }
  return static_cast<uint16_t>(sign | half);
}

}  // namespace somas
#endif  // HWY_ONCE
