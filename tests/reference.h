// A double-precision reference of every model, written from docs/models.md
// alone (it shares no code with the engine), one neuron at a time.
#ifndef SOMAS_TESTS_REFERENCE_H_
#define SOMAS_TESTS_REFERENCE_H_

#include <map>
#include <string>

namespace somas::reference {

// Parameters by upstream name; omitted ones take the documented defaults.
using Params = std::map<std::string, double>;

// Which equations a model runs (docs/models.md's sections).
enum class Family { kLeaky, kExponential, kIzhikevich };

struct Model {
  Params defaults;  // every parameter with its documented default
  Family family;
  bool refractory = false;          // cooldown after each spike
  bool strict = false;              // held at potential_reset while refractory
  bool adaptive_threshold = false;  // threshold jumps and relaxes
  bool adex = false;                // adaptation current w
};

// The reference's models by exact name: adding a model is one entry here
// (and, for a new family, its equations in Integrate and Fire).
const std::map<std::string, Model>& Models();

// The documented defaults of `model` (empty map for an unknown model).
Params Defaults(const std::string& model);

class Neuron {
 public:
  Neuron(const std::string& model, const Params& overrides, double dt);

  // One step, split so a test can keep the reference on the engine's
  // trajectory where the spike decision is within rounding of the threshold:
  // Integrate(I), then read WouldSpike() and Margin(), then Fire(spike).
  void Integrate(double current_pa);
  bool WouldSpike() const;  // v > threshold now, and ready
  double Margin() const;    // |v - threshold| at the fire test, mV
  void Fire(bool spike);

  bool Step(double current_pa) {
    Integrate(current_pa);
    const bool spike = WouldSpike();
    Fire(spike);
    return spike;
  }

  double potential() const;                 // absolute mV
  double recovery() const { return u_; }    // IzhikevichSoma
  double adaptation() const { return w_; }  // AdaptiveExponentialSoma, pA
  double threshold_now() const;             // absolute mV
  bool ready() const;
  // Where the dynamics amplify errors: exponential family above
  // rheobase_threshold, Izhikevich above -62.5 mV (0.04 v^2 + 5 v grows).
  bool in_upswing() const {
    return (exponential_ && v_ > rheobase_ - rest_) || (izhikevich_ && v_ > -62.5);
  }

 private:
  double P(const char* name) const { return p_.count(name) ? p_.at(name) : 0.0; }

  std::string model_;
  Params p_;
  double dt_;
  // Parameters by name, read once (0 where the model has no such parameter).
  double rest_, reset_, tau_, resistance_, threshold_, cooldown_, threshold_tau_, threshold_delta_;
  double rheobase_, slope_, adaptation_tau_, adaptation_delta_, adaptation_a_;
  double izh_a_, izh_b_, izh_d_, floor_;
  bool leaky_ = false, exponential_ = false, izhikevich_ = false;
  bool refractory_ = false, strict_ = false, adaptive_threshold_ = false, adex_ = false;
  double v_ = 0;        // relative to rest (leaky, exponential) or absolute (Izhikevich)
  double u_ = 0;        // Izhikevich recovery
  double w_ = 0;        // AdEx adaptation current
  double theta_t_ = 0;  // adaptive threshold, relative to rest
  long step_ = 0;       // steps taken
  long last_spike_ = -1;
  bool integrated_ready_ = true;  // readiness during the current step
};

}  // namespace somas::reference

#endif  // SOMAS_TESTS_REFERENCE_H_
