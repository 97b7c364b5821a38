// SPDX-License-Identifier: MIT
// tritlut/gemm.hpp - public GEMV / GEMM entry points (checked, dispatched).
//
//   y[n * ldy + r] = ((float)(sum_k w[r][k] * q[n][k]) / act_scale[n]) * alpha    (FORMATS.md 2)
//
// One token is a GEMV, several a GEMM in which the weights are unpacked once per group of tokens.
// Row ranges let callers split the rows over threads (see parallel/thread_pool.hpp).
//
// Output size: the forms taking a raw pointer (float* y, std::int32_t* yi) do not know how large
// the output is and do NOT check it: y must hold (tokens - 1) * ldy + row1 elements. The forms
// taking an out_span (or a std::vector / aligned_buffer, which convert to one) check that and
// throw tritlut::error when the output is too small.
#pragma once

#include <cstdint>
#include <string>

#include "dispatch/dispatch.hpp"
#include "formats/i2s.hpp"
#include "out_span.hpp"
#include "quant/act_q8.hpp"

TRITLUT_BEGIN_TARGET_NS
namespace detail {

inline void check_i2s_weights(const char* what, const i2s_view& w) {
  if (!w.data || w.m == 0 || w.k == 0 || w.kp < w.k || w.kp % i2s_block_weights != 0)
    throw error(std::string(what) + ": not an I2_S matrix (m = " + std::to_string(w.m) + ", k = " +
                std::to_string(w.k) + ", kp = " + std::to_string(w.kp) + (w.data ? "" : ", no data") +
                "): empty, default-constructed or moved-from");
}

// Elements a GEMM writes into its output: token t, row r at t * ldy + r for t < n, r < row1.
// Call after the shape checks (n >= 1). Throws when out_size is smaller.
inline void check_out_size(const char* what, std::size_t out_size, std::size_t n, std::size_t ldy, std::size_t row1) {
  auto s = [](std::size_t v) { return std::to_string(v); };
  if (ldy != 0 && n - 1 > (SIZE_MAX - row1) / ldy)
    throw error(std::string(what) + ": output of " + s(n) + " tokens with stride " + s(ldy) + " overflows size_t");
  const std::size_t need = (n - 1) * ldy + row1;
  if (out_size < need)
    throw error(std::string(what) + ": output holds " + s(out_size) + " elements, needs " + s(need) + " (" + s(n) +
                " tokens, stride " + s(ldy) + ", rows up to " + s(row1) + ")");
}

inline void check_gemm(const char* what, const i2s_view& w, const act_view& x, const void* y, std::size_t ldy,
                       std::size_t row0, std::size_t row1) {
  auto s = [](std::size_t v) { return std::to_string(v); };
  const std::size_t wm = w.m, wk = w.k, kp = w.kp;
  check_i2s_weights(what, w);
  if (!y) throw error(std::string(what) + ": null output");
  if (!x.q || !x.scale || !x.sum || x.n == 0) throw error(std::string(what) + ": empty activations");
  if (x.k != wk)
    throw error(std::string(what) + ": activations have " + s(x.k) + " columns but the matrix has K = " + s(wk));
  if (x.stride < kp)
    throw error(std::string(what) + ": activation stride " + s(x.stride) + " < padded K " + s(kp));
  if (row0 > row1 || row1 > wm)
    throw error(std::string(what) + ": row range [" + s(row0) + ", " + s(row1) + ") outside the matrix's " + s(wm) +
                " rows");
  if (ldy < (x.n > 1 ? wm : row1))
    throw error(std::string(what) + ": output stride " + s(ldy) + " is smaller than M = " + s(wm));
}

}  // namespace detail

// Rows [row0, row1) of W times every token in x. y: [x.n][ldy] floats, (x.n - 1) * ldy + row1 of
// them (unchecked with a raw pointer, checked with an out_span).
inline void gemm(const i2s_view& w, const act_view& x, float* y, std::size_t ldy, std::size_t row0, std::size_t row1) {
  detail::check_gemm("i2s gemm", w, x, y, ldy, row0, row1);
  active_table().i2s_gemm(w, x, gemm_out{y, nullptr, ldy}, row0, row1);
}
inline void gemm(const i2s_view& w, const act_view& x, out_span<float> y, std::size_t ldy, std::size_t row0,
                 std::size_t row1) {
  detail::check_gemm("i2s gemm", w, x, y.data, ldy, row0, row1);
  detail::check_out_size("i2s gemm", y.size, x.n, ldy, row1);
  active_table().i2s_gemm(w, x, gemm_out{y.data, nullptr, ldy}, row0, row1);
}
inline void gemm(const i2s_view& w, const act_view& x, float* y, std::size_t ldy) { gemm(w, x, y, ldy, 0, w.m); }
inline void gemm(const i2s_view& w, const act_view& x, out_span<float> y, std::size_t ldy) { gemm(w, x, y, ldy, 0, w.m); }
// y: [tokens][rows].
inline void gemm(const i2s_matrix& w, const act_q8& x, float* y) { gemm(w.view(), x.view(), y, w.rows()); }
inline void gemm(const i2s_matrix& w, const act_q8& x, out_span<float> y) { gemm(w.view(), x.view(), y, w.rows()); }

// Exact int32 dot products instead of floats: yi[n * ldy + r] = sum_k w[r][k] * q[n][k].
inline void gemm_i32(const i2s_view& w, const act_view& x, std::int32_t* yi, std::size_t ldy, std::size_t row0,
                     std::size_t row1) {
  detail::check_gemm("i2s gemm_i32", w, x, yi, ldy, row0, row1);
  active_table().i2s_gemm(w, x, gemm_out{nullptr, yi, ldy}, row0, row1);
}
inline void gemm_i32(const i2s_view& w, const act_view& x, out_span<std::int32_t> yi, std::size_t ldy,
                     std::size_t row0, std::size_t row1) {
  detail::check_gemm("i2s gemm_i32", w, x, yi.data, ldy, row0, row1);
  detail::check_out_size("i2s gemm_i32", yi.size, x.n, ldy, row1);
  active_table().i2s_gemm(w, x, gemm_out{nullptr, yi.data, ldy}, row0, row1);
}
inline void gemm_i32(const i2s_matrix& w, const act_q8& x, std::int32_t* yi) {
  gemm_i32(w.view(), x.view(), yi, w.rows(), 0, w.rows());
}
inline void gemm_i32(const i2s_matrix& w, const act_q8& x, out_span<std::int32_t> yi) {
  gemm_i32(w.view(), x.view(), yi, w.rows(), 0, w.rows());
}

// One token: y[0..m).
inline void gemv(const i2s_matrix& w, const act_q8& x, float* y) {
  if (x.tokens() != 1) throw error("gemv: expected one token, got " + std::to_string(x.tokens()) + " (use gemm)");
  gemm(w.view(), x.view(), y, w.rows());
}
inline void gemv(const i2s_matrix& w, const act_q8& x, out_span<float> y) {
  if (x.tokens() != 1) throw error("gemv: expected one token, got " + std::to_string(x.tokens()) + " (use gemm)");
  gemm(w.view(), x.view(), y, w.rows());
}

TRITLUT_END_TARGET_NS
