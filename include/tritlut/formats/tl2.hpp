// SPDX-License-Identifier: MIT
// tritlut/formats/tl2.hpp - TL2: triples of ternary weights -> sign bit + 4-bit index of the
// positive-canonical pattern (5 bits per 3 weights, 1.67 bpw), K tail as TL1 pairs; tritlut's tiled
// runtime layout (types.hpp tl2_view, docs/formats.md). In memory only, never a file format.
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
class tl2_matrix {
 public:
  tl2_matrix() = default;
  tl2_matrix(tl2_matrix&& o) noexcept
      : v_(std::exchange(o.v_, tl2_view{})), buf_(std::move(o.buf_)), neg_(std::move(o.neg_)) {}
  tl2_matrix& operator=(tl2_matrix&& o) noexcept {
    if (this != &o) {
      v_ = std::exchange(o.v_, tl2_view{});
      buf_ = std::move(o.buf_);
      neg_ = std::move(o.neg_);
    }
    return *this;
  }
  tl2_matrix(const tl2_matrix&) = delete;
  tl2_matrix& operator=(const tl2_matrix&) = delete;

  // Packs m x k ternary values (row-major int8 in {-1, 0, 1}) for any m, k >= 1.
  static tl2_matrix pack(const std::int8_t* w, std::size_t m, std::size_t k, float alpha, tl_pack_config cfg = {}) {
    if (!w) throw error("tl2 pack: weights are null");
    return pack_rows(m, k, alpha, cfg, [&](std::size_t r, std::int8_t* dst) {
      for (std::size_t j = 0; j < k; ++j) {
        detail::check_weight(w[r * k + j], r * k + j, "tl2 pack");
        dst[j] = w[r * k + j];
      }
    });
  }

  // The view of an m x k matrix in tiles of mr rows, sizes only (no data): what pack_rows fills.
  static tl2_view shape_view(std::size_t m, std::size_t k, std::size_t mr, float alpha) noexcept {
    tl2_view v{};
    v.m = m;
    v.k = k;
    v.mr = mr;
    v.tiles = (m + mr - 1) / mr;
    v.k3 = detail::tl2_k3(k);
    v.cols3 = v.k3 / 6;
    v.groups = (v.cols3 + detail::tl2_group - 1) / detail::tl2_group;
    v.colst = detail::tl2_tail_cols(k);
    v.alpha = alpha;
    return v;
  }

  // Repacks an I2_S matrix (e.g. a GGUF type-36 tensor) - the load-time conversion.
  static tl2_matrix from_i2s(const i2s_view& v, tl_pack_config cfg = {}) {
    detail::tl_check_i2s(v, "tl2 from_i2s");
    return pack_rows(v.m, v.k, v.alpha, cfg, [&](std::size_t r, std::int8_t* dst) { detail::i2s_decode_row(v, r, dst); });
  }

  template <class GetRow>
  static tl2_matrix pack_rows(std::size_t m, std::size_t k, float alpha, tl_pack_config cfg, GetRow&& get_row) {
    const std::size_t mr = detail::tl_check_config("tl2 pack", m, k, cfg);
    tl2_matrix t;
    tl2_view& v = t.v_;
    v = shape_view(m, k, mr, alpha);
    const std::size_t n_idx = v.tiles * v.cols3 * mr, n_sign = v.tiles * v.groups * mr, n_tail = v.tiles * v.colst * mr;
    // One buffer: triple indices | signs | tail indices (each region a multiple of 16 bytes).
    t.buf_ = aligned_buffer<std::uint8_t>(n_idx + n_sign + n_tail + 1);
    t.neg_ = aligned_buffer<std::int32_t>(v.tiles * mr);
    std::uint8_t* idx = t.buf_.data();
    std::uint8_t* sign = idx + n_idx;
    std::uint8_t* tail = sign + n_sign;
    // Padding: triple index 0 / sign 0 (zero-filled by aligned_buffer), tail pairs index 4 = (0, 0).
    std::memset(tail, 0x44, n_tail);
    std::vector<std::int8_t> row(v.k3 + 4 * v.colst, 0);  // weights past k are 0
    for (std::size_t r = 0; r < m; ++r) {
      get_row(r, row.data());
      const std::size_t tile = r / mr, rr = r % mr;
      std::int32_t neg = 0;
      for (std::size_t j = 0; j < v.k3 / 3; ++j) {  // triple j -> column j/2, nibble j%2
        const int val = detail::tl2_value(row[3 * j], row[3 * j + 1], row[3 * j + 2]);
        const unsigned s = val < 0, i = static_cast<unsigned>(val < 0 ? -val : val);
        idx[(tile * v.cols3 + j / 2) * mr + rr] |= static_cast<std::uint8_t>(i << (4 * (j % 2)));
        sign[(tile * v.groups + j / 8) * mr + rr] |= static_cast<std::uint8_t>(s << (j % 8));
        neg += static_cast<std::int32_t>(s);
      }
      t.neg_[tile * mr + rr] = neg;
      for (std::size_t u = 0; u < v.colst; ++u) {
        const std::int8_t* p = row.data() + v.k3 + 4 * u;
        tail[(tile * v.colst + u) * mr + rr] = detail::tl1_byte(p);
      }
    }
    v.idx = idx;
    v.sign = sign;
    v.tail = tail;
    v.neg = t.neg_.data();
    return t;
  }

  // Ternary values back, m*k row-major.
  std::vector<std::int8_t> unpack() const {
    const tl2_view& v = v_;
    std::vector<std::int8_t> w(v.m * v.k);
    for (std::size_t r = 0; r < v.m; ++r) {
      const std::size_t tile = r / v.mr, rr = r % v.mr;
      std::int8_t* out = w.data() + r * v.k;
      for (std::size_t j = 0; j < v.k3 / 3; ++j) {
        const unsigned i = (v.idx[(tile * v.cols3 + j / 2) * v.mr + rr] >> (4 * (j % 2))) & 15u;
        const unsigned s = (v.sign[(tile * v.groups + j / 8) * v.mr + rr] >> (j % 8)) & 1u;
        int w0, w1, w2;
        detail::tl2_digits(s ? -int(i) : int(i), w0, w1, w2);
        out[3 * j] = static_cast<std::int8_t>(w0);
        out[3 * j + 1] = static_cast<std::int8_t>(w1);
        out[3 * j + 2] = static_cast<std::int8_t>(w2);
      }
      for (std::size_t j = v.k3; j < v.k; ++j) {
        const std::size_t jt = j - v.k3;
        out[j] = detail::tl1_byte_weight(v.tail[(tile * v.colst + jt / 4) * v.mr + rr], jt % 4);
      }
    }
    return w;
  }

  const tl2_view& view() const noexcept { return v_; }
  std::size_t rows() const noexcept { return v_.m; }
  std::size_t cols() const noexcept { return v_.k; }
  float alpha() const noexcept { return v_.alpha; }
  // Bytes the kernels stream per pass: indices + signs + tail (about 5/3 bits per weight).
  std::size_t packed_bytes() const noexcept { return v_.tiles * v_.mr * (v_.cols3 + v_.groups + v_.colst); }

 private:
  tl2_view v_{};
  aligned_buffer<std::uint8_t> buf_;
  aligned_buffer<std::int32_t> neg_;
};

TRITLUT_END_TARGET_NS
