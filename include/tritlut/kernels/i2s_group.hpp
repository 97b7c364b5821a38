// SPDX-License-Identifier: MIT
// tritlut/kernels/i2s_group.hpp - group-scaled I2_S GEMV / small-batch GEMM, generic over the ISA tag.
//
//   y[r] = (sum_g d[r][g] * (float)dot_g) / act_scale      dot_g = sum_{j in g} w * q, exact int32
//
// Integer part: the I2_S primitives in the unsigned-code form, per group: raw_g = sum c * q with
// c = w + 1 in 0..3, dot_g = raw_g - qsum_g, where qsum_g = sum of q over the group (computed once
// per token and call, grp_act_sums). Code 3 (w = +2, Q2_0's fourth level) is therefore exact.
// A tile of R rows x NB tokens walks a row block by block (one 32-byte I2_S block = 128 weights =
// 4 planes of 32); a group is PG planes of one block (G = 32, 64) or G / 128 whole blocks. At the
// end of a group each (row, token) accumulator goes into a buffer of 8 vectors; every 8 groups
// one transposing reduction (hsums) gives 8 exact sums, and the float work is one vector multiply
// and add per 8 groups (grp_float) - once per group per row, never per weight.
// Float part: the one order of ref::gemm_group (reference.hpp), the same on every ISA: group g
// into float lane g % 8, each product rounded before the add (no FMA: TRITLUT_NO_CONTRACT), the
// lanes combined by ref::group_finish, one division. Results are bit-identical across ISAs.
//
// Overflow: madd_u8s8 adds <= 2 * 3 * 127 = 762 per int16 lane and call (c <= 3; 768 with q = -128).
// A lane takes H * G / 32 calls per group (H = 32 / vector bytes: 2 for 16-byte vectors), at most
// 2 * 512 / 32 = 32 calls for G = 512: 32 * 768 = 24576 <= 32767. The accumulator is widened to
// int32 at every group end. (G = 1024 would be 64 calls = 49152: not allowed.) The int32 sums:
// |raw_g| <= 3 * 127 * 512, exact in f32 after the subtraction (|dot_g| <= 2 * 127 * 512 < 2^24).
// AVX-512: the group kernels run 256-bit vectors (AVX-512VL; vpdpbusd on ymm with VNNI), so one
// vector is one block and one group boundary never splits a vector.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "../arch/ops.hpp"
#include "../types.hpp"
#include "i2s.hpp"
#include "reference.hpp"

