// Input-current matrices (.csv, .npy) and float32 .npy output, without NumPy.
#ifndef SOMAS_CLI_MATRIX_IO_H_
#define SOMAS_CLI_MATRIX_IO_H_

#include <cstddef>
#include <string>
#include <vector>

#include "somas/somas.h"

namespace somas {

// A steps x columns matrix, row-major.
struct Matrix {
  size_t rows = 0;
  size_t columns = 0;
  std::vector<float> values;
};

// Reads a .csv (one row per line, comma-separated numbers, no header) or a
// .npy (2-D, float32 or float64, little-endian, C order) file by extension.
// Every value must be finite as a float; errors name the file and the row
// and column of the bad value.
Status ReadMatrix(const std::string& path, Matrix* out);
Status ParseCsvMatrix(const std::string& text, const std::string& name, Matrix* out);
Status ParseNpyMatrix(const std::string& bytes, const std::string& name, Matrix* out);

// NumPy .npy (format 1.0) bytes of a float32 rows x columns C-order matrix.
std::string NpyFloat32(const float* values, size_t rows, size_t columns);

}  // namespace somas

#endif  // SOMAS_CLI_MATRIX_IO_H_
