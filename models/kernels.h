// Dispatching entry points of every step kernel, and the order of each
// family's kernel constants (shared by the kernels and their schemas).
#ifndef SOMAS_MODELS_KERNELS_H_
#define SOMAS_MODELS_KERNELS_H_

#include "engine/kernel_abi.h"

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

void RunLeakyStep(const KernelArgs& a, KernelResult* r);
void RunRefractoryLeakyStep(const KernelArgs& a, KernelResult* r);
void RunStrictRefractoryLeakyStep(const KernelArgs& a, KernelResult* r);
void RunAdaptiveLeakyStep(const KernelArgs& a, KernelResult* r);

}  // namespace somas

#endif  // SOMAS_MODELS_KERNELS_H_
