// SPDX-License-Identifier: MIT
// tritlut/kernels/tl_engine.hpp - the lookup-table GEMV/GEMM engine shared by TL1 and TL2.
//
// A tile holds mr rows; one column of it is mr index bytes (one per row, two items per byte). A
// "chunk" is one vector of those bytes (V = 16/32/64 rows). Per column and chunk the engine:
//   loads the index vector, splits the nibbles (and, shift+and)               - shared by all tokens
//   [TL2] derives this column's two sign multipliers/masks from the group's sign bytes
//   per token: broadcasts 4 table planes (2 items x l/h), 4 x lut16,
//   [TL2] negates the l and h parts of negative triples (psignb on SSE4.1/AVX2, a masked subtract
//   on AVX-512: -(l + 28h) = -l + 28(-h); NEON complements them instead, 28*~h + ~l = -e - 29, and
//   the store adds 29 per negative triple from tl2_view::neg),
//   and adds the l and h parts to two byte accumulators. After each group of columns (TL2: a sign
//   group of 4, TL1: 5) one multiply-add per half rebuilds l + base*h into int16 accumulators
//   (base 28 for TL2 triples, 22 for TL1 pairs: tl_split in formats/tl_common.hpp). On AVX2 that is
//   18.75 vector uops per column and chunk for TL2 (3 index, 4 pshufb, 4 psignb, 4 byte adds, 2.25
//   for the sign multipliers, 1.5 to fold) and 12.2 for TL1 (3 + 4 + 4 + 1.2).
// Bounds (FORMATS.md 4.5), with external activations down to q = -128 allowed:
//   bytes: TL1 |l| <= 11, |h| <= 12 -> a group of 10 lookups sums to <= 120; TL2 |l|, |-l|, |~l| <= 14
//   and |h|, |-h| <= 14, |~h| <= 15 -> a sign group of 8 lookups sums to <= 120.
//   int16 accumulators are widened to int32 every `window` columns:
//   TL1: |entry| <= 2*128 = 256, 2 per column -> 60 columns (whole groups) = 120 lookups <= 30720
//   TL2: |term| <= 3*128 = 384 negated, 3*128 + 29 = 413 complemented (NEON), 2 per column ->
//        36 columns (whole sign groups) = 72 lookups <= 29736 <= 32767 on every tier;
//        the TL1-coded tail (<= 2 columns) runs in its own window.
// int32 is exact while 127*K < 2^31. Accumulator lanes are rows in unpack order; the store maps
// them back: row = chunk*V + 16*lane + 8*(unpackhi) + 2*p + (odd).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "../arch/ops.hpp"
#include "../formats/tl_common.hpp"
#include "../types.hpp"
#include "reference.hpp"