TRITLUT_BEGIN_TARGET_NS
namespace kernels {
namespace detail {

// The vector primitives of the group kernels: I2_S's simd_ops, at most 256 bits wide.
template <class Tag>
struct grp_ops : arch::simd_ops<Tag> {};
#if TRITLUT_HAS_AVX512
template <>
struct grp_ops<isa::avx512> : arch::simd_ops<isa::avx2> {};
#endif
#if TRITLUT_HAS_AVX512_VNNI
template <>
struct grp_ops<isa::avx512_vnni> : arch::simd_ops<isa::avx2> {
  static constexpr bool direct32 = true;
  static TRITLUT_INLINE vec dot32(vec acc32, vec c, vec a) noexcept {
    vec r = _mm256_dpbusd_epi32(acc32, c, a);
    TRITLUT_KEEP_ACCUMULATOR(r);
    return r;
  }
};
#endif

// Tiles: R rows x NB tokens of accumulators (16 vector registers on SSE4.1 / AVX2, 32 on NEON and
// with AVX-512VL).
template <class Tag>
struct grp_tile_traits {
  static constexpr int gemv_rows = 2;
  static constexpr int gemm_rows = 2;
  static constexpr int gemm_tokens = 4;
};
template <>
struct grp_tile_traits<isa::avx512> {
  static constexpr int gemv_rows = 2;
  static constexpr int gemm_rows = 4;
  static constexpr int gemm_tokens = 4;
};
template <>
struct grp_tile_traits<isa::avx512_vnni> : grp_tile_traits<isa::avx512> {};
template <>
struct grp_tile_traits<isa::neon> : grp_tile_traits<isa::avx512> {};
template <>
struct grp_tile_traits<isa::neon_dotprod> : grp_tile_traits<isa::avx512> {};

// lane[j] = lane[j] + rounded(d[j] * (float)(raw[j] - qs[j])), j < 8: eight groups of one
// (row, token) in ref::gemm_group's order. Scalar here; one or two vectors per ISA below.
template <class Tag>
struct grp_float {
  static TRITLUT_INLINE void acc8(float* lane, const float* d, const std::int32_t* raw, const std::int32_t* qs) noexcept {
    for (std::size_t j = 0; j < ref::group_lanes; ++j)
      lane[j] = lane[j] + ref::mul_rounded(d[j], static_cast<float>(raw[j] - qs[j]));
  }
  // Per-group activation scales s: lane[j] + (rounded(d[j] * dot) / s[j]).
  static TRITLUT_INLINE void acc8_ga(float* lane, const float* d, const std::int32_t* raw, const std::int32_t* qs,
                                     const float* s) noexcept {
    for (std::size_t j = 0; j < ref::group_lanes; ++j)
      lane[j] = lane[j] + ref::group_term(d[j], static_cast<float>(raw[j] - qs[j]), s[j]);
  }
};
#if TRITLUT_HAS_SSE41
struct grp_float_sse {
  static TRITLUT_INLINE void acc8(float* lane, const float* d, const std::int32_t* raw, const std::int32_t* qs) noexcept {
    TRITLUT_UNROLL
    for (int h = 0; h < 2; ++h) {
      const __m128i s = _mm_sub_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(raw + 4 * h)),
                                      _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs + 4 * h)));
      __m128 p = _mm_mul_ps(_mm_loadu_ps(d + 4 * h), _mm_cvtepi32_ps(s));
      TRITLUT_NO_CONTRACT(p);
      _mm_storeu_ps(lane + 4 * h, _mm_add_ps(_mm_loadu_ps(lane + 4 * h), p));
    }
  }
  static TRITLUT_INLINE void acc8_ga(float* lane, const float* d, const std::int32_t* raw, const std::int32_t* qs,
                                     const float* sc) noexcept {
    TRITLUT_UNROLL
    for (int h = 0; h < 2; ++h) {
      const __m128i s = _mm_sub_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(raw + 4 * h)),
                                      _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs + 4 * h)));
      __m128 p = _mm_mul_ps(_mm_loadu_ps(d + 4 * h), _mm_cvtepi32_ps(s));
      TRITLUT_NO_CONTRACT(p);
      p = _mm_div_ps(p, _mm_loadu_ps(sc + 4 * h));
      _mm_storeu_ps(lane + 4 * h, _mm_add_ps(_mm_loadu_ps(lane + 4 * h), p));
    }
  }
};
template <>
struct grp_float<isa::sse41> : grp_float_sse {};
#endif
#if TRITLUT_HAS_AVX2
struct grp_float_avx {
  static TRITLUT_INLINE void acc8(float* lane, const float* d, const std::int32_t* raw, const std::int32_t* qs) noexcept {
    const __m256i s = _mm256_sub_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(raw)),
                                       _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qs)));
    __m256 p = _mm256_mul_ps(_mm256_loadu_ps(d), _mm256_cvtepi32_ps(s));
    TRITLUT_NO_CONTRACT(p);
    _mm256_storeu_ps(lane, _mm256_add_ps(_mm256_loadu_ps(lane), p));
  }
  static TRITLUT_INLINE void acc8_ga(float* lane, const float* d, const std::int32_t* raw, const std::int32_t* qs,
                                     const float* sc) noexcept {
    const __m256i s = _mm256_sub_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(raw)),
                                       _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qs)));
    __m256 p = _mm256_mul_ps(_mm256_loadu_ps(d), _mm256_cvtepi32_ps(s));
    TRITLUT_NO_CONTRACT(p);
    p = _mm256_div_ps(p, _mm256_loadu_ps(sc));
    _mm256_storeu_ps(lane, _mm256_add_ps(_mm256_loadu_ps(lane), p));
  }
};
template <>
struct grp_float<isa::avx2> : grp_float_avx {};
#endif
#if TRITLUT_HAS_AVX512
template <>
struct grp_float<isa::avx512> : grp_float_avx {};
#endif
#if TRITLUT_HAS_AVX512_VNNI
template <>
struct grp_float<isa::avx512_vnni> : grp_float_avx {};
#endif
#if TRITLUT_HAS_NEON
struct grp_float_neon {
  static TRITLUT_INLINE void acc8(float* lane, const float* d, const std::int32_t* raw, const std::int32_t* qs) noexcept {
    TRITLUT_UNROLL
    for (int h = 0; h < 2; ++h) {
      const int32x4_t s = vsubq_s32(vld1q_s32(raw + 4 * h), vld1q_s32(qs + 4 * h));
      float32x4_t p = vmulq_f32(vld1q_f32(d + 4 * h), vcvtq_f32_s32(s));
      TRITLUT_NO_CONTRACT(p);
      vst1q_f32(lane + 4 * h, vaddq_f32(vld1q_f32(lane + 4 * h), p));
    }
  }
  // vdivq_f32 is the IEEE division (not a reciprocal estimate).
  static TRITLUT_INLINE void acc8_ga(float* lane, const float* d, const std::int32_t* raw, const std::int32_t* qs,
                                     const float* sc) noexcept {
    TRITLUT_UNROLL
    for (int h = 0; h < 2; ++h) {
      const int32x4_t s = vsubq_s32(vld1q_s32(raw + 4 * h), vld1q_s32(qs + 4 * h));
      float32x4_t p = vmulq_f32(vld1q_f32(d + 4 * h), vcvtq_f32_s32(s));
      TRITLUT_NO_CONTRACT(p);
      p = vdivq_f32(p, vld1q_f32(sc + 4 * h));
      vst1q_f32(lane + 4 * h, vaddq_f32(vld1q_f32(lane + 4 * h), p));
    }
  }
};
template <>
struct grp_float<isa::neon> : grp_float_neon {};
#endif
#if TRITLUT_HAS_NEON_DOTPROD
template <>
struct grp_float<isa::neon_dotprod> : grp_float_neon {};
#endif

