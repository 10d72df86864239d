// Stepping: a pool cut into chunks that the kernel steps independently on
// the worker threads (Step, StepPools), and the views of the last spikes.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <new>

#include "engine/format.h"
#include "engine/parallel.h"
#include "engine/pool_impl.h"

namespace somas {

namespace {

// Whether this thread is inside a step (stepping, or running a chunk of
// one): a hook that steps a pool would corrupt the step it runs in.
thread_local bool tl_in_step = false;

struct InStep {
  InStep() : was(tl_in_step) { tl_in_step = true; }
  ~InStep() { tl_in_step = was; }
  bool was;
};

Status NestedStep(const char* call) {
  return Status::Error(std::string(call) +
                       " was called from inside a step (a step hook must not step a pool)");
}

// A step's input currents: float32, or float16 bits.
struct Input {
  const float* f32 = nullptr;
  const uint16_t* f16 = nullptr;
  bool null() const { return !f32 && !f16; }
  float at(size_t i) const { return f16 ? FloatFromHalf(f16[i]) : f32[i]; }
};

// One pool's step, cut into chunks that the kernel steps independently; or
// several group members' (StepPools), stepped as one pool.
struct PreparedStep {
  PoolImpl* pool = nullptr;  // the last member's, with `members`
  Input current;
  const StepHooks* hooks = nullptr;  // null: no hooks
  size_t pool_index = 0;             // in StepPools' list (the first member's)
  size_t members = 1;                // entries stepped by this one
  size_t base = 0;                   // where `pool` starts among them
  KernelArgs args{};
  size_t chunk = 0;  // neurons per chunk
  size_t chunks = 0;
  ChunkReport* outcomes = nullptr;  // one per chunk: the pool's chunk_reports
};

// `out`'s chunk reports, cleared: `p`'s, kept from step to step so that a
// step allocates nothing.
void ClearReports(PoolImpl& p, PreparedStep* out) {
  p.chunk_reports.resize(out->chunks);
  for (ChunkReport& r : p.chunk_reports) {
    r.result = KernelResult();
    r.failed_hook = 0;
    r.message.clear();
  }
  out->outcomes = p.chunk_reports.data();
}

Status Prepare(PoolImpl& p, Input current, size_t n, size_t threads, const StepHooks* hooks,
               size_t pool_index, PreparedStep* out) {
  if (n != p.size || current.null()) {
    return Status::Error(p.Label() + " pool of " + std::to_string(p.size) + " neurons: step got " +
                         std::to_string(current.null() ? 0 : n) + " input currents");
  }
  out->args = KernelArgsOf(p, current.f32);
  if (p.spec->float16_kernel) {  // (otherwise StepTiles widens them)
    for (size_t k = 0; k < p.halves.size(); ++k) out->args.state_f16[k] = p.halves[k].data();
    out->args.current_f16 = current.f16;
  }
  out->pool = &p;
  out->current = current;
  out->hooks = hooks && (hooks->before || hooks->after) ? hooks : nullptr;
  out->pool_index = pool_index;
  out->members = 1;
  out->base = 0;
  const size_t forced = ChunkNeuronsForTest();
  out->chunk = out->hooks ? (forced ? forced : kHookChunk) : ChunkNeurons(p.padded, threads);
  out->chunks = (p.padded + out->chunk - 1) / out->chunk;
  ClearReports(p, out);
  return Status();
}

// Runs one hook; false (with the message) if it failed or threw.
bool RunHook(const std::function<Status(const StepChunk&)>& hook, const StepChunk& chunk,
             std::string* message) {
  if (!hook) return true;
  try {
    const Status status = hook(chunk);
    if (status.ok()) return true;
    *message = status.message();
  } catch (const std::exception& e) {
    *message = std::string("threw: ") + e.what();
  } catch (...) {
    *message = "threw an exception";
  }
  if (message->empty()) *message = "(no message)";
  return false;
}

// Neurons per tile of a float16 step: 16 KiB of float32 scratch on the
// stack for three states and the input, in L1 beside the streams.
constexpr size_t kHalfTile = 1024;

// Steps neurons [args.begin, args.end) of a float16 pool, or of any pool
// with float16 input, tile by tile: the tile's float16 states (and inputs)
// are widened into float32 scratch, the model's own float32 kernel steps
// the scratch, and the new states are rounded back to float16. Every
// neuron's result is the same whatever the tiling (docs/models.md,
// "float16 storage").
void StepTiles(const PreparedStep& s, const KernelArgs& args, KernelResult* result) {
  const PoolImpl& p = *s.pool;
  const bool half_states = p.dtype == Dtype::kFloat16;
  alignas(64) float scratch[kMaxFloatStates][kHalfTile];
  alignas(64) float input[kHalfTile];
  for (size_t t0 = args.begin; t0 < args.end; t0 += kHalfTile) {
    const size_t len = std::min(kHalfTile, args.end - t0);
    // The tile's neurons as a pool of `len` of its own.
    KernelArgs tile = args;
    tile.begin = 0;
    tile.end = len;
    tile.n_padded = len;
    tile.n_main = t0 < args.n_main ? std::min(len, args.n_main - t0) : 0;
    ConstRef constants[kMaxConstants];
    for (size_t c = 0; c < kMaxConstants; ++c) {
      constants[c] = args.constants[c];
      if (constants[c].data && constants[c].mask) constants[c].data += t0;
    }
    tile.constants = constants;
    tile.counter = args.counter ? args.counter + t0 : nullptr;
    tile.spikes = args.spikes + t0 / kBlock;
    if (s.current.f16) {
      // Main neurons from the caller's array; the last block's from the
      // pool's zero-padded (already widened) copy.
      HalvesToFloats(s.current.f16 + t0, HalfOffset(), input, tile.n_main);
      std::memcpy(input + tile.n_main, p.tail.data(), (len - tile.n_main) * sizeof(float));
      tile.current = input;
      tile.n_main = len;
    } else {
      tile.current = args.current + t0;
    }
    HalfOffset offsets[kMaxFloatStates];
    for (size_t k = 0; k < args.num_states; ++k) {
      if (!half_states) {
        tile.state[k] = args.state[k] + t0;
        continue;
      }
      offsets[k] = p.HalfOffsetOf(k, p.tables);
      if (offsets[k].values) offsets[k].values += t0;
      HalvesToFloats(p.halves[k].data() + t0, offsets[k], scratch[k], len);
      tile.state[k] = scratch[k];
    }
    KernelResult r;
    p.spec->kernel(tile, &r);
    if (half_states) {
      for (size_t k = 0; k < args.num_states; ++k) {
        FloatsToHalves(scratch[k], offsets[k], s.pool->halves[k].data() + t0, len);
      }
    }
    if (r.nonfinite_count) {
      if (!result->nonfinite_count) result->first_nonfinite = t0 + r.first_nonfinite;
      result->nonfinite_count += r.nonfinite_count;
    }
    result->target = r.target;
  }
}

void RunChunk(PreparedStep& s, size_t c, size_t thread) {
  const InStep in_step;  // (on a worker thread too)
  KernelArgs args = s.args;
  args.begin = c * s.chunk;
  args.end = std::min(args.begin + s.chunk, args.n_padded);
  PoolImpl& p = *s.pool;
  ChunkReport& outcome = s.outcomes[c];
  const StepChunk chunk{s.pool_index, c, args.begin, std::min(args.end, p.size), thread};
  if (s.hooks && !RunHook(s.hooks->before, chunk, &outcome.message)) {
    outcome.failed_hook = 1;  // not stepped: no spikes this step
    std::fill(p.spikes.data() + args.begin / kBlock, p.spikes.data() + args.end / kBlock, 0);
    return;
  }
  if (args.end == args.n_padded) {
    // The last block reads its currents from the pool's padded copy, taken
    // now: a `before` hook may just have written them.
    std::memset(p.tail.data(), 0, kBlock * sizeof(float));
    for (size_t i = args.n_main; i < s.base + p.size; ++i) {
      p.tail[i - args.n_main] = s.current.at(i);
    }
  }
  if ((p.dtype == Dtype::kFloat16 || s.current.f16) && !p.spec->float16_kernel) {
    StepTiles(s, args, &outcome.result);
  } else {
    s.pool->spec->kernel(args, &outcome.result);
  }
  if (args.end == args.n_padded && p.size < p.padded) {
    // The padding lanes (copies of the last neuron) may have fired: clear
    // their bits now, before `after` reads the chunk's spikes.
    p.spikes[p.size / kBlock] &= static_cast<uint16_t>((1u << (p.size % kBlock)) - 1);
  }
  if (s.hooks && !RunHook(s.hooks->after, chunk, &outcome.message)) outcome.failed_hook = 2;
}

// The errors Finish reports (kept out of its path, which is taken at every
// step of every pool).
[[gnu::noinline, gnu::cold]] Status HookFailed(const PreparedStep& s, size_t index, size_t failed) {
  const PoolImpl& p = *s.pool;
  const ChunkReport& o = s.outcomes[index];
  const size_t begin = index * s.chunk;
  const size_t end = std::min(begin + s.chunk, p.size);
  const bool before = o.failed_hook == 1;
  return Status::Error(
      StatusCode::kHookFailed,
      p.Label() + " pool (step entry " + std::to_string(s.pool_index) + "): the " +
          (before ? "before" : "after") + " hook failed on chunk " + std::to_string(index) +
          ", neurons [" + std::to_string(begin) + ", " + std::to_string(end) + "): " + o.message +
          (before ? "; those neurons were not stepped" : "; that chunk was stepped") + " (" +
          std::to_string(failed) + " of " + std::to_string(s.chunks) +
          " chunks failed; the others were stepped)");
}

[[gnu::noinline, gnu::cold]] Status NonFiniteInputs(const PoolImpl& p, Input current, size_t count,
                                                    size_t first) {
  return Status::Error(StatusCode::kNonFiniteInput,
                       p.Label() + " pool: " + std::to_string(count) +
                           " non-finite input current(s), first at neuron " +
                           std::to_string(first) + " (" + FormatNumber(current.at(first)) +
                           " pA); those neurons were left unchanged");
}

// The chunks' reports merged (in neuron order, so the same whatever the
// chunking).
struct Merged {
  const char* target = nullptr;         // the first chunk's that ran a kernel
  size_t count = 0, first = 0;          // non-finite inputs, and the first's index
  size_t failed = 0, first_failed = 0;  // chunks whose hook failed
};

Merged Merge(const PreparedStep& s) {
  Merged m;
  for (size_t c = 0; c < s.chunks; ++c) {
    const ChunkReport& o = s.outcomes[c];
    if (!m.target) m.target = o.result.target;
    if (o.result.nonfinite_count && !m.count) m.first = o.result.first_nonfinite;
    m.count += o.result.nonfinite_count;
    if (o.failed_hook && !m.failed++) m.first_failed = c;
  }
  if (!m.target) m.target = "unknown";
  return m;
}

Status Finish(PreparedStep& s, StepReport* report) {
  const Merged m = Merge(s);
  s.pool->last_target = m.target;
  if (m.count && report) *report = {m.count, m.first};
  if (m.failed) return HookFailed(s, m.first_failed, m.failed);
  if (m.count) return NonFiniteInputs(*s.pool, s.current, m.count, m.first);
  return Status();
}

Status StepOne(PoolImpl* impl, Input current, size_t n, const StepHooks* hooks,
               StepReport* report) {
  if (report) *report = StepReport();
  if (!impl) return EmptyPool("Step");
  if (tl_in_step) return NestedStep("Step");
  const InStep in_step;
  const size_t threads = EffectiveThreads();
  PreparedStep step;
  try {  // (the per-chunk reports are the only allocation)
    Status status = Prepare(*impl, current, n, threads, hooks, 0, &step);
    if (!status.ok()) return status;
  } catch (const std::bad_alloc&) {
    return OutOfMemory(impl->Label(), impl->size);
  }
  ParallelFor(
      step.chunks, threads, [&](size_t c, size_t thread) { RunChunk(step, c, thread); },
      step.hooks != nullptr);
  return Finish(step, report);
}

// Scratch of StepPools on this thread, kept from call to call.
struct StepScratch {
  std::vector<size_t> runs;            // the first entry of each run (Continues), then the count
  std::vector<PreparedStep> prepared;  // one per run
  std::vector<size_t> first_task;      // prefix sums of the runs' chunk counts
  std::vector<size_t> entry_of;        // the run each task (chunk) belongs to
};

// Whether StepPools steps entry `b` with entry `a` in one kernel call, as
// one pool: `b`'s pool is the next member of `a`'s group (its arrays start
// where `a`'s end), `a`'s has no padding, the group stores float32, both
// pools have equal shared constants, `b`'s currents continue `a`'s, and no
// hook runs. Every lane then gets exactly what its own pool's step would
// give it (a kernel's result for a neuron does not depend on the range it
// is stepped in).
bool Continues(const PoolStep& a, const PoolStep& b, const StepHooks* hooks) {
  if (hooks && (hooks->before || hooks->after)) return false;
  const PoolImpl& p = *PoolAccess::Get(*a.pool);
  const PoolImpl& q = *PoolAccess::Get(*b.pool);
  if (!q.group || q.group != p.group || q.group_offset != p.group_offset + p.padded ||
      p.size % kBlock != 0 || p.dtype != Dtype::kFloat32 || b.current != a.current + a.n) {
    return false;
  }
  // (bits: 0 and -0 differ; per-neuron constants are each pool's own arrays)
  return p.tables.all_shared && q.tables.all_shared &&
         std::memcmp(p.tables.shared_bits, q.tables.shared_bits,
                     p.spec->num_constants * sizeof(uint32_t)) == 0;
}

// Entries [first, end) of `steps` (a run: each continues the one before) as
// one step of one pool: the first member's arrays for all of them, the last
// member's input tail, padding and chunk reports.
void PrepareRun(PoolStep* steps, size_t first, size_t end, size_t threads, PreparedStep* out) {
  PoolImpl& last = *PoolAccess::Get(*steps[end - 1].pool);
  size_t base = 0;  // (every member but the last: a multiple of kBlock, unpadded)
  for (size_t i = first; i + 1 < end; ++i) base += steps[i].n;
  const KernelArgs head = KernelArgsOf(*PoolAccess::Get(*steps[first].pool), steps[first].current);
  KernelArgs& args = out->args;
  args = head;
  args.n_main = base + last.size / kBlock * kBlock;
  args.n_padded = base + last.padded;
  args.end = args.n_padded;
  args.current_tail = last.tail.data();
  out->pool = &last;
  out->current = Input{steps[first].current, nullptr};
  out->hooks = nullptr;
  out->pool_index = first;
  out->members = end - first;
  out->base = base;
  out->chunk = ChunkNeurons(args.n_padded, threads);
  out->chunks = (args.n_padded + out->chunk - 1) / out->chunk;
  ClearReports(last, out);
}

// The members of a run after their step: each pool's target and, if the
// step saw non-finite currents, which member's (found in its own currents)
// as its report and error. `note` takes each member's error in list order.
template <typename Note>
void FinishRun(const PreparedStep& s, PoolStep* steps, Note note) {
  const Merged m = Merge(s);  // (no hooks: nothing failed)
  for (size_t i = s.pool_index; i < s.pool_index + s.members; ++i) {
    PoolImpl& p = *PoolAccess::Get(*steps[i].pool);
    p.last_target = m.target;
    if (!m.count) continue;
    size_t own = 0, first = 0;
    for (size_t j = 0; j < steps[i].n; ++j) {
      if (!std::isfinite(steps[i].current[j]) && !own++) first = j;
    }
    if (!own) continue;
    steps[i].report = {own, first};
    note(NonFiniteInputs(p, Input{steps[i].current, nullptr}, own, first));
  }
}

// Stamps that mark the pools of one StepPools call (PoolImpl::listed_in):
// a pool already stamped by this call is listed twice.
std::atomic<uint64_t> list_stamps{0};

Status StepMany(PoolStep* steps, size_t count, const StepHooks* hooks) try {
  if (!steps && count) return Status::Error("StepPools: the list of pools is null");
  if (tl_in_step) return NestedStep("StepPools");
  // One pass over the list: every entry checked, and the first entry that
  // lists a pool again found by the stamp its earlier listing left (no
  // sorting, nothing allocated), reported after the entries' own errors.
  const uint64_t stamp = list_stamps.fetch_add(1, std::memory_order_relaxed) + 1;
  size_t later = 0, earlier = 0;
  bool repeated = false;
  for (size_t i = 0; i < count; ++i) {
    steps[i].report = StepReport();
    const Pool* pool = steps[i].pool;
    auto which = [i] { return "StepPools: entry " + std::to_string(i); };
    if (!pool) return Status::Error(which() + " has no pool");
    PoolImpl* impl = PoolAccess::Get(*steps[i].pool);
    if (!impl) return EmptyPool("StepPools");
    if (steps[i].n != impl->size || !steps[i].current) {
      return Status::Error(which() + ": " + pool->model().name + " pool of " +
                           std::to_string(impl->size) + " neurons got " +
                           std::to_string(steps[i].current ? steps[i].n : 0) + " input currents");
    }
    if (impl->listed_in != stamp) {
      impl->listed_in = stamp;
      impl->listed_at = i;
    } else if (!repeated) {
      repeated = true;
      later = i;
      earlier = impl->listed_at;
    }
  }
  if (repeated) {
    return Status::Error("StepPools: entry " + std::to_string(later) +
                         " steps the same pool as entry " + std::to_string(earlier));
  }
  const size_t threads = EffectiveThreads();
  thread_local StepScratch scratch;
  std::vector<size_t>& runs = scratch.runs;
  std::vector<PreparedStep>& prepared = scratch.prepared;
  std::vector<size_t>& first_task = scratch.first_task;
  std::vector<size_t>& entry_of = scratch.entry_of;
  runs.clear();
  for (size_t i = 0; i < count; ++i) {
    if (i == 0 || !Continues(steps[i - 1], steps[i], hooks)) runs.push_back(i);
  }
  const size_t num_runs = runs.size();
  runs.push_back(count);
  prepared.resize(num_runs);
  first_task.resize(num_runs + 1);
  first_task[0] = 0;
  entry_of.clear();
  const InStep in_step;
  for (size_t r = 0; r < num_runs; ++r) {
    const size_t i = runs[r];
    if (runs[r + 1] - i > 1) {
      PrepareRun(steps, i, runs[r + 1], threads, &prepared[r]);
    } else {
      PoolImpl* impl = PoolAccess::Get(*steps[i].pool);
      Status status = Prepare(*impl, Input{steps[i].current, nullptr}, steps[i].n, threads, hooks,
                              i, &prepared[r]);
      if (!status.ok()) return status;  // checked above; cannot happen
    }
    first_task[r + 1] = first_task[r] + prepared[r].chunks;
  }
  entry_of.resize(first_task[num_runs]);
  for (size_t r = 0; r < num_runs; ++r) {
    for (size_t task = first_task[r]; task < first_task[r + 1]; ++task) entry_of[task] = r;
  }
  ParallelFor(
      first_task[num_runs], threads,
      [&](size_t task, size_t thread) {
        const size_t r = entry_of[task];
        RunChunk(prepared[r], task - first_task[r], thread);
      },
      true);
  // The first error in list order; a hook's failure before a non-finite input's.
  Status first_error, first_hook_error;
  auto note = [&](Status status) {
    if (status.ok()) return;
    if (status.code() == StatusCode::kHookFailed && first_hook_error.ok())
      first_hook_error = status;
    if (first_error.ok()) first_error = std::move(status);
  };
  for (PreparedStep& s : prepared) {
    if (s.members > 1) {
      FinishRun(s, steps, note);
    } else {
      note(Finish(s, &steps[s.pool_index].report));
    }
  }
  return first_hook_error.ok() ? first_error : first_hook_error;
} catch (const std::bad_alloc&) {
  // Before any pool was stepped: the allocations precede the parallel region.
  return Status::Error(StatusCode::kOutOfMemory,
                       "StepPools: out of memory preparing " + std::to_string(count) + " pools");
}

}  // namespace

KernelArgs KernelArgsOf(PoolImpl& p, const float* current) {
  KernelArgs args{};
  args.n_main = p.size / kBlock * kBlock;
  args.n_padded = p.padded;
  args.begin = 0;
  args.end = p.padded;
  args.current = current;
  args.current_tail = p.tail.data();
  // (float16 pools: StepTiles points the kernel at float32 scratch instead)
  for (size_t k = 0; k < p.states.size(); ++k) args.state[k] = p.states[k].data();
  args.num_states = p.spec->num_float_states;
  args.counter = p.counter.size() ? p.counter.data() : nullptr;
  args.constants = p.tables.refs.data();
  args.spikes = p.spikes.data();
  return args;
}

Status Pool::Step(const float* current, size_t n, StepReport* report) {
  return StepOne(impl_.get(), Input{current, nullptr}, n, nullptr, report);
}

Status Pool::Step(const float* current, size_t n, const StepHooks& hooks, StepReport* report) {
  return StepOne(impl_.get(), Input{current, nullptr}, n, &hooks, report);
}

Status Pool::Step(const Float16* current, size_t n, StepReport* report) {
  static_assert(sizeof(Float16) == 2, "Float16 is the bits alone");
  return StepOne(impl_.get(), Input{nullptr, reinterpret_cast<const uint16_t*>(current)}, n,
                 nullptr, report);
}

Status Pool::Step(const Float16* current, size_t n, const StepHooks& hooks, StepReport* report) {
  return StepOne(impl_.get(), Input{nullptr, reinterpret_cast<const uint16_t*>(current)}, n, &hooks,
                 report);
}

namespace {

// Pool::Run and RunRelative: `steps` steps, each one's spike bits and (if
// `potentials` is set) its potentials written by read(t).
template <typename Read>
Status RunSteps(PoolImpl* impl, const char* what, const float* currents, size_t steps, size_t n,
                uint8_t* spike_bits, size_t* done, Read read) {
  if (done) *done = 0;
  if (!impl) return EmptyPool(what);
  PoolImpl& p = *impl;
  if (n != p.size || (steps && (!currents || !spike_bits))) {
    return Status::Error(p.Label() + ": " + what + " needs " + std::to_string(p.size) +
                         " currents per step (got " + std::to_string(n) + ")" +
                         (steps && !currents ? ", and a currents array" : "") +
                         (steps && !spike_bits ? ", and a spike_bits array" : ""));
  }
  const size_t bytes = (p.size + 7) / 8;
  for (size_t t = 0; t < steps; ++t) {
    const Status status = StepOne(&p, Input{currents + t * n, nullptr}, n, nullptr, nullptr);
    // (16-bit spike words: on a little-endian machine, bytes in spike_bits() order)
    std::memcpy(spike_bits + t * bytes, p.spikes.data(), bytes);
    read(t);
    if (done) *done = t + 1;
    if (!status.ok()) {
      return Status::Error(status.code(),
                           status.message() + " (in step " + std::to_string(t) + " of the run)");
    }
  }
  return Status();
}

template <typename T>
Status RunRelativeSteps(PoolImpl* impl, const float* currents, size_t steps, size_t n,
                        uint8_t* spike_bits, T* relative, size_t* done) {
  int rest = 0;
  if (impl && relative) {
    if (done) *done = 0;
    // (checked before the first step; a null `relative` skips the potentials)
    const Status status = RelativePotentialsOf(*impl, &rest, relative, impl->size);
    if (!status.ok()) return status;
  }
  return RunSteps(impl, "RunRelative", currents, steps, n, spike_bits, done, [&](size_t t) {
    if (relative) ReadRelativePotentials(*impl, rest, 0, relative + t * n, n);
  });
}

}  // namespace

Status Pool::Run(const float* currents, size_t steps, size_t n, uint8_t* spike_bits,
                 float* potentials, size_t* done) {
  return RunSteps(impl_.get(), "Run", currents, steps, n, spike_bits, done, [&](size_t t) {
    if (potentials) ReadState(*impl_, kPotentialState, 0, potentials + t * n, n);
  });
}

Status Pool::RunRelative(const float* currents, size_t steps, size_t n, uint8_t* spike_bits,
                         float* relative_mV, size_t* done) {
  return RunRelativeSteps(impl_.get(), currents, steps, n, spike_bits, relative_mV, done);
}

Status Pool::RunRelative(const float* currents, size_t steps, size_t n, uint8_t* spike_bits,
                         Float16* relative_mV, size_t* done) {
  return RunRelativeSteps(impl_.get(), currents, steps, n, spike_bits,
                          reinterpret_cast<uint16_t*>(relative_mV), done);
}

Status StepPools(PoolStep* steps, size_t count) { return StepMany(steps, count, nullptr); }

Status StepPools(PoolStep* steps, size_t count, const StepHooks& hooks) {
  return StepMany(steps, count, &hooks);
}

const uint8_t* Pool::spike_bits() const {
  // The kernels store 16-bit words; on a little-endian machine their bytes
  // are in exactly this order.
  return impl_ ? reinterpret_cast<const uint8_t*>(impl_->spikes.data()) : nullptr;
}

size_t Pool::SpikeCount() const {
  if (!impl_) return 0;
  size_t count = 0;
  const AlignedArray<uint16_t>& words = impl_->spikes;
  for (size_t w = 0; w < words.size(); ++w) count += __builtin_popcount(words[w]);
  return count;
}

Status Pool::SpikeIndices(uint32_t* out, size_t capacity, size_t* count) const {
  if (!impl_) return EmptyPool("SpikeIndices");
  const size_t spikes = SpikeCount();
  if (count) *count = spikes;
  if (spikes > capacity || (spikes && !out)) {
    return Status::Error(impl_->Label() + ": " + std::to_string(spikes) +
                         " spikes do not fit a buffer of " + std::to_string(out ? capacity : 0));
  }
  const AlignedArray<uint16_t>& words = impl_->spikes;
  size_t next = 0;
  for (size_t w = 0; w < words.size(); ++w) {
    for (uint32_t bits = words[w]; bits; bits &= bits - 1) {
      out[next++] = static_cast<uint32_t>(w * kBlock + __builtin_ctz(bits));
    }
  }
  return Status();
}

std::vector<uint32_t> Pool::SpikeIndices() const {
  std::vector<uint32_t> out(SpikeCount());
  size_t count = 0;
  if (!SpikeIndices(out.data(), out.size(), &count).ok()) out.clear();
  return out;
}

Status Pool::SpikesDense(uint8_t* out, size_t n) const {
  if (!impl_) return EmptyPool("SpikesDense");
  if (n != impl_->size || !out) {
    return Status::Error(impl_->Label() + ": SpikesDense needs a buffer of " +
                         std::to_string(impl_->size) + " bytes, got " +
                         std::to_string(out ? n : 0));
  }
  BitsToBytes(spike_bits(), out, n);
  return Status();
}

std::vector<uint8_t> Pool::SpikesDense() const {
  std::vector<uint8_t> out(size());
  if (!SpikesDense(out.data(), out.size()).ok()) out.clear();
  return out;
}

}  // namespace somas
