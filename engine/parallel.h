// Threads for stepping: a persistent set of workers shared by every pool,
// and how a pool is cut into chunks.
#ifndef SOMAS_ENGINE_PARALLEL_H_
#define SOMAS_ENGINE_PARALLEL_H_

#include <cstddef>
#include <functional>

namespace somas {

// Chunks start and end on multiples of this many neurons: 512 neurons are
// one 64-byte cache line of 16-bit spike words (and whole lines of every
// float and counter array), so two chunks never write the same line.
inline constexpr size_t kChunkAlign = 512;
// Below this many neurons per thread a pool is stepped on the calling thread:
// waking a worker costs more than it saves.
inline constexpr size_t kMinNeuronsPerThread = 16384;

// The thread count SetThreads asked for, resolved: 0 means one thread per
// CPU of the process's affinity mask, counted on first need and again at each
// SetThreads(0), never per step.
size_t EffectiveThreads();

// Neurons per chunk for a pool of `padded` neurons on `threads` threads: a
// multiple of kChunkAlign, about four chunks per thread so that uneven
// progress evens out, each at least kMinNeuronsPerThread (so a pool of up to
// 16,384 neurons is one chunk, stepped on the calling thread).
size_t ChunkNeurons(size_t padded, size_t threads);

// Tests only: every pool is cut into chunks of exactly `neurons` (a multiple
// of kBlock), whatever its size; 0 restores ChunkNeurons.
void SetChunkNeuronsForTest(size_t neurons);
size_t ChunkNeuronsForTest();
// Tests only: the system refuses every worker thread past the first
// `workers` (as it does under a low ulimit); ~0 lifts the limit. Workers
// already running stay.
void LimitWorkerStartsForTest(size_t workers);

// Runs task(0), ..., task(count - 1) on up to `threads` threads, the calling
// thread included, and returns when all are done. Tasks must not throw. The
// workers are started once, on first need (if the system refuses one, the
// region runs on the threads it has), and sleep when idle (after a spin
// of a few tens of microseconds, so that back-to-back steps do not pay for a
// wake-up). If another thread is already running a parallel region, this one
// runs its tasks on the calling thread alone: an embedder's own threads never
// multiply the workers. A child forked after a region has no workers (they
// stayed in the parent): it starts its own on first need.
void ParallelFor(size_t count, size_t threads, const std::function<void(size_t)>& task);
// The same, telling each task which thread runs it: 0 is the calling thread,
// 1 .. threads - 1 the workers (a thread's index is below `threads`, and each
// thread runs its tasks in ascending order). With `contiguous`, the tasks
// are cut into equal contiguous shares, thread k running the k-th, rather
// than handed out one by one: a thread then gets the same tasks (and their
// data stays in its core's cache) from one region to the next.
void ParallelFor(size_t count, size_t threads,
                 const std::function<void(size_t task, size_t thread)>& task, bool contiguous);

}  // namespace somas

#endif  // SOMAS_ENGINE_PARALLEL_H_
