// Parameter values: their shapes, initializer draws, validation against the
// model's rules and the state bound, and the kernel constants derived from them.
#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/format.h"
#include "engine/initializer.h"
#include "engine/pool_impl.h"

namespace somas {

// One parameter's value for a pool of `size`: one shared value, `size`
// values, or a valid initializer alone.
Status CheckShape(const std::string& label, const std::string& name, const ParamValue& value,
                  size_t size) {
  if (value.initializer && !value.values.empty()) {
    return Status::Error(label + ": " + name + " has both " + std::to_string(value.values.size()) +
                         " value(s) and an initializer; give one or the other");
  }
  if (value.initializer) {
    const std::string problem = value.initializer->Problem();
    if (!problem.empty()) {
      return Status::Error(label + ": " + name + ": " + KindName(value.initializer->kind) +
                           " initializer: " + problem);
    }
  } else if (value.values.size() != (value.per_neuron ? size : 1)) {
    if (!value.per_neuron) {
      return Status::Error(label + ": " + name + " needs exactly one shared value");
    }
    return Status::Error(label + ": " + name + " has " + std::to_string(value.values.size()) +
                         " values, but the pool has " + std::to_string(size) + " neurons");
  }
  return Status();
}

ParamColumn ColumnOf(const ParamValue& value, size_t size, uint64_t stream,
                     std::vector<double>* drawn) {
  if (value.initializer) {
    drawn->resize(size);
    for (size_t i = 0; i < size; ++i) (*drawn)[i] = value.initializer->Draw(stream, i);
    return {true, 0, drawn->data(), nullptr};
  }
  if (value.per_neuron) return {true, 0, value.values.data(), nullptr};
  return {false, value.values[0], nullptr, nullptr};
}

Status BuildParamTables(const ModelSpec& spec, const std::string& label, size_t size, double dt,
                        const std::vector<ParamColumn>& columns, ParamTables* out) {
  const size_t num_params = spec.params.size();
  ParamTables tables;
  for (const ParamColumn& c : columns) tables.any_per_neuron |= c.per_neuron;

  // Each rule's parameters by index (Registry::Add checked that they exist).
  std::vector<std::vector<int>> rule_params;
  for (const Rule& rule : spec.rules) {
    rule_params.emplace_back();
    for (const std::string& name : rule.params) {
      const int k = spec.ParamIndex(name);
      if (k < 0 || !rule.check || rule.params.size() > kMaxParams) {
        return Status::Error(StatusCode::kInternal, label + ": the rule \"" + rule.text +
                                                        "\" reads an unknown parameter " + name);
      }
      rule_params.back().push_back(k);
    }
  }

  // Validate every neuron (one if nothing varies); find which constants vary.
  const size_t checked = tables.any_per_neuron ? size : 1;
  double p[kMaxParams];
  double k0[kMaxConstants];
  double k1[kMaxConstants];
  std::vector<bool> constant_varies(spec.num_constants, false);
  for (size_t i = 0; i < checked; ++i) {
    for (size_t k = 0; k < num_params; ++k) {
      const double raw = columns[k].at(i);
      const ParamSpec& ps = spec.params[k];
      const std::string where = AtNeuron(columns[k].per_neuron, i);
      if (!(std::fabs(raw) <= kStateBound) ||
          !(std::fabs(static_cast<float>(raw)) <= kStateBound)) {
        return Status::Error(label + ": " + DescribeParam(spec, k, raw) + where +
                             ": must be a finite number within +-1e30 (the bound on every value)");
      }
      p[k] = static_cast<double>(static_cast<float>(raw));
      if (ps.bound == Bound::kPositive && !(p[k] > 0)) {
        return Status::Error(label + ": " + DescribeParam(spec, k, raw) + where + ": must be > 0");
      }
      if (ps.bound == Bound::kNonNegative && !(p[k] >= 0)) {
        return Status::Error(label + ": " + DescribeParam(spec, k, raw) + where + ": must be >= 0");
      }
    }
    for (size_t r = 0; r < spec.rules.size(); ++r) {
      const std::vector<int>& reads = rule_params[r];
      double values[kMaxParams];
      for (size_t j = 0; j < reads.size(); ++j) values[j] = p[reads[j]];
      const std::string broken = spec.rules[r].check(values, dt);
      if (broken.empty()) continue;
      std::string message = label + ": ";
      bool per_neuron = false;
      for (size_t j = 0; j < reads.size(); ++j) {
        if (j) message += ", ";
        message += DescribeParam(spec, reads[j], columns[reads[j]].at(i));
        per_neuron |= columns[reads[j]].per_neuron;
      }
      return Status::Error(message + AtNeuron(per_neuron, i) + ": " + broken);
    }
    // Every initial state within the bound (Reset writes them).
    float initial[kMaxFloatStates];
    spec.init(p, initial);
    for (size_t s = 0, f = 0; s < spec.states.size(); ++s) {
      if (spec.states[s].counter) continue;
      const float v = initial[f++];
      if (!(std::fabs(v) <= kStateBound)) {
        return Status::Error(label + ": " + spec.states[s].name + " starts at " +
                             spec.states[s].initial + " = " + FormatFloat(v) +
                             AtNeuron(tables.any_per_neuron, i) +
                             ", beyond the state bound +-1e30");
      }
    }
    spec.derive(p, dt, i == 0 ? k0 : k1);
    for (size_t c = 0; i > 0 && c < spec.num_constants; ++c) {
      constant_varies[c] =
          constant_varies[c] || static_cast<float>(k1[c]) != static_cast<float>(k0[c]);
    }
  }

  // Store. Padding lanes replicate the last neuron.
  const size_t padded = Padded(size);
  tables.params.resize(num_params);
  for (size_t k = 0; k < num_params; ++k) {
    StoredParam& sp = tables.params[k];
    sp.per_neuron = columns[k].per_neuron;
    if (!sp.per_neuron) {
      sp.shared = static_cast<float>(columns[k].at(0));
      continue;
    }
    sp.values = AlignedArray<float>(padded, kSlotParams + k);
    for (size_t i = 0; i < padded; ++i) {
      sp.values[i] = static_cast<float>(columns[k].at(std::min(i, size - 1)));
    }
  }
  tables.constants.resize(spec.num_constants);
  tables.refs.assign(kMaxConstants, ConstRef{nullptr, 0});
  for (size_t c = 0; c < spec.num_constants; ++c) {
    tables.constants[c] =
        AlignedArray<float>(constant_varies[c] ? padded : kBlock, kSlotConstants + c);
    for (size_t l = 0; l < kBlock; ++l) tables.constants[c][l] = static_cast<float>(k0[c]);
  }
  if (tables.any_per_neuron) {
    for (size_t i = 0; i < padded; ++i) {
      const size_t neuron = std::min(i, size - 1);
      for (size_t k = 0; k < num_params; ++k) p[k] = tables.params[k].at(neuron);
      spec.derive(p, dt, k1);
      for (size_t c = 0; c < spec.num_constants; ++c) {
        if (constant_varies[c]) tables.constants[c][i] = static_cast<float>(k1[c]);
      }
    }
  }
  for (size_t c = 0; c < spec.num_constants; ++c) {
    tables.refs[c] = {tables.constants[c].data(), constant_varies[c] ? ~size_t{0} : size_t{0}};
  }
  *out = std::move(tables);
  return Status();
}

}  // namespace somas
