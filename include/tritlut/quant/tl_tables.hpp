// SPDX-License-Identifier: MIT
// tritlut/quant/tl_tables.hpp - owning per-token lookup tables for the TL1 / TL2 kernels, one type
// per table kind (tl1_lut, tl2_lut), built from the shared int8 activations (quant/lut.hpp).
//
// A model builds the tables once per BitLinear input and reuses them for every matrix that reads
// that input (Q, K and V; gate and up). The kind is part of the type, so handing TL1 tables to a
// TL2 matrix is a compile error (api.hpp); the entry points check only what a type cannot know
// (sizes, emptiness).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

#include "../dispatch/dispatch.hpp"
#include "../formats/tl_common.hpp"
#include "../memory.hpp"
#include "../types.hpp"

TRITLUT_BEGIN_TARGET_NS

// Per-token tables of n tokens, with the tokens' act_scale (for the float epilogue). Reusable:
// build() into an existing object reallocates only when it grows. Move-only; a moved-from table
// is empty (no tokens, no data) and the GEMM checks reject it until it is built again.
template <tl_kind Kind>
class basic_tl_lut {
 public:
  using view_type = tl_lut_view_of<Kind>;

  basic_tl_lut() = default;
  explicit basic_tl_lut(const act_view& x) { build(x); }
  basic_tl_lut(basic_tl_lut&& o) noexcept
      : data_(std::move(o.data_)), scale_(std::move(o.scale_)), v_(std::exchange(o.v_, view_type{})) {}
  basic_tl_lut& operator=(basic_tl_lut&& o) noexcept {
    if (this != &o) {
      data_ = std::move(o.data_);
      scale_ = std::move(o.scale_);
      v_ = std::exchange(o.v_, view_type{});
    }
    return *this;
  }
  basic_tl_lut(const basic_tl_lut&) = delete;
  basic_tl_lut& operator=(const basic_tl_lut&) = delete;

  // Bytes of the tables of n tokens of length k (what build() allocates, plus n floats of scale).
  static std::size_t bytes_for(std::size_t n, std::size_t k) noexcept { return n * tl_lut_items(Kind, k) * tl_lut_item_bytes; }

  // Allocates only when the tables grow past what this object already holds.
  void build(const act_view& x) {
    const char* what = Kind == tl_kind::tl1 ? "tl1 lut" : "tl2 lut";
    if (!x.q || !x.scale || x.n == 0 || x.k == 0) throw error(std::string(what) + ": empty activations");
    if (x.stride < x.k)
      throw error(std::string(what) + ": activation stride " + std::to_string(x.stride) + " < k = " + std::to_string(x.k));
    const std::size_t items = tl_lut_items(Kind, x.k), bytes = x.n * items * tl_lut_item_bytes;
    if (bytes > data_.size()) data_ = aligned_buffer<std::uint8_t>(bytes);
    if (x.n > scale_.size()) scale_ = aligned_buffer<float>(x.n);
    std::memcpy(scale_.data(), x.scale, x.n * sizeof(float));
    active_table().tl_lut(Kind, x, data_.data());
    v_ = view_type{{data_.data(), scale_.data(), x.n, x.k, items, Kind}};
  }

  const view_type& view() const noexcept { return v_; }
  tl_kind kind() const noexcept { return Kind; }
  std::size_t tokens() const noexcept { return v_.n; }
  std::size_t cols() const noexcept { return v_.k; }
  // Table bytes per token (TL1: 16 * roundup(K, 4); TL2: about 10.7 * K).
  std::size_t token_bytes() const noexcept { return v_.items * tl_lut_item_bytes; }

 private:
  aligned_buffer<std::uint8_t> data_;  // [n][items][32]
  aligned_buffer<float> scale_;        // [n]
  view_type v_{};
};

using tl1_lut = basic_tl_lut<tl_kind::tl1>;
using tl2_lut = basic_tl_lut<tl_kind::tl2>;

TRITLUT_END_TARGET_NS
