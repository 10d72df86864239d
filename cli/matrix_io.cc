// CSV and NumPy .npy matrices.
#include "cli/matrix_io.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "engine/files.h"

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

}  // namespace

void ConvertNpyValues(const char* data, size_t item, size_t count, float* out) {
  for (size_t i = 0; i < count; ++i) {
    if (item == 4) {
      std::memcpy(&out[i], data + 4 * i, 4);
    } else if (item == 2) {  // float16: exact in float
      Float16 h;
      std::memcpy(&h.bits, data + 2 * i, 2);
      out[i] = Float16ToFloat(h);
    } else {
      double d;
      std::memcpy(&d, data + 8 * i, 8);
      out[i] = std::fabs(d) <= std::numeric_limits<float>::max()
                   ? static_cast<float>(d)
                   : std::numeric_limits<float>::infinity();
    }
  }
}

namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

Status ParseCsvRow(const std::string& line, const std::string& name, size_t row, size_t max_columns,
                   std::vector<float>* values) {
  values->clear();
  const char* p = line.data();
  const char* const end = p + line.size();
  while (true) {
    const size_t column = values->size();
    if (column == max_columns) {
      return Status::Error(name + ": row " + std::to_string(row + 1) + " has more than " +
                           std::to_string(max_columns) + " values");
    }
    const char* comma = static_cast<const char*>(std::memchr(p, ',', end - p));
    const char* field_end = comma ? comma : end;
    const char* begin = p;
    while (begin < field_end && (*begin == ' ' || *begin == '\t')) ++begin;
    const char* stop = field_end;
    while (stop > begin && (stop[-1] == ' ' || stop[-1] == '\t')) --stop;
    // from_chars takes no leading '+'; a value is a number and nothing else.
    const char* number = begin < stop && *begin == '+' ? begin + 1 : begin;
    double value = 0;
    const auto [parsed, error] = std::from_chars(number, stop, value);
    if (begin == stop || parsed != stop || error == std::errc::invalid_argument ||
        (number != begin && (*number == '-' || *number == '+'))) {
      return Status::Error(Cell(name, row, column) + ": \"" + std::string(p, field_end) +
                           "\" is not a number");
    }
    if (error == std::errc::result_out_of_range || !std::isfinite(value) ||
        std::fabs(value) > std::numeric_limits<float>::max()) {
      return Status::Error(Cell(name, row, column) + ": \"" + std::string(p, field_end) +
                           "\" is not a finite float32 number");
    }
    values->push_back(static_cast<float>(value));
    if (!comma) break;
    p = comma + 1;
  }
  return Status();
}

Status ParseCsvMatrix(const std::string& text, const std::string& name, Matrix* out) {
  Matrix m;
  size_t pos = 0;
  size_t row = 0;
  std::vector<float> values;
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
    // The streamed reader's bound on a line (CsvMaxLine), so that both agree.
    const size_t fields = static_cast<size_t>(std::count(line.begin(), line.end(), ',')) + 1;
    if (line.size() > CsvMaxLine(fields)) {
      return Status::Error(name + ": row " + std::to_string(row + 1) +
                           " is longer than any row of " + std::to_string(fields) + " numbers");
    }
    Status status = ParseCsvRow(line, name, row, SIZE_MAX, &values);
    if (!status.ok()) return status;
    if (row == 0) {
      m.columns = values.size();
    } else if (values.size() != m.columns) {
      return Status::Error(name + ": row " + std::to_string(row + 1) + " has " +
                           std::to_string(values.size()) + " values, row 1 has " +
                           std::to_string(m.columns));
    }
    m.values.insert(m.values.end(), values.begin(), values.end());
    ++row;
  }
  if (row == 0) return Status::Error(name + ": no rows");
  m.rows = row;
  *out = std::move(m);
  return Status();
}

Status ParseNpyHeader(const std::string& bytes, const std::string& name, NpyInfo* info) {
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
  } else if (descr == "'<f2'" || descr == "'=f2'") {
    item = 2;
  } else if (descr == "'<f8'" || descr == "'=f8'") {
    item = 8;
  } else {
    return Status::Error(
        name + ": dtype " + (descr.empty() ? "missing" : descr) +
        "; expected little-endian float16 ('<f2'), float32 ('<f4') or float64 ('<f8')");
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
  info->item = item;
  info->rows = rows;
  info->columns = columns;
  info->data_start = header_start + header_len;
  info->shape = shape;
  return Status();
}

Status ParseNpyMatrix(const std::string& bytes, const std::string& name, Matrix* out) {
  NpyInfo info;
  Status header = ParseNpyHeader(bytes, name, &info);
  if (!header.ok()) return header;
  const size_t item = info.item, data_start = info.data_start;
  const unsigned long long rows = info.rows, columns = info.columns;
  const std::string& shape = info.shape;
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
  ConvertNpyValues(bytes.data() + data_start, item, count, m.values.data());
  Status status = CheckFinite(m, name);
  if (!status.ok()) return status;
  *out = std::move(m);
  return Status();
}

