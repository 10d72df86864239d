// The checkpoint format (docs/embedding.md, "Checkpoint format"): encoding,
// and decoding that checks the whole file before anything is built from it.
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <new>

#include "engine/files.h"
#include "engine/pool_impl.h"

namespace somas {
namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "checkpoints are written in the machine's byte order, little-endian");

constexpr char kMagic[8] = {'S', 'O', 'M', 'A', 'S', 'C', 'K', 'P'};
// Version 2 added the dtype (and float16 states); version 1 files (float32
// pools) still load.
constexpr uint32_t kVersion = 2;
constexpr uint32_t kOldestVersion = 1;
// magic, version, payload length; the CRC-32 follows the payload.
constexpr size_t kHeaderBytes = 8 + 4 + 8;
constexpr size_t kCrcBytes = 4;

class Writer {
 public:
  template <typename T>
  void Put(T value) {
    out_.append(reinterpret_cast<const char*>(&value), sizeof(T));
  }
  template <typename T>
  void PutArray(const T* values, size_t n) {
    out_.append(reinterpret_cast<const char*>(values), n * sizeof(T));
  }
  void PutString(const std::string& s) {
    Put<uint32_t>(static_cast<uint32_t>(s.size()));
    out_ += s;
  }
  std::string& bytes() { return out_; }

 private:
  std::string out_;
};

// Bounds-checked reads; the first failure sticks.
class Reader {
 public:
  Reader(const char* data, size_t size) : data_(data), left_(size) {}

  template <typename T>
  bool Get(T* value) {
    if (left_ < sizeof(T)) return false;
    std::memcpy(value, data_, sizeof(T));
    data_ += sizeof(T);
    left_ -= sizeof(T);
    return true;
  }
  template <typename T>
  bool GetArray(T* values, size_t n) {
    if (n > left_ / sizeof(T)) return false;
    std::memcpy(values, data_, n * sizeof(T));
    data_ += n * sizeof(T);
    left_ -= n * sizeof(T);
    return true;
  }
  bool GetString(std::string* s) {
    uint32_t n = 0;
    if (!Get(&n) || n > left_) return false;
    s->assign(data_, n);
    data_ += n;
    left_ -= n;
    return true;
  }
  // Whether `n` elements of `bytes_each` could still be read (checked before
  // allocating for them).
  bool Has(uint64_t n, size_t bytes_each) const { return n <= left_ / bytes_each; }
  size_t left() const { return left_; }

 private:
  const char* data_;
  size_t left_;
};

uint32_t Crc(const char* data, size_t n) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths: feed large buffers in pieces.
  while (n > 0) {
    const uInt piece = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data), piece);
    data += piece;
    n -= piece;
  }
  return static_cast<uint32_t>(crc);
}

Status Bad(const std::string& why) {
  return Status::Error(StatusCode::kBadCheckpoint, "not a usable somas checkpoint: " + why);
}

}  // namespace

std::string EncodeCheckpoint(const PoolImpl& pool) {
  const ModelSpec& spec = *pool.spec;
  Writer w;
  w.PutArray(kMagic, sizeof(kMagic));
  w.Put<uint32_t>(kVersion);
  w.Put<uint64_t>(0);  // payload length, filled in below
  w.PutString(spec.name);
  w.PutString(pool.name);
  w.Put<uint64_t>(pool.seed);
  w.Put<uint64_t>(pool.size);
  w.Put<double>(pool.dt);
  w.Put<uint8_t>(static_cast<uint8_t>(pool.dtype));
  w.Put<uint32_t>(static_cast<uint32_t>(spec.params.size()));
  for (size_t k = 0; k < spec.params.size(); ++k) {
    const StoredParam& p = pool.tables.params[k];
    w.PutString(spec.params[k].name);
    w.Put<uint8_t>(p.per_neuron);
    if (p.per_neuron) {
      w.PutArray(p.values.data(), pool.size);
    } else {
      w.Put<float>(p.shared);
    }
  }
  w.Put<uint32_t>(static_cast<uint32_t>(spec.num_float_states));
  for (const AlignedArray<float>& state : pool.states) w.PutArray(state.data(), pool.padded);
  for (const AlignedArray<uint16_t>& state : pool.halves) w.PutArray(state.data(), pool.padded);
  w.Put<uint8_t>(spec.has_counter);
  if (spec.has_counter) w.PutArray(pool.counter.data(), pool.padded);
  w.PutArray(pool.spikes.data(), pool.spikes.size());

  std::string& bytes = w.bytes();
  const uint64_t payload = bytes.size() - kHeaderBytes;
  std::memcpy(&bytes[12], &payload, sizeof(payload));
  const uint32_t crc = Crc(bytes.data(), bytes.size());
  bytes.append(reinterpret_cast<const char*>(&crc), sizeof(crc));
  return bytes;
}

