// Seeded per-neuron parameter initializers: constant, uniform, normal (optionally clipped).
#ifndef SOMAS_ENGINE_INITIALIZER_H_
#define SOMAS_ENGINE_INITIALIZER_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace somas {

// Draws one value per neuron. A value depends only on (seed, pool name,
// parameter name, neuron index), never on SIMD target, threads or chunking;
// docs/configuration.md gives the exact derivation so that other programs
// can reproduce it.
struct Initializer {
  enum class Kind { kConstant, kUniform, kNormal };
  Kind kind = Kind::kConstant;
  double value = 0;          // constant
  double min = 0, max = 0;   // uniform range; normal's clip range if `clipped`
  double mean = 0, std = 0;  // normal
  bool clipped = false;      // normal only: clip (not reject) to [min, max]

  // "" if valid, else what is wrong ("min = 5 > max = 3").
  std::string Problem() const;
  // The value for neuron `neuron` of the stream `stream` (see StreamKey).
  double Draw(uint64_t stream, size_t neuron) const;
};

const char* KindName(Initializer::Kind kind);

// The random stream of one parameter of one pool:
// Mix(seed ^ FNV-1a-64(pool + "/" + parameter)).
uint64_t StreamKey(uint64_t seed, const std::string& pool, const std::string& parameter);

// splitmix64's finaliser: a bijective 64-bit mix.
uint64_t Mix(uint64_t z);

}  // namespace somas

#endif  // SOMAS_ENGINE_INITIALIZER_H_
