// Dispatching entry points of every step kernel, and the order of each
// family's kernel constants (shared by the kernels and their schemas).
#ifndef SOMAS_MODELS_KERNELS_H_
#define SOMAS_MODELS_KERNELS_H_

#include "somas/somas.h"

namespace somas {

// Leaky family: states {v - rest, theta_t - theta}.
enum LeakyConstant {
  kLeakyDecay,
  kLeakyGainR,
  kLeakyTheta,
  kLeakyReset,
  kLeakyCooldownSteps,
  kLeakyThresholdDecay,
  kLeakyThresholdDelta,
};

// Exponential family: states {v - rest, w (AdEx) or theta_t - theta}.
enum ExponentialConstant {
  kExpScale,  // dt / potential_tau
  kExpResistance,
  kExpTheta,              // threshold - rest
  kExpReset,              // potential_reset - rest
  kExpSlope,              // spike_slope D
  kExpInvSlope,           // 1 / D
  kExpRheobaseOverSlope,  // (rheobase_threshold - rest) / D
  kExpCooldownSteps,
  kExpThresholdDecay,
  kExpThresholdDelta,
  kExpAdaptationScale,  // dt / adaptation_tau
  kExpAdaptationA,      // adaptation_subthreshold, nS
  kExpAdaptationB,      // adaptation_delta, pA
};

// IzhikevichSoma: states {v, u}, absolute mV.
enum IzhikevichConstant {
  kIzhHalfDt,
  kIzhResistance,
  kIzhThreshold,
  kIzhReset,  // c
  kIzhDtA,    // dt * recovery_timescale
  kIzhB,      // recovery_sensitivity
  kIzhD,      // recovery_update
  kIzhFloor,  // potential_floor
};

// Izhikevich's ceiling on v (docs/models.md): far above any spike peak.
inline constexpr float kIzhCeiling = 1e4f;
// Largest argument passed to the vector exp: exp(88) < FLT_MAX.
inline constexpr float kMaxExpArgument = 88.0f;
// Below this argument the exponential family's exp is exactly 0 (e^-80 is
// 1.8e-35; the term it drops is D e^x, far below any potential's last bit).
inline constexpr float kMinExpArgument = -80.0f;

void RunLeakyStep(const KernelArgs& a, KernelResult* r);
void RunRefractoryLeakyStep(const KernelArgs& a, KernelResult* r);
void RunStrictRefractoryLeakyStep(const KernelArgs& a, KernelResult* r);
void RunAdaptiveLeakyStep(const KernelArgs& a, KernelResult* r);

void RunExponentialStep(const KernelArgs& a, KernelResult* r);
void RunRefractoryExponentialStep(const KernelArgs& a, KernelResult* r);
void RunAdaptiveExponentialStep(const KernelArgs& a, KernelResult* r);
void RunSimplifiedAdaptiveExponentialStep(const KernelArgs& a, KernelResult* r);
void RunIzhikevichStep(const KernelArgs& a, KernelResult* r);

// out[i] = the exponential family's vector exp of x[i] (x[i] <= 88), on the
// target chosen now; n a multiple of 16. For tests of its accuracy.
void ExpForTest(const float* x, float* out, size_t n);

}  // namespace somas

#endif  // SOMAS_MODELS_KERNELS_H_
