// Counter-based draws for parameter initializers (docs/configuration.md).
#include "engine/initializer.h"

#include <algorithm>
#include <cmath>

#include "engine/format.h"

namespace somas {
namespace {

constexpr double kTwoPi = 6.283185307179586476925;

// Uniform in [0, 1): the top 53 bits of Mix(stream ^ Mix(2 * neuron + k)).
double Unit(uint64_t stream, size_t neuron, uint64_t k) {
  const uint64_t bits = Mix(stream ^ Mix(2 * static_cast<uint64_t>(neuron) + k));
  return static_cast<double>(bits >> 11) * 0x1.0p-53;
}

}  // namespace

uint64_t Mix(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t StreamKey(uint64_t seed, const std::string& pool, const std::string& parameter) {
  uint64_t hash = 0xcbf29ce484222325ull;  // FNV-1a 64
  for (unsigned char c : pool + "/" + parameter) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  return Mix(seed ^ hash);
}

const char* KindName(Initializer::Kind kind) {
  switch (kind) {
    case Initializer::Kind::kConstant:
      return "constant";
    case Initializer::Kind::kUniform:
      return "uniform";
    case Initializer::Kind::kNormal:
      return "normal";
  }
  return "constant";
}

std::string Initializer::Problem() const {
  const bool has_range = kind == Kind::kUniform || (kind == Kind::kNormal && clipped);
  for (double x : {value, min, max, mean, std}) {
    if (!std::isfinite(x)) return "every number must be finite";
  }
  if (has_range && min > max) return "min = " + FormatNumber(min) + " > max = " + FormatNumber(max);
  if (kind == Kind::kNormal && std < 0) return "std = " + FormatNumber(std) + " < 0";
  return "";
}

double Initializer::Draw(uint64_t stream, size_t neuron) const {
  switch (kind) {
    case Kind::kConstant:
      return value;
    case Kind::kUniform:
      return min + (max - min) * Unit(stream, neuron, 0);
    case Kind::kNormal: {
      // Box-Muller; 1 - u is in (0, 1], so the log is finite.
      const double radius = std::sqrt(-2.0 * std::log(1.0 - Unit(stream, neuron, 0)));
      const double x = mean + std * radius * std::cos(kTwoPi * Unit(stream, neuron, 1));
      return clipped ? std::clamp(x, min, max) : x;
    }
  }
  return value;
}

}  // namespace somas
