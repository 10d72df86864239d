// The built-in models: one schema function per model, and the list of them.
#ifndef SOMAS_MODELS_BUILTIN_H_
#define SOMAS_MODELS_BUILTIN_H_

#include <vector>

#include "somas/somas.h"

namespace somas {

ModelSpec LeakySomaSpec();
ModelSpec RefractoryLeakySomaSpec();
ModelSpec StrictRefractoryLeakySomaSpec();
ModelSpec AdaptiveLeakySomaSpec();
ModelSpec ExponentialSomaSpec();
ModelSpec RefractoryExponentialSomaSpec();
ModelSpec AdaptiveExponentialSomaSpec();
ModelSpec SimplifiedAdaptiveExponentialSomaSpec();
ModelSpec IzhikevichSomaSpec();

// Every built-in model, in the order of the upstream API.
std::vector<ModelSpec> BuiltinModels();

}  // namespace somas

#endif  // SOMAS_MODELS_BUILTIN_H_
