// The exponential family's vector exp, as its accuracy test sees it.
#ifndef SOMAS_MODELS_EXPONENTIAL_H_
#define SOMAS_MODELS_EXPONENTIAL_H_

#include <cstddef>

namespace somas {

// Largest argument passed to the vector exp: exp(88) < FLT_MAX.
inline constexpr float kMaxExpArgument = 88.0f;
// Below this argument the exponential family's exp is exactly 0 (e^-80 is
// 1.8e-35; the term it drops is D e^x, far below any potential's last bit).
inline constexpr float kMinExpArgument = -80.0f;

// out[i] = the vector exp of x[i] (x[i] <= 88), on the target chosen now; n
// a multiple of 16.
void ExpForTest(const float* x, float* out, size_t n);

}  // namespace somas

#endif  // SOMAS_MODELS_EXPONENTIAL_H_
