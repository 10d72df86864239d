// Shortest exact decimal forms of doubles and floats.
#include "engine/format.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace somas {

std::string FormatNumber(double value) {
  char buffer[40];
  for (int precision = 6; precision <= 17; ++precision) {
    snprintf(buffer, sizeof(buffer), "%.*g", precision, value);
    if (std::isnan(value) || std::strtod(buffer, nullptr) == value) break;
  }
  return buffer;
}

std::string FormatFloat(float value) {
  char buffer[40];
  for (int precision = 6; precision <= 9; ++precision) {
    snprintf(buffer, sizeof(buffer), "%.*g", precision, value);
    if (std::isnan(value) || std::strtof(buffer, nullptr) == value) break;
  }
  return buffer;
}

}  // namespace somas