// qs[g] = sum of q over group g, g < groups: the unsigned-code correction of one token.
inline void grp_act_sums(const std::int8_t* q, std::size_t group, std::size_t groups, std::int32_t* qs) noexcept {
  for (std::size_t g = 0; g < groups; ++g) {
    const std::int8_t* p = q + g * group;
    std::int32_t s = 0;
    for (std::size_t c = 0; c < group; c += 32) {
      std::int32_t t = 0;  // fixed 32-term loop: vectorized
      for (std::size_t j = 0; j < 32; ++j) t += p[c + j];
      s += t;
    }
    qs[g] = s;
  }
}

// Rows [r0, r0 + R) times tokens [t0, t0 + NB) of x; qs: the tokens' group sums, [NB][groups].
// PG: planes per group (1: G = 32, 2: G = 64, 4: G >= 128, then G / 128 blocks per group).
// GA: per-group activation scales gs [n][groups] (token n of x at gs + n * groups) instead of x.scale.
template <class Tag, int PG, int R, int NB, bool GA>
inline void grp_tile(const i2s_group_view& w, const act_view& x, const float* gs, const std::int32_t* qs,
                     std::size_t t0, std::size_t r0, const gemm_out& out) noexcept {
  using O = grp_ops<Tag>;
  using vec = typename O::vec;
  constexpr std::size_t V = O::bytes;
  constexpr std::size_t H = 32 / V;  // vectors per block
  constexpr std::size_t L = ref::group_lanes;
  static_assert(L % O::hsums_n == 0, "the reduction gives whole lanes");
  const std::size_t row_bytes = w.kp / 4, groups = w.groups;
  const std::uint8_t* wp[R];
  TRITLUT_UNROLL
  for (int r = 0; r < R; ++r) wp[r] = w.data + (r0 + r) * row_bytes;
  const std::int8_t* qp[NB];
  TRITLUT_UNROLL
  for (int n = 0; n < NB; ++n) qp[n] = x.q + (t0 + n) * x.stride;

  vec acc[R][NB];                     // the open group: int16 lanes (int32 with direct32)
  alignas(64) vec gv[R][NB][L];       // finished groups, int32 lanes, group g in slot g % 8
  alignas(64) float lane[R][NB][L];   // float partial sums, group g in lane g % 8
  alignas(64) std::int32_t raw[L];
  TRITLUT_UNROLL
  for (int r = 0; r < R; ++r)
    TRITLUT_UNROLL
    for (int n = 0; n < NB; ++n) {
      acc[r][n] = O::zero();
      for (std::size_t j = 0; j < L; ++j) lane[r][n][j] = 0.0f;
    }
  std::size_t slot = 0;

  // Groups [g0, g0 + cnt) of the buffer into the float lanes.
  auto reduce = [&](std::size_t g0, std::size_t cnt) TRITLUT_INLINE_LAMBDA {
    TRITLUT_UNROLL
    for (int r = 0; r < R; ++r) {
      const float* d = w.scale + (r0 + r) * groups + g0;
      TRITLUT_UNROLL
      for (int n = 0; n < NB; ++n) {
        const std::int32_t* s = qs + std::size_t(n) * groups + g0;
        const float* as = GA ? gs + (t0 + n) * groups + g0 : nullptr;
        if (cnt == L) {
          for (std::size_t i = 0; i < L; i += O::hsums_n) O::hsums(gv[r][n] + i, raw + i);
          if constexpr (GA) grp_float<Tag>::acc8_ga(lane[r][n], d, raw, s, as);
          else grp_float<Tag>::acc8(lane[r][n], d, raw, s);
        } else {
          for (std::size_t j = 0; j < cnt; ++j) {
            const float dot = static_cast<float>(O::hsum(gv[r][n][j]) - s[j]);
            if constexpr (GA) lane[r][n][j] = lane[r][n][j] + ref::group_term(d[j], dot, as[j]);
            else lane[r][n][j] = lane[r][n][j] + ref::mul_rounded(d[j], dot);
          }
        }
      }
    }
  };
  // Group gi is complete: its accumulators to the buffer.
  auto flush = [&](std::size_t gi) TRITLUT_INLINE_LAMBDA {
    TRITLUT_UNROLL
    for (int r = 0; r < R; ++r)
      TRITLUT_UNROLL
      for (int n = 0; n < NB; ++n) {
        if constexpr (O::direct32) gv[r][n][slot] = acc[r][n];
        else gv[r][n][slot] = O::widen(O::zero(), acc[r][n]);
        acc[r][n] = O::zero();
      }
    if (++slot == L) {
      reduce(gi + 1 - L, L);
      slot = 0;
    }
  };
  // GEMV: the same offset of the next tile is prefetched (as kernels/i2s.hpp does), into L1 when
  // the tile is short, else into L2.
  const std::size_t pf_dist = R * row_bytes;
  const bool near = pf_dist <= i2s_gemv_near_tile_bytes;
  auto load_block = [&](vec (&wv)[R][H], std::size_t b) TRITLUT_INLINE_LAMBDA {
    TRITLUT_UNROLL
    for (int r = 0; r < R; ++r)
      TRITLUT_UNROLL
      for (std::size_t h = 0; h < H; ++h) {
        const std::uint8_t* p = wp[r] + b * 32 + h * V;
        if constexpr (NB == 1) {
          if (near) __builtin_prefetch(p + pf_dist, 0, 3);
          else __builtin_prefetch(p + pf_dist, 0, 2);
        }
        wv[r][h] = O::load(p);
      }
  };
  // Plane g of block b (the weights 128b + 32g .. +31) into the open group.
  auto plane = [&](const vec (&wv)[R][H], std::size_t b, auto g_const) TRITLUT_INLINE_LAMBDA {
    constexpr int g = decltype(g_const)::value;
    TRITLUT_UNROLL
    for (std::size_t h = 0; h < H; ++h) {
      vec a[NB];
      TRITLUT_UNROLL
      for (int n = 0; n < NB; ++n) {
        a[n] = O::load_i2s_act(qp[n], b * 32 + h * V, g);
        if constexpr (NB > 1) TRITLUT_KEEP_ACCUMULATOR(a[n]);  // one load per activation (kernels/i2s.hpp)
      }
      TRITLUT_UNROLL
      for (int r = 0; r < R; ++r) {
        const vec c = O::template codes<6 - 2 * g>(wv[r][h]);
        TRITLUT_UNROLL
        for (int n = 0; n < NB; ++n) {
          if constexpr (O::direct32) acc[r][n] = O::dot32(acc[r][n], c, a[n]);
          else acc[r][n] = O::madd_u8s8(acc[r][n], c, a[n]);
        }
      }
    }
  };
  using std::integral_constant;
  if constexpr (PG == 4) {
    const std::size_t bpg = w.group / 128;
    std::size_t b = 0;
    for (std::size_t gi = 0; gi < groups; ++gi) {
      for (const std::size_t e = b + bpg; b < e; ++b) {
        vec wv[R][H];
        load_block(wv, b);
        plane(wv, b, integral_constant<int, 0>{});
        plane(wv, b, integral_constant<int, 1>{});
        plane(wv, b, integral_constant<int, 2>{});
        plane(wv, b, integral_constant<int, 3>{});
      }
      flush(gi);
    }
  } else {
    // Planes s * PG .. s * PG + PG - 1 of block b: group 4b / PG + s.
    auto sub = [&](const vec (&wv)[R][H], std::size_t b, auto s_const) TRITLUT_INLINE_LAMBDA {
      constexpr int s = decltype(s_const)::value;
      plane(wv, b, integral_constant<int, s * PG>{});
      if constexpr (PG == 2) plane(wv, b, integral_constant<int, s * PG + 1>{});
    };
    std::size_t gi = 0;
    for (std::size_t b = 0; gi < groups; ++b) {
      vec wv[R][H];
      load_block(wv, b);
      sub(wv, b, integral_constant<int, 0>{});
      flush(gi++);
      if (gi == groups) break;
      sub(wv, b, integral_constant<int, 1>{});
      flush(gi++);
      if constexpr (PG == 1) {
        if (gi == groups) break;
        sub(wv, b, integral_constant<int, 2>{});
        flush(gi++);
        if (gi == groups) break;
        sub(wv, b, integral_constant<int, 3>{});
        flush(gi++);
      }
    }
  }
  if (slot) reduce(groups - slot, slot);
  TRITLUT_UNROLL
  for (int r = 0; r < R; ++r)
    TRITLUT_UNROLL
    for (int n = 0; n < NB; ++n)
      out.y[(t0 + n) * out.ld + r0 + r] = GA ? ref::group_finish_ga(lane[r][n]) : ref::group_finish(lane[r][n], x.scale[t0 + n]);
}

