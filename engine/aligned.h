// somas::AlignedArray: a 64-byte-aligned, fixed-size array for pool storage,
// placed so that a pool's large arrays never share cache sets; owning, or a
// view of part of a larger one (a pool group's members, Pool::CreateGroup).
#ifndef SOMAS_ENGINE_ALIGNED_H_
#define SOMAS_ENGINE_ALIGNED_H_

#include <hwy/aligned_allocator.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace somas {

// Where large arrays start, modulo kPlacementPeriod (64 KiB): array `slot`
// starts at slot x 2,240 bytes (35 cache lines) past a multiple of it. A
// kernel streams a dozen arrays at the same index at once; if they all
// started at the same offset within a 64 KiB window (as large allocations
// do when the system backs them with 2 MiB pages: each is a fresh mapping,
// and Highway adds the same small offset to each), every stream's line
// would fall in the same L1 and L2 set, and more streams than the cache has
// ways evict each other on every access (docs/benchmarks.md, "No cliffs").
// 35 is odd, so slots 0..1023 get distinct L2 sets (1,024 of them per 64 KiB)
// and slots 0..63 distinct L1 sets. Arrays under kPlacedBytes are left as
// the allocator places them (their 64 KiB would be waste).
inline constexpr size_t kPlacementPeriod = size_t{1} << 16;
inline constexpr size_t kPlacementStride = 35 * 64;
inline constexpr size_t kPlacedBytes = size_t{1} << 20;

// The slots of a pool's arrays: each array a kernel streams has its own.
inline constexpr size_t kSlotStates = 0;  // + float state index (kMaxFloatStates: 3)
inline constexpr size_t kSlotCounter = 8;
inline constexpr size_t kSlotSpikes = 9;
inline constexpr size_t kSlotConstants = 10;  // + constant index (kMaxConstants: 16)
inline constexpr size_t kSlotParams = 42;     // + parameter index (kMaxParams: 16)
inline constexpr size_t kSlotInput = 58;      // an input current array (benchmarks, tests)

template <typename T>
class AlignedArray {
 public:
  AlignedArray() = default;
  // `size` value-initialised elements (zero for arithmetic types), placed by
  // `slot` if large (above). Throws std::bad_alloc on failure. (Highway
  // aborts on a zero-byte request: an empty array allocates nothing.)
  explicit AlignedArray(size_t size, size_t slot = 0) : AlignedArray(size, slot, kNoInit) {
    for (size_t i = 0; i < size; ++i) new (data_ + i) T();
  }
  // The same without writing the elements (their values are indeterminate):
  // for arrays the caller fills entirely at once, which saves a pass over
  // memory. T must be trivially constructible.
  struct NoInit {};
  static constexpr NoInit kNoInit{};
  AlignedArray(size_t size, size_t slot, NoInit) : size_(size), slot_(slot) {
    static_assert(std::is_trivially_default_constructible<T>::value, "no constructor to skip");
    if (size == 0) return;
    const size_t bytes = size * sizeof(T);
    const bool placed = bytes >= kPlacedBytes;
    base_ = hwy::AllocateAligned<uint8_t>(bytes + (placed ? kPlacementPeriod : 0));
    if (!base_) throw std::bad_alloc();
    uint8_t* start = base_.get();
    if (placed) {
      const size_t want = slot * kPlacementStride % kPlacementPeriod;
      const size_t have = reinterpret_cast<uintptr_t>(start) % kPlacementPeriod;
      start += (want + kPlacementPeriod - have) % kPlacementPeriod;
    }
    data_ = reinterpret_cast<T*>(start);
  }

  // `size` elements at `data` (64-byte aligned) that belong to storage
  // which `keep` keeps alive: what a group member's arrays are. Elements are
  // read and written as an owning array's; a copy owns its elements.
  static AlignedArray View(T* data, size_t size, size_t slot, std::shared_ptr<const void> keep) {
    AlignedArray view;
    view.data_ = data;
    view.size_ = size;
    view.slot_ = slot;
    view.keep_ = std::move(keep);
    return view;
  }

  // A copy: one pass over memory (the elements are copied, not first
  // value-initialised).
  AlignedArray(const AlignedArray& other) : AlignedArray(other.size_, other.slot_, kNoInit) {
    static_assert(std::is_trivially_copyable<T>::value, "copied bytewise");
    if (size_) std::memcpy(data_, other.data_, size_ * sizeof(T));
  }
  AlignedArray& operator=(const AlignedArray& other) {
    if (this != &other) *this = AlignedArray(other);
    return *this;
  }
  AlignedArray(AlignedArray&& other) noexcept { *this = std::move(other); }
  AlignedArray& operator=(AlignedArray&& other) noexcept {
    base_ = std::move(other.base_);
    keep_ = std::move(other.keep_);
    data_ = other.data_;
    size_ = other.size_;
    slot_ = other.slot_;
    other.data_ = nullptr;
    other.size_ = 0;
    return *this;
  }

  T* data() { return data_; }
  const T* data() const { return data_; }
  size_t size() const { return size_; }
  size_t slot() const { return slot_; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }

 private:
  hwy::AlignedFreeUniquePtr<uint8_t[]> base_;
  std::shared_ptr<const void> keep_;  // a view's storage (base_ is then empty)
  T* data_ = nullptr;
  size_t size_ = 0;
  size_t slot_ = 0;
};

}  // namespace somas

#endif  // SOMAS_ENGINE_ALIGNED_H_
