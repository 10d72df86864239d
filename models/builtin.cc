// The explicit list of built-in models behind Registry::Builtin().
#include "models/builtin.h"

#include "engine/registry.h"

namespace somas {

std::vector<ModelSpec> BuiltinModels() {
  return {
      LeakySomaSpec(),
      RefractoryLeakySomaSpec(),
      StrictRefractoryLeakySomaSpec(),
      AdaptiveLeakySomaSpec(),
      ExponentialSomaSpec(),
      RefractoryExponentialSomaSpec(),
      AdaptiveExponentialSomaSpec(),
      SimplifiedAdaptiveExponentialSomaSpec(),
      IzhikevichSomaSpec(),
  };
}

const Registry& Registry::Builtin() {
  static const Registry* const registry = new Registry(BuiltinModels());
  return *registry;
}

}  // namespace somas
