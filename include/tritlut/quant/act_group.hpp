// SPDX-License-Identifier: MIT
// tritlut/quant/act_group.hpp - int8 activations with one scale per group of G values along k,
// for group-scaled matrices (the group aligned with the weights' groups, as llama.cpp's Q8 blocks
// are). Per token row x and group g (values [g*G, (g+1)*G)), FORMATS.md 1 applied per group:
//   amax_g = max(1e-5, max |x| over the group)   (in double)
//   s_g    = (float)(127.0 / amax_g)
//   q      = clamp(rne(x * s_g), -128, 127)      (one f32 multiply, round half to even)
// One portable implementation (no ISA dispatch): the same bits on every machine.
#pragma once

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "../error.hpp"
#include "../formats/i2s_group.hpp"
#include "../memory.hpp"
#include "../types.hpp"
#include "act.hpp"

TRITLUT_BEGIN_TARGET_NS

// Quantized activations of n tokens with per-group scales. Reusable: quantize_groups() into an
// existing object reallocates only when it grows. Move-only; a moved-from one is empty.
class act_group_q8 {
 public:
  act_group_q8() = default;
  act_group_q8(act_group_q8&& o) noexcept
      : q_(std::move(o.q_)), scale_(std::move(o.scale_)), n_(std::exchange(o.n_, 0)), k_(std::exchange(o.k_, 0)),
        stride_(std::exchange(o.stride_, 0)), group_(std::exchange(o.group_, 0)), groups_(std::exchange(o.groups_, 0)) {}
  act_group_q8& operator=(act_group_q8&& o) noexcept {
    if (this != &o) {
      q_ = std::move(o.q_);
      scale_ = std::move(o.scale_);
      n_ = std::exchange(o.n_, 0);
      k_ = std::exchange(o.k_, 0);
      stride_ = std::exchange(o.stride_, 0);
      group_ = std::exchange(o.group_, 0);
      groups_ = std::exchange(o.groups_, 0);
    }
    return *this;
  }
  act_group_q8(const act_group_q8&) = delete;
  act_group_q8& operator=(const act_group_q8&) = delete;

  // Shape checked by quantize_groups (k % group == 0).
  void resize(std::size_t n, std::size_t k, std::size_t group) {
    const std::size_t stride = act_stride(k);
    if (n * stride > q_.size()) q_ = aligned_buffer<std::int8_t>(n * stride);
    if (n * (k / group) > scale_.size()) scale_ = aligned_buffer<float>(n * (k / group));
    n_ = n;
    k_ = k;
    stride_ = stride;
    group_ = group;
    groups_ = k / group;
  }
  act_group_view view() const noexcept {
    return act_group_view{q_.data(), scale_.data(), n_, k_, stride_, group_, groups_};
  }
  std::size_t tokens() const noexcept { return n_; }
  std::size_t cols() const noexcept { return k_; }
  std::size_t group() const noexcept { return group_; }
  std::size_t groups() const noexcept { return groups_; }
  const std::int8_t* row(std::size_t t) const noexcept { return q_.data() + t * stride_; }
  std::int8_t* row(std::size_t t) noexcept { return q_.data() + t * stride_; }
  // Scales of token t: groups() floats.
  const float* scales(std::size_t t) const noexcept { return scale_.data() + t * groups_; }
  float* scales(std::size_t t) noexcept { return scale_.data() + t * groups_; }

 private:
  aligned_buffer<std::int8_t> q_;  // [n][stride_], zero past k
  aligned_buffer<float> scale_;    // [n][groups_]
  std::size_t n_ = 0, k_ = 0, stride_ = 0, group_ = 0, groups_ = 0;
};

// Quantizes n rows of x (row stride ldx >= k floats) with one scale per group of `group` values.
inline void quantize_groups(const float* x, std::size_t n, std::size_t k, std::size_t ldx, std::size_t group,
                            act_group_q8& out) {
  if (n == 0 || k == 0)
    throw error("quantize_groups: empty input (" + std::to_string(n) + " x " + std::to_string(k) + ")");
  if (ldx < k)
    throw error("quantize_groups: row stride " + std::to_string(ldx) + " is smaller than k = " + std::to_string(k));
  if (!x) throw error("quantize_groups: null input");
  detail::check_group_shape(n, k, group, "quantize_groups");
  out.resize(n, k, group);
  const std::size_t groups = k / group, stride = act_stride(k);
  for (std::size_t t = 0; t < n; ++t) {
    const float* xr = x + t * ldx;
    std::int8_t* q = out.row(t);
    float* sc = out.scales(t);
    for (std::size_t g = 0; g < groups; ++g) {
      std::int32_t mb = 0;
      for (std::size_t j = g * group; j < (g + 1) * group; ++j) mb = std::max(mb, kernels::abs_bits(xr[j]));
      const float s = kernels::act_scale_from_amax(kernels::from_bits(mb));
      // A finite group always has s > 0 (quant/act_q8.hpp); a NaN or Inf makes it NaN or 0.
      if (!(s > 0.0f))
        throw error("quantize_groups: row " + std::to_string(t) + ", group " + std::to_string(g) +
                    " holds a non-finite value (NaN or Inf); activations must be finite");
      for (std::size_t j = g * group; j < (g + 1) * group; ++j) q[j] = kernels::quantize_one(xr[j], s);
      sc[g] = s;
    }
    std::memset(q + k, 0, stride - k);
  }
}

inline act_group_q8 quantize_groups(const float* x, std::size_t n, std::size_t k, std::size_t ldx, std::size_t group) {
  act_group_q8 a;
  quantize_groups(x, n, k, ldx, group, a);
  return a;
}

TRITLUT_END_TARGET_NS
