// SPDX-License-Identifier: MIT
// tritlut/api.hpp - every GEMV / GEMM entry point, for every format (docs/api.md is the reference).
//
//   y[n * ldy + r] = ((float)(sum_k w[r][k] * q[n][k]) / act_scale[n]) * alpha    (FORMATS.md 2)
//   yi[n * ldy + r] = sum_k w[r][k] * q[n][k]                                      (gemm_i32)
//
// Weights W and what they multiply X, per format:
//   I2_S   i2s_view    act_view        owners: i2s_matrix   act_q8
//   TL1    tl1_view    tl1_lut_view            tl1_matrix   tl1_lut
//   TL2    tl2_view    tl2_lut_view            tl2_matrix   tl2_lut
//   any    ternary_matrix (format chosen at run time)  ternary_input
//   group-scaled I2_S  i2s_group_view  act_view   owner: i2s_group_matrix  act_q8  (float output
//          only: gemm_i32 throws, a row has one integer dot per group, not one per row), or
//          with per-group activation scales: act_group_view, owner act_group_q8 (end of file)
// A table of the wrong kind does not compile (tl1_lut_view is not a tl2_lut_view).
// The same overloads exist for every row of that table:
//   gemm / gemm_i32 (W, X, y, ldy, row0, row1)   rows [row0, row1), the caller's threads
//   gemm / gemm_i32 (W, X, y, ldy)               all rows
//   gemm / gemm_i32 (pool, W, X, y, ldy)         all rows split over a thread_pool
//   gemm / gemm_i32 / gemv ([pool,] owner, owner X, y)   y: [tokens][rows]
//   gemm / gemm_i32 / gemv ([pool,] owner, act_q8, y)    TL and ternary_matrix: builds the lookup
//                                                        tables itself, so it ALLOCATES; prefer a
//                                                        shared table when several matrices read x
// y is a raw pointer (float* / std::int32_t*: its size is NOT checked; it must hold
// (tokens - 1) * ldy + row1 elements) or an out_span (a std::vector / aligned_buffer / std::array
// converts to one: its size is checked, tritlut::error when too small). Every other argument is
// checked before a kernel runs (one checker, detail::check_call). No entry point allocates except
// the ones that build tables; none spawns threads (the pool forms use the caller's pool).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>

#include "dispatch/dispatch.hpp"
#include "formats/i2s.hpp"
#include "formats/i2s_group.hpp"
#include "formats/tl1.hpp"
#include "formats/tl2.hpp"
#include "matrix.hpp"
#include "out_span.hpp"
#include "parallel/thread_pool.hpp"
#include "quant/act_group.hpp"
#include "quant/act_q8.hpp"
#include "quant/tl_tables.hpp"

