// somas::AlignedArray: an owning, 64-byte-aligned, fixed-size array for pool storage.
#ifndef SOMAS_ENGINE_ALIGNED_H_
#define SOMAS_ENGINE_ALIGNED_H_

#include <hwy/aligned_allocator.h>

#include <cstddef>
#include <new>

namespace somas {

// Pool arrays start on a 64-byte boundary (one cache line, one AVX-512 vector).
template <typename T>
class AlignedArray {
 public:
  AlignedArray() = default;
  // Value-initialised (zero for arithmetic types). Throws std::bad_alloc on failure.
  // (Highway aborts on a zero-byte request: an empty array allocates nothing.)
  explicit AlignedArray(size_t size)
      : data_(size ? hwy::AllocateAligned<T>(size) : nullptr), size_(size) {
    if (size != 0 && !data_) throw std::bad_alloc();
    for (size_t i = 0; i < size; ++i) data_[i] = T();
  }

  AlignedArray(const AlignedArray& other) : AlignedArray(other.size_) {
    for (size_t i = 0; i < size_; ++i) data_[i] = other.data_[i];
  }
  AlignedArray& operator=(const AlignedArray& other) {
    if (this != &other) *this = AlignedArray(other);
    return *this;
  }
  AlignedArray(AlignedArray&&) noexcept = default;
  AlignedArray& operator=(AlignedArray&&) noexcept = default;

  T* data() { return data_.get(); }
  const T* data() const { return data_.get(); }
  size_t size() const { return size_; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }

 private:
  hwy::AlignedFreeUniquePtr<T[]> data_;
  size_t size_ = 0;
};

}  // namespace somas

#endif  // SOMAS_ENGINE_ALIGNED_H_
