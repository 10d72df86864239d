// The current readers at their edges: rows and values that straddle the CSV
// read buffer and the .npy blocks (at the real sizes and at tiny ones), .npy
// versions 1 and 2 in float32 and float64, trailing data, trailing blank
// lines. The streamed reader must give what the in-memory parser gives: the
// same rows, or an error at the same row.
#include "cli/matrix_io.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace somas {
namespace {

std::string Path(const std::string& name) { return ::testing::TempDir() + "/" + name; }

void Write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// A .npy file written here, independently of the code under test.
std::string Npy(int version, bool float64, size_t rows, size_t columns,
                const std::vector<double>& values, size_t min_header = 0) {
  std::string dict = "{'descr': '" + std::string(float64 ? "<f8" : "<f4") +
                     "', 'fortran_order': False, 'shape': (" + std::to_string(rows) + ", " +
                     std::to_string(columns) + "), }";
  const size_t prefix = version == 1 ? 10 : 12;
  while ((prefix + dict.size() + 1) % 64 != 0 || dict.size() < min_header) dict += ' ';
  dict += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(version);
  out += '\0';
  const uint32_t length = static_cast<uint32_t>(dict.size());
  out.append(reinterpret_cast<const char*>(&length), version == 1 ? 2 : 4);
  out += dict;
  for (double v : values) {
    if (float64) {
      out.append(reinterpret_cast<const char*>(&v), 8);
    } else {
      const float f = static_cast<float>(v);
      out.append(reinterpret_cast<const char*>(&f), 4);
    }
  }
  return out;
}

// Every row the streamed reader gives, or its error.
struct Streamed {
  Status status;
  std::vector<float> values;
  size_t rows = 0;
};

Streamed Stream(const std::string& path, size_t columns, const ReadSizes& sizes) {
  Streamed s;
  std::unique_ptr<CurrentReader> reader;
  s.status = CurrentReader::Open(path, columns, &reader, sizes);
  if (!s.status.ok()) return s;
  std::vector<float> row(columns);
  for (;;) {
    bool done = false;
    s.status = reader->Next(row.data(), &done);
    if (!s.status.ok() || done) return s;
    s.values.insert(s.values.end(), row.begin(), row.end());
    ++s.rows;
  }
}

// The row an error names ("row 12, ..." or "row 12 ..."), or 0.
size_t RowOf(const std::string& message) {
  const size_t at = message.find(": row ");
  return at == std::string::npos ? 0 : std::stoul(message.substr(at + 6));
}

// The streamed reader and the in-memory parser agree on `bytes`, at the
// real read sizes and at tiny ones.
void ExpectAgreement(const std::string& name, const std::string& bytes, size_t columns,
                     bool expect_ok) {
  const std::string path = Path(name);
  Write(path, bytes);
  Matrix whole;
  const bool csv = name.size() > 4 && name.substr(name.size() - 4) == ".csv";
  const Status parsed =
      csv ? ParseCsvMatrix(bytes, path, &whole) : ParseNpyMatrix(bytes, path, &whole);
  ASSERT_EQ(parsed.ok(), expect_ok) << name << ": " << parsed.message();
  for (const ReadSizes& sizes :
       {ReadSizes(), ReadSizes{1, 1}, ReadSizes{7, 13}, ReadSizes{4096, 4096}}) {
    const Streamed s = Stream(path, columns, sizes);
    const std::string which = name + " with buffers " + std::to_string(sizes.csv_buffer) + "/" +
                              std::to_string(sizes.npy_block);
    EXPECT_EQ(s.status.ok(), parsed.ok()) << which << ": " << s.status.message();
    if (parsed.ok()) {
      EXPECT_EQ(s.rows, whole.rows) << which;
      EXPECT_EQ(s.values, whole.values) << which;
    } else {
      EXPECT_EQ(RowOf(s.status.message()), RowOf(parsed.message()))
          << which << ": " << s.status.message() << " / " << parsed.message();
    }
  }
}

TEST(MatrixIoTest, ACsvRowStraddlingTheOneMebibyteBufferIsReadWhole) {
  // Rows of uneven length, 2.5 MiB in all: row boundaries fall everywhere,
  // and the buffer edges at 1 and 2 MiB fall inside rows.
  std::mt19937 rng(4);
  std::uniform_real_distribution<double> u(-1000, 1000);
  std::string text;
  size_t rows = 0;
  while (text.size() < (size_t{5} << 19)) {
    for (int c = 0; c < 9; ++c) {
      char cell[40];
      std::snprintf(cell, sizeof(cell), "%.*g", 1 + static_cast<int>(rng() % 9), u(rng));
      text += cell;
      text += c == 8 ? '\n' : ',';
    }
    ++rows;
  }
  const size_t mib = size_t{1} << 20;
  ASSERT_NE(text[mib - 1], '\n');  // the first buffer ends inside a row
  ASSERT_NE(text[mib], '\n');
  ExpectAgreement("big.csv", text, 9, true);
  ExpectAgreement("big_no_newline.csv", text.substr(0, text.size() - 1), 9, true);
  ExpectAgreement("big_blank_last.csv", text + "\n", 9, true);
  ExpectAgreement("big_blank_crlf.csv", text + "\r\n", 9, true);
  ExpectAgreement("big_two_blank.csv", text + "\n\n", 9, false);
  // A bad value past the first buffer is reported at its row.
  std::string bad = text;
  const size_t at = bad.find('\n', mib + 1000) + 1;
  bad.replace(at, bad.find(',', at) - at, "nan");
  ExpectAgreement("big_bad.csv", bad, 9, false);
  const Streamed s = Stream(Path("big_bad.csv"), 9, ReadSizes());
  EXPECT_GT(RowOf(s.status.message()), rows / 3) << s.status.message();
}

TEST(MatrixIoTest, SmallCsvEdges) {
  ExpectAgreement("one.csv", "1,2\n", 2, true);
  ExpectAgreement("one_no_newline.csv", "1,2", 2, true);
  ExpectAgreement("blank_last.csv", "1,2\n3,4\n\n", 2, true);
  ExpectAgreement("blank_middle.csv", "1,2\n\n3,4\n", 2, false);
  ExpectAgreement("crlf.csv", "1,2\r\n3,4\r\n", 2, true);
  ExpectAgreement("empty.csv", "", 2, false);
  ExpectAgreement("only_newline.csv", "\n", 2, false);
  ExpectAgreement("spaces.csv", " 1 ,\t2\n+3,-4e0\n", 2, true);
  // The longest line a row of 2 numbers may have, and one byte more.
  // (4,224 bytes: 64 a number and 4,096 more, as matrix_io.h documents.)
  const std::string longest = "1," + std::string(4224 - 3, ' ') + "2";
  ExpectAgreement("longest.csv", "3,4\n" + longest + "\n", 2, true);
  ExpectAgreement("too_long.csv", "3,4\n " + longest + "\n", 2, false);
  const Streamed s = Stream(Path("too_long.csv"), 2, ReadSizes());
  EXPECT_NE(s.status.message().find("row 2 is longer than any row of 2 numbers"), std::string::npos)
      << s.status.message();
}

TEST(MatrixIoTest, NpyVersionsAndTypesAcrossSeveralBlocks) {
  // 1,500 steps x 1,000 neurons: 6 MB as float32, 12 MB as float64, so every
  // file spans several 4 MiB blocks.
  const size_t rows = 1500, columns = 1000;
  std::vector<double> values(rows * columns);
  std::mt19937 rng(9);
  std::uniform_real_distribution<double> u(-500, 500);
  for (double& v : values) v = u(rng);
  for (int version : {1, 2}) {
    for (bool float64 : {false, true}) {
      const std::string tag = "v" + std::to_string(version) + (float64 ? "_f8" : "_f4");
      ExpectAgreement(tag + ".npy", Npy(version, float64, rows, columns, values), columns, true);
      // A non-finite value past the first block: refused at its row.
      std::vector<double> bad = values;
      bad[1234 * columns + 17] = float64 ? std::numeric_limits<double>::infinity() : NAN;
      ExpectAgreement(tag + "_bad.npy", Npy(version, float64, rows, columns, bad), columns, false);
      const Streamed s = Stream(Path(tag + "_bad.npy"), columns, ReadSizes());
      EXPECT_NE(s.status.message().find("row 1235, column 18"), std::string::npos)
          << s.status.message();
      // Trailing bytes after the data the shape announces: refused.
      ExpectAgreement(tag + "_trailing.npy", Npy(version, float64, rows, columns, values) + "xy",
                      columns, false);
      const Streamed t = Stream(Path(tag + "_trailing.npy"), columns, ReadSizes());
      EXPECT_NE(t.status.message().find("data size does not match shape"), std::string::npos)
          << t.status.message();
    }
  }
  // float64 beyond float range is not finite as float32.
  ExpectAgreement("huge.npy", Npy(1, true, 1, 2, {1.0, 1e39}), 2, false);
  ExpectAgreement("small_v2.npy", Npy(2, false, 3, 2, {1, 2, 3, 4, 5, 6}), 2, true);
  // Version 2 exists for headers of 64 KiB and more: its length has 4 bytes.
  ExpectAgreement("big_header_v2.npy", Npy(2, false, 3, 2, {1, 2, 3, 4, 5, 6}, 70000), 2, true);
  ExpectAgreement("big_header_v3.npy", Npy(3, true, 3, 2, {1, 2, 3, 4, 5, 6}, 200000), 2, true);
}

}  // namespace
}  // namespace somas
