// `somas replay`, end to end: outputs match an in-process pool, and bad input
// of each kind gets a message, a non-zero exit and no output.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "cli/matrix_io.h"
#include "cli/noise.h"
#include "engine/files.h"
#include "somas/somas.h"

namespace somas {
namespace {

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir ? dir : "/tmp";
}

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

struct Result {
  int exit_code;
  std::string err;
};

Result Replay(const std::string& pool, const std::string& current, const std::string& out) {
  const std::string err_path = TempDir() + "/stderr.txt";
  const std::string command = "cli/somas replay --pool '" + pool + "' --current '" + current +
                              "' --out '" + out + "' 2>'" + err_path + "'";
  const int status = std::system(command.c_str());
  std::string err;
  EXPECT_TRUE(ReadFile(err_path, &err).ok());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, err};
}

TEST(ReplayTest, OutputsMatchAnInProcessPool) {
  const std::string dir = TempDir();
  Write(dir + "/pool.json",
        R"({"model": "RefractoryLeakySoma", "size": 3, "dt": 0.5,
            "params": {"threshold": [-40, -45, -49.5], "cooldown": 1.5}})");
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(0, 600);
  Matrix current;
  current.rows = 200;
  current.columns = 3;
  std::string csv;
  for (size_t i = 0; i < 600; ++i) {
    current.values.push_back(u(rng));
    char cell[32];
    std::snprintf(cell, sizeof(cell), "%.9g", current.values.back());
    csv += cell;
    csv += (i % 3 == 2) ? "\n" : ",";
  }
  Write(dir + "/current.csv", csv);
  Write(dir + "/current.npy", NpyFloat32(current.values.data(), 200, 3));

  for (const char* input : {"current.csv", "current.npy"}) {
    const std::string out = dir + "/out_" + input;
    const Result r = Replay(dir + "/pool.json", dir + "/" + input, out);
    ASSERT_EQ(r.exit_code, 0) << r.err;

    PoolConfig config;
    std::string text;
    ASSERT_TRUE(ReadFile(dir + "/pool.json", &text).ok());
    ASSERT_TRUE(ParsePoolConfig(text, &config).ok());
    Pool pool;
    ASSERT_TRUE(Pool::Create(config, &pool).ok());
    std::string spikes = "step,neuron\n";
    std::vector<float> potential;
    for (size_t t = 0; t < 200; ++t) {
      ASSERT_TRUE(pool.Step(current.values.data() + 3 * t, 3).ok());
      for (uint32_t i : pool.SpikeIndices())
        spikes += std::to_string(t) + "," + std::to_string(i) + "\n";
      for (float v : pool.Potentials()) potential.push_back(v);
    }
    std::string written;
    ASSERT_TRUE(ReadFile(out + "/spikes.csv", &written).ok());
    EXPECT_EQ(written, spikes);
    EXPECT_GT(std::count(spikes.begin(), spikes.end(), '\n'), 10);
    ASSERT_TRUE(ReadFile(out + "/potential.npy", &written).ok());
    Matrix read;
    ASSERT_TRUE(ParseNpyMatrix(written, "potential.npy", &read).ok());
    EXPECT_EQ(read.rows, 200u);
    EXPECT_EQ(read.columns, 3u);
    EXPECT_EQ(read.values, potential);
  }
}

