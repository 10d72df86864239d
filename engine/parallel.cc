// The worker pool behind threaded steps: std::thread workers started once,
// a job handed out through an atomic counter, condition variables for sleep.
#include "engine/parallel.h"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <new>
#include <system_error>
#include <thread>
#include <vector>

#include "somas/somas.h"

namespace somas {
namespace {

std::atomic<size_t> requested_threads{0};  // 0 = one per usable CPU
std::atomic<size_t> usable_cpus{0};        // counted once; 0 = not yet
std::atomic<size_t> test_chunk{0};
std::atomic<size_t> test_thread_starts{~size_t{0}};  // workers that may start (tests)

// How long an idle worker keeps checking for the next job before sleeping.
constexpr auto kSpin = std::chrono::microseconds(50);

inline void Pause() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// The CPUs this process may run on: its affinity mask (taskset, cgroups'
// cpusets, an MPI launcher's binding), else the machine's count.
size_t CountUsableCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int count = CPU_COUNT(&set);
    if (count > 0) return static_cast<size_t>(count);
  }
  return std::max<size_t>(1, std::thread::hardware_concurrency());
}

using Task = std::function<void(size_t task, size_t thread)>;

class Workers {
 public:
  ~Workers() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : threads_) t.join();
  }

  // Runs the region, or returns false at once if another thread is running
  // one. Uses the workers that exist or can be started: if the system refuses
  // a thread, the region runs on fewer (every task still runs exactly once).
  bool TryRun(size_t count, size_t threads, const Task& task, bool contiguous) {
    std::unique_lock<std::mutex> region(region_, std::try_to_lock);
    if (!region.owns_lock()) return false;
    const size_t wanted = std::min(threads, count) - 1;
    const size_t helpers = std::min(Grow(wanted), wanted);
    if (helpers == 0) return false;  // none could start: the caller runs the tasks
    {
      std::lock_guard<std::mutex> lock(mutex_);
      task_ = &task;
      count_ = count;
      contiguous_ = contiguous;
      next_.store(0, std::memory_order_relaxed);
      helpers_ = helpers;
      busy_.store(helpers, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    Work(0);
    // Wait for the helpers: spin briefly, then sleep.
    const auto until = std::chrono::steady_clock::now() + kSpin;
    while (busy_.load(std::memory_order_acquire) != 0 && std::chrono::steady_clock::now() < until) {
      Pause();
    }
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [&] { return busy_.load(std::memory_order_acquire) == 0; });
    task_ = nullptr;
    return true;
  }

 private:
  // Starts workers until there are `helpers`, or until the system refuses
  // one; returns how many there are.
  size_t Grow(size_t helpers) {
    while (threads_.size() < helpers) {
      const size_t index = threads_.size();
      try {
        if (index >= test_thread_starts.load()) {
          throw std::system_error(std::make_error_code(std::errc::resource_unavailable_try_again));
        }
        threads_.emplace_back([this, index] { Loop(index); });
      } catch (const std::system_error&) {
        break;
      } catch (const std::bad_alloc&) {
        break;
      }
    }
    return threads_.size();
  }

  // Claims and runs tasks of the current job until none are left.
  void Work(size_t thread) {
    if (contiguous_) {  // thread k runs the k-th of helpers_ + 1 equal shares
      const size_t parts = helpers_ + 1;
      for (size_t i = count_ * thread / parts; i < count_ * (thread + 1) / parts; ++i) {
        (*task_)(i, thread);
      }
      return;
    }
    for (size_t i = next_.fetch_add(1, std::memory_order_relaxed); i < count_;
         i = next_.fetch_add(1, std::memory_order_relaxed)) {
      (*task_)(i, thread);
    }
  }

  void Loop(size_t index) {
    uint64_t seen = 0;
    for (;;) {
      // Spin for a moment: the next step usually follows at once.
      const auto until = std::chrono::steady_clock::now() + kSpin;
      while (generation_.load(std::memory_order_acquire) == seen &&
             std::chrono::steady_clock::now() < until) {
        Pause();
      }
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || generation_.load() != seen; });
      if (stopping_) return;
      seen = generation_.load();
      if (index >= helpers_) continue;  // not needed for this job
      lock.unlock();
      Work(index + 1);
      if (busy_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        lock.lock();  // so that the caller cannot miss the notification
        done_.notify_one();
      }
    }
  }

  std::mutex region_;  // one parallel region at a time
  std::mutex mutex_;   // guards the fields below
  std::condition_variable wake_;
  std::condition_variable done_;
  std::vector<std::thread> threads_;
  const Task* task_ = nullptr;
  size_t count_ = 0;
  bool contiguous_ = false;
  size_t helpers_ = 0;
  std::atomic<size_t> busy_{0};  // helpers still working on the job
  bool stopping_ = false;
  std::atomic<uint64_t> generation_{0};
  std::atomic<size_t> next_{0};
};

