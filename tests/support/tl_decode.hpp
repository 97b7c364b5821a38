// SPDX-License-Identifier: MIT
// tests/support/tl_decode.hpp - independent decoders of the I2_S and TL layouts and of the LUT
// entries for the TL format and kernel tests, written from FORMATS.md 4 without tritlut's packing
// code.
#pragma once

#include "support/problems.hpp"

namespace tt {

// Row-major ternary values of an I2_S view, decoded straight from FORMATS.md 3.2.
inline std::vector<std::int8_t> decode_i2s(const tritlut::i2s_view& v) {
  std::vector<std::int8_t> w(v.m * v.k);
  for (std::size_t r = 0; r < v.m; ++r)
    for (std::size_t j = 0; j < v.k; ++j) {
      const std::uint8_t byte = v.data[r * v.kp / 4 + (j / 128) * 32 + j % 32];
      const int c = (byte >> (6 - 2 * int((j % 128) / 32))) & 3;
      w[r * v.k + j] = static_cast<std::int8_t>(c == 3 ? 0 : c - 1);
    }
  return w;
}

// Entry i of LUT item `item` of token n: l + base*h from two signed bytes, each part range-checked
// (what the kernels' byte sums rely on): TL1 items and TL2 tail items in base 22 (l in -11..10, h in
// -12..12), TL2 triple items in base 28 (l in -14..13, h in -14..14).
inline int lut_entry_base(const tritlut::tl_lut_view& L, std::size_t n, std::size_t item, int i, int base) {
  const std::uint8_t* p = L.data + (n * L.items + item) * 32;
  const int l = static_cast<std::int8_t>(p[i]), h = static_cast<std::int8_t>(p[16 + i]);
  const int half = base / 2, hmax = base == 22 ? 12 : 14;
  if (l < -half || l >= half || h < -hmax || h > hmax) return 1 << 20;  // never a valid entry
  return l + base * h;
}
inline int lut_entry(const tritlut::tl_lut_view& L, std::size_t n, std::size_t item, int i) {
  return lut_entry_base(L, n, item, i, 22);
}
inline int lut_entry_split(const tritlut::tl_lut_view& L, std::size_t n, std::size_t item, int i) {
  return lut_entry_base(L, n, item, i, 28);
}

}  // namespace tt