template <class Tag, int PG, bool GA>
inline void grp_gemm(const i2s_group_view& w, const act_view& x, const float* gs, const gemm_out& out,
                     std::size_t row0, std::size_t row1) noexcept {
  using T = grp_tile_traits<Tag>;
  alignas(64) std::int32_t qs[i2s_group_max_groups];  // [tokens of the block][groups]
  const std::size_t groups = w.groups;
  if (x.n == 1) {
    grp_act_sums(x.q, w.group, groups, qs);
    constexpr int R = T::gemv_rows;
    std::size_t r = row0;
    for (; r + R <= row1; r += R) grp_tile<Tag, PG, R, 1, GA>(w, x, gs, qs, 0, r, out);
    for (; r < row1; ++r) grp_tile<Tag, PG, 1, 1, GA>(w, x, gs, qs, 0, r, out);
    return;
  }
  // Token blocks of up to 64 tokens whose group sums fit qs; the R rows of a tile stay in L1 while
  // the block's tokens pass NB at a time.
  constexpr int R = T::gemm_rows, NB = T::gemm_tokens;
  const std::size_t tb = std::max<std::size_t>(1, std::min<std::size_t>(64, i2s_group_max_groups / groups));
  for (std::size_t t0 = 0; t0 < x.n; t0 += tb) {
    const std::size_t tn = std::min(tb, x.n - t0);
    for (std::size_t n = 0; n < tn; ++n) grp_act_sums(x.q + (t0 + n) * x.stride, w.group, groups, qs + n * groups);
    std::size_t r = row0;
    for (; r + R <= row1; r += R) {
      std::size_t n = 0;
      for (; n + NB <= tn; n += NB) grp_tile<Tag, PG, R, NB, GA>(w, x, gs, qs + n * groups, t0 + n, r, out);
      for (; n < tn; ++n) grp_tile<Tag, PG, R, 1, GA>(w, x, gs, qs + n * groups, t0 + n, r, out);
    }
    for (; r < row1; ++r) {
      std::size_t n = 0;
      for (; n + NB <= tn; n += NB) grp_tile<Tag, PG, 1, NB, GA>(w, x, gs, qs + n * groups, t0 + n, r, out);
      for (; n < tn; ++n) grp_tile<Tag, PG, 1, 1, GA>(w, x, gs, qs + n * groups, t0 + n, r, out);
    }
  }
}

}  // namespace detail

