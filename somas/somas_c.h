/* somas: the C ABI. Usable from C99 and through any foreign-function
 * interface. No call throws or aborts; every pointer argument may be NULL
 * (that is an error, SOMAS_ERR_ARGUMENT). Calls that can fail return an int:
 * SOMAS_OK (0) or one of the SOMAS_ERR_* codes below, and somas_last_error()
 * then says what was wrong. Buffers belong to the caller, who passes their
 * length. docs/embedding.md describes ownership, threads and checkpoints. */
#ifndef SOMAS_SOMAS_C_H_
#define SOMAS_SOMAS_C_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Return codes (the same numbers as somas::StatusCode). */
#define SOMAS_OK 0
#define SOMAS_ERR_INVALID 1 /* a value, size, name or configuration was wrong */
#define SOMAS_ERR_NONFINITE \
  2                    /* a step got NaN/inf currents: those neurons unchanged, others advanced */
#define SOMAS_ERR_IO 3 /* a file could not be read or written */
#define SOMAS_ERR_CHECKPOINT 4 /* a checkpoint is corrupt, truncated or of another pool */
#define SOMAS_ERR_MEMORY 5     /* out of memory */
#define SOMAS_ERR_EMPTY 6      /* (C++ only: an empty Pool) */
#define SOMAS_ERR_INTERNAL 7   /* a bug in somas: please report it */
#define SOMAS_ERR_ARGUMENT 8   /* a NULL pointer where an object or buffer was needed */
#define SOMAS_ERR_HOOK 9       /* a step hook returned nonzero (see somas_step_hooks) */

typedef struct somas_pool somas_pool;

/* "MAJOR.MINOR.PATCH". */
const char* somas_version(void);
/* The message of the last failed call on this thread ("" if none yet). Valid
 * until the next failing call on this thread. */
const char* somas_last_error(void);
/* Every model's schema as JSON, as `somas models --json` prints it. Static. */
const char* somas_models_json(void);
/* The SIMD target the next step will use ("AVX3", "AVX2", ...). Static. */
const char* somas_simd_target(void);
/* The SIMD targets this binary has that this CPU can run, best first, comma
 * separated ("AVX3,AVX2,SSE4,SSSE3,SCALAR"). Static. */
const char* somas_available_targets(void);
/* Makes every later step, process-wide, run on one of those targets (any
 * letter case), or on the best one again for "auto" (the default). Call it
 * between steps. An unknown or unusable name is SOMAS_ERR_INVALID, with a
 * message listing the usable ones; nothing changes. */
int somas_set_simd_target(const char* name);

/* Threads used by every step, process-wide: 0 (the default) = one per CPU of
 * the process's affinity mask (counted once, and again at each call with 0),
 * 1 = the calling thread alone, at most 1024 (more is SOMAS_ERR_INVALID and
 * changes nothing). If the system refuses a worker thread, steps run on
 * fewer. Results are bit-identical for any count. After fork() the child
 * starts its own workers (docs/embedding.md, "Threads"). */
int somas_set_threads(size_t threads);
size_t somas_threads(void);

/* Creates a pool from JSON: {"model": NAME, "size": N, "dt": MS, "seed": S,
 * "dtype": "float32" | "float16", "name": POOL, "params": {NAME: number |
 * [one per neuron] | initializer}} (the replay pool form of
 * docs/configuration.md, seeded initializers included; "name" keys the
 * initializers' random streams, so two pools with one seed and different
 * names draw different values). On success
 * *out is a new pool to free with somas_pool_destroy; on error *out is NULL. */
int somas_pool_create(const char* pool_json, somas_pool** out);
/* Creates `count` pools of one model and dtype as a group, each from its
 * own JSON as somas_pool_create takes it: their states, counters and spike
 * bits lie back to back in shared arrays. Each out[i] is an ordinary pool
 * (stepped, read, saved or destroyed alone, in any order). What a group
 * adds is speed: somas_step_pools steps consecutive members with one
 * kernel call when each but the last has a multiple of 16 neurons, their
 * parameters and dt are equal, and currents[i + 1] == currents[i] + n[i]
 * (slices of one array); docs/embedding.md, "Pool groups". On error no pool
 * is created and out[0 .. count) are NULL; the message names the entry. */
