// Fuzz target for checkpoints. Every input is decoded as a new pool (as
// Pool::FromCheckpoint does) and loaded into an existing pool of every model.
// Properties: a checkpoint that loads saves back to the same bytes; a refused
// one leaves the pool it was loaded into bit-identical (states, parameters,
// counters, spikes, name and seed). The custom mutator re-seals the payload
// length and the CRC-32 after mutating, so that most inputs get past the
// frame to the field checks behind it.
#include <zlib.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "engine/pool_impl.h"
#include "somas/somas.h"
#include "tests/fuzz/fuzz_check.h"

namespace somas::fuzz {
namespace {

constexpr size_t kHeader = 8 + 4 + 8;  // magic, version, payload length

// One pool of each model, 3 neurons, stepped so that its state is not the
// initial one; and a second one of the size the input claims, if small.
std::vector<Pool>& Targets() {
  static std::vector<Pool>* pools = [] {
    auto* out = new std::vector<Pool>;
    for (const ModelSpec& m : BuiltinRegistry().models()) {
      for (Dtype dtype : {Dtype::kFloat32, Dtype::kFloat16}) {
        PoolConfig config;
        config.model = m.name;
        config.size = 3;
        config.name = "target";
        config.dtype = dtype;
        Pool pool;
        if (!Pool::Create(config, &pool).ok()) std::abort();
        const std::vector<float> current(3, static_cast<float>(2 * m.drive_current));
        for (int t = 0; t < 3; ++t) (void)pool.Step(current);
        out->push_back(std::move(pool));
      }
    }
    return out;
  }();
  return *pools;
}

std::string Bytes(const Pool& pool) {
  std::string out;
  if (!pool.SaveToBuffer(&out).ok()) std::abort();
  return out;
}

// What a loadable `input` saves back as: itself, or for a version-1 file
// the same pool in the current version (as decoding it on its own gives).
std::string SavedForm(const std::string& input) {
  uint32_t version = 0;
  std::memcpy(&version, input.data() + 8, sizeof(version));
  if (version != 1) return input;
  std::unique_ptr<PoolImpl> decoded;
  if (!DecodeCheckpoint(input, BuiltinRegistry(), nullptr, &decoded).ok()) return "";
  return EncodeCheckpoint(*decoded);
}

void LoadInto(Pool& pool, const std::string& input) {
  const std::string before = Bytes(pool);
  const Status s = pool.LoadFromBuffer(input);
  if (s.ok()) {
    SOMAS_FUZZ_CHECK(Bytes(pool) == SavedForm(input),
                     "a %s pool loaded a checkpoint that saves differently",
                     pool.model().name.c_str());
    SOMAS_FUZZ_CHECK(pool.LoadFromBuffer(before).ok(), "a pool cannot take back its own bytes");
  } else {
    SOMAS_FUZZ_CHECK(Bytes(pool) == before, "a refused checkpoint (%s) changed a %s pool",
                     s.message().c_str(), pool.model().name.c_str());
  }
}

}  // namespace

int FuzzCheckpoint(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  std::unique_ptr<PoolImpl> decoded;
  const Status s = DecodeCheckpoint(input, BuiltinRegistry(), nullptr, &decoded);
  if (s.ok()) {
    Pool pool;
    PoolAccess::Set(pool, std::move(decoded));
    // A checkpoint saves back byte for byte; a version-1 file saves as the
    // current version, which itself saves back byte for byte.
    const std::string saved = Bytes(pool);
    uint32_t version = 0;
    std::memcpy(&version, input.data() + 8, sizeof(version));
    if (version == 1) {
      std::unique_ptr<PoolImpl> again;
      SOMAS_FUZZ_CHECK(DecodeCheckpoint(saved, BuiltinRegistry(), nullptr, &again).ok(),
                       "a version-1 checkpoint saved as one that does not load");
      Pool resaved;
      PoolAccess::Set(resaved, std::move(again));
      SOMAS_FUZZ_CHECK(Bytes(resaved) == saved, "a converted checkpoint saves back differently");
    } else {
      SOMAS_FUZZ_CHECK(saved == input, "a checkpoint that loads saves back differently");
    }
    // Stepping the loaded pool keeps every state finite.
    if (pool.size() <= 4096) {
      (void)pool.Step(std::vector<float>(pool.size(), 500.0f));
      for (const auto& state : Internals(pool).states) {
        for (size_t i = 0; i < Internals(pool).padded; ++i) {
          SOMAS_FUZZ_CHECK(std::fabs(state[i]) <= kStateBound, "state beyond the bound");
        }
      }
      for (const auto& state : Internals(pool).halves) {  // float16: finite
        for (size_t i = 0; i < Internals(pool).padded; ++i) {
          SOMAS_FUZZ_CHECK((state[i] & 0x7C00u) != 0x7C00u, "a float16 state not finite");
        }
      }
    }
  } else {
    SOMAS_FUZZ_CHECK(s.code() == StatusCode::kBadCheckpoint || s.code() == StatusCode::kOutOfMemory,
                     "a refusal with code %d: %s", static_cast<int>(s.code()), s.message().c_str());
  }
  for (Pool& pool : Targets()) LoadInto(pool, input);
  return 0;
}

}  // namespace somas::fuzz

#ifdef SOMAS_LIBFUZZER
SOMAS_FUZZ_ENTRY(somas::fuzz::FuzzCheckpoint)

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

// Mutates the payload (or now and then the whole file), then writes the
// payload length and the CRC-32 that make the frame valid again.
extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned int seed) {
  constexpr size_t kFrame = somas::fuzz::kHeader + 4;
  if (seed % 16 == 0 || size < kFrame || max_size < kFrame + 1 ||
      std::memcmp(data, "SOMASCKP", 8) != 0) {
    return LLVMFuzzerMutate(data, size, max_size);
  }
  const size_t body =
      LLVMFuzzerMutate(data + somas::fuzz::kHeader, size - kFrame, max_size - kFrame);
  const uint64_t payload = body;
  std::memcpy(data + 12, &payload, 8);
  const uint32_t crc = static_cast<uint32_t>(crc32(0, data, somas::fuzz::kHeader + body));
  std::memcpy(data + somas::fuzz::kHeader + body, &crc, 4);
  return somas::fuzz::kHeader + body + 4;
}
#endif
