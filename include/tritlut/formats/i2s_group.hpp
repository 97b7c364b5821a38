// SPDX-License-Identifier: MIT
// tritlut/formats/i2s_group.hpp - group-scaled I2_S: the 2-bit codes of I2_S plus one f32 scale per
// row and group of G consecutive weights (TQ1_0 / TQ2_0 with differing block scales: G = 256;
// Q2_0: G = 64; docs/kernels.md, "Group-scaled I2_S").
//
// Codes use the I2_S block layout (128 weights -> 32 bytes, byte p = weights p, p+32, p+64, p+96 in
// bits 7-6, 5-4, 3-2, 1-0; FORMATS.md 3.2), rows padded to kp = roundup(K, 128) with code 1. A group
// maps onto the blocks by planes: plane g of block b holds weights 128b + 32g .. +31, so G = 32 is
// one plane, G = 64 two planes (0-1 or 2-3) of one block, G = 128 one block, G = 256 and 512 two
// and four consecutive blocks. code = w + 1 with w in {-1, 0, 1, 2}: code 3 is Q2_0's fourth level
// (+2), computed exactly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "i2s.hpp"

namespace tritlut {
// Group sizes the kernels take. 512 is the largest the int16 stage allows with code 3 (the bound
// is in kernels/i2s_group.hpp); every one is a power of two of whole 32-weight planes.
inline constexpr std::size_t i2s_group_sizes[] = {32, 64, 128, 256, 512};

constexpr bool i2s_group_size_ok(std::size_t g) noexcept {
  return g == 32 || g == 64 || g == 128 || g == 256 || g == 512;
}
}  // namespace tritlut

TRITLUT_BEGIN_TARGET_NS

namespace detail {
// Checks the shape and group of a group-scaled matrix; `what` names the caller in the message.
inline void check_group_shape(std::size_t m, std::size_t k, std::size_t group, const char* what) {
  check_shape(m, k, what);
  if (!i2s_group_size_ok(group))
    throw error(std::string(what) + ": group size " + std::to_string(group) +
                " is not supported (supported: 32, 64, 128, 256, 512)");
  if (k % group != 0)
    throw error(std::string(what) + ": K = " + std::to_string(k) + " is not a multiple of the group size " +
                std::to_string(group));
  if (k / group > i2s_group_max_groups)
    throw error(std::string(what) + ": " + std::to_string(k / group) + " groups per row (K = " + std::to_string(k) +
                ", group " + std::to_string(group) + "), the kernels take at most " +
                std::to_string(i2s_group_max_groups));
}
inline std::uint8_t group_code(std::int8_t w, std::size_t index) {
  if (w < -1 || w > 2)
    throw error("i2s_group: weight " + std::to_string(index) + " is " + std::to_string(int(w)) +
                ", not in {-1, 0, 1, 2}");
  return static_cast<std::uint8_t>(w + 1);
}
}  // namespace detail

constexpr std::size_t row_split_step(const i2s_group_view&) noexcept { return 16; }

// A group-scaled I2_S matrix, owning its codes and scales. Move-only; a moved-from or
// default-constructed matrix is empty (0 x 0, null data) and the entry points reject it.
class i2s_group_matrix {
 public:
  i2s_group_matrix() = default;
  i2s_group_matrix(i2s_group_matrix&& o) noexcept
      : v_(std::exchange(o.v_, i2s_group_view{})), codes_(std::move(o.codes_)), scales_(std::move(o.scales_)) {}
  i2s_group_matrix& operator=(i2s_group_matrix&& o) noexcept {
    if (this != &o) {
      v_ = std::exchange(o.v_, i2s_group_view{});
      codes_ = std::move(o.codes_);
      scales_ = std::move(o.scales_);
    }
    return *this;
  }
  i2s_group_matrix(const i2s_group_matrix&) = delete;
  i2s_group_matrix& operator=(const i2s_group_matrix&) = delete;

