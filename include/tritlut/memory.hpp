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

TRITLUT_BEGIN_TARGET_NS

inline constexpr std::size_t buffer_alignment = 64;

constexpr std::size_t round_up(std::size_t x, std::size_t m) noexcept { return (x + m - 1) / m * m; }

// A zero-initialised, 64-byte aligned array of trivially copyable T. Move-only.
template <class T>
class aligned_buffer {
  static_assert(std::is_trivially_copyable_v<T>, "aligned_buffer holds plain data only");

 public:
  aligned_buffer() = default;
  explicit aligned_buffer(std::size_t n) : n_(n) {
    if (n == 0) return;
    const std::size_t bytes = round_up(n * sizeof(T), buffer_alignment);
    p_ = static_cast<T*>(std::aligned_alloc(buffer_alignment, bytes));
    if (!p_) throw std::bad_alloc();
    std::memset(static_cast<void*>(p_), 0, bytes);
  }
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
  T* p_ = nullptr;
  std::size_t n_ = 0;
};

TRITLUT_END_TARGET_NS