TEST(ReplayTest, BadInputGetsAMessageAndNoOutput) {
  const std::string dir = TempDir();
  Write(dir + "/ok.json", R"({"model": "LeakySoma", "size": 2})");
  Write(dir + "/ok.csv", "1,2\n3,4\n");
  struct Case {
    std::string pool, current, expected;
  };
  const std::vector<Case> cases = {
      {R"({"model": "LeakySomma", "size": 2})", "1,2\n", "did you mean \"LeakySoma\""},
      {R"({"model": "LeakySoma", "size": 2, "params": {"treshold": 1}})", "1,2\n",
       "did you mean \"threshold\""},
      {R"({"model": "LeakySoma", "size": 2, "params": {"potential_tau": -1}})", "1,2\n",
       "potential_tau = -1 ms"},
      {R"({"model": "LeakySoma", "size": 3})", "1,2\n", "row 1 has 2 values, but the pool has 3"},
      {R"({"model": "LeakySoma", "size": 2})", "1,2,3\n", "row 1 has more than 2 values"},
      {R"({"model": "LeakySoma", "size": 2,})", "1,2\n", "invalid JSON at line 1"},
      {R"({"model": "LeakySoma", "size": 2, "size": 3})", "1,2\n", "duplicate key \"size\""},
      {R"({"model": "LeakySoma", "size": "2"})", "1,2\n", "size must be a number, not a string"},
      {R"({"model": "LeakySoma", "size": 2, "dt": true})", "1,2\n",
       "dt must be a number, not true"},
      {R"({"model": "LeakySoma", "size": 2, "dt": null})", "1,2\n",
       "dt must be a number, not null"},
      {R"({"model": "LeakySoma", "size": 2, "dt": 1e400})", "1,2\n",
       "the number 1e400 is out of range"},
      {R"({"model": "LeakySoma", "size": -2})", "1,2\n", "size = -2"},
      {R"({"model": "LeakySoma", "size": 2.5})", "1,2\n", "size = 2.5"},
      {R"({"model": "LeakySoma", "size": 2, "params": {"threshold": [1]}})", "1,2\n",
       "threshold has 1 values"},
      {R"({"model": "LeakySoma", "size": 2, "params": {"threshold": {"a": 1}}})", "1,2\n",
       "threshold: an initializer needs \"kind\""},
      {R"({"model": "LeakySoma", "size": 2, "pool": 1})", "1,2\n", "unknown key \"pool\""},
      {R"({"model": "LeakySoma", "size": 2})", "1,nan\n", "row 1, column 2"},
      {R"({"model": "LeakySoma", "size": 2})", "1,2\n3\n", "row 2 has 1 values"},
      {R"({"model": "LeakySoma", "size": 2})", "1,x\n", "\"x\" is not a number"},
      {R"({"model": "LeakySoma", "size": 2})", "1,1e39\n", "not a finite float32"},
  };
  int n = 0;
  for (const Case& c : cases) {
    const std::string pool = dir + "/bad" + std::to_string(n) + ".json";
    const std::string current = dir + "/bad" + std::to_string(n) + ".csv";
    const std::string out = dir + "/bad_out" + std::to_string(n++);
    Write(pool, c.pool);
    Write(current, c.current);
    const Result r = Replay(pool, current, out);
    EXPECT_NE(r.exit_code, 0) << c.pool;
    EXPECT_NE(r.err.find(c.expected), std::string::npos)
        << c.pool << " / " << c.current << ": " << r.err;
    EXPECT_FALSE(Exists(out)) << c.pool;
  }
  const std::string out = dir + "/missing_out";
  Result r = Replay(dir + "/nonexistent.json", dir + "/ok.csv", out);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("cannot open"), std::string::npos) << r.err;
  r = Replay(dir + "/ok.json", dir + "/nonexistent.npy", out);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("cannot open"), std::string::npos) << r.err;
  const char npy[] = "\x93NUMPY\x01\x00\x10\x00{'descr': '<i4'}";
  Write(dir + "/bad.npy", std::string(npy, sizeof(npy) - 1));
  r = Replay(dir + "/ok.json", dir + "/bad.npy", out);
  EXPECT_NE(r.err.find("dtype"), std::string::npos) << r.err;
  EXPECT_FALSE(Exists(out));
}

}  // namespace
}  // namespace somas

