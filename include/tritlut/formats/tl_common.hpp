// SPDX-License-Identifier: MIT
// tritlut/formats/tl_common.hpp - what TL1 and TL2 share: tile configuration, index codes, checks
// of the I2_S views they repack at load time (decoded by formats/i2s.hpp).
//
// Tile rows (MR): every kernel consumes any MR that is a multiple of 16 (the width of one
// 16-entry byte lookup); a vector tier wider than MR falls back to its 128-bit form, so a matrix
// packed once runs on every ISA with bit-identical results. The default MR = 64 is the one size that
// is a whole number of vectors on every tier (1 x 512, 2 x 256, 4 x 128 bit), so the default layout
// is in practice ISA-independent; tl_pack_config overrides it at run time for tuning.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "../error.hpp"
#include "../isa/isa.hpp"
#include "../types.hpp"
#include "i2s.hpp"

namespace tritlut {

// Default rows per tile, the same for every ISA: 1 zmm / 2 ymm / 4 xmm of index bytes (see above).
inline constexpr std::size_t tl_default_mr = 64;

// Run-time layout choice. mr = 0 means tl_default_mr.
struct tl_pack_config {
  std::size_t mr = 0;
};

inline constexpr std::size_t tl_lut_item_bytes = 32;  // 16 low parts l + 16 high parts h of the entries

constexpr const char* tl_kind_name(tl_kind k) noexcept { return k == tl_kind::tl1 ? "tl1" : "tl2"; }

}  // namespace tritlut

