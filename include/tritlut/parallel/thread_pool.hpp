// SPDX-License-Identifier: MIT
// tritlut/parallel/thread_pool.hpp - a small fork-join thread pool and a row partitioner.
//
// Kernels never spawn threads; they take a row range. This pool is for users who want one (the
// pool forms of api.hpp take it; this header knows nothing of the API): the
// calling thread takes part, workers spin briefly before sleeping (a decode step issues hundreds of
// short jobs per token, so waking a sleeping thread each time would cost more than the work).
//
// Nesting: a parallel_for called from inside a task of any thread_pool (a task that itself calls
// a pooled gemm, say) runs its tasks inline on the calling thread, in order. Handing them to the
// pool instead would wait for workers that are busy running the outer job: a deadlock.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "../config.hpp"
#include "../error.hpp"

namespace tritlut {
// Outside the per-ISA target namespace (and not named `detail`, see dispatch.hpp), so that pools
// compiled with different ISA flags share one flag per thread.
namespace pool_state {
// True while this thread runs a task of some thread_pool's parallel_for.
inline bool& in_task() noexcept {
  static thread_local bool flag = false;
  return flag;
}
// Sets the flag for its lifetime and restores the previous value (exceptions included).
class task_scope {
 public:
  task_scope() noexcept : prev_(in_task()) { in_task() = true; }
  ~task_scope() { in_task() = prev_; }
  task_scope(const task_scope&) = delete;
  task_scope& operator=(const task_scope&) = delete;

 private:
  bool prev_;
};
}  // namespace pool_state
}  // namespace tritlut

TRITLUT_BEGIN_TARGET_NS

namespace detail {
// One step of a spin-wait: on x86 `pause` lets the sibling hyperthread run and avoids the
// memory-order flush when the awaited store arrives.
#if TRITLUT_ARCH_X86
inline void spin_pause() noexcept { __builtin_ia32_pause(); }
#else
inline void spin_pause() noexcept {}
#endif
}  // namespace detail

// Rows [first, second) of part i when m rows are split into `parts` nearly equal parts whose
// boundaries are multiples of `align` (so SIMD row tiles are never cut).
inline std::pair<std::size_t, std::size_t> partition_rows(std::size_t m, std::size_t parts, std::size_t i,
                                                          std::size_t align = 1) noexcept {
  if (parts == 0) parts = 1;
  if (align == 0) align = 1;
  const std::size_t units = (m + align - 1) / align;
  const std::size_t per = units / parts, extra = units % parts;
  const std::size_t u0 = i * per + std::min(i, extra);
  const std::size_t u1 = u0 + per + (i < extra ? 1 : 0);
  return {std::min(m, u0 * align), std::min(m, u1 * align)};
}

class thread_pool {
 public:
  // n_threads counts the calling thread: thread_pool(1) runs everything inline.
  explicit thread_pool(unsigned n_threads = default_threads()) {
    if (n_threads == 0) n_threads = 1;
    workers_.reserve(n_threads - 1);
    // Workers start from generation 0, not from whatever generation_ holds when the thread gets to
    // run: a slow-starting thread must still see the first job.
    for (unsigned i = 1; i < n_threads; ++i) workers_.emplace_back([this] { worker_loop(0); });
  }
  ~thread_pool() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_.store(true, std::memory_order_release);
      generation_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
  }
  thread_pool(const thread_pool&) = delete;
  thread_pool& operator=(const thread_pool&) = delete;

  unsigned size() const noexcept { return static_cast<unsigned>(workers_.size() + 1); }

  static unsigned default_threads() noexcept {
    const unsigned h = std::thread::hardware_concurrency();
    return h == 0 ? 1 : h;
  }

  // Runs fn(i) for every i in [0, n_tasks) across the pool and returns when all are done.
  // The first exception thrown by fn is rethrown here (remaining tasks still run). Called from
  // inside a task (nested), it runs every fn(i) inline on the calling thread.
  void parallel_for(std::size_t n_tasks, const std::function<void(std::size_t)>& fn) {
    if (n_tasks == 0) return;
    if (!fn) throw error("thread_pool::parallel_for: empty function");
    if (workers_.empty() || n_tasks == 1 || pool_state::in_task()) {
      for (std::size_t i = 0; i < n_tasks; ++i) fn(i);
      return;
    }
    std::lock_guard<std::mutex> run_lock(run_mu_);  // one job at a time
    // Every worker acknowledged the previous job before it returned, so none is reading these.
    job_ = &fn;
    n_tasks_ = n_tasks;
    next_.store(0, std::memory_order_relaxed);
    acks_.store(0, std::memory_order_relaxed);
    error_ = nullptr;
    {
      std::lock_guard<std::mutex> lk(mu_);
      generation_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    work();
    // Wait until every worker has finished with this job (not only until the tasks are done):
    // then no worker can still touch job_ / next_ when the next job is set up.
    const std::size_t n_workers = workers_.size();
    while (acks_.load(std::memory_order_acquire) < n_workers) std::this_thread::yield();
    job_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void work() {
    for (;;) {
      const std::size_t i = next_.fetch_add(1, std::memory_order_relaxed);
      if (i >= n_tasks_) return;
      try {
        const pool_state::task_scope in_task;
        (*job_)(i);
      } catch (...) {
        std::lock_guard<std::mutex> lk(err_mu_);
        if (!error_) error_ = std::current_exception();
      }
    }
  }

  void worker_loop(std::size_t seen) {
    for (;;) {
      // Spin a little: the next job usually follows within microseconds.
      for (int spin = 0; spin < 20000 && generation_.load(std::memory_order_acquire) == seen; ++spin)
        detail::spin_pause();
      if (generation_.load(std::memory_order_acquire) == seen) {
        std::unique_lock<std::mutex> lk(mu_);
        cv_.wait(lk, [&] { return generation_.load(std::memory_order_acquire) != seen; });
      }
      seen = generation_.load(std::memory_order_acquire);
      if (stop_.load(std::memory_order_acquire)) return;
      work();
      acks_.fetch_add(1, std::memory_order_acq_rel);
    }
  }

  std::vector<std::thread> workers_;
  std::mutex mu_, run_mu_, err_mu_;
  std::condition_variable cv_;
  std::atomic<std::size_t> generation_{0};
  std::atomic<std::size_t> next_{0}, acks_{0};
  std::size_t n_tasks_ = 0;
  const std::function<void(std::size_t)>* job_ = nullptr;
  std::exception_ptr error_;
  std::atomic<bool> stop_{false};
};

TRITLUT_END_TARGET_NS