// Scalar tier: plain loops over the packed bytes, in ref::gemm_group's float order (with gs:
// ref::gemm_group_ga's).
inline void i2s_group_gemm(const i2s_group_view& w, const act_view& x, const float* gs, const gemm_out& out,
                           std::size_t row0, std::size_t row1, isa::scalar) noexcept {
  const std::size_t row_bytes = w.kp / 4;
  for (std::size_t r = row0; r < row1; ++r) {
    const std::uint8_t* wr = w.data + r * row_bytes;
    for (std::size_t n = 0; n < x.n; ++n) {
      const std::int8_t* q = x.q + n * x.stride;
      float lane[ref::group_lanes] = {};
      for (std::size_t g = 0; g < w.groups; ++g) {
        std::int32_t dot = 0;
        for (std::size_t j = g * w.group; j < (g + 1) * w.group; ++j) {
          const unsigned c = (wr[(j / 128) * 32 + j % 32] >> (6 - 2 * ((j % 128) / 32))) & 3u;
          dot += (static_cast<std::int32_t>(c) - 1) * q[j];
        }
        float& l = lane[g % ref::group_lanes];
        if (gs) l = l + ref::group_term(w.scale[r * w.groups + g], static_cast<float>(dot), gs[n * w.groups + g]);
        else l = l + ref::mul_rounded(w.scale[r * w.groups + g], static_cast<float>(dot));
      }
      out.y[n * out.ld + r] = gs ? ref::group_finish_ga(lane) : ref::group_finish(lane, x.scale[n]);
    }
  }
}