TRITLUT_BEGIN_TARGET_NS
namespace detail {

inline std::string num(std::size_t v) { return std::to_string(v); }

// "tl2 gemm_i32": names a call in its errors. Built only when an error is thrown, so that a checked
// call costs no string work.
struct call_name {
  const char* format;
  const char* op;
  std::string str() const { return std::string(format) + " " + op; }
};

// What each format checks and runs; everything else is shared (check_call, gemm_call).
template <class W>
struct format_ops;

template <>
struct format_ops<i2s_view> {
  using input = act_view;
  static constexpr const char* name = "i2s";
  static std::size_t tokens(const act_view& x) noexcept { return x.n; }
  static void check_weights(const call_name& nm, const i2s_view& w) {
    if (!w.data || w.m == 0 || w.k == 0 || w.kp < w.k || w.kp % i2s_block_weights != 0)
      throw error(nm.str() + ": not an I2_S matrix (m = " + num(w.m) + ", k = " + num(w.k) + ", kp = " + num(w.kp) +
                  (w.data ? "" : ", no data") + "): empty, default-constructed or moved-from");
  }
  static void check_input(const call_name& nm, const i2s_view& w, const act_view& x) {
    if (!x.q || !x.scale || !x.sum || x.n == 0) throw error(nm.str() + ": empty activations");
    if (x.k != w.k) throw error(nm.str() + ": activations have " + num(x.k) + " columns but the matrix has K = " + num(w.k));
    if (x.stride < w.kp) throw error(nm.str() + ": activation stride " + num(x.stride) + " < padded K " + num(w.kp));
  }
  static void run(const kernel_table& t, const i2s_view& w, const act_view& x, const gemm_out& o, std::size_t r0,
                  std::size_t r1) noexcept {
    t.i2s_gemm(w, x, o, r0, r1);
  }
};

template <>
struct format_ops<i2s_group_view> {
  using input = act_view;
  static constexpr const char* name = "i2s_group";
  static std::size_t tokens(const act_view& x) noexcept { return x.n; }
  static void check_weights(const call_name& nm, const i2s_group_view& w) {
    if (!w.data || !w.scale || w.m == 0 || w.k == 0 || w.kp < w.k || w.kp % i2s_block_weights != 0)
      throw error(nm.str() + ": not a group-scaled matrix (m = " + num(w.m) + ", k = " + num(w.k) + ", kp = " +
                  num(w.kp) + (w.data ? "" : ", no codes") + (w.scale ? "" : ", no scales") +
                  "): empty, default-constructed or moved-from");
    if (!i2s_group_size_ok(w.group) || w.k % w.group != 0 || w.groups != w.k / w.group ||
        w.groups > i2s_group_max_groups)
      throw error(nm.str() + ": group size " + num(w.group) + " with " + num(w.groups) + " groups does not fit K = " +
                  num(w.k) + " (group 32, 64, 128, 256 or 512 dividing K, at most " + num(i2s_group_max_groups) +
                  " groups)");
  }
  static void check_input(const call_name& nm, const i2s_group_view& w, const act_view& x) {
    format_ops<i2s_view>::check_input(nm, i2s_view{w.data, w.m, w.k, w.kp, 1.0f}, x);
  }
  static void run(const kernel_table& t, const i2s_group_view& w, const act_view& x, const gemm_out& o,
                  std::size_t r0, std::size_t r1) noexcept {
    t.i2s_group_gemm(w, x, nullptr, o, r0, r1);
  }
};

inline bool tl_has_data(const tl1_view& w) noexcept { return w.idx != nullptr; }
inline bool tl_has_data(const tl2_view& w) noexcept { return w.idx && w.sign && w.tail && w.neg; }

template <class View, tl_kind Kind>
struct tl_format_ops {
  using input = tl_lut_view_of<Kind>;
  static constexpr const char* name = Kind == tl_kind::tl1 ? "tl1" : "tl2";
  static std::size_t tokens(const input& x) noexcept { return x.n; }
  static void check_weights(const call_name& nm, const View& w) {
    if (!tl_has_data(w) || w.m == 0 || w.k == 0 || w.mr == 0 || w.mr % 16 != 0)
      throw error(nm.str() + ": not a packed matrix (m = " + num(w.m) + ", k = " + num(w.k) + ", mr = " + num(w.mr) +
                  (tl_has_data(w) ? "" : ", no data") + "): empty, default-constructed or moved-from");
  }
  // The kind is in the type; the field is still checked (a view is a plain struct anyone can fill).
  static void check_input(const call_name& nm, const View& w, const input& L) {
    if (!L.data || !L.scale || L.n == 0) throw error(nm.str() + ": empty lookup tables (never built, or moved-from)");
    if (L.kind != Kind)
      throw error(nm.str() + ": lookup tables were built for " + tl_kind_name(L.kind) + ", the matrix is " + tl_kind_name(Kind));
    if (L.k != w.k) throw error(nm.str() + ": lookup tables have " + num(L.k) + " columns but the matrix has K = " + num(w.k));
    if (L.items != tl_lut_items(Kind, w.k)) throw error(nm.str() + ": lookup tables have an unexpected size");
  }
  static void run(const kernel_table& t, const View& w, const input& x, const gemm_out& o, std::size_t r0,
                  std::size_t r1) noexcept {
    if constexpr (Kind == tl_kind::tl1) {
      t.tl1_gemm(w, x, o, r0, r1);
    } else {
      t.tl2_gemm(w, x, o, r0, r1);
    }
  }
};
template <>
struct format_ops<tl1_view> : tl_format_ops<tl1_view, tl_kind::tl1> {};
template <>
struct format_ops<tl2_view> : tl_format_ops<tl2_view, tl_kind::tl2> {};

// Weights the entry points take, with what they multiply: the three views and ternary_matrix.
template <class W>
struct operand {
  static constexpr bool ok = false;
};
template <>
struct operand<i2s_view> {
  static constexpr bool ok = true;
  using input = act_view;
};
template <>
struct operand<tl1_view> {
  static constexpr bool ok = true;
  using input = tl1_lut_view;
};
template <>
struct operand<tl2_view> {
  static constexpr bool ok = true;
  using input = tl2_lut_view;
};
template <>
struct operand<i2s_group_view> {
  static constexpr bool ok = true;
  using input = act_view;
};
template <>
struct operand<ternary_matrix> {
  static constexpr bool ok = true;
  using input = ternary_input;
};
template <class W>
using if_operand = std::enable_if_t<operand<W>::ok>;
template <class W>
using input_t = typename operand<W>::input;

inline std::size_t rows_of(const i2s_view& w) noexcept { return w.m; }
inline std::size_t rows_of(const tl1_view& w) noexcept { return w.m; }
inline std::size_t rows_of(const tl2_view& w) noexcept { return w.m; }
inline std::size_t rows_of(const ternary_matrix& w) noexcept { return w.rows(); }
inline std::size_t rows_of(const i2s_group_view& w) noexcept { return w.m; }

// One call, described: the one argument checker reads this instead of a dozen positional values.
template <class W, class T>
struct gemm_call {
  const char* op;                   // "gemm" or "gemm_i32": with the format, names the call in errors
  const W& w;
  const input_t<W>& x;
  out_span<T> y;                    // y.size is the checked length when `sized`
  bool sized;
  std::size_t ldy, row0, row1;
};

// Elements a GEMM writes into its output: token t, row r at t * ldy + r for t < n, r < row1.
// Call after the shape checks (n >= 1). Throws when out_size is smaller.
inline void check_out_size(const call_name& nm, std::size_t out_size, std::size_t n, std::size_t ldy,
                           std::size_t row1) {
  if (ldy != 0 && n - 1 > (SIZE_MAX - row1) / ldy)
    throw error(nm.str() + ": output of " + num(n) + " tokens with stride " + num(ldy) + " overflows size_t");
  const std::size_t need = (n - 1) * ldy + row1;
  if (out_size < need)
    throw error(nm.str() + ": output holds " + num(out_size) + " elements, needs " + num(need) + " (" + num(n) +
                " tokens, stride " + num(ldy) + ", rows up to " + num(row1) + ")");
}

template <class W, class T>
inline void check_call(const gemm_call<W, T>& c) {
  using F = format_ops<W>;
  const call_name nm{F::name, c.op};
  F::check_weights(nm, c.w);
  if constexpr (std::is_same_v<W, i2s_group_view> && std::is_same_v<T, std::int32_t>)
    throw error(nm.str() + ": a group-scaled matrix has one integer dot per group, not one per row (use gemm)");
  if (!c.y.data) throw error(nm.str() + ": null output");
  F::check_input(nm, c.w, c.x);
  const std::size_t m = c.w.m, n = F::tokens(c.x);
  if (c.row0 > c.row1 || c.row1 > m)
    throw error(nm.str() + ": row range [" + num(c.row0) + ", " + num(c.row1) + ") outside the matrix's " + num(m) +
                " rows");
  if (c.ldy < (n > 1 ? m : c.row1))
    throw error(nm.str() + ": output stride " + num(c.ldy) + " is smaller than M = " + num(m));
  if (c.sized) check_out_size(nm, c.y.size, n, c.ldy, c.row1);
}

template <class T>
inline gemm_out make_out(T* y, std::size_t ldy) noexcept {
  gemm_out o{nullptr, nullptr, ldy};
  if constexpr (std::is_same_v<T, float>) {
    o.y = y;
  } else {
    o.yi = y;
  }
  return o;
}

// Rows [c.row0, c.row1) on this thread, or all rows split over `pool` on whole row_split_step
// parts. The pooled job is captured by one reference so that std::function stores it in place
// (no allocation: its small buffer holds two pointers).
template <class W, class T>
inline void run_call(const gemm_call<W, T>& c, thread_pool* pool) {
  check_call(c);
  const kernel_table& t = active_table();
  const gemm_out o = make_out(c.y.data, c.ldy);
  if (!pool) {
    format_ops<W>::run(t, c.w, c.x, o, c.row0, c.row1);
    return;
  }
  struct job {
    const kernel_table& t;
    const gemm_call<W, T>& c;
    gemm_out o;
    std::size_t parts, step;
  };
  const std::size_t step = row_split_step(c.w);
  const job j{t, c, o, std::max<std::size_t>(1, std::min<std::size_t>(pool->size(), (c.w.m + step - 1) / step)), step};
  pool->parallel_for(j.parts, [&j](std::size_t i) {
    const auto [r0, r1] = partition_rows(j.c.w.m, j.parts, i, j.step);
    if (r0 < r1) format_ops<W>::run(j.t, j.c.w, j.c.x, j.o, r0, r1);
  });
}

// ternary_matrix: the input must be prepared for the matrix's format; then the view's call.
template <class T>
inline void run_call(const gemm_call<ternary_matrix, T>& c, thread_pool* pool) {
  const ternary_matrix& w = c.w;
  const ternary_input& x = c.x;
  if (!w.empty() && x.format() != w.format())
    throw error(std::string("ternary ") + c.op + ": input prepared for " + format_name(x.format()) + ", the matrix is " +
                format_name(w.format()));
  switch (w.format()) {
    case weight_format::i2s:
      return run_call(gemm_call<i2s_view, T>{c.op, w.i2s(), x.q8().view(), c.y, c.sized, c.ldy, c.row0, c.row1}, pool);
    case weight_format::tl1:
      return run_call(gemm_call<tl1_view, T>{c.op, w.tl1(), x.tl1().view(), c.y, c.sized, c.ldy, c.row0, c.row1}, pool);
    case weight_format::tl2:
      return run_call(gemm_call<tl2_view, T>{c.op, w.tl2(), x.tl2().view(), c.y, c.sized, c.ldy, c.row0, c.row1}, pool);
  }
}

inline void check_one_token(std::size_t n) {
  if (n != 1) throw error("gemv: expected one token, got " + std::to_string(n) + " (use gemm)");
}

// Owning types, their views and the owner of what they multiply.
template <class M>
struct owner {
  static constexpr bool ok = false;
};
template <>
struct owner<i2s_matrix> {
  static constexpr bool ok = true;
  using input = act_q8;
  static constexpr bool has_tables = false;
  static const i2s_view& view(const i2s_matrix& w) noexcept { return w.view(); }
  static act_view in(const act_q8& x) noexcept { return x.view(); }
};
template <>
struct owner<i2s_group_matrix> {
  static constexpr bool ok = true;
  using input = act_q8;
  static constexpr bool has_tables = false;
  static const i2s_group_view& view(const i2s_group_matrix& w) noexcept { return w.view(); }
  static act_view in(const act_q8& x) noexcept { return x.view(); }
};
template <class M, class Lut>
struct tl_owner {
  static constexpr bool ok = true;
  using input = Lut;
  static constexpr bool has_tables = true;
  static const auto& view(const M& w) noexcept { return w.view(); }
  static const auto& in(const Lut& x) noexcept { return x.view(); }
  static Lut tables(const M&, const act_q8& x) { return Lut(x.view()); }
};
template <>
struct owner<tl1_matrix> : tl_owner<tl1_matrix, tl1_lut> {};
template <>
struct owner<tl2_matrix> : tl_owner<tl2_matrix, tl2_lut> {};
template <>
struct owner<ternary_matrix> {
  static constexpr bool ok = true;
  using input = ternary_input;
  static constexpr bool has_tables = true;
  static const ternary_matrix& view(const ternary_matrix& w) noexcept { return w; }
  static const ternary_input& in(const ternary_input& x) noexcept { return x; }
  // Copies x: the convenience form, not the hot path (a prepared ternary_input is).
  static ternary_input tables(const ternary_matrix& w, const act_q8& x) {
    ternary_input in;
    act_q8& q = in.q8();
    const act_view v = x.view();
    q.resize(v.n, v.k);
    if (v.n) {
      std::memcpy(q.row(0), v.q, v.n * v.stride);
      std::memcpy(q.scales(), v.scale, v.n * sizeof(float));
      std::memcpy(q.sums(), v.sum, v.n * sizeof(std::int32_t));
    }
    in.prepare(w.format());
    return in;
  }
};
template <class M>
using if_owner = std::enable_if_t<owner<M>::ok>;
template <class M>
using if_tables = std::enable_if_t<owner<M>::ok && owner<M>::has_tables>;

}  // namespace detail

