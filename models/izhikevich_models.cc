// Schema of IzhikevichSoma: parameters, rules, kernel constants, states.
#include "engine/format.h"
#include "models/builtin.h"
#include "models/kernels.h"
#include "models/rules.h"

namespace somas {
namespace {

enum { kRest, kReset, kResistance, kThreshold, kA, kB, kD, kFloor };

// Half-step Euler on the quadratic is stable where its slope 0.08 v + 5 exceeds
// -4 / dt, i.e. for v > -50 / dt - 62.5 mV: the floor must lie above that.
double LowestStableFloor(double dt) { return -50.0 / dt - 62.5; }

std::optional<Violation> CheckIzhikevich(NeuronParams p, double dt) {
  if (auto v = CheckThresholdAboveReset(p, kThreshold, kReset)) return v;
  if (!(dt * p[kA] < 2)) {
    return Violation{{kA},
                     "forward Euler on u is unstable with dt = " + FormatNumber(dt) +
                         " ms (needs dt * recovery_timescale < 2); this value accepts dt < " +
                         FormatFloat(static_cast<float>(2 / p[kA])) + " ms"};
  }
  if (!(p[kFloor] < p[kThreshold])) {
    return Violation{{kFloor, kThreshold},
                     "potential_floor must be below threshold, or the neuron fires on every step"};
  }
  if (!(p[kFloor] > LowestStableFloor(dt))) {
    std::string accepted =
        p[kFloor] < -62.5 ? "; this floor accepts dt < " +
                                FormatFloat(static_cast<float>(-50.0 / (p[kFloor] + 62.5))) + " ms"
                          : "";
    return Violation{{kFloor},
                     "the half-step integration is unstable below " +
                         FormatNumber(LowestStableFloor(dt)) + " mV with dt = " + FormatNumber(dt) +
                         " ms; raise potential_floor" + accepted};
  }
  return std::nullopt;
}

void DeriveIzhikevich(NeuronParams p, double dt, double* k) {
  k[kIzhHalfDt] = dt / 2;
  k[kIzhResistance] = p[kResistance];
  k[kIzhThreshold] = p[kThreshold];
  k[kIzhReset] = p[kReset];
  k[kIzhDtA] = dt * p[kA];
  k[kIzhB] = p[kB];
  k[kIzhD] = p[kD];
  k[kIzhFloor] = p[kFloor];
}

void InitIzhikevich(NeuronParams p, float* s) {
  s[0] = static_cast<float>(p[kRest]);
  s[1] = static_cast<float>(p[kB] * p[kRest]);
}

}  // namespace

ModelSpec IzhikevichSomaSpec() {
  ModelSpec m;
  m.name = "IzhikevichSoma";
  m.description = "Izhikevich's simple model: quadratic potential v with recovery variable u";
  m.reference = "Izhikevich, IEEE Trans. Neural Networks 14(6):1569 (2003)";
  m.params = {
      Param("potential_rest", "mV", -65.0,
            "initial potential (u starts at recovery_sensitivity * it)"),
      Param("potential_reset", "mV", -65.0, "potential right after a spike (c)"),
      Param("resistance", "GOhm", 0.1, "input resistance: R * I (pA) is in mV",
            Bound::kNonNegative),
      Param("threshold", "mV", 30.0, "spike peak: a neuron spikes when v exceeds this"),
      Param("recovery_timescale", "1/ms", 0.02, "time scale of u (a)", Bound::kNonNegative),
      Param("recovery_sensitivity", "1", 0.2, "sensitivity of u to v (b)"),
      Param("recovery_update", "mV", 2.0, "jump of u at each spike (d)"),
      Param("potential_floor", "mV", -100.0,
            "engine extension (not upstream): v is clamped to at least this, keeping the "
            "integration stable under strong inhibition"),
  };
  m.rules = {"threshold > potential_reset", "dt * recovery_timescale < 2 (forward Euler stability)",
             "potential_floor < threshold",
             "potential_floor > -50 / dt - 62.5 mV (half-step stability)"};
  m.states = {{"potential", "mV", "potential_rest"},
              {"recovery", "mV", "recovery_sensitivity * potential_rest"}};
  m.num_float_states = 2;
  m.num_constants = kIzhFloor + 1;
  m.drive_current = 10.0 / DefaultOf(m, "resistance");  // the paper's I = 10 (mV of R I)
  m.accuracy = Accuracy::kChaotic;
  m.check = CheckIzhikevich;
  m.derive = DeriveIzhikevich;
  m.init = InitIzhikevich;
  m.kernel = RunIzhikevichStep;
  return m;
}

}  // namespace somas
