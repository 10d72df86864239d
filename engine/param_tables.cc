// Parameter values: their shapes, initializer draws, validation against the
// model's rules and the state bound, and the kernel constants derived from them.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "engine/format.h"
#include "engine/initializer.h"
#include "engine/parallel.h"
#include "engine/pool_impl.h"
#include "engine/store_checked.h"

namespace somas {
namespace {

// A float's bits (which tell -0 from 0, as a kernel constant must).
uint32_t FloatBits(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof(bits));
  return bits;
}

}  // namespace

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
                        const std::vector<ParamColumn>& columns, ParamTables* out,
                        float* const* initial_states) {
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
  // Rules that read a per-neuron parameter; the others give every neuron
  // neuron 0's answer.
  struct VaryingRule {
    std::string (*check)(const double* values, double dt);
    const int* reads;
    size_t num_reads;
  };
  std::vector<VaryingRule> varying_rules;
  for (size_t r = 0; r < rule_params.size(); ++r) {
    for (const int k : rule_params[r]) {
      if (columns[k].per_neuron) {
        varying_rules.push_back(
            {spec.rules[r].check, rule_params[r].data(), rule_params[r].size()});
        break;
      }
    }
  }

  // One neuron: its parameters as the kernel sees them (p), checked against
  // each parameter's bound, the rules and the state bound, and its kernel
  // constants (k). "" if valid, else the error's message.
  auto check_neuron = [&](size_t i, double* p, double* k) -> std::string {
    for (size_t q = 0; q < num_params; ++q) {
      const double raw = columns[q].at(i);
      const ParamSpec& ps = spec.params[q];
      auto where = [&] { return AtNeuron(columns[q].per_neuron, i); };  // (only on error)
      // (kStateBound is a float: a value within it is within it as a float)
      if (!(std::fabs(raw) <= kStateBound)) {
        return label + ": " + DescribeParam(spec, q, raw) + where() +
               ": must be a finite number within +-1e30 (the bound on every value)";
      }
      p[q] = static_cast<double>(static_cast<float>(raw));
      if (ps.bound == Bound::kPositive && !(p[q] > 0)) {
        return label + ": " + DescribeParam(spec, q, raw) + where() + ": must be > 0";
      }
      if (ps.bound == Bound::kNonNegative && !(p[q] >= 0)) {
        return label + ": " + DescribeParam(spec, q, raw) + where() + ": must be >= 0";
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
      return message + AtNeuron(per_neuron, i) + ": " + broken;
    }
    // Every initial state within the bound (Reset writes them).
    float initial[kMaxFloatStates];
    spec.init(p, initial);
    for (size_t st = 0, f = 0; st < spec.states.size(); ++st) {
      if (spec.states[st].counter) continue;
      const float v = initial[f++];
      if (!(std::fabs(v) <= kStateBound)) {
        return label + ": " + spec.states[st].name + " starts at " + spec.states[st].initial +
               " = " + FormatFloat(v) + AtNeuron(tables.any_per_neuron, i) +
               ", beyond the state bound +-1e30";
      }
    }
    spec.derive(p, dt, k);
    return std::string();
  };

  // Neuron 0 (the only one if nothing varies) gives the shared constants.
  double p[kMaxParams];
  double k0[kMaxConstants];
  {
    const std::string problem = check_neuron(0, p, k0);
    if (!problem.empty()) return Status::Error(problem);
  }
  const size_t padded = Padded(size);
  tables.params.resize(num_params);
  for (size_t q = 0; q < num_params; ++q) {
    StoredParam& sp = tables.params[q];
    sp.per_neuron = columns[q].per_neuron;
    if (!sp.per_neuron) sp.shared = static_cast<float>(columns[q].at(0));
  }
  tables.constants.resize(spec.num_constants);
  std::vector<bool> constant_varies(spec.num_constants, false);
  if (tables.any_per_neuron) {
    // Every neuron, in chunks on the worker threads: parameters stored as
    // floats, checked, and their constants written where they vary (a
    // constant that turns out the same for every neuron is stored shared
    // afterwards, its column never touched). The error reported is the
    // first in neuron order, whatever the threads.
    for (size_t q = 0; q < num_params; ++q) {
      if (columns[q].per_neuron) {
        tables.params[q].values =
            AlignedArray<float>(padded, kSlotParams + q, AlignedArray<float>::kNoInit);
      }
    }
    for (size_t c = 0; c < spec.num_constants; ++c) {
      tables.constants[c] =
          AlignedArray<float>(padded, kSlotConstants + c, AlignedArray<float>::kNoInit);
    }
    // A chunk's fast path, for chunks without an error (almost all): each
    // per-neuron parameter a column at a time (stored as floats, checked
    // against its bound), then per neuron only what varies (the rules that
    // read a per-neuron parameter, the initial states, the constants).
    // false at the first problem: the chunk's neurons are then checked one
    // by one (check_neuron) to find the first and word it.
    std::vector<int> per_neuron_params;
    for (size_t q = 0; q < num_params; ++q) {
      if (columns[q].per_neuron) per_neuron_params.push_back(static_cast<int>(q));
    }
    // written_from[c]: where this chunk's column of constant c starts to be
    // written (kUnwritten until a neuron's constant differs from neuron 0's
    // in its bits): a constant that no neuron varies is never written, so
    // its column is never touched (a model's unused constants cost no
    // pass over memory), and the chunk's unwritten start is filled in
    // afterwards if some other neuron varies it.
    constexpr size_t kUnwritten = SIZE_MAX;
    auto fast_chunk = [&](size_t begin, size_t end, size_t* written_from) -> bool {
      for (const int q : per_neuron_params) {
        const ParamColumn& column = columns[q];
        float* stored = tables.params[q].values.data();
        const Bound bound = spec.params[q].bound;
        const bool ok =
            column.doubles
                ? StoreChecked(column.doubles + begin, end - begin, bound, stored + begin)
                : StoreChecked(column.floats + begin, end - begin, bound, stored + begin);
        if (!ok) return false;
      }
      // (in rows of kRows neurons: each column pass below is a plain loop
      // over the row's neurons, the model's functions are called back to
      // back, and the parameters that do not vary are written once)
      constexpr size_t kRows = 32;
      double rows[kRows][kMaxParams];         // parameters, as the kernel sees them
      double derived[kRows][kMaxConstants];   // their constants, in double
      float initial[kRows][kMaxFloatStates];  // their initial states
      for (size_t b = 0; b < kRows; ++b) std::copy(p, p + num_params, rows[b]);  // (neuron 0's)
      float* constants[kMaxConstants];
      uint32_t k0_bits[kMaxConstants];
      for (size_t c = 0; c < spec.num_constants; ++c) {
        constants[c] = tables.constants[c].data();
        k0_bits[c] = FloatBits(static_cast<float>(k0[c]));
      }
      const size_t varying = per_neuron_params.size();
      const float* stored[kMaxParams];
      int index[kMaxParams];
      for (size_t j = 0; j < varying; ++j) {
        index[j] = per_neuron_params[j];
        stored[j] = tables.params[index[j]].values.data();
      }
      const size_t num_constants = spec.num_constants;
      const size_t num_states = spec.num_float_states;
      const auto init = spec.init;
      const auto derive = spec.derive;
      for (size_t first = begin; first < end; first += kRows) {
        const size_t n = std::min(kRows, end - first);
        for (size_t j = 0; j < varying; ++j) {
          const float* column = stored[j] + first;
          const int q = index[j];
          for (size_t b = 0; b < n; ++b) rows[b][q] = column[b];
        }
        for (const VaryingRule& rule : varying_rules) {
          for (size_t b = 0; b < n; ++b) {
            double values[kMaxParams];
            for (size_t j = 0; j < rule.num_reads; ++j) values[j] = rows[b][rule.reads[j]];
            if (!rule.check(values, dt).empty()) return false;
          }
        }
        for (size_t b = 0; b < n; ++b) init(rows[b], initial[b]);
        for (size_t f = 0; f < num_states; ++f) {
          bool beyond = false;
          for (size_t b = 0; b < n; ++b) beyond |= !(std::fabs(initial[b][f]) <= kStateBound);
          if (beyond) return false;
          if (initial_states) {
            for (size_t b = 0; b < n; ++b) initial_states[f][first + b] = initial[b][f];
          }
        }
        for (size_t b = 0; b < n; ++b) derive(rows[b], dt, derived[b]);
        for (size_t c = 0; c < num_constants; ++c) {
          if (written_from[c] == kUnwritten) {
            uint32_t differ = 0;
            for (size_t b = 0; b < n; ++b) {
              differ |= FloatBits(static_cast<float>(derived[b][c])) ^ k0_bits[c];
            }
            if (!differ) continue;
            written_from[c] = first;
          }
          float* out = constants[c] + first;
          for (size_t b = 0; b < n; ++b) out[b] = static_cast<float>(derived[b][c]);
        }
      }
      return true;
    };
    constexpr size_t kNeurons = 65536;
    constexpr size_t kSlice = 2048;
    const size_t chunks = (size + kNeurons - 1) / kNeurons;
    std::vector<std::string> problems(chunks);
    std::vector<size_t> failed_at(chunks, SIZE_MAX);
    std::vector<std::vector<size_t>> written_from(
        chunks, std::vector<size_t>(spec.num_constants, kUnwritten));
    std::vector<char> out_of_memory(chunks, 0), internal(chunks, 0);
    ParallelFor(chunks, EffectiveThreads(), [&](size_t chunk) {
      const size_t end = std::min(size, (chunk + 1) * kNeurons);
      bool fast = false;
      try {  // (tasks must not throw; a rule's answer allocates only on error)
        // (in slices that stay in L2 between the column pass and the
        // per-neuron pass, which reads the stored parameters back)
        fast = true;
        for (size_t b = chunk * kNeurons; fast && b < end; b += kSlice) {
          fast = fast_chunk(b, std::min(end, b + kSlice), written_from[chunk].data());
        }
      } catch (const std::bad_alloc&) {
      }
      if (fast) return;
      // The chunk has a problem: find its first neuron and word it (the
      // pool is not built, so nothing more is written).
      double pc[kMaxParams];
      double kc[kMaxConstants];
      for (size_t i = std::max<size_t>(chunk * kNeurons, 1); i < end; ++i) {
        std::string problem;
        try {  // (tasks must not throw; only an error's text allocates)
          problem = check_neuron(i, pc, kc);
        } catch (const std::bad_alloc&) {
          out_of_memory[chunk] = 1;
          failed_at[chunk] = i;
          return;
        }
        if (!problem.empty()) {
          problems[chunk] = std::move(problem);
          failed_at[chunk] = i;
          return;
        }
      }
      // (Both checks say the same; if they ever disagree, say so.)
      internal[chunk] = 1;
      failed_at[chunk] = chunk * kNeurons;
    });
    for (size_t chunk = 0; chunk < chunks; ++chunk) {
      if (out_of_memory[chunk]) throw std::bad_alloc();
      if (internal[chunk]) {
        return Status::Error(StatusCode::kInternal,
                             label + ": neurons from " + std::to_string(failed_at[chunk]) +
                                 " failed the per-chunk check but none fails the per-neuron one");
      }
      if (failed_at[chunk] != SIZE_MAX) return Status::Error(problems[chunk]);
    }
    // A constant some neuron varies: each chunk's unwritten start holds
    // neuron 0's value.
    for (size_t c = 0; c < spec.num_constants; ++c) {
      for (size_t chunk = 0; chunk < chunks; ++chunk) {
        constant_varies[c] = constant_varies[c] || written_from[chunk][c] != kUnwritten;
      }
    }
    ParallelFor(chunks, EffectiveThreads(), [&](size_t chunk) {
      const size_t begin = chunk * kNeurons;
      const size_t end = std::min(size, begin + kNeurons);
      for (size_t c = 0; c < spec.num_constants; ++c) {
        if (!constant_varies[c]) continue;
        const float shared = static_cast<float>(k0[c]);
        std::fill(tables.constants[c].data() + begin,
                  tables.constants[c].data() + std::min(end, written_from[chunk][c]), shared);
      }
    });
    // Padding lanes replicate the last neuron.
    for (size_t i = size; i < padded; ++i) {
      for (size_t q = 0; q < num_params; ++q) {
        if (columns[q].per_neuron) tables.params[q].values[i] = tables.params[q].values[size - 1];
      }
      for (size_t c = 0; c < spec.num_constants; ++c) {
        if (constant_varies[c]) tables.constants[c][i] = tables.constants[c][size - 1];
      }
      if (initial_states) {
        for (size_t f = 0; f < spec.num_float_states; ++f) {
          initial_states[f][i] = initial_states[f][size - 1];
        }
      }
    }
  }
  tables.refs.assign(kMaxConstants, ConstRef{nullptr, 0});
  for (size_t c = 0; c < spec.num_constants; ++c) {
    if (!constant_varies[c]) {
      tables.constants[c] = AlignedArray<float>(kBlock, kSlotConstants + c);
      for (size_t l = 0; l < kBlock; ++l) tables.constants[c][l] = static_cast<float>(k0[c]);
    }
    tables.refs[c] = {tables.constants[c].data(), constant_varies[c] ? ~size_t{0} : size_t{0}};
    const float shared = static_cast<float>(k0[c]);
    std::memcpy(&tables.shared_bits[c], &shared, sizeof(float));
  }
  tables.all_shared =
      std::none_of(constant_varies.begin(), constant_varies.end(), [](bool v) { return v; });
  *out = std::move(tables);
  return Status();
}

}  // namespace somas
