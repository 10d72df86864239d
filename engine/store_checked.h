// A per-neuron parameter column stored as the kernels read it (floats) and
// checked against the value bound and its parameter's Bound in the same
// pass, SIMD-dispatched: building a pool with per-neuron parameters does it
// once per parameter and neuron.
#ifndef SOMAS_ENGINE_STORE_CHECKED_H_
#define SOMAS_ENGINE_STORE_CHECKED_H_

#include <cstddef>

#include "somas/somas.h"

namespace somas {

// out[i] = float(in[i]), i in [0, n); true if every |in[i]| <= kStateBound
// (NaN is not) and every float(in[i]) obeys `bound` (> 0 or >= 0, or nothing
// more for Bound::kFinite). No early exit: every value is stored, and the
// caller finds and words the first problem; a value beyond the bound is
// stored as some float (targets differ: inf or the largest float), which a
// caller given false does not use. The bound is a float, so a value within
// it as given is within it as a float too (rounding is monotonic).
bool StoreChecked(const double* in, size_t n, Bound bound, float* out);
bool StoreChecked(const float* in, size_t n, Bound bound, float* out);

}  // namespace somas

#endif  // SOMAS_ENGINE_STORE_CHECKED_H_
