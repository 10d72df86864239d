// float16 storage (docs/models.md, "float16 storage"): a pool whose dtype is
// float16 keeps every float state as IEEE binary16 and steps it in float32.
// These are the only conversions between the two: exact (float16 to
// float32), round to nearest even (float32 to float16), and bit-identical on
// every SIMD target, the scalar ones included.
#ifndef SOMAS_ENGINE_HALF_H_
#define SOMAS_ENGINE_HALF_H_

#include <cstddef>
#include <cstdint>

namespace somas {

// The largest finite float16. Stored states saturate here: a value beyond it
// is stored as +-kHalfMax, never as infinity.
inline constexpr float kHalfMax = 65504.0f;

// One value. FloatFromHalf is exact for every bit pattern (infinities and
// NaNs too); HalfFromFloat rounds a finite value to nearest even, saturating
// at +-kHalfMax.
float FloatFromHalf(uint16_t h);
uint16_t HalfFromFloat(float x);

// What a stored state is relative to: offset[i] if `values` is set, else
// `shared`; `none` means no offset at all (not even + 0, which would turn
// -0 into +0).
struct HalfOffset {
  const float* values = nullptr;
  float shared = 0.0f;
  bool none = true;
};

// out[i] = float(in[i]) + offset[i] (one float addition), i in [0, n).
void HalvesToFloats(const uint16_t* in, const HalfOffset& offset, float* out, size_t n);
// out[i] = half(clamp(in[i] - offset[i], -kHalfMax, kHalfMax)) (one float
// subtraction, then round to nearest even); in[i] must not be NaN.
void FloatsToHalves(const float* in, const HalfOffset& offset, uint16_t* out, size_t n);

// out[i] = bit i % 8 of bits[i / 8] (0 or 1), i in [0, n): a pool's spike
// bits as bytes (Pool::SpikesDense), SIMD-dispatched like the conversions.
void BitsToBytes(const uint8_t* bits, uint8_t* out, size_t n);

}  // namespace somas

#endif  // SOMAS_ENGINE_HALF_H_
