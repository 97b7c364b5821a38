// SPDX-License-Identifier: MIT
// tritlut/kernels/i2s.hpp - I2_S GEMV / small-batch GEMM, generic over the ISA tag.
//
// Unsigned-code form (FORMATS.md 2): raw = sum c*q with c = w + 1 in 0..2, dot = raw - act_sum.
// GEMV (one token): a tile of R rows loads each row's weight vector once, unpacks its 4 2-bit planes
// and multiplies them with the token's activations, R row streams sharing every activation load.
// GEMM (a batch): per R rows and chunk of 16 weight vectors the codes are unpacked once into a small
// buffer, then every group of NB tokens runs over it with an R x NB register tile - the weights
// are read from memory once per batch and unpacked once per batch, not once per token.
//
// Overflow: an int16 lane gains <= 508 per madd_u8s8 and 4 per weight vector (one per plane), so
// the int16 accumulators are widened to int32 every 16 weight vectors: 64 * 508 = 32512 <= 32767
// for any K. int32 is exact while 127*K < 2^31.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../arch/ops.hpp"
#include "../types.hpp"
#include "reference.hpp"

TRITLUT_BEGIN_TARGET_NS
namespace kernels::detail {
// Tile shapes per ISA, chosen with tritlut-bench on 6912 x 2560 (docs/tuning.md). Two rows per
// GEMV tile beat four on AVX2 and AVX-512 (four row streams plus the activations exhaust the 16 ymm
// registers and the load ports). The batched tile is R x NB accumulators in registers.
// GEMV from DRAM: a tile of R rows of at most this many bytes is "short": two tile streams per
// thread, next tile prefetched into L1 (6912x2560, 1280-byte tiles: 14% less time than one stream);
// longer tiles run one stream, next tile prefetched into L2 (4096x12032, 6016-byte tiles: two
// streams are 5% slower). AVX-512 VNNI, 2 threads.
inline constexpr std::size_t i2s_gemv_near_tile_bytes = 2048;

template <class Tag>
struct i2s_tile_traits {
  static constexpr int gemv_rows = 2;  // R for one token: 2 row streams share each activation load
  static constexpr int gemm_rows = 2;  // R x NB register tile of the batched path (16 registers)
  static constexpr int gemm_tokens = 4;
};
template <>
struct i2s_tile_traits<isa::avx512> {
  static constexpr int gemv_rows = 2;
  static constexpr int gemm_rows = 4;  // 32 zmm registers: 4 x 4 accumulators + codes + activations
  static constexpr int gemm_tokens = 4;
};
template <>
struct i2s_tile_traits<isa::avx512_vnni> : i2s_tile_traits<isa::avx512> {};
template <>
struct i2s_tile_traits<isa::neon> {
  static constexpr int gemv_rows = 2;
  static constexpr int gemm_rows = 4;  // 32 q registers, like AVX-512
  static constexpr int gemm_tokens = 4;
};
template <>
struct i2s_tile_traits<isa::neon_dotprod> : i2s_tile_traits<isa::neon> {};
}  // namespace kernels::detail
TRITLUT_END_TARGET_NS