int somas_pool_create_group(const char* const* pool_jsons, size_t count, somas_pool** out);
/* Creates a pool from a checkpoint file written by somas_pool_save. */
int somas_pool_create_from_checkpoint(const char* path, somas_pool** out);
/* An independent copy of `pool` (parameters, states, counters, last spikes). */
int somas_pool_clone(const somas_pool* pool, somas_pool** out);
/* Frees a pool; NULL is ignored. */
void somas_pool_destroy(somas_pool* pool);

/* Neurons in the pool (0 for NULL). */
size_t somas_pool_size(const somas_pool* pool);
/* The model's name and dt (ms); NULL and 0 for NULL. */
const char* somas_pool_model(const somas_pool* pool);
double somas_pool_dt(const somas_pool* pool);
#define SOMAS_FLOAT32 0
#define SOMAS_FLOAT16 1
/* How the pool stores its states: SOMAS_FLOAT32 or SOMAS_FLOAT16 (the
 * "dtype" of its JSON; docs/models.md, "float16 storage"); SOMAS_FLOAT32 for
 * NULL. */
int somas_pool_dtype(const somas_pool* pool);

/* One step: `current_pA` holds n == size values. Non-finite currents leave
 * their neurons unchanged and return SOMAS_ERR_NONFINITE (the others advanced). */
int somas_pool_step(somas_pool* pool, const float* current_pA, size_t n);
/* The same step with float16 currents: current_f16[i] holds the bits of an
 * IEEE binary16 value in pA, widened exactly to float32 (for a pool of
 * either dtype; half the input bytes of somas_pool_step). */
int somas_pool_step_f16(somas_pool* pool, const uint16_t* current_f16, size_t n);
/* Steps `count` distinct pools by one step each in one parallel region;
 * pools[i] gets currents[i] (n[i] == its size values). Same results as
 * stepping them one by one. Nothing is stepped if an argument is wrong;
 * with non-finite currents, every pool is stepped and the first such pool's
 * error is returned. */
int somas_step_pools(somas_pool* const* pools, const float* const* currents, const size_t* n,
                     size_t count);
/* Step hooks: the embedder's code on the thread that steps each chunk (the
 * rules in full: somas/somas.h, StepHooks, and docs/embedding.md). A hooked
 * step cuts each pool into chunks of SOMAS_HOOK_CHUNK neurons (the last one
 * shorter), whatever the thread count, and for each chunk runs, on one
 * thread: before(user, chunk); the kernel on [begin, end); after(user,
 * chunk). `before` may write current_pA[begin, end); `after` may read the
 * chunk's spike bits and states (somas_pool_get_state_range). Hooks run
 * concurrently on up to somas_threads() threads (thread = 0 .. threads-1, 0
 * being the caller) and must not change or step any pool. A hook returns 0,
 * or nonzero for an error: a chunk whose `before` fails is not stepped (its
 * neurons keep their state and have no spikes), every other chunk is, and
 * the step returns SOMAS_ERR_HOOK naming the first failed chunk. Either hook
 * may be NULL; `hooks` itself may not. */
#define SOMAS_HOOK_CHUNK 8192
typedef struct somas_chunk {
  size_t pool;  /* the pool's index in somas_step_pools_hooked's list (0 for one pool) */
  size_t index; /* the chunk's number within its pool */
  size_t begin; /* neurons [begin, end); begin = index * SOMAS_HOOK_CHUNK */
  size_t end;
  size_t thread; /* 0 .. somas_threads() - 1 */
} somas_chunk;
typedef int (*somas_chunk_hook)(void* user, const somas_chunk* chunk);
typedef struct somas_step_hooks {
  somas_chunk_hook before; /* NULL: none */
  somas_chunk_hook after;  /* NULL: none */
  void* user;              /* passed to both */
} somas_step_hooks;
int somas_pool_step_hooked(somas_pool* pool, const float* current_pA, size_t n,
                           const somas_step_hooks* hooks);
int somas_step_pools_hooked(somas_pool* const* pools, const float* const* currents, const size_t* n,
                            size_t count, const somas_step_hooks* hooks);

/* `steps` steps in one call: step t takes currents_pA[t * n ..] (n == size);
 * its spike bits (as somas_pool_spike_bits, (size + 7) / 8 bytes) go to
 * spike_bits_out[t * (size + 7) / 8 ..] and, if potentials_mV is not NULL,
 * its potentials (absolute mV) to potentials_mV[t * n ..]. Stops after the
 * first step that reports an error (non-finite currents: that step still
 * advanced the other neurons; its outputs are written); the message names
 * the step. *done (may be NULL) is the number of steps taken. */
