// Seeded per-neuron parameter initializers (the Initializer type is public): their random streams.
#ifndef SOMAS_ENGINE_INITIALIZER_H_
#define SOMAS_ENGINE_INITIALIZER_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "somas/somas.h"

namespace somas {

const char* KindName(Initializer::Kind kind);

// The random stream of one parameter of one pool:
// Mix(seed ^ FNV-1a-64(pool + "/" + parameter)).
uint64_t StreamKey(uint64_t seed, const std::string& pool, const std::string& parameter);

// splitmix64's finaliser: a bijective 64-bit mix.
uint64_t Mix(uint64_t z);

}  // namespace somas

#endif  // SOMAS_ENGINE_INITIALIZER_H_
