// SPDX-License-Identifier: MIT
// tritlut/gemm.hpp - public GEMV / GEMM entry points (checked, dispatched).
//
//   y[n * ldy + r] = ((float)(sum_k w[r][k] * q[n][k]) / act_scale[n]) * alpha    (FORMATS.md 2)
//
// One token is a GEMV, several a GEMM in which the weights are unpacked once per group of tokens.
// Row ranges let callers split the rows over threads (see parallel/thread_pool.hpp).
#pragma once

#include <string>

#include "dispatch/dispatch.hpp"
#include "formats/i2s.hpp"
#include "quant/act_q8.hpp"

TRITLUT_BEGIN_TARGET_NS
namespace detail {

inline void check_gemm(const char* what, std::size_t wm, std::size_t wk, std::size_t kp, const act_view& x,
                       const void* y, std::size_t ldy, std::size_t row0, std::size_t row1) {
  auto s = [](std::size_t v) { return std::to_string(v); };
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

// Rows [row0, row1) of W times every token in x. y: [x.n][ldy] floats.
inline void gemm(const i2s_view& w, const act_view& x, float* y, std::size_t ldy, std::size_t row0, std::size_t row1) {
  detail::check_gemm("i2s gemm", w.m, w.k, w.kp, x, y, ldy, row0, row1);
  active_table().i2s_gemm(w, x, gemm_out{y, nullptr, ldy}, row0, row1);
}
inline void gemm(const i2s_view& w, const act_view& x, float* y, std::size_t ldy) { gemm(w, x, y, ldy, 0, w.m); }
inline void gemm(const i2s_matrix& w, const act_q8& x, float* y) { gemm(w.view(), x.view(), y, w.rows()); }

// Exact int32 dot products instead of floats: yi[n * ldy + r] = sum_k w[r][k] * q[n][k].
inline void gemm_i32(const i2s_view& w, const act_view& x, std::int32_t* yi, std::size_t ldy, std::size_t row0,
                     std::size_t row1) {
  detail::check_gemm("i2s gemm_i32", w.m, w.k, w.kp, x, yi, ldy, row0, row1);
  active_table().i2s_gemm(w, x, gemm_out{nullptr, yi, ldy}, row0, row1);
}
inline void gemm_i32(const i2s_matrix& w, const act_q8& x, std::int32_t* yi) {
  gemm_i32(w.view(), x.view(), yi, w.rows(), 0, w.rows());
}

// One token: y[0..m).
inline void gemv(const i2s_matrix& w, const act_q8& x, float* y) {
  if (x.tokens() != 1) throw error("gemv: expected one token, got " + std::to_string(x.tokens()) + " (use gemm)");
  gemm(w.view(), x.view(), y, w.rows());
}

TRITLUT_END_TARGET_NS
