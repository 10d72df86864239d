// Input-current matrices (.csv, .npy) and float32 .npy output, without NumPy.
#ifndef SOMAS_CLI_MATRIX_IO_H_
#define SOMAS_CLI_MATRIX_IO_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
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

// Whole-matrix parsers (tests and the fuzz target): a .csv (one row per line,
// comma-separated numbers, no header) or a .npy (2-D, float16, float32 or float64,
// little-endian, C order). Every value must be finite as a float; errors name
// the file and the row and column of the bad value.
Status ParseCsvMatrix(const std::string& text, const std::string& name, Matrix* out);
Status ParseNpyMatrix(const std::string& bytes, const std::string& name, Matrix* out);

// The longest CSV line of `columns` numbers: 64 bytes a number (digits,
// spaces) and 4096 more. Longer lines are refused by both readers.
inline size_t CsvMaxLine(size_t columns) { return 64 * columns + 4096; }

// One CSV line into `values`; more than `max_columns` values is an error.
Status ParseCsvRow(const std::string& line, const std::string& name, size_t row, size_t max_columns,
                   std::vector<float>* values);

// What a .npy header says: element size, shape, where the data starts.
struct NpyInfo {
  size_t item = 0;  // 2 (float16), 4 (float32) or 8 (float64)
  uint64_t rows = 0, columns = 0;
  size_t data_start = 0;
  std::string shape;  // as written, for messages
};
// Parses the header at the start of `bytes` (which must hold all of it).
Status ParseNpyHeader(const std::string& bytes, const std::string& name, NpyInfo* info);
// `count` values of `item` bytes to floats (float64 beyond float range -> inf).
void ConvertNpyValues(const char* data, size_t item, size_t count, float* out);

// How much a CurrentReader reads at once (tests and fuzzing make these tiny,
// so that rows and values straddle every edge with small inputs).
struct ReadSizes {
  size_t csv_buffer = size_t{1} << 20;  // bytes of CSV per read
  size_t npy_block = size_t{4} << 20;   // bytes of .npy data per read (at least one row)
};

// The rows of a current file, read a bounded block at a time: memory does
// not grow with the number of steps. A file the in-memory parsers
// (ParseCsvMatrix, ParseNpyMatrix) accept gives the same rows; one they refuse
// is refused at the same row.
class CurrentReader {
 public:
  virtual ~CurrentReader() = default;
  // Opens `path` (.csv or .npy, by extension) for rows of exactly `columns`
  // values. Refuses at once what cannot be a current matrix: a directory, a
  // device or FIFO, an .npy whose header is malformed, has the wrong width,
  // or claims more data than the file holds.
  static Status Open(const std::string& path, size_t columns, std::unique_ptr<CurrentReader>* out,
                     const ReadSizes& sizes = ReadSizes());
  // The next row into `row` (`columns` floats, all finite); at the end of the
  // file `*done` is set and nothing is written.
  virtual Status Next(float* row, bool* done) = 0;
  // The number of rows if the file says it up front (.npy), else 0.
  virtual uint64_t rows() const = 0;
};

// A float32 C-order .npy file written a row at a time; its shape is written
// by Finish, so the number of rows need not be known in advance.
class NpyWriter {
 public:
  ~NpyWriter();
  Status Open(const std::string& path, size_t columns);
  Status Append(const float* row);
  Status Finish();

 private:
  Status Header(uint64_t rows);
  std::string path_;
  FILE* file_ = nullptr;
  size_t columns_ = 0;
  uint64_t rows_ = 0;
};

// The NumPy .npy (format 1.0) header of a float32 rows x columns C-order
// matrix, padded to a multiple of 64 bytes and to at least `min_bytes`.
std::string NpyFloat32Header(uint64_t rows, uint64_t columns, size_t min_bytes = 0);

// NumPy .npy (format 1.0) bytes of a float32 rows x columns C-order matrix.
std::string NpyFloat32(const float* values, size_t rows, size_t columns);

}  // namespace somas

#endif  // SOMAS_CLI_MATRIX_IO_H_