Status DecodeCheckpoint(const std::string& bytes, const Registry& registry,
                        const std::shared_ptr<const ModelSpec>& expected,
                        std::unique_ptr<PoolImpl>* out) {
  // The frame: magic, version, length, checksum, before reading any field.
  if (bytes.size() < sizeof(kMagic) || std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0) {
    return Bad("it does not start with the magic \"SOMASCKP\"");
  }
  if (bytes.size() < kHeaderBytes + kCrcBytes) {
    return Bad("truncated: " + std::to_string(bytes.size()) +
               " bytes, shorter than any checkpoint");
  }
  uint32_t version = 0;
  uint64_t payload = 0;
  std::memcpy(&version, bytes.data() + 8, sizeof(version));
  std::memcpy(&payload, bytes.data() + 12, sizeof(payload));
  if (version < kOldestVersion || version > kVersion) {
    return Bad("format version " + std::to_string(version) + "; this library reads versions " +
               std::to_string(kOldestVersion) + " to " + std::to_string(kVersion));
  }
  const size_t body = bytes.size() - kHeaderBytes - kCrcBytes;
  if (payload != body) {
    return Bad("its header announces " + std::to_string(payload) + " bytes of data but " +
               std::to_string(body) + " follow" + (payload > body ? " (truncated)" : ""));
  }
  uint32_t stored_crc = 0;
  std::memcpy(&stored_crc, bytes.data() + bytes.size() - kCrcBytes, sizeof(stored_crc));
  if (Crc(bytes.data(), bytes.size() - kCrcBytes) != stored_crc) {
    return Bad("the CRC-32 does not match (the file is corrupt)");
  }

  // The fields. A file with a valid checksum can still have been written
  // by something else: every field is checked against the model.
  Reader r(bytes.data() + kHeaderBytes, body);
  std::string model, name;
  uint64_t seed = 0, size = 0;
  double dt = 0;
  uint8_t dtype = 0;  // (version 1: float32)
  if (!r.GetString(&model) || !r.GetString(&name) || !r.Get(&seed) || !r.Get(&size) ||
      !r.Get(&dt) || (version >= 2 && !r.Get(&dtype))) {
    return Bad("its header fields are cut short");
  }
  std::shared_ptr<const ModelSpec> spec = expected;
  if (spec && spec->name != model) {
    return Bad("it holds a " + model + " pool, not " + spec->name);
  }
  if (!spec) {
    Status lookup;
    const ModelSpec* found = registry.Find(model, &lookup);
    if (!found) return Bad(lookup.message());
    spec = std::make_shared<const ModelSpec>(*found);
  }
  const std::string label = name.empty() ? model : "pool \"" + name + "\" (" + model + ")";
  if (size == 0 || size > kMaxPoolSize) return Bad("pool size " + std::to_string(size));
  if (!(std::isfinite(dt) && dt > 0)) return Bad("dt must be finite and > 0");
  if (dtype > static_cast<uint8_t>(Dtype::kFloat16)) {
    return Bad("dtype " + std::to_string(dtype) + " is neither float32 (0) nor float16 (1)");
  }
  const size_t padded = Padded(size);

  auto pool = std::make_unique<PoolImpl>();
  try {
    uint32_t num_params = 0;
    if (!r.Get(&num_params) || num_params != spec->params.size()) {
      return Bad("it has " + std::to_string(num_params) + " parameters; " + model + " has " +
                 std::to_string(spec->params.size()));
    }
    std::vector<std::vector<float>> values(num_params);
    std::vector<ParamColumn> columns(num_params);
    for (uint32_t k = 0; k < num_params; ++k) {
      std::string param;
      uint8_t per_neuron = 0;
      if (!r.GetString(&param) || !r.Get(&per_neuron)) return Bad("parameters cut short");
      if (param != spec->params[k].name) {
        return Bad("parameter " + std::to_string(k) + " is \"" + param + "\", not \"" +
                   spec->params[k].name + "\"");
      }
      if (per_neuron > 1) return Bad("parameter " + param + " has a bad per-neuron flag");
      const size_t count = per_neuron ? size : 1;
      if (!r.Has(count, sizeof(float))) return Bad("parameter " + param + " is cut short");
      values[k].resize(count);
      r.GetArray(values[k].data(), count);
      columns[k] = per_neuron ? ParamColumn{true, 0, nullptr, values[k].data()}
                              : ParamColumn{false, values[k][0], nullptr, nullptr};
    }
    Status status = BuildParamTables(*spec, label, size, dt, columns, &pool->tables);
    if (!status.ok()) return Bad(status.message());

    pool->spec = spec;
    pool->name = name;
    pool->seed = seed;
    pool->size = size;
    pool->padded = padded;
    pool->dt = dt;
    pool->dtype = static_cast<Dtype>(dtype);
    uint32_t num_states = 0;
    if (!r.Get(&num_states) || num_states != spec->num_float_states) {
      return Bad("it has " + std::to_string(num_states) + " state arrays; " + model + " has " +
                 std::to_string(spec->num_float_states));
    }
    const bool half = pool->dtype == Dtype::kFloat16;
    if (!r.Has(uint64_t{num_states} * padded, half ? sizeof(uint16_t) : sizeof(float))) {
      return Bad("states cut short");
    }
    pool->AllocateStates();  // (the counter, spike and tail arrays too)
    for (uint32_t s = 0; s < num_states; ++s) {
      if (half) {
        r.GetArray(pool->halves[s].data(), padded);
      } else {
        r.GetArray(pool->states[s].data(), padded);
      }
      for (size_t i = 0; i < padded; ++i) {
        // (float16: an all-ones exponent is an infinity or a NaN)
        const bool bad = half ? (pool->halves[s][i] & 0x7C00u) == 0x7C00u
                              : !std::isfinite(pool->states[s][i]) ||
                                    std::fabs(pool->states[s][i]) > kStateBound;
        if (bad) {
          return Bad("state " + std::to_string(s) + " of neuron " + std::to_string(i) +
                     (half ? " is not a finite float16" : " is not finite or beyond +-1e30"));
        }
      }
    }
    uint8_t has_counter = 0;
    if (!r.Get(&has_counter) || has_counter != (spec->has_counter ? 1 : 0)) {
      return Bad(std::string("the refractory counter is ") + (has_counter ? "present" : "absent") +
                 ", but " + model + (spec->has_counter ? " has one" : " has none"));
    }
    if (has_counter) {
      if (!r.GetArray(pool->counter.data(), padded)) return Bad("refractory counters cut short");
    }
    if (!r.GetArray(pool->spikes.data(), padded / kBlock)) return Bad("spike bits cut short");
    if (size < padded && (pool->spikes[size / kBlock] >> (size % kBlock)) != 0) {
      return Bad("spike bits are set past the last neuron");
    }
    if (r.left() != 0) return Bad(std::to_string(r.left()) + " unexpected bytes at the end");
  } catch (const std::bad_alloc&) {
    return Status::Error(
        StatusCode::kOutOfMemory,
        label + ": out of memory loading a checkpoint of " + std::to_string(size) + " neurons");
  }
  *out = std::move(pool);
  return Status();
}

