// SPDX-License-Identifier: MIT
// tritlut/memory.hpp - 64-byte aligned owning buffers (cache-line aligned rows for the kernels).
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

#include "config.hpp"

#if defined(__linux__)
#include <sys/mman.h>
#endif

TRITLUT_BEGIN_TARGET_NS

inline constexpr std::size_t buffer_alignment = 64;

constexpr std::size_t round_up(std::size_t x, std::size_t m) noexcept { return (x + m - 1) / m * m; }

// Buffers of at least huge_page_bytes start on a 2 MiB boundary and, on Linux, ask for transparent
// huge pages (MADV_HUGEPAGE). Streaming weights through 4 KiB pages costs a page walk every 4 KiB:
// decoding BitNet 2B4T with TL2 weights at 2 threads, the GEMVs ran ~10% faster with every matrix
// in huge pages (docs/run.md). The advice covers the buffer rounded up to whole huge pages when
// that adds at most 1/8 of its size, otherwise only its whole 2 MiB pieces, so little memory is
// wasted. Where THP is off ("never") the advice is ignored.
inline constexpr std::size_t huge_page_bytes = std::size_t(2) << 20;

namespace detail {
// Bytes of a `bytes`-long buffer at a 2 MiB boundary that are advised to use huge pages.
constexpr std::size_t huge_advice_bytes(std::size_t bytes) noexcept {
  if (bytes < huge_page_bytes) return 0;
  const std::size_t up = round_up(bytes, huge_page_bytes);
  return up - bytes <= bytes / 8 ? up : bytes / huge_page_bytes * huge_page_bytes;
}

// The advice itself, where the system has it.
#if defined(__linux__) && defined(MADV_HUGEPAGE)
inline void advise_huge_pages(void* p, std::size_t bytes) noexcept { ::madvise(p, bytes, MADV_HUGEPAGE); }
#else
inline void advise_huge_pages(void*, std::size_t) noexcept {}
#endif
}  // namespace detail

// Tag for an aligned_buffer whose contents start undefined (to be filled by the caller): its pages
// are then only touched, and so only become resident, as they are written.
struct uninitialized_t {
  explicit uninitialized_t() = default;
};
inline constexpr uninitialized_t uninitialized{};

// A 64-byte aligned array of trivially copyable T, zero-initialised unless made with `uninitialized`.
// Move-only.
template <class T>
class aligned_buffer {
  static_assert(std::is_trivially_copyable_v<T>, "aligned_buffer holds plain data only");

 public:
  aligned_buffer() = default;
  explicit aligned_buffer(std::size_t n) : n_(n) {
    const std::size_t bytes = bytes_for(n);
    p_ = allocate(bytes);
    if (p_) std::memset(static_cast<void*>(p_), 0, bytes);
  }
  aligned_buffer(std::size_t n, uninitialized_t) : p_(allocate(bytes_for(n))), n_(n) {}
  aligned_buffer(aligned_buffer&& o) noexcept : p_(std::exchange(o.p_, nullptr)), n_(std::exchange(o.n_, 0)) {}
  aligned_buffer& operator=(aligned_buffer&& o) noexcept {
    if (this != &o) {
      std::free(p_);
      p_ = std::exchange(o.p_, nullptr);
      n_ = std::exchange(o.n_, 0);
    }
    return *this;
  }
  aligned_buffer(const aligned_buffer&) = delete;
  aligned_buffer& operator=(const aligned_buffer&) = delete;
  ~aligned_buffer() { std::free(p_); }

  T* data() noexcept { return p_; }
  const T* data() const noexcept { return p_; }
  std::size_t size() const noexcept { return n_; }
  T& operator[](std::size_t i) noexcept { return p_[i]; }
  const T& operator[](std::size_t i) const noexcept { return p_[i]; }

 private:
  static std::size_t bytes_for(std::size_t n) {
    if (n > (static_cast<std::size_t>(-1) - huge_page_bytes) / sizeof(T)) throw std::bad_alloc();
    return round_up(n * sizeof(T), buffer_alignment);
  }
  static T* allocate(std::size_t bytes) {
    if (bytes == 0) return nullptr;
    const std::size_t huge = detail::huge_advice_bytes(bytes);
    // (aligned_alloc wants the size to be a multiple of the alignment)
    void* p = huge ? std::aligned_alloc(huge_page_bytes, round_up(bytes, huge_page_bytes))
                   : std::aligned_alloc(buffer_alignment, bytes);
    if (!p) throw std::bad_alloc();
    if (huge) detail::advise_huge_pages(p, huge);
    return static_cast<T*>(p);
  }

  T* p_ = nullptr;
  std::size_t n_ = 0;
};

TRITLUT_END_TARGET_NS