// ---- Weights W (i2s_view, tl1_view, tl2_view, ternary_matrix) and their input X ----
// Rows [row0, row1) of W times every token of x. y: [tokens][ldy].
template <class W, class = detail::if_operand<W>>
inline void gemm(const W& w, const detail::input_t<W>& x, float* y, std::size_t ldy, std::size_t row0, std::size_t row1) {
  detail::run_call(detail::gemm_call<W, float>{"gemm", w, x, {y, 0}, false, ldy, row0, row1}, nullptr);
}
template <class W, class = detail::if_operand<W>>
inline void gemm(const W& w, const detail::input_t<W>& x, out_span<float> y, std::size_t ldy, std::size_t row0,
                 std::size_t row1) {
  detail::run_call(detail::gemm_call<W, float>{"gemm", w, x, y, true, ldy, row0, row1}, nullptr);
}
template <class W, class = detail::if_operand<W>>
inline void gemm_i32(const W& w, const detail::input_t<W>& x, std::int32_t* yi, std::size_t ldy, std::size_t row0,
                     std::size_t row1) {
  detail::run_call(detail::gemm_call<W, std::int32_t>{"gemm_i32", w, x, {yi, 0}, false, ldy, row0, row1}, nullptr);
}
template <class W, class = detail::if_operand<W>>
inline void gemm_i32(const W& w, const detail::input_t<W>& x, out_span<std::int32_t> yi, std::size_t ldy,
                     std::size_t row0, std::size_t row1) {
  detail::run_call(detail::gemm_call<W, std::int32_t>{"gemm_i32", w, x, yi, true, ldy, row0, row1}, nullptr);
}
// All rows.
template <class W, class = detail::if_operand<W>>
inline void gemm(const W& w, const detail::input_t<W>& x, float* y, std::size_t ldy) {
  gemm(w, x, y, ldy, 0, detail::rows_of(w));
}
template <class W, class = detail::if_operand<W>>
inline void gemm(const W& w, const detail::input_t<W>& x, out_span<float> y, std::size_t ldy) {
  gemm(w, x, y, ldy, 0, detail::rows_of(w));
}
template <class W, class = detail::if_operand<W>>
inline void gemm_i32(const W& w, const detail::input_t<W>& x, std::int32_t* yi, std::size_t ldy) {
  gemm_i32(w, x, yi, ldy, 0, detail::rows_of(w));
}
template <class W, class = detail::if_operand<W>>
inline void gemm_i32(const W& w, const detail::input_t<W>& x, out_span<std::int32_t> yi, std::size_t ldy) {
  gemm_i32(w, x, yi, ldy, 0, detail::rows_of(w));
}
// All rows, split over the pool in parts of whole row_split_step(w) rows.
template <class W, class = detail::if_operand<W>>
inline void gemm(thread_pool& pool, const W& w, const detail::input_t<W>& x, float* y, std::size_t ldy) {
  detail::run_call(detail::gemm_call<W, float>{"gemm", w, x, {y, 0}, false, ldy, 0, detail::rows_of(w)}, &pool);
}
template <class W, class = detail::if_operand<W>>
inline void gemm(thread_pool& pool, const W& w, const detail::input_t<W>& x, out_span<float> y, std::size_t ldy) {
  detail::run_call(detail::gemm_call<W, float>{"gemm", w, x, y, true, ldy, 0, detail::rows_of(w)}, &pool);
}
template <class W, class = detail::if_operand<W>>
inline void gemm_i32(thread_pool& pool, const W& w, const detail::input_t<W>& x, std::int32_t* yi, std::size_t ldy) {
  detail::run_call(detail::gemm_call<W, std::int32_t>{"gemm_i32", w, x, {yi, 0}, false, ldy, 0, detail::rows_of(w)}, &pool);
}
template <class W, class = detail::if_operand<W>>
inline void gemm_i32(thread_pool& pool, const W& w, const detail::input_t<W>& x, out_span<std::int32_t> yi,
                     std::size_t ldy) {
  detail::run_call(detail::gemm_call<W, std::int32_t>{"gemm_i32", w, x, yi, true, ldy, 0, detail::rows_of(w)}, &pool);
}

