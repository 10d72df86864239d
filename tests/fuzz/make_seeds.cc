// Writes the seed corpora of the checkpoint, .npy and CSV fuzz targets:
//   bazel run //tests/fuzz:make_seeds -- "$PWD/tests/fuzz/corpus"
// Checkpoints of every model (shared and per-neuron parameters, after a few
// steps), .npy files of every version (1, 2, 3) and dtype (float32, float64),
// CSVs with and without a trailing newline, with a blank last line, CRLF.
// The files are checked in; corpus_test replays them.
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "somas/somas.h"

namespace {

void Write(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    std::exit(1);
  }
}

std::string Npy(int version, bool float64, size_t rows, size_t columns) {
  std::string dict = "{'descr': '" + std::string(float64 ? "<f8" : "<f4") +
                     "', 'fortran_order': False, 'shape': (" + std::to_string(rows) + ", " +
                     std::to_string(columns) + "), }";
  const size_t prefix = version == 1 ? 10 : 12;
  while ((prefix + dict.size() + 1) % 16 != 0) dict += ' ';
  dict += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(version);
  out += '\0';
  const uint32_t length = static_cast<uint32_t>(dict.size());
  out.append(reinterpret_cast<const char*>(&length), version == 1 ? 2 : 4);
  out += dict;
  for (size_t i = 0; i < rows * columns; ++i) {
    const double v = 100.0 + 37.5 * static_cast<double>(i % 7) - static_cast<double>(i);
    if (float64) {
      out.append(reinterpret_cast<const char*>(&v), 8);
    } else {
      const float f = static_cast<float>(v);
      out.append(reinterpret_cast<const char*>(&f), 4);
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_seeds CORPUS_DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  for (const somas::ModelSpec& m : somas::BuiltinRegistry().models()) {
    for (bool per_neuron : {false, true}) {
      somas::PoolConfig config;
      config.model = m.name;
      config.size = 3;
      config.seed = 11;
      config.name = per_neuron ? "per_neuron" : "";
      if (per_neuron) {
        const somas::ParamSpec& p = m.params[m.ParamIndex("resistance")];
        config.params[p.name] = somas::ParamValue::PerNeuron(
            {p.default_value, 0.9 * p.default_value, 1.1 * p.default_value});
      }
      somas::Pool pool;
      if (!somas::Pool::Create(config, &pool).ok()) return 1;
      const std::vector<float> current = {static_cast<float>(2 * m.drive_current),
                                          static_cast<float>(m.drive_current), 0.0f};
      for (int t = 0; t < 7; ++t) (void)pool.Step(current);
      std::string bytes;
      if (!pool.SaveToBuffer(&bytes).ok()) return 1;
      Write(dir + "/checkpoint/" + m.name + (per_neuron ? "_per_neuron" : "") + ".ckpt", bytes);
    }
  }
  for (int version : {1, 2, 3}) {
    for (bool float64 : {false, true}) {
      Write(dir + "/npy/v" + std::to_string(version) + (float64 ? "_f8" : "_f4") + ".npy",
            Npy(version, float64, 4, 3));
    }
  }
  Write(dir + "/npy/one_value.npy", Npy(1, false, 1, 1));
  Write(dir + "/csv/newline.csv", "1,2.5,-3\n4,5e1,6\n");
  Write(dir + "/csv/no_newline.csv", "1,2.5,-3\n4,5e1,6");
  Write(dir + "/csv/blank_last.csv", "1,2.5,-3\n4,5e1,6\n\n");
  Write(dir + "/csv/blank_middle.csv", "1,2.5,-3\n\n4,5e1,6\n");
  Write(dir + "/csv/crlf.csv", "1,2.5,-3\r\n4,5e1,6\r\n");
  Write(dir + "/csv/spaces.csv", " 1 ,\t+2.5, -3 \n4,5e1,6\n");
  Write(dir + "/csv/one.csv", "7");
  Write(dir + "/csv/empty.csv", "");
  return 0;
}
