// The in-place streaming yardstick, written once with Highway.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "benchmarks/ceiling.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
// (foreach_target.h re-includes this file once per target; it must come first.)

#include <hwy/highway.h>

#include <array>
#include <utility>

#include "benchmarks/ceiling.h"
#include "engine/kernel-inl.h"

HWY_BEFORE_NAMESPACE();
namespace somas {
namespace HWY_NAMESPACE {

template <size_t kStates, bool kCounter, size_t kReads>
void Stream(const CeilingArrays& a, size_t begin, size_t end) {
  const DF d;
  constexpr size_t kN = hn::MaxLanes(DF());
  const VF k = hn::Set(d, 0.999f);
  const VF threshold = hn::Set(d, 1000.0f);
  const DI di;
  for (size_t i0 = begin; i0 < end; i0 += kBlock) {
    uint32_t bits = 0;
    for (size_t j = 0; j < kBlock; j += kN) {
      const size_t i = i0 + j;
      VF in = hn::Load(d, a.read[0] + i);
      for (size_t r = 1; r < kReads; ++r) in = hn::Add(in, hn::Load(d, a.read[r] + i));
      VF first;
      for (size_t s = 0; s < kStates; ++s) {
        const VF x = hn::MulAdd(hn::Load(d, a.state[s] + i), k, in);
        hn::Store(x, d, a.state[s] + i);
        if (s == 0) first = x;
      }
      if constexpr (kCounter) {
        const VI left = LoadCounter(a.counter, i);
        hn::Store(hn::DemoteTo(DU16(), hn::Max(hn::Sub(left, hn::Set(di, 1)), hn::Zero(di))),
                  DU16(), a.counter + i);
      }
      bits |= MaskBits(d, hn::Gt(first, threshold)) << j;
    }
    a.spikes[i0 / kBlock] = static_cast<uint16_t>(bits);
  }
}

template <size_t kStates, bool kCounter, size_t... kReads>
constexpr std::array<::somas::StreamFn, sizeof...(kReads)> ReadsRow(
    std::index_sequence<kReads...>) {
  return {&Stream<kStates, kCounter, kReads + 1>...};
}

void StreamInPlaceImpl(const CeilingArrays& a, size_t begin, size_t end) {
  using Reads = std::make_index_sequence<kCeilingMaxReads>;
  static constexpr std::array<std::array<::somas::StreamFn, kCeilingMaxReads>,
                              2 * kCeilingMaxStates>
      table = {ReadsRow<1, false>(Reads()), ReadsRow<1, true>(Reads()),
               ReadsRow<2, false>(Reads()), ReadsRow<2, true>(Reads()),
               ReadsRow<3, false>(Reads()), ReadsRow<3, true>(Reads())};
  const Traffic& t = a.traffic;
  table[2 * (t.states - 1) + (t.counter ? 1 : 0)][t.reads - 1](a, begin, end);
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace somas
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace somas {

HWY_EXPORT(StreamInPlaceImpl);

void StreamInPlace(const CeilingArrays& a, size_t begin, size_t end) {
  HWY_DYNAMIC_DISPATCH(StreamInPlaceImpl)(a, begin, end);
}

StreamFn BestStreamInPlace() {
  // The first dispatch fills in the chosen target; an empty range does no work.
  StreamInPlace(CeilingArrays{}, 0, 0);
  return HWY_DISPATCH_TABLE(StreamInPlaceImpl)[hwy::GetChosenTarget().GetIndex()];
}

}  // namespace somas
#endif  // HWY_ONCE
