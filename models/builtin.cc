// The explicit list of built-in models behind BuiltinRegistry().
#include "models/builtin.h"

#include <cstdio>
#include <cstdlib>

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

const Registry& BuiltinRegistry() {
  static const Registry* const registry = [] {
    auto* r = new Registry();
    for (ModelSpec& m : BuiltinModels()) {
      const Status status = r->Add(std::move(m));
      if (!status.ok()) {  // a programming error in this file: tests catch it first
        std::fprintf(stderr, "somas: built-in %s\n", status.message().c_str());
        std::abort();
      }
    }
    return r;
  }();
  return *registry;
}

}  // namespace somas