namespace somas {
namespace {

// Runs `cli/somas ARGS` and returns its stdout (and exit code).
std::pair<int, std::string> Somas(const std::string& args) {
  const std::string out_path = TempDir() + "/stdout.txt";
  // A command that waits on its input (a FIFO nobody writes) is killed, and fails.
  const int status =
      std::system(("timeout 60 cli/somas " + args + " >'" + out_path + "' 2>&1").c_str());
  std::string out;
  EXPECT_TRUE(ReadFile(out_path, &out).ok());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string Line(const std::string& text, const std::string& start) {
  const size_t at = text.find(start);
  return at == std::string::npos ? "" : text.substr(at, text.find('\n', at) - at);
}

// `--target NAME` reaches the kernels: each target's replay equals an
// in-process pool limited to that target (reference_test holds every target
// to the double reference's tolerances), and the targets do not all agree,
// so a flag that changed nothing would fail here.
TEST(ReplayTest, EveryTargetReplaysAsAPoolLimitedToThatTarget) {
  const std::string dir = TempDir();
  Write(dir + "/adex.json", R"({"model": "AdaptiveExponentialSoma", "size": 37, "dt": 0.25})");
  std::mt19937 rng(4);
  std::uniform_real_distribution<float> u(0, 1200);
  std::vector<float> current(300 * 37);
  for (float& c : current) c = u(rng);
  Write(dir + "/adex.npy", NpyFloat32(current.data(), 300, 37));
  PoolConfig config;
  config.model = "AdaptiveExponentialSoma";
  config.size = 37;
  config.dt = 0.25;
  std::vector<std::vector<float>> outputs;
  for (const std::string& target : AvailableTargets()) {
    const std::string out = dir + "/adex_" + target;
    const auto [code, err] = Somas("replay --pool '" + dir + "/adex.json' --current '" + dir +
                                   "/adex.npy' --out '" + out + "' --target " + target);
    ASSERT_EQ(code, 0) << err;
    ASSERT_TRUE(SetSimdTarget(target).ok());
    Pool pool;
    ASSERT_TRUE(Pool::Create(config, &pool).ok());
    std::vector<float> potential;
    for (size_t t = 0; t < 300; ++t) {
      ASSERT_TRUE(pool.Step(current.data() + 37 * t, 37).ok());
      EXPECT_EQ(pool.last_target_name(), target);
      for (float v : pool.Potentials()) potential.push_back(v);
    }
    ASSERT_TRUE(SetSimdTarget("auto").ok());
    std::string written;
    ASSERT_TRUE(ReadFile(out + "/potential.npy", &written).ok());
    Matrix read;
    ASSERT_TRUE(ParseNpyMatrix(written, "potential.npy", &read).ok());
    EXPECT_EQ(read.values, potential) << target;
    outputs.push_back(read.values);
  }
  EXPECT_NE(outputs.front(), outputs.back()) << "every target gave the same bits";
  const auto [code, err] = Somas("replay --pool '" + dir + "/adex.json' --current '" + dir +
                                 "/adex.npy' --out '" + dir + "/adex_bad' --target AVX9");
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("'AVX9'"), std::string::npos) << err;
  EXPECT_NE(err.find(AvailableTargets().back()), std::string::npos) << err;
  EXPECT_FALSE(Exists(dir + "/adex_bad"));
}

// A float16 pool file and float16 .npy input: the same outputs as an
// in-process float16 pool given the same float16 currents.
TEST(ReplayTest, Float16PoolsAndFloat16Input) {
  const std::string dir = TempDir();
  Write(
      dir + "/half.json",
      R"({"model": "IzhikevichSoma", "size": 5, "dtype": "float16", "params": {"resistance": 1}})");
  std::mt19937 rng(4);
  std::uniform_real_distribution<float> u(0, 25);
  std::vector<uint16_t> bits(100 * 5);
  std::vector<Float16> halves(bits.size());
  for (size_t i = 0; i < bits.size(); ++i) {
    const _Float16 h = static_cast<_Float16>(u(rng));
    std::memcpy(&bits[i], &h, 2);
    halves[i].bits = bits[i];
  }
  std::string npy = NpyFloat32Header(100, 5);
  npy.replace(npy.find("<f4"), 3, "<f2");
  npy.append(reinterpret_cast<const char*>(bits.data()), bits.size() * 2);
  Write(dir + "/half.npy", npy);
  const std::string out = dir + "/out_half";
  const Result r = Replay(dir + "/half.json", dir + "/half.npy", out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  PoolConfig config;
  std::string text;
  ASSERT_TRUE(ReadFile(dir + "/half.json", &text).ok());
  ASSERT_TRUE(ParsePoolConfig(text, &config).ok());
  Pool pool;
  ASSERT_TRUE(Pool::Create(config, &pool).ok());
  ASSERT_EQ(pool.dtype(), Dtype::kFloat16);
  std::vector<float> potential;
  size_t spikes = 0;
  for (size_t t = 0; t < 100; ++t) {
    ASSERT_TRUE(pool.Step(halves.data() + 5 * t, 5).ok());
    spikes += pool.SpikeCount();
    for (float v : pool.Potentials()) potential.push_back(v);
  }
  EXPECT_GT(spikes, 0u);
  std::string written;
  ASSERT_TRUE(ReadFile(out + "/potential.npy", &written).ok());
  Matrix read;
  ASSERT_TRUE(ParseNpyMatrix(written, "potential.npy", &read).ok());
  EXPECT_EQ(read.values, potential);
}

TEST(RunTest, TheSameSpikesForAnyThreadCount) {
  // Two pools, enough neurons that both threads get chunks: the drawn input
  // and the stepping must not depend on the thread count.
  Write(TempDir() + "/two.json",
        R"({"dt": 0.5, "pools": {"a": {"model": "AdaptiveExponentialSoma", "size": 70000},
                                 "b": {"model": "IzhikevichSoma", "size": 40000}}})");
  std::string first;
  for (int threads : {1, 2, 3}) {
    const auto [code, out] = Somas("run --config '" + TempDir() +
                                   "/two.json' --steps 40 --threads " + std::to_string(threads));
    ASSERT_EQ(code, 0) << out;
    EXPECT_EQ(Line(out, "  threads"), "  threads           " + std::to_string(threads));
    const std::string spikes = Line(out, "  total spikes") + out.substr(out.find("(pool b)"), 60);
    if (first.empty()) first = spikes;
    EXPECT_EQ(spikes, first) << threads << " threads";
  }
  EXPECT_NE(first.find("total spikes"), std::string::npos);
}

TEST(RunTest, OptionErrorsAreClear) {
  auto [code, out] = Somas("run --threads many");
  EXPECT_EQ(code, 2);
  EXPECT_NE(out.find("--threads"), std::string::npos) << out;
  std::tie(code, out) = Somas("run --size 0");
  EXPECT_EQ(code, 2);
  EXPECT_NE(out.find("--size"), std::string::npos) << out;
  std::tie(code, out) = Somas("run --bogus 1");
  EXPECT_EQ(code, 2);
  EXPECT_NE(out.find("--bogus"), std::string::npos) << out;
  std::tie(code, out) = Somas("--model LeakSoma --steps 1");
  EXPECT_EQ(code, 2);
  EXPECT_NE(out.find("did you mean \"LeakySoma\""), std::string::npos) << out;
  std::tie(code, out) = Somas("replay --pool x.json");
  EXPECT_EQ(code, 2);
  EXPECT_NE(out.find("--current"), std::string::npos) << out;
  for (const char* command : {"--threads 1025 --steps 1",
                              "replay --threads 5000 --pool p.json "
                              "--current c.csv --out o"}) {
    std::tie(code, out) = Somas(command);
    EXPECT_EQ(code, 2) << command;
    EXPECT_NE(out.find("--threads: SetThreads("), std::string::npos) << out;
    EXPECT_NE(out.find("to 1024"), std::string::npos) << out;
  }
  std::tie(code, out) = Somas("run --dtype float64 --steps 1");
  EXPECT_EQ(code, 2);
  EXPECT_NE(out.find("--dtype: float64 not in {float32,float16}"), std::string::npos) << out;
  Write(TempDir() + "/one.json", R"({"model": "LeakySoma", "size": 10})");
  std::tie(code, out) = Somas("run --config '" + TempDir() + "/one.json' --dtype float16");
  EXPECT_EQ(code, 2);
  EXPECT_NE(out.find("drop --model, --size, --dt and --dtype"), std::string::npos) << out;
  std::tie(code, out) = Somas("--help");
  EXPECT_EQ(code, 0);
  EXPECT_NE(out.find("replay"), std::string::npos) << out;
}

}  // namespace
}  // namespace somas

