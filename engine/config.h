// Simulation files in JSON (the parsers are declared in somas/somas.h), and
// reading a whole file with an error that names it.
#ifndef SOMAS_ENGINE_CONFIG_H_
#define SOMAS_ENGINE_CONFIG_H_

#include <string>

#include "somas/somas.h"

namespace somas {

// Reads a whole file; the error names the path.
Status ReadFile(const std::string& path, std::string* contents);

}  // namespace somas

#endif  // SOMAS_ENGINE_CONFIG_H_