TRITLUT_BEGIN_TARGET_NS
namespace detail {

// Table entries are split into two signed bytes, e = l + base*h with h = floor((e + base/2) / base),
// so that both parts stay small and the kernels can add them as bytes over a group of columns before
// rebuilding int16 sums with one multiply-add by (1, base) (FORMATS.md 4.5, docs/formats.md):
//   TL1 pairs (and TL2's tail pairs), |e| <= 2*128: base 22, l in -11..10, h in -12..12; a group of
//     5 columns (10 lookups) sums to |l| <= 110, |h| <= 120.
//   TL2 triples, |e| <= 3*128: base 28, l in -14..13, h in -14..14, also after the sign (negated:
//     -l in -13..14, -h in -14..14; complemented: ~l in -14..13, ~h in -15..13); a sign group of 4
//     columns (8 lookups) sums to <= 120. Where a tier complements (NEON: no psignb),
//     28*~h + ~l = -e - 29: a negative triple needs +29, not +1.
// Each base is the one that lets both parts of its group fit a byte: the low part needs
// lookups*base/2 <= 127 and the high part lookups*(max|e|/base + 1/2) <= 127.
// The SIMD builders divide with a 16-bit multiply-high: h = ((e + bias) * magic >> 16) - hk, where
// bias = base/2 + base*hk makes e + bias >= 0. The magic is even so that NEON's doubling
// multiply-high (vqdmulh) can take magic / 2. Checked for every entry value at compile time.
struct tl_split {
  int base, max_abs, magic;
  constexpr int hk() const noexcept { return (max_abs + base - 1) / base; }
  constexpr int bias() const noexcept { return base / 2 + base * hk(); }
  constexpr int hi(int e) const noexcept { return (e + bias()) / base - hk(); }  // floor((e + base/2) / base)
  constexpr int lo(int e) const noexcept { return e - base * hi(e); }
  constexpr bool magic_exact() const noexcept {
    if (magic % 2 != 0) return false;
    for (int e = -max_abs; e <= max_abs; ++e)
      if (((e + bias()) * magic >> 16) - hk() != hi(e)) return false;
    return true;
  }
};
inline constexpr tl_split tl1_split{22, 2 * 128, 2980};
inline constexpr tl_split tl2_split{28, 3 * 128, 2342};
static_assert(tl1_split.magic_exact() && tl2_split.magic_exact(), "TL entry split: multiply-high not exact");
inline constexpr int tl1_group = 5;  // columns of TL1 byte sums per fold (10 lookups: <= 120)
inline constexpr int tl2_group = 4;  // columns per TL2 sign byte (8 triples), also the fold group
inline constexpr int tl2_neg_fix = tl2_split.base + 1;

// TL1 index of a weight pair (FORMATS.md 4.2): 3*w0 + w1 + 4 in 0..8.
constexpr unsigned tl1_index(int w0, int w1) noexcept { return static_cast<unsigned>(3 * w0 + w1 + 4); }
constexpr int tl1_w0(unsigned i) noexcept { return static_cast<int>(i / 3) - 1; }
constexpr int tl1_w1(unsigned i) noexcept { return static_cast<int>(i % 3) - 1; }
// A TL1 index byte holds 4 weights: pair (p[0], p[1]) in the low nibble, (p[2], p[3]) in the high.
constexpr std::uint8_t tl1_byte(const std::int8_t* p) noexcept {
  return static_cast<std::uint8_t>(tl1_index(p[0], p[1]) | tl1_index(p[2], p[3]) << 4);
}
// Weight j (0..3) of a TL1 index byte.
constexpr std::int8_t tl1_byte_weight(unsigned byte, std::size_t j) noexcept {
  const unsigned i = (j < 2 ? byte : byte >> 4) & 15u;
  return static_cast<std::int8_t>(j % 2 == 0 ? tl1_w0(i) : tl1_w1(i));
}

// TL2 code of a triple (FORMATS.md 4.3): v = 9*w0 + 3*w1 + w2, sign = v < 0, index = |v| in 0..13.
constexpr int tl2_value(int w0, int w1, int w2) noexcept { return 9 * w0 + 3 * w1 + w2; }
// Balanced-ternary digits of v in -13..13 (w0 most significant).
constexpr void tl2_digits(int v, int& w0, int& w1, int& w2) noexcept {
  w2 = ((v % 3) + 4) % 3 - 1;  // v mod 3 mapped to {-1, 0, 1}
  v = (v - w2) / 3;
  w1 = ((v % 3) + 4) % 3 - 1;
  w0 = (v - w1) / 3;
}

// TL2 splits K into 6*floor(K/6) triple-coded weights and a TL1 tail padded to 4.
constexpr std::size_t tl2_k3(std::size_t k) noexcept { return k / 6 * 6; }
constexpr std::size_t tl2_tail_cols(std::size_t k) noexcept { return (k - tl2_k3(k) + 3) / 4; }
constexpr std::size_t tl1_cols(std::size_t k) noexcept { return (k + 3) / 4; }


inline std::size_t tl_check_config(const char* what, std::size_t m, std::size_t k, tl_pack_config cfg) {
  check_shape(m, k, what);
  const std::size_t mr = cfg.mr ? cfg.mr : tl_default_mr;
  if (mr % 16 != 0 || mr > 1024)
    throw error(std::string(what) + ": tile rows mr = " + std::to_string(mr) +
                " must be a positive multiple of 16 and at most 1024");
  return mr;
}

inline void tl_check_i2s(const i2s_view& v, const char* what) {
  if (!v.data || v.m == 0 || v.k == 0 || v.kp < v.k || v.kp % i2s_block_weights != 0)
    throw error(std::string(what) + ": not a valid I2_S view (m = " + std::to_string(v.m) + ", k = " +
                std::to_string(v.k) + ", kp = " + std::to_string(v.kp) + ")");
}

}  // namespace detail

// LUT items per token (32 bytes each).
constexpr std::size_t tl_lut_items(tl_kind kind, std::size_t k) noexcept {
  return kind == tl_kind::tl1 ? 2 * detail::tl1_cols(k) : detail::tl2_k3(k) / 3 + 2 * detail::tl2_tail_cols(k);
}

TRITLUT_END_TARGET_NS