namespace somas {
namespace {

// `somas run` steps its pool with the documented input: an in-process pool
// given UniformNoiseAt's values fires exactly as many spikes, for a pool
// smaller than one input chunk and for one that ends in a partial chunk.
TEST(RunTest, TotalSpikesMatchAnInProcessPoolGivenTheDocumentedInput) {
  for (const auto& [model, size, dtype] : std::vector<std::tuple<std::string, size_t, Dtype>>{
           {"LeakySoma", 1000, Dtype::kFloat32},
           {"IzhikevichSoma", 3 * kHookChunk + 999, Dtype::kFloat32},
           {"IzhikevichSoma", 3 * kHookChunk + 999, Dtype::kFloat16}}) {
    const auto [code, out] = Somas("--model " + model + " --size " + std::to_string(size) +
                                   " --steps 60 --seed 5 --threads 2 --dtype " + DtypeName(dtype));
    ASSERT_EQ(code, 0) << out;
    EXPECT_NE(out.find(std::string(" neurons, ") + DtypeName(dtype) + ", 60 steps"),
              std::string::npos)
        << out;
    Pool pool;
    PoolConfig config;
    config.model = model;
    config.size = size;
    config.dtype = dtype;
    ASSERT_TRUE(Pool::Create(config, &pool).ok());
    const float drive = static_cast<float>(pool.model().drive_current);
    uint64_t spikes = 0;
    std::vector<float> current(size);
    std::vector<uint64_t> per_chunk(size / kHookChunk + 1, 0);
    for (uint64_t t = 0; t < 60; ++t) {
      const uint32_t key = NoiseKey(5, 0, t);
      for (size_t i = 0; i < size; ++i) {
        current[i] = UniformNoiseAt(key, i, 0.5f * drive, 1.5f * drive);
      }
      ASSERT_TRUE(pool.Step(current).ok());
      spikes += pool.SpikeCount();
      for (uint32_t i : pool.SpikeIndices()) ++per_chunk[i / kHookChunk];
    }
    for (uint64_t c : per_chunk) EXPECT_GT(c, 0u) << model << ": a chunk that never fires";
    EXPECT_EQ(Line(out, "  total spikes"), "  total spikes      " + std::to_string(spikes))
        << model << "\n"
        << out;
  }
}

TEST(FileInputTest, DevicesDirectoriesAndHugeFilesAreRefusedAtOnce) {
  // These used to read until memory ran out.
  for (const char* args : {"config /dev/zero", "run --config /dev/zero",
                           "replay --pool /dev/zero --current x.csv --out o"}) {
    const auto [code, out] = Somas(args);
    EXPECT_EQ(code, 2) << args;
    EXPECT_NE(out.find("/dev/zero is not a regular file"), std::string::npos) << out;
  }
  Write(TempDir() + "/pool.json", R"({"model": "LeakySoma", "size": 2})");
  auto [code, out] = Somas("replay --pool '" + TempDir() +
                           "/pool.json' --current /dev/zero --out '" + TempDir() + "/o'");
  EXPECT_EQ(code, 2);
  EXPECT_NE(out.find("/dev/zero is not a regular file"), std::string::npos) << out;
  std::tie(code, out) = Somas("config '" + TempDir() + "'");
  EXPECT_EQ(code, 2);
  EXPECT_NE(out.find("is a directory"), std::string::npos) << out;
  std::string text;
  // FIFOs with no writer: refused at once, not waited on (opening one blocks).
  const std::string fifo = TempDir() + "/fifo.json", fifo_csv = TempDir() + "/fifo.csv",
                    fifo_npy = TempDir() + "/fifo.npy";
  for (const std::string& f : {fifo, fifo_csv, fifo_npy}) {
    unlink(f.c_str());
    ASSERT_EQ(mkfifo(f.c_str(), 0600), 0) << f;
  }
  for (const std::string& args : {"config '" + fifo + "'", "run --config '" + fifo + "'",
                                  "replay --pool '" + fifo + "' --current x.csv --out o",
                                  "replay --pool '" + TempDir() + "/pool.json' --current '" +
                                      fifo_csv + "' --out '" + TempDir() + "/o'",
                                  "replay --pool '" + TempDir() + "/pool.json' --current '" +
                                      fifo_npy + "' --out '" + TempDir() + "/o'"}) {
    std::tie(code, out) = Somas(args);
    EXPECT_EQ(code, 2) << args;
    EXPECT_NE(out.find("fifo."), std::string::npos) << out;
    EXPECT_NE(out.find("is not a regular file"), std::string::npos) << out;
  }
  EXPECT_FALSE(Exists(TempDir() + "/o"));
  Status s = ReadFile(fifo, &text);
  EXPECT_EQ(s.code(), StatusCode::kIo);
  EXPECT_NE(s.message().find(fifo + " is not a regular file"), std::string::npos) << s.message();
  s = ReadFile(TempDir() + "/pool.json", &text, 10);
  EXPECT_NE(s.message().find("more than the 10 this file may have"), std::string::npos)
      << s.message();
}

}  // namespace
}  // namespace somas

