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

namespace tritlut {
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
inline constexpr std::size_t tl2_max_window = 32767 / (2 * (3 * 128 + tl2_neg_fix));  // 39 columns
}  // namespace tritlut

TRITLUT_BEGIN_TARGET_NS
namespace kernels {
namespace detail {

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

template <int I, int N, class F>
TRITLUT_INLINE void tl_static_for(F&& f) noexcept {
  if constexpr (I < N) {
    f(std::integral_constant<int, I>{});
    tl_static_for<I + 1, N>(f);
  }
}

// Columns [u0, u1) (one int16 window) of chunks c0 + CB .. c0 + CE - 1 of a tile (the others of the
// CH chunks are left alone): the l and h parts of the lookups summed as bytes over groups of G
// columns (TL2: a sign group of 4, TL1: 5), folded into int16 sums l + base*h after each group, and
// widened into a32 at the end.
template <class Tag, int CB, int CE, int CH, int NB, bool SIGNED>
TRITLUT_INLINE void tl_window(const tl_region& rg, std::size_t mr, std::size_t c0, const std::uint8_t* const* lut,
                              std::size_t u0, std::size_t u1, typename arch::simd_ops<Tag>::vec (&a32)[NB][CH][4]) noexcept {
  using O = arch::simd_ops<Tag>;
  using vec = typename O::vec;
  constexpr std::size_t V = O::bytes;
  constexpr int K = CE - CB;  // chunks at once
  constexpr int G = SIGNED ? tl2_group : tl1_group;
  constexpr int base = SIGNED ? tl2_split.base : tl1_split.base;
  const std::size_t cb = c0 + CB;
  vec a16[NB][K][2], a8[NB][K][2];
  for (int n = 0; n < NB; ++n)
    for (int c = 0; c < K; ++c) a16[n][c][0] = a16[n][c][1] = a8[n][c][0] = a8[n][c][1] = O::zero();
  // GEMV streams the matrix once: fetch the same column of a later tile (the regions are
  // [tile][cols][mr], so a tile is cols * mr bytes) while this one computes. A later pass over
  // the same columns (CB > 0) finds them in L1.
  constexpr bool prefetch = NB == 1 && CB == 0;

  // TL2: the bit masks come from memory: GCC turns constant vectors into movabs + vpbroadcast (a
  // shuffle uop) per column, and folds loads from a visible constant table back into those, so the
  // table's address is hidden from it.
  [[maybe_unused]] const std::uint8_t* bits = tl_sign_bits.b[0];
  if constexpr (SIGNED) TRITLUT_HIDE_POINTER(bits);

  using smask = typename O::smask;
  auto column = [&](std::size_t u, const smask* m0, const smask* m1) TRITLUT_INLINE_LAMBDA {
    vec i0[K], i1[K];
    if constexpr (prefetch) tl_prefetch(rg.idx + u * mr + c0 * V, rg.cols * mr);
    for (int c = 0; c < K; ++c) {
      const vec v = O::load(rg.idx + u * mr + (cb + c) * V);
      i0[c] = O::nib_lo(v);
      i1[c] = O::nib_hi(v);
    }
    for (int n = 0; n < NB; ++n) {
      const std::uint8_t* T = lut[n] + (rg.item0 + 2 * u) * tl_lut_item_bytes;
      for (int c = 0; c < K; ++c) {
        const vec tl0 = O::load_table16(T), th0 = O::load_table16(T + 16);
        const vec tl1 = O::load_table16(T + 32), th1 = O::load_table16(T + 48);
        vec lo0 = O::lut16(tl0, i0[c]), hi0 = O::lut16(th0, i0[c]);
        vec lo1 = O::lut16(tl1, i1[c]), hi1 = O::lut16(th1, i1[c]);
        if constexpr (SIGNED) {
          // TL2: negated (or complemented) where the triple is negative.
          lo0 = O::flip(lo0, m0[c]);
          hi0 = O::flip(hi0, m0[c]);
          lo1 = O::flip(lo1, m1[c]);
          hi1 = O::flip(hi1, m1[c]);
        }
        a8[n][c][0] = O::add8(O::add8(a8[n][c][0], lo0), lo1);
        a8[n][c][1] = O::add8(O::add8(a8[n][c][1], hi0), hi1);
        // Without this g++ 12 reassociates the adds across columns and spills the partial sums.
        TRITLUT_KEEP_ACCUMULATOR(a8[n][c][0]);
        TRITLUT_KEEP_ACCUMULATOR(a8[n][c][1]);
      }
    }
  };
  // End of a group: rebuild int16 sums l + base*h (|part sums| <= 120, tl_common.hpp).
  auto fold = [&]() TRITLUT_INLINE_LAMBDA {
    for (int n = 0; n < NB; ++n)
      for (int c = 0; c < K; ++c) {
        O::template fold_split<base>(a16[n][c][0], a16[n][c][1], a8[n][c][0], a8[n][c][1]);
        a8[n][c][0] = a8[n][c][1] = O::zero();
      }
  };

  // A group of NJ columns from u (G, or fewer at the end of a window).
  auto group = [&](std::size_t u, auto nj) TRITLUT_INLINE_LAMBDA {
    constexpr int NJ = decltype(nj)::value;
    if constexpr (SIGNED) {
      // Sign byte group g covers columns 4g..4g+3 (triples 8g..8g+7, bit = triple % 8).
      const std::uint8_t* sg = rg.sign + (u / tl2_group) * mr;
      typename O::sgroup g[K];
      if constexpr (prefetch) tl_prefetch(sg + c0 * V, (rg.cols + tl2_group - 1) / tl2_group * mr);
      for (int c = 0; c < K; ++c) g[c] = O::sign_group(O::load(sg + (cb + c) * V), bits);
      tl_static_for<0, NJ>([&](auto jj) TRITLUT_INLINE_LAMBDA {
        constexpr int J = decltype(jj)::value;
        smask m0[K], m1[K];
        for (int c = 0; c < K; ++c) {
          O::order_after(g[c], a16[0][c][0]);  // masks of this column, not all up front
          m0[c] = O::template sign_of<2 * J>(g[c], bits);
          m1[c] = O::template sign_of<2 * J + 1>(g[c], bits);
        }
        column(u + J, m0, m1);
      });
    } else {
      tl_static_for<0, NJ>([&](auto jj) TRITLUT_INLINE_LAMBDA {
        column(u + decltype(jj)::value, static_cast<const smask*>(nullptr), static_cast<const smask*>(nullptr));
      });
    }
    fold();
  };
  std::size_t u = u0;
  for (; u + G <= u1; u += G) group(u, std::integral_constant<int, G>{});
  // A partial group only at the end of a window (TL2 windows are whole sign groups, so there only at
  // the end of the region).
  const std::size_t rest = u1 - u;
  tl_static_for<1, G>([&](auto nj) TRITLUT_INLINE_LAMBDA {
    if (rest == decltype(nj)::value) group(u, nj);
  });
  for (int n = 0; n < NB; ++n)
    for (int c = 0; c < K; ++c) {
      O::widen_lanes(a32[n][CB + c][0], a32[n][CB + c][1], a16[n][c][0]);
      O::widen_lanes(a32[n][CB + c][2], a32[n][CB + c][3], a16[n][c][1]);
    }
}

// A region of a tile for chunks [c0, c0 + CH): window by window; SEQ runs the chunks of a window
// one after the other (each with the registers of one chunk) rather than side by side.
template <class Tag, int CH, int NB, bool SIGNED, bool SEQ>
TRITLUT_INLINE void tl_run_region(const tl_region& rg, std::size_t mr, std::size_t c0, const std::uint8_t* const* lut,
                                  std::size_t window, typename arch::simd_ops<Tag>::vec (&a32)[NB][CH][4]) noexcept {
  for (std::size_t u0 = 0; u0 < rg.cols; u0 += window) {
    const std::size_t u1 = std::min(rg.cols, u0 + window);
    if constexpr (SEQ) {
      tl_static_for<0, CH>([&](auto c) TRITLUT_INLINE_LAMBDA {
        constexpr int C = decltype(c)::value;
        tl_window<Tag, C, C + 1, CH, NB, SIGNED>(rg, mr, c0, lut, u0, u1, a32);
      });
    } else {
      tl_window<Tag, 0, CH, CH, NB, SIGNED>(rg, mr, c0, lut, u0, u1, a32);
    }
  }
}

// Writes dot (+ per-row correction) through out for the rows of chunks [c0, c0 + CH) of `tile`
// that fall in [row0, row1).
template <class Tag, int CH, int NB>
TRITLUT_INLINE void tl_store(typename arch::simd_ops<Tag>::vec (&a32)[NB][CH][4], std::size_t tile, std::size_t mr,
                             std::size_t c0, std::size_t n0, std::size_t row0, std::size_t row1, const std::int32_t* neg,
                             const tl_lut_view& L, float alpha, const gemm_out& out) noexcept {
  using O = arch::simd_ops<Tag>;
  constexpr std::size_t V = O::bytes, L4 = V / 4;
  for (int n = 0; n < NB; ++n)
    for (int c = 0; c < CH; ++c) {
      alignas(64) std::int32_t tmp[4][L4];
      for (int q = 0; q < 4; ++q) O::store(tmp[q], a32[n][c][q]);
      for (std::size_t lane = 0; lane < V / 16; ++lane)
        for (std::size_t h = 0; h < 2; ++h)
          for (std::size_t p = 0; p < 4; ++p)
            for (std::size_t e = 0; e < 2; ++e) {
              const std::size_t r = tile * mr + (c0 + c) * V + 16 * lane + 8 * h + 2 * p + e;
              if (r < row0 || r >= row1) continue;
              std::int32_t dot = tmp[2 * h + e][4 * lane + p];
              if constexpr (!O::tl2_negates)
                if (neg) dot += tl2_neg_fix * neg[r];
              const std::size_t tok = n0 + n;
              if (out.yi) out.yi[tok * out.ld + r] = dot;
              else out.y[tok * out.ld + r] = ref::dequantize(dot, L.scale[tok], alpha);
            }
    }
}

// Regions(t) returns {triples-or-pairs region, tail region}; SIGNED0 says whether the first is signed.
template <class Tag, int CH, int NB, bool SIGNED0, std::size_t W0>
TRITLUT_INLINE void tl_tile(const tl_region& r0, const tl_region& r1, std::size_t tile, std::size_t mr, std::size_t c0,
                            std::size_t n0, std::size_t row0, std::size_t row1, const std::int32_t* neg,
                            const tl_lut_view& L, float alpha, const gemm_out& out) noexcept {
  using O = arch::simd_ops<Tag>;
  using vec = typename O::vec;
  vec a32[NB][CH][4];
  for (int n = 0; n < NB; ++n)
    for (int c = 0; c < CH; ++c)
      for (int q = 0; q < 4; ++q) a32[n][c][q] = O::zero();
  const std::uint8_t* lut[NB];
  const std::size_t tok_bytes = L.items * tl_lut_item_bytes;
  for (int n = 0; n < NB; ++n) lut[n] = L.data + (n0 + n) * tok_bytes;
  constexpr bool seq = SIGNED0 && NB == 1 && tl_kernel_traits<Tag>::tl2_gemv_sequential;
  tl_run_region<Tag, CH, NB, SIGNED0, seq>(r0, mr, c0, lut, W0, a32);
  if (r1.cols) tl_run_region<Tag, CH, NB, false, false>(r1, mr, c0, lut, tl_kernel_traits<Tag>::tl1_window, a32);
  tl_store<Tag, CH, NB>(a32, tile, mr, c0, n0, row0, row1, neg, L, alpha, out);
}

// Drives the tiles of rows [row0, row1): GEMV passes of gemv_chunks vectors for one token, GEMM
// passes of gemm_chunks vectors x gemm_tokens tokens (index decoding shared by the tokens).
// make_regions(tile, r0, r1) fills the regions of a tile.
template <class Tag, bool SIGNED0, std::size_t W0, class MakeRegions>
inline void tl_drive(std::size_t mr, const std::int32_t* neg, float alpha, const tl_lut_view& L, const gemm_out& out,
                     std::size_t row0, std::size_t row1, MakeRegions&& make_regions) noexcept {
  using T = tl_kernel_traits<Tag>;
  constexpr std::size_t V = arch::simd_ops<Tag>::bytes;
  const std::size_t chunks = mr / V;
  for (std::size_t t = row0 / mr; t * mr < row1; ++t) {
    tl_region r0, r1;
    make_regions(t, r0, r1);
    auto overlaps = [&](std::size_t c, std::size_t nc) {
      const std::size_t a = t * mr + c * V, b = a + nc * V;
      return a < row1 && b > row0;
    };
    if (L.n == 1) {
      constexpr int GC = SIGNED0 ? T::tl2_gemv_chunks : T::gemv_chunks;
      std::size_t c = 0;
      for (; c + GC <= chunks; c += GC)
        if (overlaps(c, GC)) tl_tile<Tag, GC, 1, SIGNED0, W0>(r0, r1, t, mr, c, 0, row0, row1, neg, L, alpha, out);
      for (; c < chunks; ++c)
        if (overlaps(c, 1)) tl_tile<Tag, 1, 1, SIGNED0, W0>(r0, r1, t, mr, c, 0, row0, row1, neg, L, alpha, out);
      continue;
    }
    constexpr int MC = T::gemm_chunks, NB = T::gemm_tokens;
    for (std::size_t c = 0; c < chunks; c += MC) {
      if (!overlaps(c, MC)) continue;
      std::size_t n = 0;
      for (; n + NB <= L.n; n += NB) tl_tile<Tag, MC, NB, SIGNED0, W0>(r0, r1, t, mr, c, n, row0, row1, neg, L, alpha, out);
      for (; n < L.n; ++n) tl_tile<Tag, MC, 1, SIGNED0, W0>(r0, r1, t, mr, c, n, row0, row1, neg, L, alpha, out);
    }
  }
}

// Entry i of LUT item `item` (scalar tier): l + base*h from two signed bytes (tl_split).
TRITLUT_INLINE std::int32_t tl_entry(const std::uint8_t* lut, std::size_t item, unsigned i, const tl_split& sp) noexcept {
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
