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

// Synaptic currents of the local neurons and the step that moves them.
class Synapses {
 public:
  // `threads` share the per-neuron pass of Advance (OpenMP) from 50,000
  // local neurons on.
  Synapses(const Parameters& p, size_t local, int threads = 1);
  // Advances ge and gi by one step, adds the step's spikes (global indices,
  // any order: the sum depends on how many excitatory and inhibitory inputs
  // fired, never on their order or on the partition) and writes the current
  // (pA, with resistance 1 GOhm) each local neuron gets in the next step:
  // ge and gi integrated exactly over that step together with the membrane
  // (README). One pass over the local neurons.
  void Advance(const Fanout& fanout, const std::vector<uint32_t>& spikes,
               std::vector<float>* current);

 private:
  size_t excitatory_;
  int threads_;
  // float32, like the pool's potentials: four neurons per SSE vector.
  float decay_e_, decay_i_, kappa_e_, kappa_i_, w_e_, w_i_;
  std::vector<float> ge_, gi_;
  std::vector<uint16_t> hits_e_, hits_i_;
};

}  // namespace cuba

#endif  // SOMAS_EXAMPLES_CUBA_NETWORK_H_
