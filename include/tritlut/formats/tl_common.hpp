// SPDX-License-Identifier: MIT
// tritlut/formats/tl_common.hpp - what TL1 and TL2 share: tile configuration, index codes, I2_S row
// decoding for repacking at load time.
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

namespace tritlut {

// Per-ISA tile defaults (compile-time; override with tl_pack_config at pack time).
template <class Tag>
struct tl_traits {
  static constexpr std::size_t mr = 64;  // rows per tile: 1 zmm / 2 ymm / 4 xmm of index bytes
};
constexpr std::size_t tl_default_mr(isa_id) noexcept { return 64; }

// Run-time layout choice. mr = 0 means tl_default_mr of the ISA (64 on every tier today).
struct tl_pack_config {
  std::size_t mr = 0;
};

inline constexpr std::size_t tl_lut_item_bytes = 32;  // 16 low parts + 16 high parts of the entries

// TL2 triple entries are split in base 28, not 256: e = 28*h + l with l in -14..13 and h in -14..14
// (|e| <= 384), stored as signed bytes [16 l][16 h]. Both parts stay small after the sign
// (negated: -l in -13..14, -h in -14..14; complemented: ~l in -14..13, ~h in -15..13), so the kernels
// add them as bytes over a sign group of 4 columns (8 lookups: |sum| <= 120) before rebuilding int16
// sums with one multiply-add. 28 is the base that lets both parts sum over 4 columns (FORMATS.md 4.5,
// docs/formats.md). Where a tier complements (NEON: no psignb), 28*~h + ~l = -e - 29: a negative
// triple needs +29, not +1.
inline constexpr int tl2_split = 28;
inline constexpr int tl2_neg_fix = tl2_split + 1;
inline constexpr int tl2_split_half = tl2_split / 2;                                  // 14
inline constexpr int tl2_split_bias = tl2_split_half + tl2_split * tl2_split_half;   // 406: e + bias >= 0
constexpr int tl2_split_hi(int e) noexcept { return (e + tl2_split_bias) / tl2_split - tl2_split_half; }  // floor((e + 14) / 28)
constexpr int tl2_split_lo(int e) noexcept { return e - tl2_split * tl2_split_hi(e); }
// The SIMD builders divide by 28 with a 16-bit multiply-high: ((e + bias) * magic >> 16) - half. The
// magic is even so that NEON's doubling multiply-high (vqdmulh) can take magic / 2. Checked for every
// entry value (|e| <= 3 * 128) at compile time.
inline constexpr int tl2_split_magic = 2342;
constexpr bool tl2_split_magic_exact() noexcept {
  for (int e = -3 * 128; e <= 3 * 128; ++e)
    if (((e + tl2_split_bias) * tl2_split_magic >> 16) - tl2_split_half != tl2_split_hi(e)) return false;
  return true;
}
static_assert(tl2_split_magic % 2 == 0 && tl2_split_magic_exact(), "TL2 base-28 split: multiply-high not exact");

// TL1 index of a weight pair (FORMATS.md 4.2): 3*w0 + w1 + 4 in 0..8.
constexpr unsigned tl1_index(int w0, int w1) noexcept { return static_cast<unsigned>(3 * w0 + w1 + 4); }
constexpr int tl1_w0(unsigned i) noexcept { return static_cast<int>(i / 3) - 1; }
constexpr int tl1_w1(unsigned i) noexcept { return static_cast<int>(i % 3) - 1; }

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

// LUT items per token (32 bytes each).
constexpr std::size_t tl_lut_items(tl_kind kind, std::size_t k) noexcept {
  return kind == tl_kind::tl1 ? 2 * tl1_cols(k) : tl2_k3(k) / 3 + 2 * tl2_tail_cols(k);
}

constexpr const char* tl_kind_name(tl_kind k) noexcept { return k == tl_kind::tl1 ? "tl1" : "tl2"; }

}  // namespace tritlut

TRITLUT_BEGIN_TARGET_NS
namespace detail {

inline std::size_t tl_check_config(const char* what, std::size_t m, std::size_t k, tl_pack_config cfg) {
  if (m == 0 || k == 0)
    throw error(std::string(what) + ": empty matrix (" + std::to_string(m) + " x " + std::to_string(k) + ")");
  if (m > (std::size_t(1) << 40) / k)
    throw error(std::string(what) + ": matrix " + std::to_string(m) + " x " + std::to_string(k) + " is too large");
  const std::size_t mr = cfg.mr ? cfg.mr : tl_default_mr(isa::best::id);
  if (mr % 16 != 0 || mr > 1024)
    throw error(std::string(what) + ": tile rows mr = " + std::to_string(mr) +
                " must be a positive multiple of 16 and at most 1024");
  return mr;
}

inline void tl_check_weight(std::int8_t w, std::size_t index, const char* what) {
  if (w < -1 || w > 1)
    throw error(std::string(what) + ": weight " + std::to_string(index) + " is " + std::to_string(int(w)) +
                ", not a ternary value in {-1, 0, 1}");
}

// Row r of an I2_S matrix (kp-strided rows, FORMATS.md 3.2) as ternary values w[0..k).
inline void i2s_decode_row(const i2s_view& v, std::size_t r, std::int8_t* w) noexcept {
  const std::uint8_t* row = v.data + r * (v.kp / 4);
  for (std::size_t j = 0; j < v.k; ++j) {
    const std::size_t b = j / 128, jj = j % 128;
    const unsigned c = (row[b * 32 + jj % 32] >> (6u - 2u * static_cast<unsigned>(jj / 32))) & 3u;
    w[j] = c == 3 ? 0 : static_cast<std::int8_t>(int(c) - 1);
  }
}

inline void tl_check_i2s(const i2s_view& v, const char* what) {
  if (!v.data || v.m == 0 || v.k == 0 || v.kp < v.k || v.kp % 128 != 0)
    throw error(std::string(what) + ": not a valid I2_S view (m = " + std::to_string(v.m) + ", k = " +
                std::to_string(v.k) + ", kp = " + std::to_string(v.kp) + ")");
}

}  // namespace detail
TRITLUT_END_TARGET_NS