Status Pool::SaveToBuffer(std::string* out) const {
  if (!impl_) return EmptyPool("Save");
  if (!out) return Status::Error("Pool::SaveToBuffer: the output is null");
  try {
    *out = EncodeCheckpoint(*impl_);
  } catch (const std::bad_alloc&) {
    return OutOfMemory(impl_->Label(), impl_->size);
  }
  return Status();
}

Status Pool::LoadFromBuffer(const std::string& bytes) {
  if (!impl_) return EmptyPool("Load");
  std::unique_ptr<PoolImpl> loaded;
  Status status = DecodeCheckpoint(bytes, Registry(), impl_->spec, &loaded);
  if (!status.ok()) return status;
  if (loaded->size != impl_->size) {
    return Status::Error(StatusCode::kBadCheckpoint,
                         impl_->Label() + ": the checkpoint holds " + std::to_string(loaded->size) +
                             " neurons, this pool " + std::to_string(impl_->size));
  }
  if (loaded->dtype != impl_->dtype) {
    // (Loading never changes a pool's dtype: Pool::FromCheckpoint builds a
    // pool of the checkpoint's.)
    return Status::Error(StatusCode::kBadCheckpoint,
                         impl_->Label() + ": the checkpoint holds a " + DtypeName(loaded->dtype) +
                             " pool, this pool is " + DtypeName(impl_->dtype));
  }
  // The pool keeps its arrays (a group member's stay in the group's shared
  // storage, Pool::CreateGroup): the loaded states go into them. (Same
  // model, size and dtype: the arrays are the same in number and length.)
  auto keep = [](auto& mine, auto& theirs) {
    if (mine.size()) std::memcpy(mine.data(), theirs.data(), mine.size() * sizeof(mine[0]));
    theirs = std::move(mine);
  };
  for (size_t k = 0; k < impl_->states.size(); ++k) keep(impl_->states[k], loaded->states[k]);
  for (size_t k = 0; k < impl_->halves.size(); ++k) keep(impl_->halves[k], loaded->halves[k]);
  keep(impl_->counter, loaded->counter);
  keep(impl_->spikes, loaded->spikes);
  loaded->group = impl_->group;
  loaded->group_offset = impl_->group_offset;
  impl_ = std::move(loaded);
  return Status();
}