// SIMD tiers. Rows [row0, row1) of W times every token of x, float output only. gs: null (one
// activation scale per token, x.scale) or per-group activation scales [x.n][w.groups] (x.scale is
// then not read). Preconditions (checked by the public API): x.k == w.k, x.stride >= w.kp,
// row1 <= w.m, group and groups valid.
template <class Tag, class = typename arch::simd_ops<Tag>::vec>
inline void i2s_group_gemm(const i2s_group_view& w, const act_view& x, const float* gs, const gemm_out& out,
                           std::size_t row0, std::size_t row1, Tag) noexcept {
  if (gs) {
    if (w.group == 32) detail::grp_gemm<Tag, 1, true>(w, x, gs, out, row0, row1);
    else if (w.group == 64) detail::grp_gemm<Tag, 2, true>(w, x, gs, out, row0, row1);
    else detail::grp_gemm<Tag, 4, true>(w, x, gs, out, row0, row1);
  } else {
    if (w.group == 32) detail::grp_gemm<Tag, 1, false>(w, x, nullptr, out, row0, row1);
    else if (w.group == 64) detail::grp_gemm<Tag, 2, false>(w, x, nullptr, out, row0, row1);
    else detail::grp_gemm<Tag, 4, false>(w, x, nullptr, out, row0, row1);
  }
}

}  // namespace kernels
TRITLUT_END_TARGET_NS
