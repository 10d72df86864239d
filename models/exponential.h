// The exponential family's vector exp2, as its accuracy test sees it.
#ifndef SOMAS_MODELS_EXPONENTIAL_H_
#define SOMAS_MODELS_EXPONENTIAL_H_

#include <cstddef>

namespace somas {

// The exponential term D e^x is computed as 2^y (y = log2(e) x + log2(D)).
// Largest argument passed to the vector exp2: 2^127 (1.7e38) < FLT_MAX.
inline constexpr float kMaxExp2Argument = 127.0f;
// Below this argument the vector exp2 is exactly 0 (2^-126 is 1.2e-38, the
// smallest normal float; the term it drops is far below any potential's
// last bit).
inline constexpr float kMinExp2Argument = -126.0f;

// out[i] = the vector exp2 of x[i] (x[i] <= 127), on the target chosen now;
// n a multiple of 16.
void Exp2ForTest(const float* x, float* out, size_t n);

}  // namespace somas

#endif  // SOMAS_MODELS_EXPONENTIAL_H_