namespace {

Status Prefixed(const std::string& path, const Status& status) {
  return status.ok() ? status : Status::Error(status.code(), path + ": " + status.message());
}

}  // namespace

Status Pool::Save(const std::string& path) const {
  std::string bytes;
  Status status = SaveToBuffer(&bytes);
  if (!status.ok()) return status;
  // Through a temporary file, so a crash never leaves half a checkpoint.
  const std::string temporary = path + ".partial";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) return Status::Error(StatusCode::kIo, "cannot write " + temporary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
      std::remove(temporary.c_str());
      return Status::Error(StatusCode::kIo, "cannot write " + temporary);
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    return Status::Error(StatusCode::kIo, "cannot move " + temporary + " to " + path);
  }
  return Status();
}

Status Pool::Load(const std::string& path) {
  if (!impl_) return EmptyPool("Load");
  // No checkpoint of this pool is larger than this (every parameter per neuron).
  const PoolImpl& p = *impl_;
  const uint64_t largest =
      (uint64_t{1} << 20) + p.name.size() + p.spec->name.size() +
      uint64_t{p.padded} * (4 * (p.tables.params.size() + p.spec->num_float_states) + 4);
  std::string bytes;
  Status status = ReadFile(path, &bytes, largest);
  if (!status.ok()) return status;
  return Prefixed(path, LoadFromBuffer(bytes));
}

Status Pool::FromCheckpoint(const std::string& path, Pool* out, const Registry& registry) {
  if (!out) return Status::Error("Pool::FromCheckpoint: the output pool is null");
  std::string bytes;
  Status status = ReadFile(path, &bytes, AvailableMemoryBytes() / 2);
  if (!status.ok()) return status;
  std::unique_ptr<PoolImpl> loaded;
  status = DecodeCheckpoint(bytes, registry, nullptr, &loaded);
  if (!status.ok()) return Prefixed(path, status);
  out->impl_ = std::move(loaded);
  return Status();
}

}  // namespace somas
