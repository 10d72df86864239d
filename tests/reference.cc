// The double-precision reference models (docs/models.md), written for clarity, not speed.
#include "tests/reference.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace somas::reference {

namespace {

const Params kLeaky = {{"potential_rest", -60},
                       {"potential_reset", -50},
                       {"potential_tau", 20},
                       {"resistance", 0.1},
                       {"threshold", -40}};
const Params kExponential = {
    {"potential_rest", -70}, {"potential_reset", -51},    {"potential_tau", 5}, {"resistance", 0.5},
    {"threshold", -30},      {"rheobase_threshold", -50}, {"spike_slope", 2}};

Params With(Params base, const Params& extra) {
  for (const auto& kv : extra) base[kv.first] = kv.second;
  return base;
}

}  // namespace

// One entry per model: its documented defaults and which equations it runs.
// (An unknown name is an error, never a guess from the name's spelling.)
const std::map<std::string, Model>& Models() {
  static const auto* table = new std::map<std::string, Model>{
      {"LeakySoma", {kLeaky, Family::kLeaky}},
      {"RefractoryLeakySoma", {With(kLeaky, {{"cooldown", 2}}), Family::kLeaky, true}},
      {"StrictRefractoryLeakySoma",
       {With(kLeaky, {{"cooldown", 2}}), Family::kLeaky, true, /*strict=*/true}},
      {"AdaptiveLeakySoma",
       {With(kLeaky, {{"cooldown", 2}, {"threshold_tau", 20}, {"threshold_delta", 100}}),
        Family::kLeaky, true, false, /*adaptive_threshold=*/true}},
      {"ExponentialSoma", {kExponential, Family::kExponential}},
      {"RefractoryExponentialSoma",
       {With(kExponential, {{"cooldown", 2}}), Family::kExponential, true}},
      {"AdaptiveExponentialSoma",
       {With(kExponential,
             {{"adaptation_tau", 100}, {"adaptation_delta", 7}, {"adaptation_subthreshold", 0.5}}),
        Family::kExponential, false, false, false, /*adex=*/true}},
      {"SimplifiedAdaptiveExponentialSoma",
       {With(kExponential, {{"cooldown", 2}, {"threshold_tau", 20}, {"threshold_delta", 100}}),
        Family::kExponential, true, false, /*adaptive_threshold=*/true}},
      {"IzhikevichSoma",
       {{{"potential_rest", -65},
         {"potential_reset", -65},
         {"resistance", 0.1},
         {"threshold", 30},
         {"recovery_timescale", 0.02},
         {"recovery_sensitivity", 0.2},
         {"recovery_update", 2},
         {"potential_floor", -100}},
        Family::kIzhikevich}},
  };
  return *table;
}

Params Defaults(const std::string& model) {
  const auto found = Models().find(model);
  return found == Models().end() ? Params() : found->second.defaults;
}

Neuron::Neuron(const std::string& model, const Params& overrides, double dt)
    : model_(model), p_(Defaults(model)), dt_(dt) {
  const auto found = Models().find(model);
  if (found == Models().end()) throw std::invalid_argument("reference: unknown model " + model);
  const Model& m = found->second;
  for (const auto& kv : overrides) {
    if (!p_.count(kv.first))
      throw std::invalid_argument("reference: unknown parameter " + kv.first);
    p_[kv.first] = kv.second;
  }
  rest_ = P("potential_rest");
  reset_ = P("potential_reset");
  tau_ = P("potential_tau");
  resistance_ = P("resistance");
  threshold_ = P("threshold");
  cooldown_ = P("cooldown");
  threshold_tau_ = P("threshold_tau");
  threshold_delta_ = P("threshold_delta");
  rheobase_ = P("rheobase_threshold");
  slope_ = P("spike_slope");
  adaptation_tau_ = P("adaptation_tau");
  adaptation_delta_ = P("adaptation_delta");
  adaptation_a_ = P("adaptation_subthreshold");
  izh_a_ = P("recovery_timescale");
  izh_b_ = P("recovery_sensitivity");
  izh_d_ = P("recovery_update");
  floor_ = P("potential_floor");
  leaky_ = m.family == Family::kLeaky;
  exponential_ = m.family == Family::kExponential;
  izhikevich_ = m.family == Family::kIzhikevich;
  refractory_ = m.refractory;
  strict_ = m.strict;
  adaptive_threshold_ = m.adaptive_threshold;
  adex_ = m.adex;
  if (izhikevich_) {
    v_ = rest_;
    u_ = izh_b_ * rest_;
  }
  theta_t_ = threshold_ - rest_;
}

