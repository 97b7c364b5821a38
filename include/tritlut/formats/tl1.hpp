// SPDX-License-Identifier: MIT
// tritlut/formats/tl1.hpp - TL1: pairs of ternary weights -> 4-bit index 3*w0 + w1 + 4 (2 bpw),
// in tritlut's tiled runtime layout (types.hpp tl1_view, docs/formats.md). In memory only: built
// from ternary values or repacked from an I2_S matrix at load time; never a file format.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "../memory.hpp"
#include "tl_common.hpp"

TRITLUT_BEGIN_TARGET_NS

// Move-only; a moved-from matrix is empty (0 x 0, no data), like a default-constructed one, and
// the GEMM checks reject it.
class tl1_matrix {
 public:
  tl1_matrix() = default;
  tl1_matrix(tl1_matrix&& o) noexcept : v_(std::exchange(o.v_, tl1_view{})), idx_(std::move(o.idx_)) {}
  tl1_matrix& operator=(tl1_matrix&& o) noexcept {
    if (this != &o) {
      v_ = std::exchange(o.v_, tl1_view{});
      idx_ = std::move(o.idx_);
    }
    return *this;
  }
  tl1_matrix(const tl1_matrix&) = delete;
  tl1_matrix& operator=(const tl1_matrix&) = delete;

  // Packs m x k ternary values (row-major int8 in {-1, 0, 1}) for any m, k >= 1.
  static tl1_matrix pack(const std::int8_t* w, std::size_t m, std::size_t k, float alpha, tl_pack_config cfg = {}) {
    if (!w) throw error("tl1 pack: weights are null");
    return pack_rows(m, k, alpha, cfg, [&](std::size_t r, std::int8_t* dst) {
      for (std::size_t j = 0; j < k; ++j) {
        detail::check_weight(w[r * k + j], r * k + j, "tl1 pack");
        dst[j] = w[r * k + j];
      }
    });
  }

  // The view of an m x k matrix in tiles of mr rows, sizes only (no data): what pack_rows fills.
  static tl1_view shape_view(std::size_t m, std::size_t k, std::size_t mr, float alpha) noexcept {
    tl1_view v{};
    v.m = m;
    v.k = k;
    v.mr = mr;
    v.tiles = (m + mr - 1) / mr;
    v.cols = detail::tl1_cols(k);
    v.alpha = alpha;
    return v;
  }

  // Repacks an I2_S matrix (e.g. a GGUF type-36 tensor) - the load-time conversion.
  static tl1_matrix from_i2s(const i2s_view& v, tl_pack_config cfg = {}) {
    detail::tl_check_i2s(v, "tl1 from_i2s");
    return pack_rows(v.m, v.k, v.alpha, cfg, [&](std::size_t r, std::int8_t* dst) { detail::i2s_decode_row(v, r, dst); });
  }

  // get_row(r, dst) writes row r's k ternary values.
  template <class GetRow>
  static tl1_matrix pack_rows(std::size_t m, std::size_t k, float alpha, tl_pack_config cfg, GetRow&& get_row) {
    const std::size_t mr = detail::tl_check_config("tl1 pack", m, k, cfg);
    tl1_matrix t;
    tl1_view& v = t.v_;
    v = shape_view(m, k, mr, alpha);
    t.idx_ = aligned_buffer<std::uint8_t>(v.tiles * v.cols * mr);
    std::uint8_t* d = t.idx_.data();
    std::memset(d, 0x44, v.tiles * v.cols * mr);  // index 4 = (0, 0) in both nibbles: padding rows
    std::vector<std::int8_t> row(v.cols * 4, 0);  // weights past k are 0
    for (std::size_t r = 0; r < m; ++r) {
      get_row(r, row.data());
      const std::size_t tile = r / mr, rr = r % mr;
      for (std::size_t u = 0; u < v.cols; ++u) {
        const std::int8_t* p = row.data() + 4 * u;
        d[(tile * v.cols + u) * mr + rr] = detail::tl1_byte(p);
      }
    }
    v.idx = d;
    return t;
  }

  // Ternary values back, m*k row-major.
  std::vector<std::int8_t> unpack() const {
    std::vector<std::int8_t> w(v_.m * v_.k);
    for (std::size_t r = 0; r < v_.m; ++r) {
      const std::size_t tile = r / v_.mr, rr = r % v_.mr;
      for (std::size_t j = 0; j < v_.k; ++j) {
        w[r * v_.k + j] = detail::tl1_byte_weight(v_.idx[(tile * v_.cols + j / 4) * v_.mr + rr], j % 4);
      }
    }
    return w;
  }

  const tl1_view& view() const noexcept { return v_; }
  std::size_t rows() const noexcept { return v_.m; }
  std::size_t cols() const noexcept { return v_.k; }
  float alpha() const noexcept { return v_.alpha; }
  // Bytes the kernels stream per pass (tiles * mr * cols: 2 bits per weight plus padding).
  std::size_t packed_bytes() const noexcept { return v_.tiles * v_.mr * v_.cols; }

 private:
  tl1_view v_{};
  aligned_buffer<std::uint8_t> idx_;
};

TRITLUT_END_TARGET_NS