namespace {

struct FileCloser {
  void operator()(FILE* f) const {
    if (f) std::fclose(f);
  }
};
using File = std::unique_ptr<FILE, FileCloser>;

class NpyReader : public CurrentReader {
 public:
  NpyReader(std::string path, File file, NpyInfo info, size_t block_bytes)
      : path_(std::move(path)), file_(std::move(file)), info_(std::move(info)) {
    // About `block_bytes` of file per read, at least one row.
    const uint64_t row_bytes = info_.columns * info_.item;
    block_rows_ = std::max<uint64_t>(1, block_bytes / std::max<uint64_t>(1, row_bytes));
  }
  uint64_t rows() const override { return info_.rows; }
  Status Next(float* row, bool* done) override {
    *done = false;
    if (next_row_ == info_.rows) {
      *done = true;
      return Status();
    }
    if (in_block_ == block_.size() / info_.columns) {
      const uint64_t rows = std::min(block_rows_, info_.rows - next_row_);
      raw_.resize(rows * info_.columns * info_.item);
      if (std::fread(&raw_[0], 1, raw_.size(), file_.get()) != raw_.size()) {
        return Status::Error(StatusCode::kIo, "cannot read " + path_ + " (was it truncated?)");
      }
      block_.resize(rows * info_.columns);
      ConvertNpyValues(raw_.data(), info_.item, block_.size(), block_.data());
      in_block_ = 0;
    }
    const float* values = block_.data() + in_block_ * info_.columns;
    for (size_t c = 0; c < info_.columns; ++c) {
      if (!std::isfinite(values[c])) {
        return Status::Error(Cell(path_, next_row_, c) +
                             ": input current is not a finite float32 number");
      }
    }
    std::memcpy(row, values, info_.columns * sizeof(float));
    ++in_block_;
    ++next_row_;
    return Status();
  }

 private:
  std::string path_;
  File file_;
  NpyInfo info_;
  uint64_t block_rows_ = 1;
  uint64_t next_row_ = 0;
  size_t in_block_ = 0;
  std::string raw_;
  std::vector<float> block_;
};

class CsvReader : public CurrentReader {
 public:
  CsvReader(std::string path, File file, size_t columns, size_t buffer_bytes)
      : path_(std::move(path)),
        file_(std::move(file)),
        columns_(columns),
        buffer_(std::max<size_t>(1, buffer_bytes), '\0') {}
  uint64_t rows() const override { return 0; }
  Status Next(float* row, bool* done) override {
    *done = false;
    // A longer line is refused without being read whole.
    const size_t max_line = CsvMaxLine(columns_);
    std::string& line = line_;
    line.clear();
    bool at_end = false;
    while (true) {
      if (pos_ == filled_) {  // refill: a buffer at a time
        Status status = Refill(&at_end);
        if (!status.ok()) return status;
        if (at_end) break;
      }
      const char* start = buffer_.data() + pos_;
      const char* newline = static_cast<const char*>(std::memchr(start, '\n', filled_ - pos_));
      const size_t take = newline ? static_cast<size_t>(newline - start) : filled_ - pos_;
      if (line.size() + take > max_line) {
        return Status::Error(path_ + ": row " + std::to_string(row_ + 1) +
                             " is longer than any row of " + std::to_string(columns_) +
                             " numbers (the pool has " + std::to_string(columns_) + " neurons)");
      }
      line.append(start, take);
      pos_ += take + (newline ? 1 : 0);
      if (newline) break;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      // The end, or one blank last line (as ParseCsvMatrix accepts it).
      if (!at_end && pos_ == filled_) {
        Status status = Refill(&at_end);
        if (!status.ok()) return status;
      }
      if (at_end) {
        if (row_ == 0) return Status::Error(path_ + ": no rows");
        *done = true;
        return Status();
      }
      return Status::Error(path_ + ": row " + std::to_string(row_ + 1) + " is empty");
    }
    Status status = ParseCsvRow(line, path_, row_, columns_, &values_);
    if (!status.ok()) return status;
    if (values_.size() != columns_) {
      return Status::Error(path_ + ": row " + std::to_string(row_ + 1) + " has " +
                           std::to_string(values_.size()) + " values, but the pool has " +
                           std::to_string(columns_) + " neurons");
    }
    std::memcpy(row, values_.data(), columns_ * sizeof(float));
    ++row_;
    return Status();
  }

 private:
  // The next buffer of the file; `*at_end` if there is none.
  Status Refill(bool* at_end) {
    filled_ = std::fread(&buffer_[0], 1, buffer_.size(), file_.get());
    pos_ = 0;
    if (filled_ == 0) {
      if (std::ferror(file_.get())) return Status::Error(StatusCode::kIo, "cannot read " + path_);
      *at_end = true;
    }
    return Status();
  }

  std::string path_;
  File file_;
  size_t columns_;
  uint64_t row_ = 0;
  std::vector<float> values_;
  std::string line_;
  std::string buffer_;
  size_t pos_ = 0, filled_ = 0;
};

}  // namespace

