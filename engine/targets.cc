// SIMD targets: which the CPU can run, which runs next, choosing one; and
// the library's version.
#include <hwy/targets.h>

#include <cctype>
#include <string>
#include <vector>

#include "engine/pool_impl.h"

namespace somas {

const char* Pool::last_target_name() const {
  return impl_ && impl_->last_target ? impl_->last_target : "none";
}

const char* Version() { return SOMAS_VERSION; }

namespace {

// The targets this binary has that the CPU can run, read once before any
// limit is set (Highway's SupportedTargets() reports the limit afterwards).
int64_t CpuTargets() {
  static const int64_t targets = hwy::SupportedTargets() & HWY_TARGETS;
  return targets;
}

}  // namespace

const char* SimdTarget() {
  // Highway's targets are bits, better ones lower: the best the CPU supports
  // among those compiled (and allowed by SetSimdTarget) is the lowest set bit.
  const int64_t usable = hwy::SupportedTargets() & CpuTargets();
  return usable ? hwy::TargetName(usable & -usable) : "none";
}

std::vector<std::string> AvailableTargets() {
  std::vector<std::string> names;
  for (int64_t t = CpuTargets(); t != 0; t &= t - 1) names.push_back(hwy::TargetName(t & -t));
  return names;
}

Status SetSimdTarget(const std::string& name) {
  auto upper = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
  };
  const int64_t cpu = CpuTargets();
  if (upper(name) == "AUTO") {
    hwy::SetSupportedTargetsForTest(0);
    return Status();
  }
  for (int64_t t = cpu; t != 0; t &= t - 1) {
    const int64_t target = t & -t;
    if (upper(name) == hwy::TargetName(target)) {
      hwy::SetSupportedTargetsForTest(target);
      return Status();
    }
  }
  std::string usable = "auto";
  for (const std::string& n : AvailableTargets()) usable += ", " + n;
  return Status::Error("unknown or unsupported SIMD target '" + name +
                       "': this binary on this CPU can use " + usable);
}

}  // namespace somas