TRITLUT_BEGIN_TARGET_NS
namespace kernels {
namespace detail {
// Kernel tile shapes per ISA (compile-time; the layout's mr is a run-time property of the matrix).
template <class Tag>
struct tl_kernel_traits {
  static constexpr int gemv_chunks = 4;   // TL1: index vectors per pass of one token (share table loads)
  static constexpr int tl2_gemv_chunks = 2;  // TL2 also keeps sign state live
  static constexpr int gemm_chunks = 1;   // index vectors per pass of a token group
  static constexpr int gemm_tokens = 4;   // tokens per pass (share index/sign decoding)
  static constexpr std::size_t tl1_window = 60;  // columns between widenings (see engine header)
  static constexpr std::size_t tl2_window = 36;
  static constexpr bool tl2_gemv_sequential = false;  // TL2 GEMV: the chunks of a window one by one
};
template <>
struct tl_kernel_traits<isa::avx2> : tl_kernel_traits<isa::scalar> {
  static constexpr int gemv_chunks = 2;  // 16 ymm: 2 x (2 byte + 2 int16) sums, 4 tables, temporaries
  // TL2 takes the whole 64-row tile per pass, so each 64-byte line of indices and signs is read
  // from L2/L3 once (from DRAM 14% less time than one chunk per pass), but the two chunks run one after
  // the other within each int16 window: the second finds the window's lines in L1, and each keeps
  // its registers to itself (side by side they spilled a third of a column's work).
  static constexpr int tl2_gemv_chunks = 2;
  static constexpr bool tl2_gemv_sequential = true;
};
template <>
struct tl_kernel_traits<isa::avx512> : tl_kernel_traits<isa::scalar> {
  static constexpr int gemv_chunks = 1;
  static constexpr int tl2_gemv_chunks = 1;
};
template <>
struct tl_kernel_traits<isa::avx512_vnni> : tl_kernel_traits<isa::avx512> {};

// Largest windows for any int8 activations (|q| <= 128, so external activations with -128 are
// safe too): TL1 |e| <= 256, TL2 |complemented e| <= 3*128 + 29 = 413 (the larger of the two sign
// forms), two lookups per column.
inline constexpr std::size_t tl1_max_window = 32767 / (2 * 256);  // 63 columns
inline constexpr std::size_t tl2_max_window = 32767 / (2 * (3 * 128 + tritlut::detail::tl2_neg_fix));  // 39 columns

// The 128-bit tier of a family: used when a matrix's mr is not a multiple of the vector width.
template <class Tag>
struct tl_narrow {
  using type = Tag;
};
#if TRITLUT_HAS_SSE41
template <>
struct tl_narrow<isa::avx2> {
  using type = isa::sse41;
};
template <>
struct tl_narrow<isa::avx512> {
  using type = isa::sse41;
};
template <>
struct tl_narrow<isa::avx512_vnni> {
  using type = isa::sse41;
};
#endif

// One region of a tile: cols index columns, item of column u's low nibble = item0 + 2u.
struct tl_region {
  const std::uint8_t* idx = nullptr;   // [cols][mr] of this tile
  const std::uint8_t* sign = nullptr;  // [ceil(cols/4)][mr] of this tile, TL2 triples only
  std::size_t cols = 0, item0 = 0;
};

// GEMV prefetch into L2 (locality 2) of p's copy one tile on (tile_bytes: the same column of the
// next tile), or tl_prefetch_max_bytes on when tiles are longer than that (wide K: the prefetch
// then runs ahead inside the tile). From DRAM the prefetch takes a fifth off TL2 GEMV (6912x2560,
// AVX-512, 2 threads); with the 3 KiB cap wide K (8192x24576, 262 KiB tiles) takes 16% less time
// than with an 8 KiB one (TL2, AVX2, 1 thread), and 1 KiB is too short (docs/tuning.md).
// Interleaving tile segments (as I2_S does) does not help: each tile already streams its index and
// sign regions side by side. Address arithmetic in integers: past the last tile it points outside
// the buffer, which a prefetch may do (it never faults).
inline constexpr std::size_t tl_prefetch_max_bytes = 3072;
TRITLUT_INLINE void tl_prefetch(const std::uint8_t* p, std::size_t tile_bytes) noexcept {
  const std::size_t ahead = std::min(tile_bytes, tl_prefetch_max_bytes);
  __builtin_prefetch(reinterpret_cast<const void*>(reinterpret_cast<std::uintptr_t>(p) + ahead), 0, 2);
}

// Byte masks selecting sign bit b of every byte, one 64-byte row per bit, loaded rather than splat
// from an immediate: AVX-512 (vptestmb) and NEON (vtst) read every row, SSE4.1/AVX2 row 0 (the
// guard bit of their psignb multipliers).
struct tl_bit_masks {
  alignas(64) std::uint8_t b[8][64];
};
constexpr tl_bit_masks make_tl_bit_masks() noexcept {
  tl_bit_masks m{};
  for (unsigned i = 0; i < 8; ++i)
    for (unsigned j = 0; j < 64; ++j) m.b[i][j] = static_cast<std::uint8_t>(1u << i);
  return m;
}
inline constexpr tl_bit_masks tl_sign_bits = make_tl_bit_masks();

template <int Begin, int End, class F>
TRITLUT_INLINE void tl_static_for(F&& f) noexcept {
  if constexpr (Begin < End) {
    f(std::integral_constant<int, Begin>{});
    tl_static_for<Begin + 1, End>(f);
  }
}

// ---- What differs between TL1 and TL2 ----
// The TL2 tail (k % 3 weights, coded as TL1 pairs) runs under tl1_policy.

struct tl1_policy {
  static constexpr int group = tritlut::detail::tl1_group;      // columns per byte sum: 10 lookups, |h| <= 12 -> <= 120
  static constexpr int base = tritlut::detail::tl1_split.base;  // entries l + 22h
  static constexpr bool sign_groups = false;   // pairs index all 9 patterns: no sign bits
  template <class Tag>
  static constexpr std::size_t window = tl_kernel_traits<Tag>::tl1_window;
  template <class Tag>
  static constexpr int gemv_chunks = tl_kernel_traits<Tag>::gemv_chunks;
  template <class Tag>
  static constexpr bool gemv_chunks_in_turn = false;
};

struct tl2_policy {
  static constexpr int group = tritlut::detail::tl2_group;      // one sign group: 8 lookups, |h| <= 15 -> <= 120
  static constexpr int base = tritlut::detail::tl2_split.base;  // entries l + 28h
  // A triple's two lookups are negated (complemented where !simd_ops::tl2_negates) where its bit
  // in the sign byte of its group (4 columns = 8 triples, one byte per row) is set.
  static constexpr bool sign_groups = true;
  template <class Tag>
  static constexpr std::size_t window = tl_kernel_traits<Tag>::tl2_window;
  template <class Tag>
  static constexpr int gemv_chunks = tl_kernel_traits<Tag>::tl2_gemv_chunks;
  template <class Tag>
  static constexpr bool gemv_chunks_in_turn = tl_kernel_traits<Tag>::tl2_gemv_sequential;
};

// What the windows of a pass read: one region of the tile, the chunks from chunk0 on, each
// token's tables.
struct tl_window_src {
  const tl_region& region;
  std::size_t mr, chunk0;
  const std::uint8_t* const* tables;  // [Tokens]
};

// ---- The hot loop ----

// Columns [col0, col1) (one int16 window) of chunks chunk0 + First .. chunk0 + Last - 1 of a pass
// (its other chunks are left alone): the l and h parts of the lookups summed as bytes over groups of
// Policy::group columns, folded into int16 sums l + base*h after each group, and widened into
// sum32 at the end.
template <class Tag, class Policy, int First, int Last, int Tokens, int Chunks>
TRITLUT_INLINE void tl_window(const tl_window_src& src, std::size_t col0, std::size_t col1,
                              typename arch::simd_ops<Tag>::vec (&sum32)[Tokens][Chunks][4]) noexcept {
  using O = arch::simd_ops<Tag>;
  using vec = typename O::vec;
  constexpr std::size_t V = O::bytes;
  constexpr int chunks = Last - First;  // side by side in this window
  const tl_region& region = src.region;
  const std::size_t mr = src.mr, chunk0 = src.chunk0;
  const std::uint8_t* const* tables = src.tables;
  const std::size_t chunk = chunk0 + First;
  vec sum16[Tokens][chunks][2], sum8[Tokens][chunks][2];
  for (int n = 0; n < Tokens; ++n)
    for (int c = 0; c < chunks; ++c) sum16[n][c][0] = sum16[n][c][1] = sum8[n][c][0] = sum8[n][c][1] = O::zero();
  // GEMV streams the matrix once: fetch the same column of a later tile (the regions are
  // [tile][cols][mr], so a tile is cols * mr bytes) while this one computes. A later pass over
  // the same columns (First > 0) finds them in L1.
  constexpr bool prefetch = Tokens == 1 && First == 0;

  // TL2: the bit masks come from memory: GCC turns constant vectors into movabs + vpbroadcast (a
  // shuffle uop) per column, and folds loads from a visible constant table back into those, so the
  // table's address is hidden from it.
  [[maybe_unused]] const std::uint8_t* bits = tl_sign_bits.b[0];
  if constexpr (Policy::sign_groups) TRITLUT_HIDE_POINTER(bits);

  using smask = typename O::smask;
  // Column col: items 2col and 2col+1 of the region (low and high nibble of each row's index
  // byte), 4 lookups per chunk and token; mask0/mask1: the signs of the two triples (TL2).
  auto column = [&](std::size_t col, const smask* mask0, const smask* mask1) TRITLUT_INLINE_LAMBDA {
    vec idx0[chunks], idx1[chunks];
    if constexpr (prefetch) tl_prefetch(region.idx + col * mr + chunk0 * V, region.cols * mr);
    for (int c = 0; c < chunks; ++c) {
      const vec v = O::load(region.idx + col * mr + (chunk + c) * V);
      idx0[c] = O::nib_lo(v);
      idx1[c] = O::nib_hi(v);
    }
    for (int n = 0; n < Tokens; ++n) {
      const std::uint8_t* table = tables[n] + (region.item0 + 2 * col) * tl_lut_item_bytes;
      for (int c = 0; c < chunks; ++c) {
        const vec table_l0 = O::load_table16(table), table_h0 = O::load_table16(table + 16);
        const vec table_l1 = O::load_table16(table + 32), table_h1 = O::load_table16(table + 48);
        vec l0 = O::lut16(table_l0, idx0[c]), h0 = O::lut16(table_h0, idx0[c]);
        vec l1 = O::lut16(table_l1, idx1[c]), h1 = O::lut16(table_h1, idx1[c]);
        if constexpr (Policy::sign_groups) {  // negated (complemented) where the triple is negative
          l0 = O::flip(l0, mask0[c]);
          h0 = O::flip(h0, mask0[c]);
          l1 = O::flip(l1, mask1[c]);
          h1 = O::flip(h1, mask1[c]);
        }
        sum8[n][c][0] = O::add8(O::add8(sum8[n][c][0], l0), l1);
        sum8[n][c][1] = O::add8(O::add8(sum8[n][c][1], h0), h1);
        // Compiler steering (emits nothing): without it g++ 12 reassociates the adds across
        // columns and spills the partial sums (AVX2 TL1/TL2 GEMM 9-12% faster with it).
        TRITLUT_KEEP_ACCUMULATOR(sum8[n][c][0]);
        TRITLUT_KEEP_ACCUMULATOR(sum8[n][c][1]);
      }
    }
  };
  // End of a group: rebuild int16 sums l + base*h (|part sums| <= 120, tl_common.hpp).
  auto fold = [&]() TRITLUT_INLINE_LAMBDA {
    for (int n = 0; n < Tokens; ++n)
      for (int c = 0; c < chunks; ++c) {
        O::template fold_split<Policy::base>(sum16[n][c][0], sum16[n][c][1], sum8[n][c][0], sum8[n][c][1]);
        sum8[n][c][0] = sum8[n][c][1] = O::zero();
      }
  };
  // A group of Cols columns from col (Policy::group, or fewer at the end of a window), then a fold.
  auto group = [&](std::size_t col, auto cols) TRITLUT_INLINE_LAMBDA {
    constexpr int Cols = decltype(cols)::value;
    if constexpr (Policy::sign_groups) {
      // The sign state of the group, per chunk. Sign group g covers columns 4g..4g+3 (triples
      // 8g..8g+7, bit = triple % 8).
      const std::uint8_t* sign_bytes = region.sign + (col / Policy::group) * mr;
      typename O::sgroup signs[chunks];
      if constexpr (prefetch) tl_prefetch(sign_bytes + chunk0 * V, (region.cols + Policy::group - 1) / Policy::group * mr);
      for (int c = 0; c < chunks; ++c) signs[c] = O::sign_group(O::load(sign_bytes + (chunk + c) * V), bits);
      tl_static_for<0, Cols>([&](auto j) TRITLUT_INLINE_LAMBDA {
        constexpr int J = decltype(j)::value;  // column J of the group: triples 2J and 2J+1
        smask mask0[chunks], mask1[chunks];
        for (int c = 0; c < chunks; ++c) {
          // Compiler steering (emits nothing): this column's masks with this column, not all
          // eight up front (g++ 12 spilled them: AVX2 TL2 GEMV 17% slower than clang).
          O::order_after(signs[c], sum16[0][c][0]);
          mask0[c] = O::template sign_of<2 * J>(signs[c], bits);
          mask1[c] = O::template sign_of<2 * J + 1>(signs[c], bits);
        }
        column(col + J, mask0, mask1);
      });
    } else {
      tl_static_for<0, Cols>([&](auto j) TRITLUT_INLINE_LAMBDA {
        column(col + decltype(j)::value, static_cast<const smask*>(nullptr), static_cast<const smask*>(nullptr));
      });
    }
    fold();
  };
  std::size_t col = col0;
  for (; col + Policy::group <= col1; col += Policy::group) group(col, std::integral_constant<int, Policy::group>{});
  // A partial group only at the end of a window (TL2 windows are whole sign groups, so there only at
  // the end of the region).
  const std::size_t rest = col1 - col;
  tl_static_for<1, Policy::group>([&](auto cols) TRITLUT_INLINE_LAMBDA {
    if (rest == decltype(cols)::value) group(col, cols);
  });
  for (int n = 0; n < Tokens; ++n)
    for (int c = 0; c < chunks; ++c) {
      O::widen_lanes(sum32[n][First + c][0], sum32[n][First + c][1], sum16[n][c][0]);
      O::widen_lanes(sum32[n][First + c][2], sum32[n][First + c][3], sum16[n][c][1]);
    }
}

// A region of a pass, window by window. InTurn runs the chunks of a window one after the other
// (each with the registers of one chunk) rather than side by side.
template <class Tag, class Policy, bool InTurn, int Tokens, int Chunks>
TRITLUT_INLINE void tl_run_region(const tl_window_src& src, typename arch::simd_ops<Tag>::vec (&sum32)[Tokens][Chunks][4]) noexcept {
  constexpr std::size_t window = Policy::template window<Tag>;
  const tl_region& region = src.region;
  for (std::size_t col0 = 0; col0 < region.cols; col0 += window) {
    const std::size_t col1 = std::min(region.cols, col0 + window);
    if constexpr (InTurn) {
      tl_static_for<0, Chunks>([&](auto c) TRITLUT_INLINE_LAMBDA {
        constexpr int C = decltype(c)::value;
        tl_window<Tag, Policy, C, C + 1>(src, col0, col1, sum32);
      });
    } else {
      tl_window<Tag, Policy, 0, Chunks>(src, col0, col1, sum32);
    }
  }
}

// Writes dot (+ the per-row correction) through out for the rows of the pass that fall in
// [row0, row1).
template <class Tag, int Chunks, int Tokens>
TRITLUT_INLINE void tl_store(typename arch::simd_ops<Tag>::vec (&sum32)[Tokens][Chunks][4], std::size_t tile, std::size_t mr,
                             std::size_t chunk0, std::size_t token0, std::size_t row0, std::size_t row1,
                             const std::int32_t* neg, const tl_lut_view& L, float alpha, const gemm_out& out) noexcept {
  using O = arch::simd_ops<Tag>;
  constexpr std::size_t V = O::bytes, L4 = V / 4;
  for (int n = 0; n < Tokens; ++n)
    for (int c = 0; c < Chunks; ++c) {
      alignas(64) std::int32_t tmp[4][L4];
      for (int q = 0; q < 4; ++q) O::store(tmp[q], sum32[n][c][q]);
      for (std::size_t lane = 0; lane < V / 16; ++lane)
        for (std::size_t h = 0; h < 2; ++h)
          for (std::size_t p = 0; p < 4; ++p)
            for (std::size_t e = 0; e < 2; ++e) {
              const std::size_t r = tile * mr + (chunk0 + c) * V + 16 * lane + 8 * h + 2 * p + e;
              if (r < row0 || r >= row1) continue;
              std::int32_t dot = tmp[2 * h + e][4 * lane + p];
              if constexpr (!O::tl2_negates)
                if (neg) dot += tritlut::detail::tl2_neg_fix * neg[r];
              const std::size_t tok = token0 + n;
              if (out.yi) out.yi[tok * out.ld + r] = dot;
              else out.y[tok * out.ld + r] = ref::dequantize(dot, L.scale[tok], alpha);
            }
    }
}

// One pass over a tile: chunks [chunk0, chunk0 + Chunks) for tokens [token0, token0 + Tokens), the
// body region (TL1 pairs or TL2 triples, under Policy), the TL2 tail (TL1 pairs) if there is one,
// then the store. The call's arguments travel as scalars, not as one struct: bundled, g++ 12 moved
// spills and clang 14 compiled the store's row tests as branches instead of setcc, and this
// engine's code is kept instruction for instruction across reorganisations (docs/kernels.md).
template <class Tag, class Policy, int Tokens, int Chunks>
TRITLUT_INLINE void tl_tile(const tl_region& body, const tl_region& tail, std::size_t tile, std::size_t mr, std::size_t chunk0,
                            std::size_t token0, std::size_t row0, std::size_t row1, const std::int32_t* neg,
                            const tl_lut_view& L, float alpha, const gemm_out& out) noexcept {
  using O = arch::simd_ops<Tag>;
  using vec = typename O::vec;
  vec sum32[Tokens][Chunks][4];  // rows in unpack order (top of this file)
  for (int n = 0; n < Tokens; ++n)
    for (int c = 0; c < Chunks; ++c)
      for (int q = 0; q < 4; ++q) sum32[n][c][q] = O::zero();
  const std::uint8_t* tables[Tokens];
  const std::size_t token_bytes = L.items * tl_lut_item_bytes;
  for (int n = 0; n < Tokens; ++n) tables[n] = L.data + (token0 + n) * token_bytes;
  constexpr bool in_turn = Tokens == 1 && Policy::template gemv_chunks_in_turn<Tag>;
  tl_run_region<Tag, Policy, in_turn>(tl_window_src{body, mr, chunk0, tables}, sum32);
  if (tail.cols) tl_run_region<Tag, tl1_policy, false>(tl_window_src{tail, mr, chunk0, tables}, sum32);
  tl_store<Tag, Chunks, Tokens>(sum32, tile, mr, chunk0, token0, row0, row1, neg, L, alpha, out);
}

// Drives the tiles of rows [row0, row1): GEMV passes of Policy::gemv_chunks chunks for one token,
// GEMM passes of gemm_chunks chunks x gemm_tokens tokens (index decoding shared by the tokens).
// make_regions(tile, body, tail) fills the regions of a tile.
template <class Tag, class Policy, class MakeRegions>
inline void tl_drive(std::size_t mr, const std::int32_t* neg, float alpha, const tl_lut_view& L, const gemm_out& out,
                     std::size_t row0, std::size_t row1, MakeRegions&& make_regions) noexcept {
  using traits = tl_kernel_traits<Tag>;
  constexpr std::size_t V = arch::simd_ops<Tag>::bytes;
  const std::size_t chunks = mr / V;
  for (std::size_t tile = row0 / mr; tile * mr < row1; ++tile) {
    tl_region body, tail;
    make_regions(tile, body, tail);
    auto overlaps = [&](std::size_t chunk, std::size_t n_chunks) {
      const std::size_t a = tile * mr + chunk * V, b = a + n_chunks * V;
      return a < row1 && b > row0;
    };
    if (L.n == 1) {
      constexpr int per_pass = Policy::template gemv_chunks<Tag>;
      std::size_t c = 0;
      for (; c + per_pass <= chunks; c += per_pass)
        if (overlaps(c, per_pass)) tl_tile<Tag, Policy, 1, per_pass>(body, tail, tile, mr, c, 0, row0, row1, neg, L, alpha, out);
      for (; c < chunks; ++c)
        if (overlaps(c, 1)) tl_tile<Tag, Policy, 1, 1>(body, tail, tile, mr, c, 0, row0, row1, neg, L, alpha, out);
      continue;
    }
    constexpr int chunks_per_pass = traits::gemm_chunks, tokens_per_pass = traits::gemm_tokens;
    for (std::size_t c = 0; c < chunks; c += chunks_per_pass) {
      if (!overlaps(c, chunks_per_pass)) continue;
      std::size_t n = 0;
      for (; n + tokens_per_pass <= L.n; n += tokens_per_pass)
        tl_tile<Tag, Policy, tokens_per_pass, chunks_per_pass>(body, tail, tile, mr, c, n, row0, row1, neg, L, alpha, out);
      for (; n < L.n; ++n) tl_tile<Tag, Policy, 1, chunks_per_pass>(body, tail, tile, mr, c, n, row0, row1, neg, L, alpha, out);
    }
  }
}

// Entry i of LUT item `item` (scalar tier): l + base*h from two signed bytes (tl_split).
TRITLUT_INLINE std::int32_t tl_entry(const std::uint8_t* lut, std::size_t item, unsigned i, const tritlut::detail::tl_split& sp) noexcept {
  const std::uint8_t* p = lut + item * tl_lut_item_bytes;
  return static_cast<std::int8_t>(p[i]) + sp.base * static_cast<std::int8_t>(p[16 + i]);
}

TRITLUT_INLINE void tl_store_one(const gemm_out& out, const tl_lut_view& L, float alpha, std::size_t n, std::size_t r,
                                 std::int32_t dot) noexcept {
  if (out.yi) out.yi[n * out.ld + r] = dot;
  else out.y[n * out.ld + r] = ref::dequantize(dot, L.scale[n], alpha);
}

}  // namespace detail
}  // namespace kernels
TRITLUT_END_TARGET_NS
