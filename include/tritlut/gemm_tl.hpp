// SPDX-License-Identifier: MIT
// tritlut/gemm_tl.hpp - public TL1 / TL2 entry points (checked, dispatched) and the prepared
// lookup tables.
//
// A model repacks its I2_S weights once at load time and then, per token, builds the lookup
// tables once per BitLinear input and reuses them for every matrix that reads that input:
//
//   auto wq = tritlut::tl2_matrix::from_i2s(q_proj.view());     // load time (also wk, wv)
//   tritlut::act_q8 x = tritlut::quantize(h, n_tokens, dim);      // per step: shared quantizer
//   tritlut::tl_lut lut(tritlut::tl_kind::tl2, x.view());         // once for Q, K and V
//   tritlut::gemm(wq, lut, yq); tritlut::gemm(wk, lut, yk); tritlut::gemm(wv, lut, yv);
//
// Results equal I2_S on the same weights and activations bit for bit (FORMATS.md 2):
//   y[n * ldy + r] = ((float)(sum_k w[r][k] * q[n][k]) / act_scale[n]) * alpha
//
// As in gemm.hpp, every entry point comes twice: with a raw output pointer, whose size is NOT
// checked (it must hold (tokens - 1) * ldy + row1 elements), and with an out_span (or a
// std::vector / aligned_buffer), whose size is checked.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <utility>

#include "dispatch/dispatch.hpp"
#include "formats/tl1.hpp"
#include "formats/tl2.hpp"
#include "parallel/thread_pool.hpp"
#include "quant/act_q8.hpp"

TRITLUT_BEGIN_TARGET_NS

// Per-token TL1 or TL2 tables of n tokens, with the tokens' act_scale (for the float epilogue).
// Reusable: build() into an existing object reallocates only when it grows. Move-only; a moved-from
// tl_lut is empty (no tokens, no data) and the GEMM checks reject it until it is built again.
class tl_lut {
 public:
  tl_lut() = default;
  tl_lut(tl_kind kind, const act_view& x) { build(kind, x); }
  tl_lut(tl_lut&& o) noexcept
      : data_(std::move(o.data_)), scale_(std::move(o.scale_)), v_(std::exchange(o.v_, tl_lut_view{})) {}
  tl_lut& operator=(tl_lut&& o) noexcept {
    if (this != &o) {
      data_ = std::move(o.data_);
      scale_ = std::move(o.scale_);
      v_ = std::exchange(o.v_, tl_lut_view{});
    }
    return *this;
  }
  tl_lut(const tl_lut&) = delete;
  tl_lut& operator=(const tl_lut&) = delete;

  void build(tl_kind kind, const act_view& x) {
    const char* what = kind == tl_kind::tl1 ? "tl1 lut" : "tl2 lut";
    if (kind != tl_kind::tl1 && kind != tl_kind::tl2) throw error("tl lut: unknown table kind");
    if (!x.q || !x.scale || x.n == 0 || x.k == 0) throw error(std::string(what) + ": empty activations");
    if (x.stride < x.k)
      throw error(std::string(what) + ": activation stride " + std::to_string(x.stride) + " < k = " + std::to_string(x.k));
    const std::size_t items = tl_lut_items(kind, x.k), bytes = x.n * items * tl_lut_item_bytes;
    if (bytes > data_.size()) data_ = aligned_buffer<std::uint8_t>(bytes);
    if (x.n > scale_.size()) scale_ = aligned_buffer<float>(x.n);
    std::memcpy(scale_.data(), x.scale, x.n * sizeof(float));
    active_table().tl_lut(kind, x, data_.data());
    v_ = tl_lut_view{data_.data(), scale_.data(), x.n, x.k, items, kind};
  }

  const tl_lut_view& view() const noexcept { return v_; }
  tl_kind kind() const noexcept { return v_.kind; }
  std::size_t tokens() const noexcept { return v_.n; }
  std::size_t cols() const noexcept { return v_.k; }
  // Table bytes per token (TL1: 16 * roundup(K, 4); TL2: about 10.7 * K).
  std::size_t token_bytes() const noexcept { return v_.items * tl_lut_item_bytes; }

 private:
  aligned_buffer<std::uint8_t> data_;  // [n][items][32]
  aligned_buffer<float> scale_;        // [n]
  tl_lut_view v_{};
};