// ---- Owners M (i2s_matrix, tl1_matrix, tl2_matrix, ternary_matrix) and their input X ----
// y: [tokens][rows].
template <class M, class = detail::if_owner<M>>
inline void gemm(const M& w, const typename detail::owner<M>::input& x, float* y) {
  using O = detail::owner<M>;
  gemm(O::view(w), O::in(x), y, w.rows());
}
template <class M, class = detail::if_owner<M>>
inline void gemm(const M& w, const typename detail::owner<M>::input& x, out_span<float> y) {
  using O = detail::owner<M>;
  gemm(O::view(w), O::in(x), y, w.rows());
}
template <class M, class = detail::if_owner<M>>
inline void gemm_i32(const M& w, const typename detail::owner<M>::input& x, std::int32_t* yi) {
  using O = detail::owner<M>;
  gemm_i32(O::view(w), O::in(x), yi, w.rows());
}
template <class M, class = detail::if_owner<M>>
inline void gemm_i32(const M& w, const typename detail::owner<M>::input& x, out_span<std::int32_t> yi) {
  using O = detail::owner<M>;
  gemm_i32(O::view(w), O::in(x), yi, w.rows());
}
template <class M, class = detail::if_owner<M>>
inline void gemm(thread_pool& pool, const M& w, const typename detail::owner<M>::input& x, float* y) {
  using O = detail::owner<M>;
  gemm(pool, O::view(w), O::in(x), y, w.rows());
}
template <class M, class = detail::if_owner<M>>
inline void gemm(thread_pool& pool, const M& w, const typename detail::owner<M>::input& x, out_span<float> y) {
  using O = detail::owner<M>;
  gemm(pool, O::view(w), O::in(x), y, w.rows());
}
template <class M, class = detail::if_owner<M>>
inline void gemm_i32(thread_pool& pool, const M& w, const typename detail::owner<M>::input& x, std::int32_t* yi) {
  using O = detail::owner<M>;
  gemm_i32(pool, O::view(w), O::in(x), yi, w.rows());
}
template <class M, class = detail::if_owner<M>>
inline void gemm_i32(thread_pool& pool, const M& w, const typename detail::owner<M>::input& x,
                     out_span<std::int32_t> yi) {
  using O = detail::owner<M>;
  gemm_i32(pool, O::view(w), O::in(x), yi, w.rows());
}
// One token: y[0..rows).
template <class M, class = detail::if_owner<M>>
inline void gemv(const M& w, const typename detail::owner<M>::input& x, float* y) {
  detail::check_one_token(x.tokens());
  gemm(w, x, y);
}
template <class M, class = detail::if_owner<M>>
inline void gemv(const M& w, const typename detail::owner<M>::input& x, out_span<float> y) {
  detail::check_one_token(x.tokens());
  gemm(w, x, y);
}
template <class M, class = detail::if_owner<M>>
inline void gemv(thread_pool& pool, const M& w, const typename detail::owner<M>::input& x, float* y) {
  detail::check_one_token(x.tokens());
  gemm(pool, w, x, y);
}
template <class M, class = detail::if_owner<M>>
inline void gemv(thread_pool& pool, const M& w, const typename detail::owner<M>::input& x, out_span<float> y) {
  detail::check_one_token(x.tokens());
  gemm(pool, w, x, y);
}