TRITLUT_BEGIN_TARGET_NS
namespace kernels {

namespace detail {

// Writes the epilogue for one (token, row): dot -> int32 or f32 ((float)dot / act_scale) * alpha.
TRITLUT_INLINE void i2s_store(const gemm_out& out, const act_view& x, float alpha, std::size_t n, std::size_t r,
                              std::int32_t raw) noexcept {
  const std::int32_t dot = raw - x.sum[n];
  if (out.yi) out.yi[n * out.ld + r] = dot;
  else out.y[n * out.ld + r] = ref::dequantize(dot, x.scale[n], alpha);
}

// GEMV tile: rows [r0, r0 + R) times the one token of x.
template <class Tag, int R>
inline void i2s_gemv_tile(const i2s_view& w, const act_view& x, const gemm_out& out, std::size_t r0) noexcept {
  using O = arch::simd_ops<Tag>;
  using vec = typename O::vec;
  constexpr std::size_t V = O::bytes;
  const std::size_t row_bytes = w.kp / 4;
  const std::uint8_t* wp[R];
  TRITLUT_UNROLL
  for (int r = 0; r < R; ++r) wp[r] = w.data + (r0 + r) * row_bytes;

  vec acc32[R];
  vec acc16[R];
  TRITLUT_UNROLL
  for (int r = 0; r < R; ++r) acc32[r] = acc16[r] = O::zero();

  // One plane: unpack each row's codes once; the token's activations are loaded once for all rows.
  auto plane = [&](const vec* wv, std::size_t o, auto g_const) TRITLUT_INLINE_LAMBDA {
    constexpr int g = decltype(g_const)::value;
    const vec a = O::load_i2s_act(x.q, o, g);
    TRITLUT_UNROLL
    for (int r = 0; r < R; ++r) {
      const vec c = O::template codes<6 - 2 * g>(wv[r]);
      if constexpr (O::direct32) acc32[r] = O::dot32(acc32[r], c, a);
      else acc16[r] = O::madd_u8s8(acc16[r], c, a);
    }
  };
  auto step = [&](const vec* wv, std::size_t o) TRITLUT_INLINE_LAMBDA {
    plane(wv, o, std::integral_constant<int, 0>{});
    plane(wv, o, std::integral_constant<int, 1>{});
    plane(wv, o, std::integral_constant<int, 2>{});
    plane(wv, o, std::integral_constant<int, 3>{});
  };
  auto widen_all = [&]() TRITLUT_INLINE_LAMBDA {
    if constexpr (!O::direct32) {
      TRITLUT_UNROLL
      for (int r = 0; r < R; ++r) {
        acc32[r] = O::widen(acc32[r], acc16[r]);
        acc16[r] = O::zero();
      }
    }
  };

  // Software prefetch of the same offset of the next tile (R * row_bytes on): rows are short
  // (640 bytes for K = 2560), so the hardware stream prefetcher keeps restarting; this keeps DRAM
  // busy while we compute. Into L1 when tiles are short, into L2 when they are long (a far L1
  // prefetch would be evicted before use).
  const std::size_t pf_dist = R * row_bytes;
  const bool near = pf_dist <= i2s_gemv_near_tile_bytes;
  constexpr std::size_t widen_every = 16;  // weight vectors between widenings (see header)
  const std::size_t full = row_bytes / V * V;
  std::size_t o = 0;
  while (o < full) {
    const std::size_t end = std::min(full, o + widen_every * V);
    for (; o < end; o += V) {
      vec wv[R];
      TRITLUT_UNROLL
      for (int r = 0; r < R; ++r) {
        if (near) __builtin_prefetch(wp[r] + o + pf_dist, 0, 3);
        else __builtin_prefetch(wp[r] + o + pf_dist, 0, 2);
        wv[r] = O::load(wp[r] + o);
      }
      step(wv, o);
    }
    widen_all();
  }
  if constexpr (V > 32) {
    // AVX-512: an odd number of 32-byte blocks leaves one block; its upper half loads as zero codes.
    if (o < row_bytes) {
      vec wv[R];
      TRITLUT_UNROLL
      for (int r = 0; r < R; ++r) wv[r] = O::load_half(wp[r] + o);
      step(wv, o);
      widen_all();
    }
  }
  TRITLUT_UNROLL
  for (int r = 0; r < R; ++r) i2s_store(out, x, w.alpha, 0, r0 + r, O::hsum(acc32[r]));
}

// ---- Batched path: codes unpacked once per row chunk, reused by every token of the batch.
//
// A chunk is i2s_chunk_vectors weight vectors (the int16 widening interval, so one chunk's
// products fit an int16 lane: 16 vectors x 4 planes x 508 = 32512). The R rows' codes of a chunk
// are unpacked into a small buffer (R x 16 x 4 vectors: 4 KiB for AVX2 R = 2), then every group of
// NB tokens runs over it with one register tile of R x NB accumulators: per u8*s8 multiply only the
// multiply-add and the int16 add remain on the vector ALUs (the shift and mask are paid once per
// batch, and code/activation loads go to the load ports).
inline constexpr std::size_t i2s_chunk_vectors = 16;
inline constexpr std::size_t i2s_token_block = 64;  // int32 partial sums kept per block of tokens

template <class Tag, int R>
TRITLUT_INLINE void i2s_unpack_chunk(const std::uint8_t* const* wp, std::size_t o0, std::size_t nv, std::size_t row_bytes,
                                     typename arch::simd_ops<Tag>::vec* buf) noexcept {
  using O = arch::simd_ops<Tag>;
  using vec = typename O::vec;
  constexpr std::size_t V = O::bytes;
  TRITLUT_UNROLL
  for (int r = 0; r < R; ++r)
    for (std::size_t v = 0; v < nv; ++v) {
      const std::size_t o = o0 + v * V;
      vec w;
      if constexpr (V > 32) w = (o + V <= row_bytes) ? O::load(wp[r] + o) : O::load_half(wp[r] + o);
      else w = O::load(wp[r] + o);
      vec* b = buf + (std::size_t(r) * i2s_chunk_vectors + v) * 4;
      b[0] = O::template codes<6>(w);
      b[1] = O::template codes<4>(w);
      b[2] = O::template codes<2>(w);
      b[3] = O::template codes<0>(w);
    }
}

// The batched path's outputs go through a tile of i2s_out_rows rows x one token block, written to
// `out` a token's run of rows (one cache line of floats) at a time. Written per row group straight
// into `out`, every output line was fetched again for each row group (the activations stream
// through the caches in between), which made the AVX-512 VNNI GEMM 8% slower (64 tokens).
inline constexpr std::size_t i2s_out_rows = 16;
struct i2s_out_tile {
  alignas(64) float y[i2s_token_block][i2s_out_rows];
  alignas(64) std::int32_t yi[i2s_token_block][i2s_out_rows];
};

// Column col of the tile for tokens [t0, t0 + tn), tn <= i2s_token_block, from their int32
// partial sums (one vector per token): the sums hsums_n tokens at a time, then ref::dequantize in
// plain loops over contiguous arrays, which the compiler vectorizes with the same IEEE operations
// per element. (Not xsimd: 8.1 divides float batches on NEON64 by a refined
// reciprocal estimate, which is not correctly rounded.)
template <class Tag>
TRITLUT_INLINE void i2s_finish_tokens(const act_view& x, float alpha, bool as_int, std::size_t t0, std::size_t tn,
                                      const typename arch::simd_ops<Tag>::vec* acc, i2s_out_tile& tile,
                                      std::size_t col) noexcept {
  using O = arch::simd_ops<Tag>;
  constexpr std::size_t G = O::hsums_n;
  alignas(64) std::int32_t dot[i2s_token_block];
  alignas(64) float y[i2s_token_block];
  const std::size_t tg = tn / G * G;
  for (std::size_t n = 0; n < tg; n += G) O::hsums(acc + n, dot + n);
  for (std::size_t n = tg; n < tn; ++n) dot[n] = O::hsum(acc[n]);
  const std::int32_t* sum = x.sum + t0;
  const float* scale = x.scale + t0;
  if (as_int) {
    for (std::size_t n = 0; n < tn; ++n) tile.yi[n][col] = dot[n] - sum[n];
    return;
  }
  // Contiguous first (vectorized), then into the tile's column.
  for (std::size_t n = 0; n < tn; ++n) y[n] = ref::dequantize(dot[n] - sum[n], scale[n], alpha);
  for (std::size_t n = 0; n < tn; ++n) tile.y[n][col] = y[n];
}

// Rows [rt, rt + rows) of the tile to `out`, tokens [t0, t0 + tn).
TRITLUT_INLINE void i2s_flush_tile(const gemm_out& out, const i2s_out_tile& tile, std::size_t t0, std::size_t tn,
                                   std::size_t rt, std::size_t rows) noexcept {
  auto copy = [&](auto* dst, const auto& src) {
    for (std::size_t n = 0; n < tn; ++n) {
      auto* d = dst + (t0 + n) * out.ld + rt;
      if (rows == i2s_out_rows) std::memcpy(d, src[n], sizeof src[n]);  // fixed size: inlined
      else std::memcpy(d, src[n], rows * sizeof src[n][0]);
    }
  };
  if (out.yi) copy(out.yi, tile.yi);
  else copy(out.y, tile.y);
}

// acc32[r][n] += the chunk's products for rows r < R and tokens n0 + n, n < NB.
template <class Tag, int R, int NB>
TRITLUT_INLINE void i2s_chunk_tokens(const typename arch::simd_ops<Tag>::vec* buf, std::size_t o0, std::size_t nv,
                                     const act_view& x, std::size_t n0, typename arch::simd_ops<Tag>::vec* acc32,
                                     std::size_t acc_ld) noexcept {
  using O = arch::simd_ops<Tag>;
  using vec = typename O::vec;
  constexpr std::size_t V = O::bytes;
  const std::int8_t* qp[NB];
  TRITLUT_UNROLL
  for (int n = 0; n < NB; ++n) qp[n] = x.q + (n0 + n) * x.stride;
  vec acc[R][NB];
  TRITLUT_UNROLL
  for (int r = 0; r < R; ++r)
    TRITLUT_UNROLL
    for (int n = 0; n < NB; ++n) acc[r][n] = O::direct32 ? acc32[r * acc_ld + n] : O::zero();
  for (std::size_t v = 0; v < nv; ++v) {
    const std::size_t o = o0 + v * V;
    TRITLUT_UNROLL
    for (int g = 0; g < 4; ++g) {
      vec a[NB];
      TRITLUT_UNROLL
      for (int n = 0; n < NB; ++n) {
        a[n] = O::load_i2s_act(qp[n], o, g);
        // In a register: g++ 12 otherwise folds the load into each of the R maddubs that use it (R
        // loads instead of one, unlaminated by the indexed address): the AVX2 GEMM (64 tokens) is
        // 20% faster with it. Clang needs none.
        TRITLUT_KEEP_ACCUMULATOR(a[n]);
      }
      TRITLUT_UNROLL
      for (int r = 0; r < R; ++r) {
        const vec c = buf[(std::size_t(r) * i2s_chunk_vectors + v) * 4 + g];
        TRITLUT_UNROLL
        for (int n = 0; n < NB; ++n) {
          if constexpr (O::direct32) acc[r][n] = O::dot32(acc[r][n], c, a[n]);
          else acc[r][n] = O::madd_u8s8(acc[r][n], c, a[n]);
        }
      }
    }
  }
  TRITLUT_UNROLL
  for (int r = 0; r < R; ++r)
    TRITLUT_UNROLL
    for (int n = 0; n < NB; ++n) {
      if constexpr (O::direct32) acc32[r * acc_ld + n] = acc[r][n];
      else acc32[r * acc_ld + n] = O::widen(acc32[r * acc_ld + n], acc[r][n]);
    }
}

// R rows [r0, r0 + R) times tokens [t0, t0 + tn) of x (tn <= i2s_token_block), into tile columns
// [col, col + R).
template <class Tag, int R, int NB>
inline void i2s_gemm_rows(const i2s_view& w, const act_view& x, bool as_int, std::size_t t0, std::size_t tn,
                          std::size_t r0, i2s_out_tile& tile, std::size_t col) noexcept {
  using O = arch::simd_ops<Tag>;
  using vec = typename O::vec;
  constexpr std::size_t V = O::bytes;
  const std::size_t row_bytes = w.kp / 4;
  const std::size_t n_vec = (row_bytes + V - 1) / V;  // AVX-512: a trailing half vector counts as one
  const std::uint8_t* wp[R];
  TRITLUT_UNROLL
  for (int r = 0; r < R; ++r) wp[r] = w.data + (r0 + r) * row_bytes;
  vec buf[R * i2s_chunk_vectors * 4];
  vec acc32[R * i2s_token_block];  // [R][token in block]
  for (std::size_t i = 0; i < std::size_t(R) * i2s_token_block; ++i) acc32[i] = O::zero();
  for (std::size_t v0 = 0; v0 < n_vec; v0 += i2s_chunk_vectors) {
    const std::size_t nv = std::min(i2s_chunk_vectors, n_vec - v0);
    i2s_unpack_chunk<Tag, R>(wp, v0 * V, nv, row_bytes, buf);
    std::size_t n = 0;
    for (; n + NB <= tn; n += NB) i2s_chunk_tokens<Tag, R, NB>(buf, v0 * V, nv, x, t0 + n, acc32 + n, i2s_token_block);
    for (; n < tn; ++n) i2s_chunk_tokens<Tag, R, 1>(buf, v0 * V, nv, x, t0 + n, acc32 + n, i2s_token_block);
  }
  TRITLUT_UNROLL
  for (int r = 0; r < R; ++r)
    i2s_finish_tokens<Tag>(x, w.alpha, as_int, t0, tn, acc32 + r * i2s_token_block, tile, col + std::size_t(r));
}

}  // namespace detail

// Scalar tier: plain loops over the packed bytes (also correct for any layout detail above).
inline void i2s_gemm(const i2s_view& w, const act_view& x, const gemm_out& out, std::size_t row0, std::size_t row1,
                     isa::scalar) noexcept {
  const std::size_t row_bytes = w.kp / 4;
  for (std::size_t r = row0; r < row1; ++r) {
    const std::uint8_t* wr = w.data + r * row_bytes;
    for (std::size_t n = 0; n < x.n; ++n) {
      const std::int8_t* q = x.q + n * x.stride;
      std::int32_t raw = 0;
      for (std::size_t b = 0; b < row_bytes / 32; ++b) {
        const std::uint8_t* blk = wr + b * 32;
        const std::int8_t* qb = q + b * 128;
        for (int p = 0; p < 32; ++p) {
          const unsigned byte = blk[p];
          raw += static_cast<std::int32_t>((byte >> 6) & 3) * qb[p] + static_cast<std::int32_t>((byte >> 4) & 3) * qb[p + 32] +
                 static_cast<std::int32_t>((byte >> 2) & 3) * qb[p + 64] + static_cast<std::int32_t>(byte & 3) * qb[p + 96];
        }
      }
      detail::i2s_store(out, x, w.alpha, n, r, raw);
    }
  }
}

// SIMD tiers. Rows [row0, row1) of W times every token of x. Preconditions (checked by the public
// API, not here): x.k == w.k, x.stride >= w.kp, row1 <= w.m.
template <class Tag, class = typename arch::simd_ops<Tag>::vec>
inline void i2s_gemm(const i2s_view& w, const act_view& x, const gemm_out& out, std::size_t row0, std::size_t row1,
                     Tag) noexcept {
  using T = detail::i2s_tile_traits<Tag>;
  if (x.n == 1) {
    // Short tiles: the row range is cut into two contiguous segments whose tiles are visited in
    // turn (two independent DRAM streams per thread keep more lines in flight); long tiles stream
    // well on their own. See i2s_gemv_near_tile_bytes for the measurements.
    constexpr int R = T::gemv_rows;
    const std::size_t S = R * (w.kp / 4) <= detail::i2s_gemv_near_tile_bytes ? 2 : 1;
    const std::size_t tiles = (row1 - row0) / R;
    const std::size_t seg = (tiles + S - 1) / S;
    for (std::size_t i = 0; i < seg; ++i)
      for (std::size_t s = 0; s < S; ++s)
        if (s * seg + i < tiles) detail::i2s_gemv_tile<Tag, R>(w, x, out, row0 + (s * seg + i) * R);
    for (std::size_t r = row0 + tiles * R; r < row1; ++r) detail::i2s_gemv_tile<Tag, 1>(w, x, out, r);
    return;
  }
  // Batched: per block of tokens, tiles of i2s_out_rows rows, each in groups of R rows (the
  // weights are read and unpacked once per token block).
  constexpr int R = T::gemm_rows, NB = T::gemm_tokens;
  static_assert(detail::i2s_out_rows % R == 0, "row groups tile the output tile");
  const bool as_int = out.yi != nullptr;
  detail::i2s_out_tile tile;
  for (std::size_t t0 = 0; t0 < x.n; t0 += detail::i2s_token_block) {
    const std::size_t tn = std::min(detail::i2s_token_block, x.n - t0);
    for (std::size_t rt = row0; rt < row1; rt += detail::i2s_out_rows) {
      const std::size_t re = std::min(row1, rt + detail::i2s_out_rows);
      std::size_t r = rt;
      for (; r + R <= re; r += R) detail::i2s_gemm_rows<Tag, R, NB>(w, x, as_int, t0, tn, r, tile, r - rt);
      for (; r < re; ++r) detail::i2s_gemm_rows<Tag, 1, NB>(w, x, as_int, t0, tn, r, tile, r - rt);
      detail::i2s_flush_tile(out, tile, t0, tn, rt, re - rt);
    }
  }
}

}  // namespace kernels
TRITLUT_END_TARGET_NS
