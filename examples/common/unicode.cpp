// SPDX-License-Identifier: MIT
// examples/common/unicode.cpp - UTF-8 and character classes.
#include "common/unicode.hpp"

#include <algorithm>
#include <array>

namespace trex {

std::uint32_t utf8_decode(std::string_view s, std::size_t i, std::size_t& len) {
  len = 1;
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return b0;
  std::size_t n;
  std::uint32_t cp, min;
  if ((b0 & 0xE0) == 0xC0) {
    n = 2, cp = b0 & 0x1Fu, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 3, cp = b0 & 0x0Fu, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 4, cp = b0 & 0x07u, min = 0x10000;
  } else {
    return invalid_code_point;
  }
  if (i + n > s.size()) return invalid_code_point;
  for (std::size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return invalid_code_point;
    cp = (cp << 6) | (b & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return invalid_code_point;
  len = n;
  return cp;
}

void utf8_append(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool utf8_valid(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    std::size_t len;
    if (utf8_decode(s, i, len) == invalid_code_point) return false;
    i += len;
  }
  return true;
}

namespace {

bool in_ranges(const unicode_detail::code_range* r, std::size_t n, std::uint32_t cp) {
  const auto* end = r + n;
  const auto* it = std::upper_bound(r, end, cp, [](std::uint32_t c, const unicode_detail::code_range& x) {
    return c < x.first;
  });
  return it != r && cp <= (it - 1)->last;
}

std::uint8_t flags_slow(std::uint32_t cp) {
  using namespace unicode_detail;
  std::uint8_t f = 0;
  if (in_ranges(letter_ranges, letter_ranges_size, cp)) f |= cp_letter;
  if (in_ranges(number_ranges, number_ranges_size, cp)) f |= cp_number;
  if (in_ranges(space_ranges, space_ranges_size, cp)) f |= cp_space;
  return f;
}

// Basic Multilingual Plane lookup table (64 KiB), built once.
const std::array<std::uint8_t, 0x10000>& bmp_table() {
  static const std::array<std::uint8_t, 0x10000> t = [] {
    std::array<std::uint8_t, 0x10000> a{};
    for (std::uint32_t c = 0; c < 0x10000; ++c) a[c] = flags_slow(c);
    return a;
  }();
  return t;
}

}  // namespace

std::uint8_t cp_flags(std::uint32_t cp) {
  if (cp < 0x10000) return bmp_table()[cp];
  if (cp > 0x10FFFF) return 0;
  return flags_slow(cp);
}

}  // namespace trex