// ---- Convenience: TL and ternary_matrix times plain activations; builds the tables (allocates).
// Prefer a shared table (tl1_lut, tl2_lut, ternary_input) when several matrices read x.
template <class M, class = detail::if_tables<M>>
inline void gemm(const M& w, const act_q8& x, float* y) {
  gemm(w, detail::owner<M>::tables(w, x), y);
}
template <class M, class = detail::if_tables<M>>
inline void gemm(const M& w, const act_q8& x, out_span<float> y) {
  gemm(w, detail::owner<M>::tables(w, x), y);
}
template <class M, class = detail::if_tables<M>>
inline void gemm_i32(const M& w, const act_q8& x, std::int32_t* yi) {
  gemm_i32(w, detail::owner<M>::tables(w, x), yi);
}
template <class M, class = detail::if_tables<M>>
inline void gemm_i32(const M& w, const act_q8& x, out_span<std::int32_t> yi) {
  gemm_i32(w, detail::owner<M>::tables(w, x), yi);
}
template <class M, class = detail::if_tables<M>>
inline void gemm(thread_pool& pool, const M& w, const act_q8& x, float* y) {
  gemm(pool, w, detail::owner<M>::tables(w, x), y);
}
template <class M, class = detail::if_tables<M>>
inline void gemm(thread_pool& pool, const M& w, const act_q8& x, out_span<float> y) {
  gemm(pool, w, detail::owner<M>::tables(w, x), y);
}
template <class M, class = detail::if_tables<M>>
inline void gemm_i32(thread_pool& pool, const M& w, const act_q8& x, std::int32_t* yi) {
  gemm_i32(pool, w, detail::owner<M>::tables(w, x), yi);
}
template <class M, class = detail::if_tables<M>>
inline void gemm_i32(thread_pool& pool, const M& w, const act_q8& x, out_span<std::int32_t> yi) {
  gemm_i32(pool, w, detail::owner<M>::tables(w, x), yi);
}
template <class M, class = detail::if_tables<M>>
inline void gemv(const M& w, const act_q8& x, float* y) {
  detail::check_one_token(x.tokens());
  gemm(w, x, y);
}
template <class M, class = detail::if_tables<M>>
inline void gemv(const M& w, const act_q8& x, out_span<float> y) {
  detail::check_one_token(x.tokens());
  gemm(w, x, y);
}
template <class M, class = detail::if_tables<M>>
inline void gemv(thread_pool& pool, const M& w, const act_q8& x, float* y) {
  detail::check_one_token(x.tokens());
  gemm(pool, w, x, y);
}
template <class M, class = detail::if_tables<M>>
inline void gemv(thread_pool& pool, const M& w, const act_q8& x, out_span<float> y) {
  detail::check_one_token(x.tokens());
  gemm(pool, w, x, y);
}

