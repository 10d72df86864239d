// The Vogels-Abbott CUBA network around somas pools: connectivity, synaptic
// currents and spike propagation. Everything here belongs to the example,
// not to the engine; the somas part is one StrictRefractoryLeakySoma pool per
// process (examples/cuba/README.md gives the model mapping and its sources).
#ifndef SOMAS_EXAMPLES_CUBA_NETWORK_H_
#define SOMAS_EXAMPLES_CUBA_NETWORK_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cuba {

// Parameters of benchmark 2 of Brette et al. (2007), after Vogels & Abbott
// (2005): times in ms, potentials and synaptic "currents" in mV.
struct Parameters {
  size_t neurons = 4000;
  double excitatory_fraction = 0.8;
  size_t in_degree = 80;  // 2% of 4,000; kept fixed when the network grows
  double dt = 0.1;
  double tau_m = 20, tau_e = 5, tau_i = 10;
  double v_threshold = -50, v_reset = -60, v_leak = -49;  // El, the resting potential
  double refractory = 5;
  double w_e = 60 * 0.27 / 10;  // 1.62 mV
  double w_i = -20 * 4.5 / 10;  // -9 mV
  uint64_t seed = 1;

  size_t excitatory() const { return static_cast<size_t>(excitatory_fraction * neurons + 0.5); }
  size_t excitatory_in() const {  // excitatory inputs of each neuron (64 of 80)
    return static_cast<size_t>(excitatory_fraction * in_degree + 0.5);
  }
};

// A counter-based random stream: the same (seed, stream) gives the same
// numbers in any process, whatever it owns.
class Stream {
 public:
  Stream(uint64_t seed, uint64_t stream);
  uint64_t Next();
  double Uniform();            // [0, 1)
  uint64_t Below(uint64_t n);  // [0, n), unbiased
 private:
  uint64_t state_;
};

// The initial potential of neuron `i`: uniform between reset and threshold.
double InitialPotential(const Parameters& p, size_t i);

// The presynaptic neurons of neuron `post`: in_degree distinct ones,
// excitatory_in() among the excitatory neurons [0, E) then the rest among
// the inhibitory ones [E, N), each set in ascending order. Drawn from
// (seed, post) alone, so every process draws the same inputs for a neuron.
void Inputs(const Parameters& p, size_t post, std::vector<uint32_t>* out);

// The synapses onto the neurons [begin, end) of one process, by presynaptic
// neuron (CSR): the local targets of global neuron j are
// targets[offsets[j] .. offsets[j + 1]), local indices, ascending.
struct Fanout {
  size_t begin = 0, end = 0;
  std::vector<uint64_t> offsets;  // neurons + 1
  std::vector<uint32_t> targets;
};
Fanout BuildFanout(const Parameters& p, size_t begin, size_t end);

// Synaptic currents of the local neurons and the step that moves them, in
// two parts: Receive (the spikes of one step, per target neuron) and
// Currents (one chunk of neurons: decay, received spikes, the next input
// current), which cuba.cc runs in somas's `before` hook, on the thread that
// then steps the chunk's somas.
class Synapses {
 public:
  Synapses(const Parameters& p, size_t local);
  // Counts the step's spikes (global indices, any order) onto their local
  // targets: the sum depends on how many excitatory and inhibitory inputs
  // fired, never on their order or on the partition. Serial; touches only
  // the targets of the spikes.
  void Receive(const Fanout& fanout, const std::vector<uint32_t>& spikes);
  // For local neurons [begin, end) only: advances ge and gi by one step,
  // adds the received spikes, and writes the current (pA, with resistance
  // 1 GOhm) each neuron gets in the coming step: ge and gi integrated exactly
  // over that step together with the membrane (README). Chunks of a
  // partition may run concurrently; the result does not depend on it.
  void Currents(size_t begin, size_t end, float* current);
  // Receive, then Currents over every local neuron (tests).
  void Advance(const Fanout& fanout, const std::vector<uint32_t>& spikes,
               std::vector<float>* current);

 private:
  size_t excitatory_;
  // float32, like the pool's potentials.
  float decay_e_, decay_i_, kappa_e_, kappa_i_, w_e_, w_i_;
  std::vector<float> ge_, gi_;
  // Inputs that fired last step, per neuron: excitatory in the low byte,
  // inhibitory in the high one (in-degrees below 256); Currents reads and
  // clears them.
  std::vector<uint16_t> hits_;
};

}  // namespace cuba

#endif  // SOMAS_EXAMPLES_CUBA_NETWORK_H_
