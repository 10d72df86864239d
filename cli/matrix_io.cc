// CSV and NumPy .npy matrices.
#include "cli/matrix_io.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "engine/config.h"
#include "engine/pool_impl.h"

namespace somas {
namespace {

std::string Cell(const std::string& name, size_t row, size_t column) {
  return name + ": row " + std::to_string(row + 1) + ", column " + std::to_string(column + 1);
}

Status CheckFinite(const Matrix& m, const std::string& name) {
  for (size_t i = 0; i < m.values.size(); ++i) {
    if (!std::isfinite(m.values[i])) {
      return Status::Error(Cell(name, i / m.columns, i % m.columns) +
                           ": input current is not a finite float32 number");
    }
  }
  return Status();
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

Status ParseCsvMatrix(const std::string& text, const std::string& name, Matrix* out) {
  Matrix m;
  size_t pos = 0;
  size_t row = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      if (pos >= text.size()) break;  // a trailing newline
      return Status::Error(name + ": row " + std::to_string(row + 1) + " is empty");
    }
    size_t column = 0;
    size_t start = 0;
    while (true) {
      size_t comma = line.find(',', start);
      const std::string field =
          line.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      const char* begin = field.c_str();
      while (*begin == ' ' || *begin == '\t') ++begin;
      char* stop = nullptr;
      errno = 0;
      const double value = std::strtod(begin, &stop);
      while (stop && (*stop == ' ' || *stop == '\t')) ++stop;
      if (*begin == '\0' || stop == begin || *stop != '\0') {
        return Status::Error(Cell(name, row, column) + ": \"" + field + "\" is not a number");
      }
      if (!std::isfinite(value) || std::fabs(value) > std::numeric_limits<float>::max()) {
        return Status::Error(Cell(name, row, column) + ": \"" + field +
                             "\" is not a finite float32 number");
      }
      m.values.push_back(static_cast<float>(value));
      ++column;
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    if (row == 0) {
      m.columns = column;
    } else if (column != m.columns) {
      return Status::Error(name + ": row " + std::to_string(row + 1) + " has " +
                           std::to_string(column) + " values, row 1 has " +
                           std::to_string(m.columns));
    }
    ++row;
  }
  if (row == 0) return Status::Error(name + ": no rows");
  m.rows = row;
  *out = std::move(m);
  return Status();
}

Status ParseNpyMatrix(const std::string& bytes, const std::string& name, Matrix* out) {
  static const char kMagic[] = "\x93NUMPY";
  if (bytes.size() < 10 || bytes.compare(0, 6, kMagic, 6) != 0) {
    return Status::Error(name + ": not a NumPy .npy file (bad magic)");
  }
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len = 0, header_start = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | static_cast<unsigned char>(bytes[9]) << 8;
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) return Status::Error(name + ": truncated .npy header");
    for (int b = 3; b >= 0; --b)
      header_len = header_len << 8 | static_cast<unsigned char>(bytes[8 + b]);
    header_start = 12;
  } else {
    return Status::Error(name + ": unsupported .npy version " + std::to_string(major));
  }
  if (header_start + header_len > bytes.size())
    return Status::Error(name + ": truncated .npy header");
  std::string header = bytes.substr(header_start, header_len);
  header.erase(std::remove_if(header.begin(), header.end(), [](char c) { return c == ' '; }),
               header.end());

  auto field = [&](const std::string& key) -> std::string {
    const size_t at = header.find("'" + key + "':");
    if (at == std::string::npos) return "";
    size_t begin = at + key.size() + 3;
    size_t end =
        header[begin] == '(' ? header.find(')', begin) + 1 : header.find_first_of(",}", begin);
    if (end == std::string::npos || end < begin) return "";
    return header.substr(begin, end - begin);
  };
  const std::string descr = field("descr");
  size_t item = 0;
  if (descr == "'<f4'" || descr == "'=f4'") {
    item = 4;
  } else if (descr == "'<f8'" || descr == "'=f8'") {
    item = 8;
  } else {
    return Status::Error(name + ": dtype " + (descr.empty() ? "missing" : descr) +
                         "; expected little-endian float32 ('<f4') or float64 ('<f8')");
  }
  if (field("fortran_order") != "False") {
    return Status::Error(name + ": Fortran-ordered arrays are not supported; save in C order");
  }
  const std::string shape = field("shape");
  unsigned long long rows = 0, columns = 0;
  char tail = 0;
  if (std::sscanf(shape.c_str(), "(%llu,%llu%c", &rows, &columns, &tail) != 3 || tail != ')') {
    return Status::Error(name + ": shape " + (shape.empty() ? "missing" : shape) +
                         "; expected a 2-D array (steps, neurons)");
  }
  const size_t data_start = header_start + header_len;
  if (columns != 0 && rows > (bytes.size() - data_start) / item / columns) {
    return Status::Error(name + ": holds fewer values than its shape " + shape + " says");
  }
  const size_t count = static_cast<size_t>(rows * columns);
  if (bytes.size() - data_start != count * item) {
    return Status::Error(name + ": data size does not match shape " + shape);
  }
  if (count == 0) return Status::Error(name + ": empty array " + shape);
  Matrix m;
  m.rows = rows;
  m.columns = columns;
  m.values.resize(count);
  const char* data = bytes.data() + data_start;
  for (size_t i = 0; i < count; ++i) {
    if (item == 4) {
      std::memcpy(&m.values[i], data + 4 * i, 4);
    } else {
      double d;
      std::memcpy(&d, data + 8 * i, 8);
      m.values[i] = std::fabs(d) <= std::numeric_limits<float>::max()
                        ? static_cast<float>(d)
                        : std::numeric_limits<float>::infinity();
    }
  }
  Status status = CheckFinite(m, name);
  if (!status.ok()) return status;
  *out = std::move(m);
  return Status();
}

Status ReadMatrix(const std::string& path, Matrix* out) {
  // The whole file, its values as floats and the replay's outputs must fit
  // in memory together.
  std::string bytes;
  Status status = ReadFile(path, &bytes, AvailableMemoryBytes() / 3);
  if (!status.ok()) return status;
  if (EndsWith(path, ".csv")) return ParseCsvMatrix(bytes, path, out);
  if (EndsWith(path, ".npy")) return ParseNpyMatrix(bytes, path, out);
  return Status::Error(path + ": unknown current format; use .csv or .npy");
}

std::string NpyFloat32(const float* values, size_t rows, size_t columns) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" +
                       std::to_string(rows) + ", " + std::to_string(columns) + "), }";
  // Magic (6) + version (2) + length (2) + header + '\n' is a multiple of 64.
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string bytes("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  bytes += header;
  bytes.append(reinterpret_cast<const char*>(values), rows * columns * sizeof(float));
  return bytes;
}

}  // namespace somas