// ---- Group-scaled weights times activations quantized per group (act_group_view, act_group_q8):
//   y[t * ldy + r] = sum_g (d[r][g] * dot_g) / s[t][g]     (order: docs/kernels.md)
// The activation groups must be the matrix's (same G). Same checks and forms as above.
namespace detail {

inline void check_group_ga(const char* op, const i2s_group_view& w, const act_group_view& x, const float* y,
                           std::size_t ysize, bool sized, std::size_t ldy, std::size_t row0, std::size_t row1) {
  const call_name nm{"i2s_group", op};
  format_ops<i2s_group_view>::check_weights(nm, w);
  if (!y) throw error(nm.str() + ": null output");
  if (!x.q || !x.scale || x.n == 0) throw error(nm.str() + ": empty activations");
  if (x.k != w.k) throw error(nm.str() + ": activations have " + num(x.k) + " columns but the matrix has K = " + num(w.k));
  if (x.stride < w.kp) throw error(nm.str() + ": activation stride " + num(x.stride) + " < padded K " + num(w.kp));
  if (x.group != w.group || x.groups != w.groups)
    throw error(nm.str() + ": activations were quantized in groups of " + num(x.group) + ", the matrix has groups of " +
                num(w.group));
  if (row0 > row1 || row1 > w.m)
    throw error(nm.str() + ": row range [" + num(row0) + ", " + num(row1) + ") outside the matrix's " + num(w.m) +
                " rows");
  if (ldy < (x.n > 1 ? w.m : row1))
    throw error(nm.str() + ": output stride " + num(ldy) + " is smaller than M = " + num(w.m));
  if (sized) check_out_size(nm, ysize, x.n, ldy, row1);
}

inline void run_group_ga(const char* op, const i2s_group_view& w, const act_group_view& x, out_span<float> y,
                         bool sized, std::size_t ldy, std::size_t row0, std::size_t row1, thread_pool* pool) {
  check_group_ga(op, w, x, y.data, y.size, sized, ldy, row0, row1);
  const kernel_table& t = active_table();
  const act_view a{x.q, nullptr, nullptr, x.n, x.k, x.stride};  // scales: x.scale, per group
  const gemm_out o{y.data, nullptr, ldy};
  if (!pool) {
    t.i2s_group_gemm(w, a, x.scale, o, row0, row1);
    return;
  }
  struct job {  // captured by one reference: std::function keeps it in place (no allocation)
    const kernel_table& t;
    const i2s_group_view& w;
    act_view a;
    const float* gs;
    gemm_out o;
    std::size_t parts, step;
  };
  const std::size_t step = row_split_step(w);
  const job j{t, w, a, x.scale, o, std::max<std::size_t>(1, std::min<std::size_t>(pool->size(), (w.m + step - 1) / step)),
              step};
  pool->parallel_for(j.parts, [&j](std::size_t i) {
    const auto [r0, r1] = partition_rows(j.w.m, j.parts, i, j.step);
    if (r0 < r1) j.t.i2s_group_gemm(j.w, j.a, j.gs, j.o, r0, r1);
  });
}

}  // namespace detail