namespace detail {

inline bool tl_has_data(const tl1_view& w) noexcept { return w.idx != nullptr; }
inline bool tl_has_data(const tl2_view& w) noexcept { return w.idx && w.sign && w.tail && w.neg; }

template <class View>
inline void check_tl_gemm(const char* what, tl_kind want, const View& wv, const tl_lut_view& L, const void* y,
                          std::size_t ldy, std::size_t row0, std::size_t row1) {
  auto s = [](std::size_t v) { return std::to_string(v); };
  const std::string w(what);
  const std::size_t wm = wv.m, wk = wv.k, mr = wv.mr;
  if (!tl_has_data(wv) || wm == 0 || wk == 0 || mr == 0 || mr % 16 != 0)
    throw error(w + ": not a packed matrix (m = " + s(wm) + ", k = " + s(wk) + ", mr = " + s(mr) +
                (tl_has_data(wv) ? "" : ", no data") + "): empty, default-constructed or moved-from");
  if (!y) throw error(w + ": null output");
  if (!L.data || !L.scale || L.n == 0) throw error(w + ": empty lookup tables (never built, or moved-from)");
  if (L.kind != want)
    throw error(w + ": lookup tables were built for " + tl_kind_name(L.kind) + ", the matrix is " + tl_kind_name(want));
  if (L.k != wk)
    throw error(w + ": lookup tables have " + s(L.k) + " columns but the matrix has K = " + s(wk));
  if (L.items != tl_lut_items(want, wk)) throw error(w + ": lookup tables have an unexpected size");
  if (row0 > row1 || row1 > wm)
    throw error(w + ": row range [" + s(row0) + ", " + s(row1) + ") outside the matrix's " + s(wm) + " rows");
  if (ldy < (L.n > 1 ? wm : row1)) throw error(w + ": output stride " + s(ldy) + " is smaller than M = " + s(wm));
}

}  // namespace detail

// ---- TL1 / TL2 ----
// Rows [row0, row1) of W times every token of the tables. y: [lut.n][ldy] floats.
inline void gemm(const tl1_view& w, const tl_lut_view& lut, float* y, std::size_t ldy, std::size_t row0, std::size_t row1) {
  detail::check_tl_gemm("tl1 gemm", tl_kind::tl1, w, lut, y, ldy, row0, row1);
  active_table().tl1_gemm(w, lut, gemm_out{y, nullptr, ldy}, row0, row1);
}
inline void gemm(const tl2_view& w, const tl_lut_view& lut, float* y, std::size_t ldy, std::size_t row0, std::size_t row1) {
  detail::check_tl_gemm("tl2 gemm", tl_kind::tl2, w, lut, y, ldy, row0, row1);
  active_table().tl2_gemm(w, lut, gemm_out{y, nullptr, ldy}, row0, row1);
}
// Exact int32 dots: yi[n * ldy + r] = sum_k w[r][k] * q[n][k].
inline void gemm_i32(const tl1_view& w, const tl_lut_view& lut, std::int32_t* yi, std::size_t ldy, std::size_t row0,
                     std::size_t row1) {
  detail::check_tl_gemm("tl1 gemm_i32", tl_kind::tl1, w, lut, yi, ldy, row0, row1);
  active_table().tl1_gemm(w, lut, gemm_out{nullptr, yi, ldy}, row0, row1);
}
inline void gemm_i32(const tl2_view& w, const tl_lut_view& lut, std::int32_t* yi, std::size_t ldy, std::size_t row0,
                     std::size_t row1) {
  detail::check_tl_gemm("tl2 gemm_i32", tl_kind::tl2, w, lut, yi, ldy, row0, row1);
  active_table().tl2_gemm(w, lut, gemm_out{nullptr, yi, ldy}, row0, row1);
}