  // Packs w (m*k int8 in {-1, 0, 1, 2}, row-major) with scales d ([m][k / group] f32, row-major;
  // an F16 scale converts to f32 exactly). group in {32, 64, 128, 256, 512}, k % group == 0.
  static i2s_group_matrix pack(const std::int8_t* w, std::size_t m, std::size_t k, std::size_t group,
                               const float* d) {
    detail::check_group_shape(m, k, group, "i2s_group pack");
    if (!w) detail::throw_null("i2s_group pack", "weights");
    if (!d) detail::throw_null("i2s_group pack", "scales");
    i2s_group_matrix r;
    r.v_.m = m;
    r.v_.k = k;
    r.v_.kp = round_up(k, i2s_block_weights);
    r.v_.group = group;
    r.v_.groups = k / group;
    const std::size_t row_bytes = r.v_.kp / 4;
    r.codes_ = aligned_buffer<std::uint8_t>(m * row_bytes);
    r.scales_ = aligned_buffer<float>(m * r.v_.groups);
    std::uint8_t* out = r.codes_.data();
    std::memset(out, 0x55, m * row_bytes);  // padding weights are zero: code 1 in every field
    for (std::size_t row = 0; row < m; ++row)
      for (std::size_t j = 0; j < k; ++j) {
        const std::size_t b = j / i2s_block_weights, jj = j % i2s_block_weights;
        std::uint8_t& byte = out[row * row_bytes + b * detail::i2s_block_bytes + detail::i2s_byte_in_block(jj)];
        const unsigned sh = detail::i2s_shift_in_byte(jj);
        byte = static_cast<std::uint8_t>((byte & ~(3u << sh)) | (detail::group_code(w[row * k + j], row * k + j) << sh));
      }
    std::memcpy(r.scales_.data(), d, m * r.v_.groups * sizeof(float));
    r.v_.data = r.codes_.data();
    r.v_.scale = r.scales_.data();
    return r;
  }

  // Size query before packing: bytes of the codes plus the scales.
  static std::size_t storage_bytes_for(std::size_t m, std::size_t k, std::size_t group) {
    detail::check_group_shape(m, k, group, "i2s_group storage_bytes_for");
    return m * round_up(k, i2s_block_weights) / 4 + m * (k / group) * sizeof(float);
  }

  const i2s_group_view& view() const noexcept { return v_; }
  bool empty() const noexcept { return v_.data == nullptr; }
  std::size_t rows() const noexcept { return v_.m; }
  std::size_t cols() const noexcept { return v_.k; }
  std::size_t group() const noexcept { return v_.group; }
  std::size_t groups() const noexcept { return v_.groups; }
  // Bytes the kernels stream per pass: codes (m * kp / 4) and scales (4 per group).
  std::size_t packed_bytes() const noexcept { return v_.m * v_.kp / 4 + v_.m * v_.groups * sizeof(float); }
  std::size_t storage_bytes() const noexcept { return packed_bytes(); }
  const float* scales() const noexcept { return v_.scale; }

  // The values back: m*k int8 in {-1, 0, 1, 2}, row-major.
  std::vector<std::int8_t> unpack() const {
    std::vector<std::int8_t> w(v_.m * v_.k);
    const std::size_t row_bytes = v_.kp / 4;
    for (std::size_t row = 0; row < v_.m; ++row)
      for (std::size_t j = 0; j < v_.k; ++j) {
        const std::size_t b = j / i2s_block_weights, jj = j % i2s_block_weights;
        const unsigned c =
            (v_.data[row * row_bytes + b * detail::i2s_block_bytes + detail::i2s_byte_in_block(jj)] >> detail::i2s_shift_in_byte(jj)) & 3u;
        w[row * v_.k + j] = static_cast<std::int8_t>(int(c) - 1);
      }
    return w;
  }

 private:
  i2s_group_view v_{};
  aligned_buffer<std::uint8_t> codes_;  // [m][kp/4]
  aligned_buffer<float> scales_;        // [m][groups]
};

TRITLUT_END_TARGET_NS
