#include "examples/cuba/network.h"

#include <omp.h>

#include <algorithm>
#include <cmath>

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

Synapses::Synapses(const Parameters& p, size_t local, int threads)
    : excitatory_(p.excitatory()),
      threads_(threads),
      decay_e_(std::exp(-p.dt / p.tau_e)),
      decay_i_(std::exp(-p.dt / p.tau_i)),
      w_e_(p.w_e),
      w_i_(p.w_i),
      ge_(local, 0.0),
      gi_(local, 0.0),
      hits_e_(local, 0),
      hits_i_(local, 0) {
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

void Synapses::Advance(const Fanout& fanout, const std::vector<uint32_t>& spikes,
                       std::vector<float>* current) {
  for (uint32_t j : spikes) {
    std::vector<uint16_t>& hits = j < excitatory_ ? hits_e_ : hits_i_;
    for (uint64_t s = fanout.offsets[j]; s < fanout.offsets[j + 1]; ++s) ++hits[fanout.targets[s]];
  }
  current->resize(ge_.size());
  // One pass over neurons [begin, end); distinct arrays (restrict), so that
  // the compiler vectorises it.
  auto pass = [this, out = current->data()](long begin, long end) {
    float* __restrict o = out;
    float* __restrict ge = ge_.data();
    float* __restrict gi = gi_.data();
    uint16_t* __restrict hits_e = hits_e_.data();
    uint16_t* __restrict hits_i = hits_i_.data();
    const float decay_e = decay_e_, decay_i = decay_i_, w_e = w_e_, w_i = w_i_;
    const float kappa_e = kappa_e_, kappa_i = kappa_i_;
    for (long k = begin; k < end; ++k) {
      ge[k] = ge[k] * decay_e + static_cast<float>(hits_e[k]) * w_e;
      gi[k] = gi[k] * decay_i + static_cast<float>(hits_i[k]) * w_i;
      o[k] = kappa_e * ge[k] + kappa_i * gi[k];
      hits_e[k] = 0;
      hits_i[k] = 0;
    }
  };
  const long n = static_cast<long>(ge_.size());
  if (n < 50000 || threads_ < 2) return pass(0, n);
    // Per neuron and independent: any split across threads gives the same bits.
#pragma omp parallel num_threads(threads_)
  {
    const long parts = omp_get_num_threads(), part = omp_get_thread_num();
    pass(n * part / parts, n * (part + 1) / parts);
  }
}

}  // namespace cuba