// Checked output size: the same, with the output's length.
namespace detail {
template <class View, class T>
inline void tl_gemm_checked(const char* what, const View& w, const tl_lut_view& lut, out_span<T> y, std::size_t ldy,
                            std::size_t row0, std::size_t row1) {
  constexpr tl_kind kind = std::is_same_v<View, tl1_view> ? tl_kind::tl1 : tl_kind::tl2;
  check_tl_gemm(what, kind, w, lut, y.data, ldy, row0, row1);
  check_out_size(what, y.size, lut.n, ldy, row1);
  gemm_out out{nullptr, nullptr, ldy};
  if constexpr (std::is_same_v<T, float>) {
    out.y = y.data;
  } else {
    out.yi = y.data;
  }
  if constexpr (kind == tl_kind::tl1) {
    active_table().tl1_gemm(w, lut, out, row0, row1);
  } else {
    active_table().tl2_gemm(w, lut, out, row0, row1);
  }
}
}  // namespace detail
inline void gemm(const tl1_view& w, const tl_lut_view& lut, out_span<float> y, std::size_t ldy, std::size_t row0,
                 std::size_t row1) {
  detail::tl_gemm_checked("tl1 gemm", w, lut, y, ldy, row0, row1);
}
inline void gemm(const tl2_view& w, const tl_lut_view& lut, out_span<float> y, std::size_t ldy, std::size_t row0,
                 std::size_t row1) {
  detail::tl_gemm_checked("tl2 gemm", w, lut, y, ldy, row0, row1);
}
inline void gemm_i32(const tl1_view& w, const tl_lut_view& lut, out_span<std::int32_t> yi, std::size_t ldy,
                     std::size_t row0, std::size_t row1) {
  detail::tl_gemm_checked("tl1 gemm_i32", w, lut, yi, ldy, row0, row1);
}
inline void gemm_i32(const tl2_view& w, const tl_lut_view& lut, out_span<std::int32_t> yi, std::size_t ldy,
                     std::size_t row0, std::size_t row1) {
  detail::tl_gemm_checked("tl2 gemm_i32", w, lut, yi, ldy, row0, row1);
}

// All rows.
inline void gemm(const tl1_view& w, const tl_lut_view& lut, float* y, std::size_t ldy) { gemm(w, lut, y, ldy, 0, w.m); }
inline void gemm(const tl2_view& w, const tl_lut_view& lut, float* y, std::size_t ldy) { gemm(w, lut, y, ldy, 0, w.m); }
inline void gemm(const tl1_view& w, const tl_lut_view& lut, out_span<float> y, std::size_t ldy) {
  gemm(w, lut, y, ldy, 0, w.m);
}
inline void gemm(const tl2_view& w, const tl_lut_view& lut, out_span<float> y, std::size_t ldy) {
  gemm(w, lut, y, ldy, 0, w.m);
}

// ---- Convenience over the owning types (y: [tokens][rows]) ----
inline void gemm(const tl1_matrix& w, const tl_lut& lut, float* y) { gemm(w.view(), lut.view(), y, w.rows()); }
inline void gemm(const tl2_matrix& w, const tl_lut& lut, float* y) { gemm(w.view(), lut.view(), y, w.rows()); }
inline void gemm(const tl1_matrix& w, const tl_lut& lut, out_span<float> y) { gemm(w.view(), lut.view(), y, w.rows()); }
inline void gemm(const tl2_matrix& w, const tl_lut& lut, out_span<float> y) { gemm(w.view(), lut.view(), y, w.rows()); }
inline void gemm_i32(const tl1_matrix& w, const tl_lut& lut, std::int32_t* yi) {
  gemm_i32(w.view(), lut.view(), yi, w.rows(), 0, w.rows());
}
inline void gemm_i32(const tl2_matrix& w, const tl_lut& lut, std::int32_t* yi) {
  gemm_i32(w.view(), lut.view(), yi, w.rows(), 0, w.rows());
}
inline void gemm_i32(const tl1_matrix& w, const tl_lut& lut, out_span<std::int32_t> yi) {
  gemm_i32(w.view(), lut.view(), yi, w.rows(), 0, w.rows());
}
inline void gemm_i32(const tl2_matrix& w, const tl_lut& lut, out_span<std::int32_t> yi) {
  gemm_i32(w.view(), lut.view(), yi, w.rows(), 0, w.rows());
}
// Builds the tables internally (one matrix per input: prefer a shared tl_lut when several
// matrices read the same activations).
inline void gemm(const tl1_matrix& w, const act_q8& x, float* y) { gemm(w, tl_lut(tl_kind::tl1, x.view()), y); }
inline void gemm(const tl2_matrix& w, const act_q8& x, float* y) { gemm(w, tl_lut(tl_kind::tl2, x.view()), y); }
inline void gemm(const tl1_matrix& w, const act_q8& x, out_span<float> y) { gemm(w, tl_lut(tl_kind::tl1, x.view()), y); }
inline void gemm(const tl2_matrix& w, const act_q8& x, out_span<float> y) { gemm(w, tl_lut(tl_kind::tl2, x.view()), y); }