int somas_pool_run(somas_pool* pool, const float* currents_pA, size_t steps, size_t n,
                   uint8_t* spike_bits_out, float* potentials_mV, size_t* done);
/* somas_pool_run writing potentials relative to potential_rest (mV; see
 * somas_pool_relative_potentials) to relative_mV[t * n ..] instead of
 * absolute ones, as float or as float16 bits; NULL skips them. */
int somas_pool_run_relative(somas_pool* pool, const float* currents_pA, size_t steps, size_t n,
                            uint8_t* spike_bits_out, float* relative_mV, size_t* done);
int somas_pool_run_relative_f16(somas_pool* pool, const float* currents_pA, size_t steps, size_t n,
                                uint8_t* spike_bits_out, uint16_t* relative_f16, size_t* done);
/* Back to the initial state; spikes cleared. */
int somas_pool_reset(somas_pool* pool);

/* Spikes of the last step. */
int somas_pool_spike_count(const somas_pool* pool, size_t* count);
/* Ascending indices into out[capacity]; *count is set to the number of
 * spikes even if they do not fit (then SOMAS_ERR_INVALID, nothing written). */
int somas_pool_spike_indices(const somas_pool* pool, uint32_t* out, size_t capacity, size_t* count);
/* Bit i % 8 of byte i / 8 is neuron i; (size + 7) / 8 bytes; valid until the
 * pool next changes. NULL for NULL. */
const uint8_t* somas_pool_spike_bits(const somas_pool* pool);
/* One byte per neuron, 1 if it spiked, else 0 (n == size): the spike bits
 * expanded, a ready-made bool mask (numpy's bool_ is such a byte). */
int somas_pool_spikes_dense(const somas_pool* pool, uint8_t* out, size_t n);

/* Potentials in absolute mV; n must be the pool's size. */
int somas_pool_potentials(const somas_pool* pool, float* out_mV, size_t n);
int somas_pool_set_potentials(somas_pool* pool, const float* mV, size_t n);
/* potential - potential_rest (mV), as Spark reports it: for the leaky and
 * exponential families the stored value exactly; n == size. The _f16 form
 * writes float16 bits (round to nearest even; a float16 pool's stored value
 * exactly for those models). */
int somas_pool_relative_potentials(const somas_pool* pool, float* out_mV, size_t n);
int somas_pool_relative_potentials_f16(const somas_pool* pool, uint16_t* out_f16, size_t n);

/* Any state variable by name (see somas_models_json: "potential",
 * "adaptation", "adaptive_threshold", "recovery", "refractory_steps"), in
 * its unit; n must be the pool's size. */
int somas_pool_get_state(const somas_pool* pool, const char* name, float* out, size_t n);
/* Neurons [begin, begin + n) only (a step hook reading its chunk). */
int somas_pool_get_state_range(const somas_pool* pool, const char* name, size_t begin, float* out,
                               size_t n);
int somas_pool_set_state(somas_pool* pool, const char* name, const float* values, size_t n);
int somas_pool_set_state_at(somas_pool* pool, const char* name, size_t neuron, float value);

/* Parameters by name. get: one value per neuron (n == size), as the kernel
 * uses them. set: one value for every neuron; set_values: n == size values;
 * set_at: one neuron. Every rule is checked as at creation; on error the
 * pool is unchanged. */
int somas_pool_get_param(const somas_pool* pool, const char* name, float* out, size_t n);
int somas_pool_set_param(somas_pool* pool, const char* name, double value);
int somas_pool_set_param_values(somas_pool* pool, const char* name, const double* values, size_t n);
int somas_pool_set_param_at(somas_pool* pool, const char* name, size_t neuron, double value);
/* Several parameters at once, validated together (a coupled change, such as
 * threshold and potential_reset moved past each other, is accepted if its
 * end state is valid): parameter names[i] gets values[i][0 .. n[i]), n[i]
 * being 1 (one value for every neuron) or the pool's size. A name given
 * twice is SOMAS_ERR_INVALID. On error the pool is unchanged. */
int somas_pool_set_params(somas_pool* pool, const char* const* names, const double* const* values,
                          const size_t* n, size_t count);

/* Checkpoints: save writes the whole pool (atomically, through a temporary
 * file); load reads one back into a pool of the same model and size. On any
 * error (truncated, corrupt, another model or size) the pool is unchanged. */
int somas_pool_save(const somas_pool* pool, const char* path);
int somas_pool_load(somas_pool* pool, const char* path);

#ifdef __cplusplus
}
#endif

#endif /* SOMAS_SOMAS_C_H_ */
