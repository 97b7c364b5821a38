// SPDX-License-Identifier: MIT
// tritlut/quant/act_q8.hpp - owning storage for quantized activations, and the dispatched quantizer.
#pragma once

#include <string>
#include <utility>

#include "../dispatch/dispatch.hpp"
#include "../memory.hpp"
#include "act.hpp"

TRITLUT_BEGIN_TARGET_NS

// Quantized activations of n tokens of length k (FORMATS.md 1). Reusable: quantize() into an
// existing act_q8 reallocates only when it grows. Move-only; a moved-from act_q8 is empty (0 tokens,
// no data) and the GEMM checks reject it until it is filled again.
class act_q8 {
 public:
  act_q8() = default;
  act_q8(std::size_t n, std::size_t k) { resize(n, k); }
  act_q8(act_q8&& o) noexcept
      : q_(std::move(o.q_)), scale_(std::move(o.scale_)), sum_(std::move(o.sum_)), n_(std::exchange(o.n_, 0)),
        k_(std::exchange(o.k_, 0)), stride_(std::exchange(o.stride_, 0)) {}
  act_q8& operator=(act_q8&& o) noexcept {
    if (this != &o) {
      q_ = std::move(o.q_);
      scale_ = std::move(o.scale_);
      sum_ = std::move(o.sum_);
      n_ = std::exchange(o.n_, 0);
      k_ = std::exchange(o.k_, 0);
      stride_ = std::exchange(o.stride_, 0);
    }
    return *this;
  }
  act_q8(const act_q8&) = delete;
  act_q8& operator=(const act_q8&) = delete;

  void resize(std::size_t n, std::size_t k) {
    const std::size_t stride = act_stride(k);
    if (n * stride > q_.size()) q_ = aligned_buffer<std::int8_t>(n * stride);
    if (n > scale_.size()) {
      scale_ = aligned_buffer<float>(n);
      sum_ = aligned_buffer<std::int32_t>(n);
    }
    n_ = n;
    k_ = k;
    stride_ = stride;
  }

  act_view view() const noexcept { return act_view{q_.data(), scale_.data(), sum_.data(), n_, k_, stride_}; }
  std::size_t tokens() const noexcept { return n_; }
  std::size_t cols() const noexcept { return k_; }
  std::size_t stride() const noexcept { return stride_; }
  const std::int8_t* row(std::size_t t) const noexcept { return q_.data() + t * stride_; }
  std::int8_t* row(std::size_t t) noexcept { return q_.data() + t * stride_; }
  float scale(std::size_t t) const noexcept { return scale_[t]; }
  std::int32_t sum(std::size_t t) const noexcept { return sum_[t]; }
  float* scales() noexcept { return scale_.data(); }
  std::int32_t* sums() noexcept { return sum_.data(); }

 private:
  aligned_buffer<std::int8_t> q_;  // [n][stride_]
  aligned_buffer<float> scale_;    // [n]
  aligned_buffer<std::int32_t> sum_;
  std::size_t n_ = 0, k_ = 0, stride_ = 0;
};

// Quantizes n rows of x (row stride ldx >= k floats) into out with the active ISA's quantizer.
inline void quantize(const float* x, std::size_t n, std::size_t k, std::size_t ldx, act_q8& out) {
  if (n == 0 || k == 0) throw error("quantize: empty input (" + std::to_string(n) + " x " + std::to_string(k) + ")");
  if (ldx < k) throw error("quantize: row stride " + std::to_string(ldx) + " is smaller than k = " + std::to_string(k));
  if (!x) throw error("quantize: null input");
  out.resize(n, k);
  active_table().quantize(x, ldx, n, k, out.row(0), out.stride(), out.scales(), out.sums());
  // A finite row always has a scale > 0 (127 / amax with amax <= FLT_MAX is >= 3.7e-37, a
  // normal float); a NaN or Inf in the row makes it NaN or 0. One compare per row.
  const float* sc = out.scales();
  for (std::size_t r = 0; r < n; ++r)
    if (TRITLUT_UNLIKELY(!(sc[r] > 0.0f)))
      throw error("quantize: row " + std::to_string(r) + " of the input holds a non-finite value (NaN or Inf); "
                  "activations must be finite");
}

inline act_q8 quantize(const float* x, std::size_t n, std::size_t k, std::size_t ldx) {
  act_q8 a;
  quantize(x, n, k, ldx, a);
  return a;
}
inline act_q8 quantize(const float* x, std::size_t n, std::size_t k) { return quantize(x, n, k, k); }

TRITLUT_END_TARGET_NS