// The process's workers. A forked child has none of its parent's threads:
// there the parent's Workers (whose threads exist only in the parent, and
// whose locks may be held by them) is abandoned, never touched or joined,
// and the child starts its own on first need. At exit, a process joins the
// workers it started itself.
struct WorkersHolder {
  std::mutex mutex;
  Workers* workers = nullptr;
  // Ancestors' workers a forked child abandoned: kept reachable (never used)
  // so that leak checkers do not report them, for the first generations.
  Workers* abandoned[16] = {};
  size_t generations = 0;
  ~WorkersHolder() { delete workers; }
};

WorkersHolder& Holder() {
  static WorkersHolder* holder = [] {
    static WorkersHolder h;
    pthread_atfork(nullptr, nullptr, [] {
      // In the child: only this thread exists. Forget (leak) the parent's
      // workers and reset the lock, which another parent thread may have held.
      WorkersHolder& h = Holder();
      new (&h.mutex) std::mutex();
      if (h.workers && h.generations < sizeof(h.abandoned) / sizeof(h.abandoned[0])) {
        h.abandoned[h.generations++] = h.workers;
      }
      h.workers = nullptr;
    });
    return &h;
  }();
  return *holder;
}

Workers* SharedWorkers() {
  WorkersHolder& h = Holder();
  std::lock_guard<std::mutex> lock(h.mutex);
  if (!h.workers) h.workers = new (std::nothrow) Workers();
  return h.workers;
}

}  // namespace

Status SetThreads(size_t threads) {
  if (threads > kMaxThreads) {
    return Status::Error("SetThreads(" + std::to_string(threads) + "): the thread count must be " +
                         "0 (one per usable CPU) to " + std::to_string(kMaxThreads));
  }
  // SetThreads(0) reads the affinity mask again.
  if (threads == 0) usable_cpus.store(std::min(CountUsableCpus(), kMaxThreads));
  requested_threads.store(threads);
  return Status();
}

size_t Threads() { return EffectiveThreads(); }

size_t EffectiveThreads() {
  const size_t requested = requested_threads.load();
  if (requested) return requested;
  size_t cpus = usable_cpus.load(std::memory_order_relaxed);
  if (cpus == 0) {
    cpus = std::min(CountUsableCpus(), kMaxThreads);
    usable_cpus.store(cpus, std::memory_order_relaxed);
  }
  return cpus;
}

size_t ChunkNeurons(size_t padded, size_t threads) {
  if (const size_t forced = test_chunk.load()) return forced;
  if (threads <= 1) return padded;
  const size_t per_chunk = std::max(padded / (4 * threads), kMinNeuronsPerThread);
  return (per_chunk + kChunkAlign - 1) / kChunkAlign * kChunkAlign;
}

void SetChunkNeuronsForTest(size_t neurons) { test_chunk.store(neurons); }
size_t ChunkNeuronsForTest() { return test_chunk.load(); }
void LimitWorkerStartsForTest(size_t workers) { test_thread_starts.store(workers); }

void ParallelFor(size_t count, size_t threads, const Task& task, bool contiguous) {
  if (count > 1 && threads > 1) {
    Workers* workers = SharedWorkers();
    if (workers && workers->TryRun(count, threads, task, contiguous)) return;
  }
  for (size_t i = 0; i < count; ++i) task(i, 0);
}

void ParallelFor(size_t count, size_t threads, const std::function<void(size_t)>& task) {
  ParallelFor(count, threads, Task([&task](size_t i, size_t) { task(i); }), false);
}

}  // namespace somas