bool Neuron::ready() const {
  if (!refractory_ || last_spike_ < 0) return true;
  const long cooldown_steps = std::lround(cooldown_ / dt_);
  // Spiked at step t: not ready during t+1 .. t+c.
  return step_ > last_spike_ + cooldown_steps;
}

double Neuron::threshold_now() const {
  if (izhikevich_) return threshold_;
  const double base = threshold_ - rest_;
  return (adaptive_threshold_ ? theta_t_ : base) + rest_;
}

void Neuron::Integrate(double current) {
  integrated_ready_ = ready();
  const double ready_factor = integrated_ready_ ? 1.0 : 0.0;
  const double R = resistance_;
  if (leaky_) {
    const double decay = std::exp(-dt_ / tau_);
    const double v_reset = reset_ - rest_;
    if (strict_ && !integrated_ready_) {
      v_ = v_reset;
    } else {
      v_ = decay * v_ + ready_factor * (1 - decay) * R * current;
    }
  } else if (exponential_) {
    const double theta = threshold_ - rest_;
    const double v_t = rheobase_ - rest_;
    const double D = slope_;
    const double exp_term = D * std::exp((std::min(v_, theta) - v_t) / D);
    const double scale = dt_ / tau_;
    const double adaptation = adex_ ? R * w_ : 0.0;
    v_ = v_ + scale * (-v_ + exp_term - adaptation + ready_factor * R * current);
  } else {
    const double half = dt_ / 2;
    for (int k = 0; k < 2; ++k) {
      v_ = v_ + half * (0.04 * v_ * v_ + 5 * v_ + 140 - u_ + R * current);
      v_ = std::clamp(v_, floor_, 1e4);
    }
    u_ = u_ + dt_ * izh_a_ * (izh_b_ * v_ - u_);
  }
}

bool Neuron::WouldSpike() const {
  const double threshold = threshold_now() - (izhikevich_ ? 0.0 : rest_);
  return v_ > threshold && integrated_ready_;
}

double Neuron::Margin() const {
  const double threshold = threshold_now() - (izhikevich_ ? 0.0 : rest_);
  return std::fabs(v_ - threshold);
}

void Neuron::Fire(bool spike) {
  if (izhikevich_) {
    if (spike) {
      v_ = reset_;
      u_ += izh_d_;
    }
    ++step_;
    return;
  }
  const double theta = threshold_ - rest_;
  if (spike) {
    v_ = reset_ - rest_;
    last_spike_ = step_;
  }
  if (exponential_ && refractory_ && !integrated_ready_) v_ = std::min(v_, theta);
  if (adaptive_threshold_) {
    theta_t_ = theta + std::exp(-dt_ / threshold_tau_) * (theta_t_ - theta) +
               threshold_delta_ * (spike ? 1.0 : 0.0);
  }
  if (adex_) {
    w_ = w_ + (dt_ / adaptation_tau_) * (-w_ + adaptation_a_ * v_) +
         adaptation_delta_ * (spike ? 1.0 : 0.0);
  }
  ++step_;
}

double Neuron::potential() const { return izhikevich_ ? v_ : v_ + rest_; }

}  // namespace somas::reference