Status CurrentReader::Open(const std::string& path, size_t columns,
                           std::unique_ptr<CurrentReader>* out, const ReadSizes& sizes) {
  int fd = -1;
  uint64_t size = 0;
  Status status = OpenRegularFile(path, &fd, &size);
  if (!status.ok()) return status;
  File file(fdopen(fd, "rb"));
  if (!file) {
    close(fd);
    return Status::Error(StatusCode::kIo, "cannot open " + path);
  }
  const bool csv = EndsWith(path, ".csv"), npy = EndsWith(path, ".npy");
  if (!csv && !npy) return Status::Error(path + ": unknown current format; use .csv or .npy");
  if (csv) {
    // No larger a buffer than the file needs (a small file, a small buffer).
    const size_t buffer = static_cast<size_t>(std::min<uint64_t>(sizes.csv_buffer, size + 1));
    *out = std::make_unique<CsvReader>(path, std::move(file), columns, buffer);
    return Status();
  }
  // The header: its length is in the first 10 or 12 bytes.
  std::string head(12, '\0');
  head.resize(std::fread(&head[0], 1, head.size(), file.get()));
  size_t header_end = head.size();
  if (head.size() >= 10 && head.compare(0, 6, "\x93NUMPY", 6) == 0) {
    const bool v1 = head[6] == 1;
    size_t length = 0;
    for (int b = v1 ? 1 : 3; b >= 0; --b)
      length = length << 8 | static_cast<unsigned char>(head[8 + b]);
    header_end = (v1 ? 10 : 12) + length;
  }
  if (header_end > size || header_end > (size_t{1} << 20)) {
    return Status::Error(path + ": truncated .npy header");
  }
  head.resize(header_end);
  if (header_end > 12 || head.size() < header_end) {
    std::fseek(file.get(), 0, SEEK_SET);
    head.assign(header_end, '\0');
    if (std::fread(&head[0], 1, header_end, file.get()) != header_end) {
      return Status::Error(StatusCode::kIo, "cannot read " + path);
    }
  }
  NpyInfo info;
  status = ParseNpyHeader(head, path, &info);
  if (!status.ok()) return status;
  if (info.columns != columns) {
    return Status::Error(path + " has " + std::to_string(info.columns) +
                         " columns, but the pool has " + std::to_string(columns) + " neurons");
  }
  if (info.rows == 0) return Status::Error(path + ": empty array " + info.shape);
  const uint64_t data = size - info.data_start;
  if (info.rows > data / info.item / std::max<uint64_t>(1, info.columns)) {
    return Status::Error(path + ": its header claims " + info.shape + " values (" +
                         std::to_string(info.rows * info.columns * info.item) +
                         " bytes), but the file holds " + std::to_string(data) + " bytes of data");
  }
  if (data != info.rows * info.columns * info.item) {
    return Status::Error(path + ": data size does not match shape " + info.shape);
  }
  std::fseek(file.get(), static_cast<long>(info.data_start), SEEK_SET);
  *out = std::make_unique<NpyReader>(path, std::move(file), std::move(info), sizes.npy_block);
  return Status();
}

NpyWriter::~NpyWriter() {
  if (file_) std::fclose(file_);
}

Status NpyWriter::Header(uint64_t rows) {
  // Always 128 bytes (room for any shape), so that Finish rewrites it in place.
  const std::string bytes = NpyFloat32Header(rows, columns_, 128);
  if (std::fseek(file_, 0, SEEK_SET) != 0 ||
      std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
    return Status::Error(StatusCode::kIo, "cannot write " + path_);
  }
  return Status();
}

Status NpyWriter::Open(const std::string& path, size_t columns) {
  path_ = path;
  columns_ = columns;
  file_ = std::fopen(path.c_str(), "wb");
  if (!file_) return Status::Error(StatusCode::kIo, "cannot write " + path);
  return Header(0);
}

Status NpyWriter::Append(const float* row) {
  if (std::fwrite(row, sizeof(float), columns_, file_) != columns_) {
    return Status::Error(StatusCode::kIo, "cannot write " + path_);
  }
  ++rows_;
  return Status();
}

Status NpyWriter::Finish() {
  Status status = Header(rows_);
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  if (status.ok() && !closed) status = Status::Error(StatusCode::kIo, "cannot write " + path_);
  return status;
}

std::string NpyFloat32Header(uint64_t rows, uint64_t columns, size_t min_bytes) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" +
                       std::to_string(rows) + ", " + std::to_string(columns) + "), }";
  // Magic (6) + version (2) + length (2) + header + '\n' is a multiple of 64.
  while ((10 + header.size() + 1) % 64 != 0 || 10 + header.size() + 1 < min_bytes) header += ' ';
  header += '\n';
  std::string bytes("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  return bytes + header;
}

std::string NpyFloat32(const float* values, size_t rows, size_t columns) {
  std::string bytes = NpyFloat32Header(rows, columns);
  bytes.append(reinterpret_cast<const char*>(values), rows * columns * sizeof(float));
  return bytes;
}

}  // namespace somas
