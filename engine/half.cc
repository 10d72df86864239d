// float16 <-> float32 conversions of pool states and inputs (engine/half.h),
// and spike bits to bytes, compiled for every Highway target and dispatched
// at run time; the vector conversions themselves are engine/half-inl.h's.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "engine/half.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
// (foreach_target.h re-includes this file once per target; it must come first.)

#include <hwy/highway.h>

#include <cstring>

#include "engine/half-inl.h"
#include "engine/half.h"
#include "somas/somas.h"

HWY_BEFORE_NAMESPACE();
namespace somas {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using DF = hn::ScalableTag<float>;
using VF = hn::Vec<DF>;

HWY_NOINLINE void HalvesToFloatsImpl(const uint16_t* in, const HalfOffset& offset, float* out,
                                     size_t n) {
  const DF df;
  constexpr size_t kN = hn::MaxLanes(DF());
  size_t i = 0;
  if (offset.none) {
    for (; i + kN <= n; i += kN) hn::StoreU(WidenHalves(in + i), df, out + i);
  } else if (offset.values) {
    for (; i + kN <= n; i += kN) {
      hn::StoreU(hn::Add(WidenHalves(in + i), hn::LoadU(df, offset.values + i)), df, out + i);
    }
  } else {
    const VF shared = hn::Set(df, offset.shared);
    for (; i + kN <= n; i += kN) hn::StoreU(hn::Add(WidenHalves(in + i), shared), df, out + i);
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
  auto clamp = [](VF x) HWY_ATTR { return ClampToHalf(x); };
  size_t i = 0;
  if (offset.none) {
    for (; i + kN <= n; i += kN) NarrowHalves(clamp(hn::LoadU(df, in + i)), out + i);
  } else if (offset.values) {
    for (; i + kN <= n; i += kN) {
      NarrowHalves(clamp(hn::Sub(hn::LoadU(df, in + i), hn::LoadU(df, offset.values + i))),
                   out + i);
    }
  } else {
    const VF shared = hn::Set(df, offset.shared);
    for (; i + kN <= n; i += kN)
      NarrowHalves(clamp(hn::Sub(hn::LoadU(df, in + i), shared)), out + i);
  }
  for (; i < n; ++i) {
    const float x =
        offset.none ? in[i] : in[i] - (offset.values ? offset.values[i] : offset.shared);
    out[i] = HalfFromFloat(x);
  }
}

// Spike bits (bit i % 8 of byte i / 8 is neuron i) to one byte of 0 or 1
// per neuron: one mask load and one store per vector of bytes.
HWY_NOINLINE void BitsToBytesImpl(const uint8_t* bits, uint8_t* out, size_t n) {
  const hn::ScalableTag<uint8_t> d8;
  constexpr size_t kN = hn::MaxLanes(hn::ScalableTag<uint8_t>());
  const auto one = hn::Set(d8, 1);
  size_t i = 0;
  if (kN >= 8) {  // (LoadMaskBits reads kN / 8 bytes: whole bytes from here on)
    for (; i + kN <= n; i += kN) {
      hn::StoreU(hn::IfThenElseZero(hn::LoadMaskBits(d8, bits + i / 8), one), d8, out + i);
    }
  }
  for (; i < n; ++i) out[i] = (bits[i / 8] >> (i % 8)) & 1;
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace somas
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace somas {

HWY_EXPORT(HalvesToFloatsImpl);
HWY_EXPORT(FloatsToHalvesImpl);
HWY_EXPORT(BitsToBytesImpl);

void BitsToBytes(const uint8_t* bits, uint8_t* out, size_t n) {
  HWY_DYNAMIC_DISPATCH(BitsToBytesImpl)(bits, out, n);
}

void HalvesToFloats(const uint16_t* in, const HalfOffset& offset, float* out, size_t n) {
  HWY_DYNAMIC_DISPATCH(HalvesToFloatsImpl)(in, offset, out, n);
}

void FloatsToHalves(const float* in, const HalfOffset& offset, uint16_t* out, size_t n) {
  HWY_DYNAMIC_DISPATCH(FloatsToHalvesImpl)(in, offset, out, n);
}

float Float16ToFloat(Float16 h) { return FloatFromHalf(h.bits); }

// The scalar twins of WidenHalves and NarrowHalves (engine/half-inl.h), in
// plain integer arithmetic.
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