namespace somas {
namespace {

// Runs `cli/somas ARGS` as a child and returns its exit code and peak
// resident memory in KiB.
std::pair<int, long> RunMeasured(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  std::string program = "cli/somas";
  argv.push_back(&program[0]);
  std::vector<std::string> copy = args;
  for (std::string& a : copy) argv.push_back(&a[0]);
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    // Under AddressSanitizer, freed memory waits in a quarantine of up to
    // 256 MB, which would grow with the steps: keep it small here.
    const char* asan = std::getenv("ASAN_OPTIONS");
    const std::string options = std::string(asan ? asan : "") + ":quarantine_size_mb=1";
    setenv("ASAN_OPTIONS", options.c_str(), 1);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  struct rusage usage;
  wait4(pid, &status, 0, &usage);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, usage.ru_maxrss};
}

// A steps x n .npy of currents that make a LeakySoma pool fire now and then.
void WriteCurrents(const std::string& path, size_t steps, size_t n) {
  std::ofstream f(path, std::ios::binary);
  std::vector<float> row(n);
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(0, 400);
  const std::string header = NpyFloat32Header(steps, n);
  f.write(header.data(), static_cast<std::streamsize>(header.size()));
  for (size_t t = 0; t < steps; ++t) {
    for (float& c : row) c = u(rng);
    f.write(reinterpret_cast<const char*>(row.data()), static_cast<std::streamsize>(n * 4));
  }
}

TEST(StreamingTest, MemoryDoesNotGrowWithSteps) {
  const std::string dir = TempDir();
  Write(dir + "/stream.json", R"({"model": "LeakySoma", "size": 2000})");
  WriteCurrents(dir + "/short.npy", 1000, 2000);  // 8 MB
  WriteCurrents(dir + "/long.npy", 20000, 2000);  // 160 MB
  long peak[2];
  int i = 0;
  for (const char* input : {"short", "long"}) {
    const auto [code, kib] = RunMeasured({"replay", "--pool", dir + "/stream.json", "--current",
                                          dir + "/" + input + ".npy", "--out",
                                          dir + "/stream_" + input, "--threads", "1"});
    ASSERT_EQ(code, 0) << input;
    peak[i++] = kib;
  }
  // Reading all of the long input, or keeping its 160 MB of potentials,
  // would add 160 MB or more; allocator and I/O slack on a busy machine once
  // added 4.8 MB (11%) to a 44 MB baseline, so the bound is 16 MB.
  EXPECT_LT(peak[1], peak[0] + 16 * 1024) << "peak resident KiB: " << peak[0] << " vs " << peak[1];
  std::string potentials;
  ASSERT_TRUE(ReadFile(dir + "/stream_long/potential.npy", &potentials, 1ull << 30).ok());
  Matrix m;
  ASSERT_TRUE(ParseNpyMatrix(potentials, "potential.npy", &m).ok());
  EXPECT_EQ(m.rows, 20000u);
  EXPECT_EQ(m.columns, 2000u);
}

TEST(StreamingTest, AFailureLateInTheRunLeavesNothing) {
  const std::string dir = TempDir() + "/late";
  mkdir(dir.c_str(), 0777);
  Write(dir + "/pool.json", R"({"model": "LeakySoma", "size": 2})");
  std::string csv;
  for (int t = 0; t < 9999; ++t) csv += "100,200\n";
  csv += "100,nan\n";
  Write(dir + "/current.csv", csv);
  const Result r = Replay(dir + "/pool.json", dir + "/current.csv", dir + "/out");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("row 10000, column 2"), std::string::npos) << r.err;
  EXPECT_FALSE(Exists(dir + "/out"));
  DIR* d = opendir(dir.c_str());
  ASSERT_NE(d, nullptr);
  for (struct dirent* e; (e = readdir(d));) {
    EXPECT_EQ(std::string(e->d_name).find("partial"), std::string::npos) << e->d_name;
  }
  closedir(d);
  // An existing output is never overwritten.
  mkdir((dir + "/taken").c_str(), 0777);
  Write(dir + "/taken/keep.txt", "mine");
  const Result taken = Replay(dir + "/pool.json", dir + "/current.csv", dir + "/taken");
  EXPECT_NE(taken.err.find("already exists"), std::string::npos) << taken.err;
  EXPECT_TRUE(Exists(dir + "/taken/keep.txt"));
}

