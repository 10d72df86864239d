// Reading the files users name (simulation files, checkpoints, currents),
// refusing anything that is not a regular file before it can block.
#ifndef SOMAS_ENGINE_FILES_H_
#define SOMAS_ENGINE_FILES_H_

#include <cstdint>
#include <string>

#include "somas/somas.h"

namespace somas {

// The largest simulation or pool file somas reads (per-neuron lists of a
// few million neurons fit easily; larger pools should use initializers).
inline constexpr uint64_t kMaxConfigBytes = uint64_t{1} << 30;

// Opens `path` for reading if it is a regular file, and sets `*fd` (the
// caller closes it) and `*size`. It is opened without blocking and its type
// checked on the open descriptor before anything is read, so a FIFO with no
// writer, a device or a socket is refused at once, never waited on; so is a
// directory. Errors name the path (code kIo).
Status OpenRegularFile(const std::string& path, int* fd, uint64_t* size);

// Reads a whole regular file (as OpenRegularFile checks it) of at most
// `max_bytes`; a larger file is refused before anything is read.
Status ReadFile(const std::string& path, std::string* contents,
                uint64_t max_bytes = kMaxConfigBytes);

}  // namespace somas

#endif  // SOMAS_ENGINE_FILES_H_
