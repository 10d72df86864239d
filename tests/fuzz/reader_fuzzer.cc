// Fuzz targets for the current readers (.csv and .npy): the streamed reader,
// at tiny read sizes so that small inputs reach every buffer and block edge,
// must agree with the in-memory parser on every input (the same matrix, or
// an error at the same row), and neither may allocate more than a bound
// proportional to the input.
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "cli/matrix_io.h"
#include "tests/fuzz/fuzz_check.h"

namespace somas::fuzz {
namespace {

// Allocation bound: a few times the input, plus room for small fixed buffers.
size_t Bound(size_t size) { return 16 * size + (size_t{64} << 10); }

std::string TempPath(const char* extension) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/somas_fuzz_" + std::to_string(getpid()) + extension;
}

size_t RowOf(const std::string& message) {
  const size_t at = message.find(": row ");
  return at == std::string::npos ? 0 : std::strtoul(message.c_str() + at + 6, nullptr, 10);
}

struct Streamed {
  Status status;
  size_t rows = 0;
  std::vector<float> values;
};

Streamed Stream(const std::string& path, size_t columns, const ReadSizes& sizes, size_t input) {
  Streamed s;
  std::vector<float> row(columns);
  {
    Tracking tracking;
    std::unique_ptr<CurrentReader> reader;
    s.status = CurrentReader::Open(path, columns, &reader, sizes);
    while (s.status.ok()) {
      bool done = false;
      s.status = reader->Next(row.data(), &done);
      if (!s.status.ok() || done) break;
      s.values.insert(s.values.end(), row.begin(), row.end());
      ++s.rows;
    }
    reader.reset();
    SOMAS_FUZZ_CHECK(Tracking::Peak() <= Bound(input) + s.values.capacity() * sizeof(float),
                     "the streamed reader allocated %zu bytes for a %zu-byte input",
                     Tracking::Peak(), input);
  }
  return s;
}

// Parses `bytes` whole and streamed (at three read sizes picked from the
// input), and holds them to the same answer.
int Agree(const uint8_t* data, size_t size, bool csv) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const std::string path = TempPath(csv ? ".csv" : ".npy");
  Matrix whole;
  Status parsed;
  {
    Tracking tracking;
    parsed = csv ? ParseCsvMatrix(bytes, path, &whole) : ParseNpyMatrix(bytes, path, &whole);
    SOMAS_FUZZ_CHECK(Tracking::Peak() <= Bound(size),
                     "the in-memory parser allocated %zu bytes for a %zu-byte input",
                     Tracking::Peak(), size);
  }
  // The width the streamed reader is asked for: the parsed one, else what
  // the first line or the header says.
  size_t columns = whole.columns;
  if (!parsed.ok()) {
    if (csv) {
      const std::string first = bytes.substr(0, bytes.find('\n'));
      columns = static_cast<size_t>(std::count(first.begin(), first.end(), ',')) + 1;
    } else {
      NpyInfo info;
      columns = ParseNpyHeader(bytes, path, &info).ok() ? static_cast<size_t>(info.columns) : 1;
    }
  }
  if (columns > size + 1) columns = size + 1;  // (a header may claim any width)
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  const uint8_t pick = size ? data[size - 1] : 0;
  const ReadSizes sizes[] = {{1, 1}, {size_t{2} + pick % 29, size_t{3} + pick % 61}, ReadSizes()};
  for (const ReadSizes& s : sizes) {
    const Streamed streamed = Stream(path, columns, s, size);
    SOMAS_FUZZ_CHECK(streamed.status.ok() == parsed.ok(),
                     "read sizes %zu/%zu: streamed says \"%s\", in memory \"%s\"", s.csv_buffer,
                     s.npy_block, streamed.status.message().c_str(), parsed.message().c_str());
    if (parsed.ok()) {
      SOMAS_FUZZ_CHECK(streamed.rows == whole.rows && streamed.values == whole.values,
                       "read sizes %zu/%zu: %zu rows streamed, %zu in memory (or other values)",
                       s.csv_buffer, s.npy_block, streamed.rows, whole.rows);
    } else {
      SOMAS_FUZZ_CHECK(RowOf(streamed.status.message()) == RowOf(parsed.message()),
                       "read sizes %zu/%zu: streamed \"%s\", in memory \"%s\"", s.csv_buffer,
                       s.npy_block, streamed.status.message().c_str(), parsed.message().c_str());
    }
  }
  unlink(path.c_str());
  return 0;
}

}  // namespace

int FuzzCsv(const uint8_t* data, size_t size) { return Agree(data, size, true); }
int FuzzNpy(const uint8_t* data, size_t size) { return Agree(data, size, false); }

}  // namespace somas::fuzz

#if defined(SOMAS_FUZZ_CSV)
SOMAS_FUZZ_ENTRY(somas::fuzz::FuzzCsv)
#elif defined(SOMAS_FUZZ_NPY)
SOMAS_FUZZ_ENTRY(somas::fuzz::FuzzNpy)
#endif