TEST(StreamingTest, NpyHeadersThatClaimTooMuchAreRefused) {
  const std::string dir = TempDir();
  Write(dir + "/two.json", R"({"model": "LeakySoma", "size": 2})");
  const float values[4] = {1, 2, 3, 4};
  std::string lying = NpyFloat32(values, 2, 2);
  const size_t at = lying.find("(2, 2)");
  lying.replace(at, 6, "(9, 2)");
  Write(dir + "/lying.npy", lying);
  const Result r = Replay(dir + "/two.json", dir + "/lying.npy", dir + "/lying_out");
  EXPECT_NE(r.err.find("header claims (9,2) values (72 bytes), but the file holds 16"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(Exists(dir + "/lying_out"));
}

TEST(StreamingTest, RecordingChoices) {
  const std::string dir = TempDir();
  Write(dir + "/adex.json", R"({"model": "AdaptiveExponentialSoma", "size": 600})");
  WriteCurrents(dir + "/adex.npy", 50, 600);
  auto [code, out] = Somas("replay --pool '" + dir + "/adex.json' --current '" + dir +
                           "/adex.npy' --out '" + dir + "/rec' --record-potential 0-2,500 " +
                           "--record-spikes 500-599 --record-state adaptation");
  ASSERT_EQ(code, 0) << out;
  std::string bytes;
  Matrix v, w;
  ASSERT_TRUE(ReadFile(dir + "/rec/potential.npy", &bytes, 1 << 30).ok());
  ASSERT_TRUE(ParseNpyMatrix(bytes, "potential.npy", &v).ok());
  ASSERT_TRUE(ReadFile(dir + "/rec/adaptation.npy", &bytes, 1 << 30).ok());
  ASSERT_TRUE(ParseNpyMatrix(bytes, "adaptation.npy", &w).ok());
  EXPECT_EQ(v.rows, 50u);
  EXPECT_EQ(v.columns, 4u);
  EXPECT_EQ(w.columns, 4u);
  ASSERT_TRUE(ReadFile(dir + "/rec/recorded_neurons.csv", &bytes).ok());
  EXPECT_EQ(bytes, "neuron\n0\n1\n2\n500\n");
  // The same neurons, recorded whole, agree column by column.
  std::tie(code, out) = Somas("replay --pool '" + dir + "/adex.json' --current '" + dir +
                              "/adex.npy' --out '" + dir + "/whole' --record-state adaptation");
  ASSERT_EQ(code, 0) << out;
  Matrix all;
  ASSERT_TRUE(ReadFile(dir + "/whole/potential.npy", &bytes, 1 << 30).ok());
  ASSERT_TRUE(ParseNpyMatrix(bytes, "potential.npy", &all).ok());
  for (size_t t = 0; t < 50; ++t) {
    EXPECT_EQ(v.values[t * 4 + 3], all.values[t * 600 + 500]);
    EXPECT_EQ(v.values[t * 4 + 1], all.values[t * 600 + 1]);
  }
  std::string spikes, all_spikes;
  ASSERT_TRUE(ReadFile(dir + "/rec/spikes.csv", &spikes).ok());
  ASSERT_TRUE(ReadFile(dir + "/whole/spikes.csv", &all_spikes).ok());
  std::string expected = "step,neuron\n";
  std::istringstream lines(all_spikes);
  std::string line;
  std::getline(lines, line);
  while (std::getline(lines, line)) {
    if (std::stoi(line.substr(line.find(',') + 1)) >= 500) expected += line + "\n";
  }
  EXPECT_EQ(spikes, expected);
  EXPECT_GT(expected.size(), 20u);
  // none: no potential file at all.
  std::tie(code, out) = Somas("replay --pool '" + dir + "/adex.json' --current '" + dir +
                              "/adex.npy' --out '" + dir + "/none' --record-potential none");
  ASSERT_EQ(code, 0) << out;
  EXPECT_FALSE(Exists(dir + "/none/potential.npy"));
  EXPECT_TRUE(Exists(dir + "/none/spikes.csv"));
  // Bad choices are refused before anything is written.
  for (const char* bad : {"--record-potential 0-600", "--record-potential 5-2", "--record-spikes x",
                          "--record-state w"}) {
    std::tie(code, out) = Somas("replay --pool '" + dir + "/adex.json' --current '" + dir +
                                "/adex.npy' --out '" + dir + "/bad' " + bad);
    EXPECT_EQ(code, 2) << bad;
    EXPECT_FALSE(Exists(dir + "/bad")) << bad;
  }
  EXPECT_NE(out.find("has no such state (it has adaptation)"), std::string::npos) << out;
}

}  // namespace
}  // namespace somas
