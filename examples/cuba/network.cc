#include "examples/cuba/network.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace cuba {
namespace {

uint64_t Mix(uint64_t z) {  // splitmix64's finaliser
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

constexpr uint64_t kPotentialStream = 1ULL << 62;

}  // namespace

Stream::Stream(uint64_t seed, uint64_t stream) : state_(Mix(Mix(seed) ^ stream)) {}

uint64_t Stream::Next() { return Mix(state_ += 0x9e3779b97f4a7c15ULL); }

double Stream::Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

uint64_t Stream::Below(uint64_t n) {
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do x = Next();
  while (x >= limit);
  return x % n;
}

double InitialPotential(const Parameters& p, size_t i) {
  Stream s(p.seed, kPotentialStream + i);
  return p.v_reset + s.Uniform() * (p.v_threshold - p.v_reset);
}

void Inputs(const Parameters& p, size_t post, std::vector<uint32_t>* out) {
  // Floyd's sampling of k distinct values from [lo, lo + n), then sorted.
  auto sample = [&](Stream* s, size_t k, size_t lo, size_t n, std::vector<uint32_t>* into) {
    const size_t first = into->size();
    for (size_t j = n - k; j < n; ++j) {
      const auto t = static_cast<uint32_t>(lo + s->Below(j + 1));
      const bool taken = std::find(into->begin() + first, into->end(), t) != into->end();
      into->push_back(taken ? static_cast<uint32_t>(lo + j) : t);
    }
    std::sort(into->begin() + first, into->end());
  };
  out->clear();
  Stream s(p.seed, post);
  const size_t e = p.excitatory();
  sample(&s, p.excitatory_in(), 0, e, out);
  sample(&s, p.in_degree - p.excitatory_in(), e, p.neurons - e, out);
}

Fanout BuildFanout(const Parameters& p, size_t begin, size_t end) {
  Fanout f;
  f.begin = begin;
  f.end = end;
  f.offsets.assign(p.neurons + 1, 0);
  std::vector<uint32_t> inputs;
  for (size_t post = begin; post < end; ++post) {
    Inputs(p, post, &inputs);
    for (uint32_t pre : inputs) ++f.offsets[pre + 1];
  }
  for (size_t j = 0; j < p.neurons; ++j) f.offsets[j + 1] += f.offsets[j];
  f.targets.resize(f.offsets[p.neurons]);
  std::vector<uint64_t> next(f.offsets.begin(), f.offsets.end() - 1);
  for (size_t post = begin; post < end; ++post) {  // ascending posts: rows stay sorted
    Inputs(p, post, &inputs);
    for (uint32_t pre : inputs) f.targets[next[pre]++] = static_cast<uint32_t>(post - begin);
  }
  return f;
}

Synapses::Synapses(const Parameters& p, size_t local)
    : excitatory_(p.excitatory()),
      decay_e_(std::exp(-p.dt / p.tau_e)),
      decay_i_(std::exp(-p.dt / p.tau_i)),
      w_e_(p.w_e),
      w_i_(p.w_i),
      ge_(local, 0.0),
      gi_(local, 0.0),
      hits_(local, 0) {
  if (p.excitatory_in() > 255 || p.in_degree - p.excitatory_in() > 255) {
    throw std::invalid_argument("cuba::Synapses counts at most 255 inputs of each kind");
  }
  // Over one step the membrane (time constant tau_m) driven by g(t) = g0
  // exp(-t / tau) moves exactly as if driven by the constant kappa * g0,
  // kappa = tau / (tau - tau_m) (e^(-dt/tau) - e^(-dt/tau_m)) / (1 - e^(-dt/tau_m)):
  // somas's leaky kernel is exact for a constant current over the step.
  const double decay_m = std::exp(-p.dt / p.tau_m);
  auto kappa = [&](double tau, double decay) {
    return tau / (tau - p.tau_m) * (decay - decay_m) / (1 - decay_m);
  };
  kappa_e_ = static_cast<float>(kappa(p.tau_e, std::exp(-p.dt / p.tau_e)));
  kappa_i_ = static_cast<float>(kappa(p.tau_i, std::exp(-p.dt / p.tau_i)));
}

void Synapses::Receive(const Fanout& fanout, const std::vector<uint32_t>& spikes) {
  // The spikes' rows of the fan-out table lie anywhere in it (32 MB at
  // 100,000 neurons): ask for all of them before using any.
  for (uint32_t j : spikes) {
    const uint32_t* row = fanout.targets.data() + fanout.offsets[j];
    const uint32_t* row_end = fanout.targets.data() + fanout.offsets[j + 1];
    for (const uint32_t* line = row; line < row_end; line += 16) __builtin_prefetch(line);
  }
  for (uint32_t j : spikes) {
    const uint16_t one = j < excitatory_ ? 1 : 256;
    for (uint64_t s = fanout.offsets[j]; s < fanout.offsets[j + 1]; ++s) {
      hits_[fanout.targets[s]] += one;
    }
  }
}

// Compiled for three instruction sets and chosen when the program starts
// (GCC's target_clones): no FMA in any, so every clone gives the same bits.
// Not under the sanitizers, whose instrumented resolver would run before
// their runtime is up.
#if defined(__x86_64__) && !defined(__SANITIZE_THREAD__) && !defined(__SANITIZE_ADDRESS__)
#define CUBA_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CUBA_CLONES
#endif

CUBA_CLONES void Synapses::Currents(size_t begin, size_t end, float* current) {
  // Distinct arrays (restrict), so that the compiler vectorises the loop.
  float* __restrict o = current;
  float* __restrict ge = ge_.data();
  float* __restrict gi = gi_.data();
  uint16_t* __restrict hits = hits_.data();
  const float decay_e = decay_e_, decay_i = decay_i_, w_e = w_e_, w_i = w_i_;
  const float kappa_e = kappa_e_, kappa_i = kappa_i_;
  for (size_t k = begin; k < end; ++k) {
    ge[k] = ge[k] * decay_e + static_cast<float>(hits[k] & 255) * w_e;
    gi[k] = gi[k] * decay_i + static_cast<float>(hits[k] >> 8) * w_i;
    o[k] = kappa_e * ge[k] + kappa_i * gi[k];
    hits[k] = 0;
  }
}

void Synapses::Advance(const Fanout& fanout, const std::vector<uint32_t>& spikes,
                       std::vector<float>* current) {
  Receive(fanout, spikes);
  current->resize(ge_.size());
  Currents(0, ge_.size(), current->data());
}

}  // namespace cuba
