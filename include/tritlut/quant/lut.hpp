// SPDX-License-Identifier: MIT
// tritlut/quant/lut.hpp - per-token lookup tables for the TL1/TL2 kernels, built from the shared
// int8 activations (quant/act.hpp), so TL1, TL2 and I2_S compute the same sum w*q.
//
// One item = 16 entries stored as 32 bytes [16 low parts][16 high parts], so a 16-entry byte
// lookup per plane (pshufb, tbl) fetches both parts of an entry for a whole vector of indices. The
// parts are signed bytes, e = l + base*h (tl_split in formats/tl_common.hpp), small enough for the
// kernels to sum them as bytes over a group of columns:
//   TL1 pair (b0, b1):      entry[3*w0 + w1 + 4] = w0*b0 + w1*b1, 9 used, 9..15 zero, |e| <= 254;
//                           base 22
//   TL2 triple (b0,b1,b2):  entry[|9*w0 + 3*w1 + w2|] for the positive-canonical pattern, 14 used,
//                           14..15 zero, |e| <= 381; base 28
//   TL2 tail pairs:         as TL1 items
// A token's TL2 table is k3/3 triple items followed by the TL1 items of the tail: about 10.7*K bytes
// (K = 2560: 27 KiB), TL1 16*K bytes. Activations at or past k count as 0 (padding).
// The SIMD builder computes each item with three sign-multiplies and the split (a multiply-high for
// h, then packs); it is exact, so it is bit-identical to the scalar one (tests compare them byte for
// byte).
#pragma once

#include <cstddef>
#include <cstdint>

#include "../arch/ops.hpp"
#include "../formats/tl_common.hpp"
#include "../types.hpp"

TRITLUT_BEGIN_TARGET_NS
namespace kernels {
namespace detail {

// Weight patterns per entry: w[0][i], w[1][i], w[2][i] multiply b0, b1, b2 (zero for unused i).
struct tl_patterns {
  alignas(64) std::int16_t w[48];
  tritlut::detail::tl_split split;  // how entries are stored (tl1_split for pairs, tl2_split for triples)
};
constexpr tl_patterns make_tl1_patterns() noexcept {
  tl_patterns p{{}, tritlut::detail::tl1_split};
  for (unsigned i = 0; i < 9; ++i) {
    p.w[i] = static_cast<std::int16_t>(tritlut::detail::tl1_w0(i));
    p.w[16 + i] = static_cast<std::int16_t>(tritlut::detail::tl1_w1(i));
  }
  return p;
}
constexpr tl_patterns make_tl2_patterns() noexcept {
  tl_patterns p{{}, tritlut::detail::tl2_split};
  for (int i = 0; i < 14; ++i) {
    int w0 = 0, w1 = 0, w2 = 0;
    tritlut::detail::tl2_digits(i, w0, w1, w2);
    p.w[i] = static_cast<std::int16_t>(w0);
    p.w[16 + i] = static_cast<std::int16_t>(w1);
    p.w[32 + i] = static_cast<std::int16_t>(w2);
  }
  return p;
}
inline constexpr tl_patterns tl1_patterns = make_tl1_patterns();
inline constexpr tl_patterns tl2_patterns = make_tl2_patterns();

TRITLUT_INLINE void tl_item_scalar(int b0, int b1, int b2, const tl_patterns& p, std::uint8_t* out) noexcept {
  for (int i = 0; i < 16; ++i) {
    const int e = p.w[i] * b0 + p.w[16 + i] * b1 + p.w[32 + i] * b2;
    out[i] = static_cast<std::uint8_t>(static_cast<unsigned>(p.split.lo(e)) & 0xFFu);
    out[16 + i] = static_cast<std::uint8_t>(static_cast<unsigned>(p.split.hi(e)) & 0xFFu);
  }
}

// Builds one token's items with item(b0, b1, b2, patterns, out).
template <class Item>
TRITLUT_INLINE void tl_build_token(tl_kind kind, const std::int8_t* q, std::size_t k, std::uint8_t* out,
                                   Item&& item) noexcept {
  auto at = [&](std::size_t j) -> int { return j < k ? q[j] : 0; };
  if (kind == tl_kind::tl1) {
    const std::size_t items = tl_lut_items(tl_kind::tl1, k);
    const std::size_t full = k / 2;  // pairs entirely inside k
    std::size_t p = 0;
    for (; p < full; ++p) item(q[2 * p], q[2 * p + 1], 0, tl1_patterns, out + p * tl_lut_item_bytes);
    for (; p < items; ++p) item(at(2 * p), at(2 * p + 1), 0, tl1_patterns, out + p * tl_lut_item_bytes);
    return;
  }
  const std::size_t k3 = tritlut::detail::tl2_k3(k), n3 = k3 / 3;
  for (std::size_t j = 0; j < n3; ++j) item(q[3 * j], q[3 * j + 1], q[3 * j + 2], tl2_patterns, out + j * tl_lut_item_bytes);
  const std::size_t tail_items = 2 * tritlut::detail::tl2_tail_cols(k);
  for (std::size_t p = 0; p < tail_items; ++p)
    item(at(k3 + 2 * p), at(k3 + 2 * p + 1), 0, tl1_patterns, out + (n3 + p) * tl_lut_item_bytes);
}

}  // namespace detail

// Tables of every token of x: out [x.n][tl_lut_items(kind, x.k)][32].
inline void tl_build_lut(tl_kind kind, const act_view& x, std::uint8_t* out, isa::scalar) noexcept {
  const std::size_t bytes = tl_lut_items(kind, x.k) * tl_lut_item_bytes;
  for (std::size_t n = 0; n < x.n; ++n)
    detail::tl_build_token(kind, x.q + n * x.stride, x.k, out + n * bytes, detail::tl_item_scalar);
}

template <class Tag, class = typename arch::simd_ops<Tag>::vec>
inline void tl_build_lut(tl_kind kind, const act_view& x, std::uint8_t* out, Tag) noexcept {
  using O = arch::simd_ops<Tag>;
  const std::size_t bytes = tl_lut_items(kind, x.k) * tl_lut_item_bytes;
  for (std::size_t n = 0; n < x.n; ++n)
    detail::tl_build_token(kind, x.q + n * x.stride, x.k, out + n * bytes,
                           [](int b0, int b1, int b2, const detail::tl_patterns& p, std::uint8_t* o)
                               TRITLUT_INLINE_LAMBDA { O::lut_entries_split(b0, b1, b2, p.w, p.split, o); });
}

}  // namespace kernels
TRITLUT_END_TARGET_NS
