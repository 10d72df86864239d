// The double-precision reference models (docs/models.md), written for clarity, not speed.
#include "tests/reference.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace somas::reference {

Params Defaults(const std::string& model) {
  const Params leaky = {{"potential_rest", -60}, {"potential_reset", -50}, {"potential_tau", 20},
                        {"resistance", 0.1},     {"threshold", -40}};
  const Params exponential = {{"potential_rest", -70},   {"potential_reset", -51},
                              {"potential_tau", 5},      {"resistance", 0.5},
                              {"threshold", -30},        {"rheobase_threshold", -50},
                              {"spike_slope", 2}};
  auto with = [](Params base, const Params& extra) {
    for (const auto& kv : extra) base[kv.first] = kv.second;
    return base;
  };
  if (model == "LeakySoma") return leaky;
  if (model == "RefractoryLeakySoma" || model == "StrictRefractoryLeakySoma") {
    return with(leaky, {{"cooldown", 2}});
  }
  if (model == "AdaptiveLeakySoma") {
    return with(leaky, {{"cooldown", 2}, {"threshold_tau", 20}, {"threshold_delta", 100}});
  }
  if (model == "ExponentialSoma") return exponential;
  if (model == "RefractoryExponentialSoma") return with(exponential, {{"cooldown", 2}});
  if (model == "AdaptiveExponentialSoma") {
    return with(exponential,
                {{"adaptation_tau", 100}, {"adaptation_delta", 7}, {"adaptation_subthreshold", 0.5}});
  }
  if (model == "SimplifiedAdaptiveExponentialSoma") {
    return with(exponential, {{"cooldown", 2}, {"threshold_tau", 20}, {"threshold_delta", 100}});
  }
  if (model == "IzhikevichSoma") {
    return {{"potential_rest", -65},      {"potential_reset", -65},     {"resistance", 0.1},
            {"threshold", 30},            {"recovery_timescale", 0.02}, {"recovery_sensitivity", 0.2},
            {"recovery_update", 2},       {"potential_floor", -100}};
  }
  return {};
}

Neuron::Neuron(const std::string& model, const Params& overrides, double dt)
    : model_(model), p_(Defaults(model)), dt_(dt) {
  if (p_.empty()) throw std::invalid_argument("reference: unknown model " + model);
  for (const auto& kv : overrides) {
    if (!p_.count(kv.first)) throw std::invalid_argument("reference: unknown parameter " + kv.first);
    p_[kv.first] = kv.second;
  }
  leaky_ = model.find("Leaky") != std::string::npos;
  exponential_ = model.find("Exponential") != std::string::npos;
  izhikevich_ = model == "IzhikevichSoma";
  refractory_ = p_.count("cooldown") > 0;
  strict_ = model == "StrictRefractoryLeakySoma";
  adaptive_threshold_ = p_.count("threshold_tau") > 0;
  adex_ = model == "AdaptiveExponentialSoma";
  if (izhikevich_) {
    v_ = p_["potential_rest"];
    u_ = p_["recovery_sensitivity"] * p_["potential_rest"];
  }
  theta_t_ = p_["threshold"] - p_["potential_rest"];
}

bool Neuron::ready() const {
  if (!refractory_ || last_spike_ < 0) return true;
  const long cooldown_steps = std::lround(p_.at("cooldown") / dt_);
  // Spiked at step t: not ready during t+1 .. t+c.
  return step_ > last_spike_ + cooldown_steps;
}

double Neuron::threshold_now() const {
  if (izhikevich_) return p_.at("threshold");
  const double base = p_.at("threshold") - p_.at("potential_rest");
  return (adaptive_threshold_ ? theta_t_ : base) + p_.at("potential_rest");
}

void Neuron::Integrate(double current) {
  integrated_ready_ = ready();
  const double ready_factor = integrated_ready_ ? 1.0 : 0.0;
  const double R = p_["resistance"];
  if (leaky_) {
    const double decay = std::exp(-dt_ / p_["potential_tau"]);
    const double v_reset = p_["potential_reset"] - p_["potential_rest"];
    if (strict_ && !integrated_ready_) {
      v_ = v_reset;
    } else {
      v_ = decay * v_ + ready_factor * (1 - decay) * R * current;
    }
  } else if (exponential_) {
    const double theta = p_["threshold"] - p_["potential_rest"];
    const double v_t = p_["rheobase_threshold"] - p_["potential_rest"];
    const double D = p_["spike_slope"];
    const double exp_term = D * std::exp((std::min(v_, theta) - v_t) / D);
    const double scale = dt_ / p_["potential_tau"];
    const double adaptation = adex_ ? R * w_ : 0.0;
    v_ = v_ + scale * (-v_ + exp_term - adaptation + ready_factor * R * current);
  } else {
    const double half = dt_ / 2;
    for (int k = 0; k < 2; ++k) {
      v_ = v_ + half * (0.04 * v_ * v_ + 5 * v_ + 140 - u_ + R * current);
      v_ = std::clamp(v_, p_["potential_floor"], 1e4);
    }
    u_ = u_ + dt_ * p_["recovery_timescale"] * (p_["recovery_sensitivity"] * v_ - u_);
  }
}

bool Neuron::WouldSpike() const {
  const double threshold = threshold_now() - (izhikevich_ ? 0.0 : p_.at("potential_rest"));
  return v_ > threshold && integrated_ready_;
}

double Neuron::Margin() const {
  const double threshold = threshold_now() - (izhikevich_ ? 0.0 : p_.at("potential_rest"));
  return std::fabs(v_ - threshold);
}

void Neuron::Fire(bool spike) {
  if (izhikevich_) {
    if (spike) {
      v_ = p_["potential_reset"];
      u_ += p_["recovery_update"];
    }
    ++step_;
    return;
  }
  const double theta = p_["threshold"] - p_["potential_rest"];
  if (spike) {
    v_ = p_["potential_reset"] - p_["potential_rest"];
    last_spike_ = step_;
  }
  if (exponential_ && refractory_ && !integrated_ready_) v_ = std::min(v_, theta);
  if (adaptive_threshold_) {
    theta_t_ = theta + std::exp(-dt_ / p_["threshold_tau"]) * (theta_t_ - theta) +
               p_["threshold_delta"] * (spike ? 1.0 : 0.0);
  }
  if (adex_) {
    w_ = w_ + (dt_ / p_["adaptation_tau"]) * (-w_ + p_["adaptation_subthreshold"] * v_) +
         p_["adaptation_delta"] * (spike ? 1.0 : 0.0);
  }
  ++step_;
}

double Neuron::potential() const { return izhikevich_ ? v_ : v_ + p_.at("potential_rest"); }

}  // namespace somas::reference