inline void gemm(const i2s_group_view& w, const act_group_view& x, float* y, std::size_t ldy, std::size_t row0,
                 std::size_t row1) {
  detail::run_group_ga("gemm", w, x, {y, 0}, false, ldy, row0, row1, nullptr);
}
inline void gemm(const i2s_group_view& w, const act_group_view& x, out_span<float> y, std::size_t ldy,
                 std::size_t row0, std::size_t row1) {
  detail::run_group_ga("gemm", w, x, y, true, ldy, row0, row1, nullptr);
}
inline void gemm(const i2s_group_view& w, const act_group_view& x, float* y, std::size_t ldy) {
  gemm(w, x, y, ldy, 0, w.m);
}
inline void gemm(const i2s_group_view& w, const act_group_view& x, out_span<float> y, std::size_t ldy) {
  gemm(w, x, y, ldy, 0, w.m);
}
inline void gemm(thread_pool& pool, const i2s_group_view& w, const act_group_view& x, float* y, std::size_t ldy) {
  detail::run_group_ga("gemm", w, x, {y, 0}, false, ldy, 0, w.m, &pool);
}
inline void gemm(thread_pool& pool, const i2s_group_view& w, const act_group_view& x, out_span<float> y,
                 std::size_t ldy) {
  detail::run_group_ga("gemm", w, x, y, true, ldy, 0, w.m, &pool);
}
// Owners; y: [tokens][rows].
inline void gemm(const i2s_group_matrix& w, const act_group_q8& x, float* y) { gemm(w.view(), x.view(), y, w.rows()); }
inline void gemm(const i2s_group_matrix& w, const act_group_q8& x, out_span<float> y) {
  gemm(w.view(), x.view(), y, w.rows());
}
inline void gemm(thread_pool& pool, const i2s_group_matrix& w, const act_group_q8& x, float* y) {
  gemm(pool, w.view(), x.view(), y, w.rows());
}
inline void gemm(thread_pool& pool, const i2s_group_matrix& w, const act_group_q8& x, out_span<float> y) {
  gemm(pool, w.view(), x.view(), y, w.rows());
}
inline void gemv(const i2s_group_matrix& w, const act_group_q8& x, float* y) {
  detail::check_one_token(x.tokens());
  gemm(w, x, y);
}
inline void gemv(const i2s_group_matrix& w, const act_group_q8& x, out_span<float> y) {
  detail::check_one_token(x.tokens());
  gemm(w, x, y);
}
inline void gemv(thread_pool& pool, const i2s_group_matrix& w, const act_group_q8& x, float* y) {
  detail::check_one_token(x.tokens());
  gemm(pool, w, x, y);
}
inline void gemv(thread_pool& pool, const i2s_group_matrix& w, const act_group_q8& x, out_span<float> y) {
  detail::check_one_token(x.tokens());
  gemm(pool, w, x, y);
}

TRITLUT_END_TARGET_NS
