// Numbers in messages and files: as short as they can be while reading back exactly.
#ifndef SOMAS_ENGINE_FORMAT_H_
#define SOMAS_ENGINE_FORMAT_H_

#include <string>

namespace somas {

// "12.5" rather than "12.500000": numbers as users wrote them.
std::string FormatNumber(double value);
// The shortest text that reads back as the same float.
std::string FormatFloat(float value);

}  // namespace somas

#endif  // SOMAS_ENGINE_FORMAT_H_