namespace detail {
inline void check_one_token(std::size_t n) {
  if (n != 1) throw error("gemv: expected one token, got " + std::to_string(n) + " (use gemm)");
}
}  // namespace detail
inline void gemv(const tl1_matrix& w, const tl_lut& lut, float* y) {
  detail::check_one_token(lut.tokens());
  gemm(w, lut, y);
}
inline void gemv(const tl2_matrix& w, const tl_lut& lut, float* y) {
  detail::check_one_token(lut.tokens());
  gemm(w, lut, y);
}
inline void gemv(const tl1_matrix& w, const tl_lut& lut, out_span<float> y) {
  detail::check_one_token(lut.tokens());
  gemm(w, lut, y);
}
inline void gemv(const tl2_matrix& w, const tl_lut& lut, out_span<float> y) {
  detail::check_one_token(lut.tokens());
  gemm(w, lut, y);
}
inline void gemv(const tl1_matrix& w, const act_q8& x, float* y) {
  detail::check_one_token(x.tokens());
  gemm(w, x, y);
}
inline void gemv(const tl2_matrix& w, const act_q8& x, float* y) {
  detail::check_one_token(x.tokens());
  gemm(w, x, y);
}
inline void gemv(const tl1_matrix& w, const act_q8& x, out_span<float> y) {
  detail::check_one_token(x.tokens());
  gemm(w, x, y);
}
inline void gemv(const tl2_matrix& w, const act_q8& x, out_span<float> y) {
  detail::check_one_token(x.tokens());
  gemm(w, x, y);
}

// ---- Thread pool: rows split in whole tiles (mr rows) ----
namespace detail {
template <class View, class Fn>
inline void tl_parallel(thread_pool& pool, const View& w, Fn&& fn) {
  const std::size_t parts = std::max<std::size_t>(1, std::min<std::size_t>(pool.size(), w.tiles));
  pool.parallel_for(parts, [&](std::size_t i) {
    const auto [r0, r1] = partition_rows(w.m, parts, i, w.mr);
    if (r0 < r1) fn(r0, r1);
  });
}
}  // namespace detail

inline void gemm(thread_pool& pool, const tl1_view& w, const tl_lut_view& lut, float* y, std::size_t ldy) {
  detail::check_tl_gemm("tl1 gemm", tl_kind::tl1, w, lut, y, ldy, 0, w.m);
  const kernel_table& t = active_table();
  detail::tl_parallel(pool, w, [&](std::size_t r0, std::size_t r1) { t.tl1_gemm(w, lut, gemm_out{y, nullptr, ldy}, r0, r1); });
}
inline void gemm(thread_pool& pool, const tl2_view& w, const tl_lut_view& lut, float* y, std::size_t ldy) {
  detail::check_tl_gemm("tl2 gemm", tl_kind::tl2, w, lut, y, ldy, 0, w.m);
  const kernel_table& t = active_table();
  detail::tl_parallel(pool, w, [&](std::size_t r0, std::size_t r1) { t.tl2_gemm(w, lut, gemm_out{y, nullptr, ldy}, r0, r1); });
}
inline void gemm(thread_pool& pool, const tl1_view& w, const tl_lut_view& lut, out_span<float> y, std::size_t ldy) {
  detail::check_tl_gemm("tl1 gemm", tl_kind::tl1, w, lut, y.data, ldy, 0, w.m);
  detail::check_out_size("tl1 gemm", y.size, lut.n, ldy, w.m);
  gemm(pool, w, lut, y.data, ldy);
}
inline void gemm(thread_pool& pool, const tl2_view& w, const tl_lut_view& lut, out_span<float> y, std::size_t ldy) {
  detail::check_tl_gemm("tl2 gemm", tl_kind::tl2, w, lut, y.data, ldy, 0, w.m);
  detail::check_out_size("tl2 gemm", y.size, lut.n, ldy, w.m);
  gemm(pool, w, lut, y.data, ldy);
}
inline void gemm(thread_pool& pool, const tl1_matrix& w, const tl_lut& lut, float* y) {
  gemm(pool, w.view(), lut.view(), y, w.rows());
}
inline void gemm(thread_pool& pool, const tl2_matrix& w, const tl_lut& lut, float* y) {
  gemm(pool, w.view(), lut.view(), y, w.rows());
}
inline void gemm(thread_pool& pool, const tl1_matrix& w, const tl_lut& lut, out_span<float> y) {
  gemm(pool, w.view(), lut.view(), y, w.rows());
}
inline void gemm(thread_pool& pool, const tl2_matrix& w, const tl_lut& lut, out_span<float> y) {
  gemm(pool, w.view(), lut.view(), y, w.rows());
}

TRITLUT_END_TARGET_NS
