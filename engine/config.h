// Simulation files in JSON (the parsers are declared in somas/somas.h), and
// reading a whole file with an error that names it.
#ifndef SOMAS_ENGINE_CONFIG_H_
#define SOMAS_ENGINE_CONFIG_H_

#include <cstdint>
#include <string>

#include "somas/somas.h"

namespace somas {

// The largest simulation or pool file somas reads (per-neuron lists of a
// few million neurons fit easily; larger pools should use initializers).
inline constexpr uint64_t kMaxConfigBytes = uint64_t{1} << 30;

// Reads a whole regular file of at most `max_bytes`; a directory, a device,
// a FIFO or a larger file is refused before anything is read, with an error
// that names the path (code kIo).
Status ReadFile(const std::string& path, std::string* contents,
                uint64_t max_bytes = kMaxConfigBytes);

}  // namespace somas

#endif  // SOMAS_ENGINE_CONFIG_H_
