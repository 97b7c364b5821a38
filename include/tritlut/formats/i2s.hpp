// SPDX-License-Identifier: MIT
// tritlut/formats/i2s.hpp - I2_S: 2 bits per weight, byte-compatible with bitnet.cpp's GGUF type 36.
//
// Block of 128 weights -> 32 bytes; byte p holds the codes (c = w + 1) of weights p, p+32, p+64,
// p+96 in bits 7-6, 5-4, 3-2, 1-0 (detail::i2s_decode and i2s_encode below). A file tensor is the
// flattened row-major M x K matrix cut into such blocks, followed by 32 bytes: the f32 scale and 28
// zero bytes. Size M*K/4 + 32 (M*K must be a multiple of 128). In memory every row is padded to
// kp = roundup(K, 128) so rows start on blocks; for K % 128 == 0 this is the file layout itself
// (zero-copy).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "../error.hpp"
#include "../memory.hpp"
#include "../types.hpp"

namespace tritlut {
inline constexpr std::size_t i2s_block_weights = 128;  // weights per block
}  // namespace tritlut

TRITLUT_BEGIN_TARGET_NS

namespace detail {
// The block layout, bitnet.cpp's: a block of 128 weights is 32 bytes, 4 two-bit codes per byte.
// Byte p holds weight p of each quarter of the block (p, p+32, p+64, p+96), the first quarter in
// the top bits, so that one 32-byte load shifted right by 6, 4, 2, 0 and masked with 3 gives the
// codes of 32 consecutive weights: what the SIMD kernels do (kernels/i2s.hpp, codes<6 - 2g>).
inline constexpr std::size_t i2s_block_bytes = 32;
inline constexpr unsigned i2s_code_bits = 2;
inline constexpr unsigned i2s_code_mask = 3;
inline constexpr unsigned i2s_first_shift = 6;  // the first quarter's bits 7-6
static_assert(i2s_block_weights == i2s_block_bytes * 8 / i2s_code_bits, "I2_S: 4 codes per byte");
inline constexpr std::size_t i2s_tail_bytes = 32;  // after a file tensor's blocks: f32 scale + 28 zero bytes

// Byte offset and bit shift of weight j (0..127) inside its 32-byte block.
constexpr std::size_t i2s_byte_in_block(std::size_t j) noexcept { return j % i2s_block_bytes; }
constexpr unsigned i2s_shift_in_byte(std::size_t j) noexcept {
  return i2s_first_shift - i2s_code_bits * static_cast<unsigned>(j / i2s_block_bytes);
}

// Every packer's check of its input (I2_S, TL1, TL2).
inline void check_weight(std::int8_t w, std::size_t index, const char* what) {
  if (w < -1 || w > 1)
    throw error(std::string(what) + ": weight " + std::to_string(index) + " is " + std::to_string(int(w)) +
                ", not a ternary value in {-1, 0, 1}");
}

inline std::uint8_t i2s_code(std::int8_t w, std::size_t index) {
  check_weight(w, index, "i2s");
  return static_cast<std::uint8_t>(w + 1);
}
// Code 3 is never written; decoders map it to 0 (FORMATS.md 3.1).
constexpr std::int8_t i2s_weight(unsigned code) noexcept { return code == 3 ? 0 : static_cast<std::int8_t>(int(code) - 1); }

// The one I2_S decoder: weights [0, n) of a run of whole blocks (a padded matrix row, or a whole
// file tensor read as one flat run) into w.
inline void i2s_decode(const std::uint8_t* blocks, std::size_t n, std::int8_t* w) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t b = i / i2s_block_weights, j = i % i2s_block_weights;
    w[i] = i2s_weight((blocks[b * i2s_block_bytes + i2s_byte_in_block(j)] >> i2s_shift_in_byte(j)) & i2s_code_mask);
  }
}

// The one encoder: writes the codes of weights [0, n) into a run of blocks, leaving the other bits
// of each byte as they are; index0 numbers w[0] in error messages.
inline void i2s_encode(const std::int8_t* w, std::size_t n, std::uint8_t* blocks, std::size_t index0) {
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t b = i / i2s_block_weights, j = i % i2s_block_weights;
    std::uint8_t& byte = blocks[b * i2s_block_bytes + i2s_byte_in_block(j)];
    const unsigned sh = i2s_shift_in_byte(j);
    byte = static_cast<std::uint8_t>((byte & ~(i2s_code_mask << sh)) | (i2s_code(w[i], index0 + i) << sh));
  }
}

// Row r of an I2_S matrix (kp-strided rows, FORMATS.md 3.2) as ternary values w[0..k).
inline void i2s_decode_row(const i2s_view& v, std::size_t r, std::int8_t* w) noexcept {
  i2s_decode(v.data + r * (v.kp / 4), v.k, w);
}

[[noreturn]] inline void throw_null(const char* what, const char* arg) {
  throw error(std::string(what) + ": " + arg + " is null");
}

inline void check_shape(std::size_t m, std::size_t k, const char* what) {
  if (m == 0 || k == 0)
    throw error(std::string(what) + ": empty matrix (" + std::to_string(m) + " x " + std::to_string(k) + ")");
  if (m > (std::size_t(1) << 40) / k)
    throw error(std::string(what) + ": matrix " + std::to_string(m) + " x " + std::to_string(k) + " is too large");
}

// A file tensor's size against i2s_file_bytes(m, k) (expect), for every reader of one.
inline void check_file_size(std::size_t size, std::size_t expect, std::size_t m, std::size_t k) {
  if (size != expect)
    throw error("i2s: tensor of " + std::to_string(m) + " x " + std::to_string(k) + " needs " +
                std::to_string(expect) + " bytes, got " + std::to_string(size));
}
}  // namespace detail

// Bytes of an I2_S GGUF tensor (type 36) holding an m x k matrix: m*k/4 + 32.
inline std::size_t i2s_file_bytes(std::size_t m, std::size_t k) {
  detail::check_shape(m, k, "i2s_file_bytes");
  if ((m * k) % i2s_block_weights != 0)
    throw error("i2s: the file format needs M*K to be a multiple of 128; got " + std::to_string(m) + " x " +
                std::to_string(k) + " = " + std::to_string(m * k));
  return m * k / 4 + detail::i2s_tail_bytes;
}

// Packs ternary w (m*k int8 in {-1,0,1}, row-major) and alpha into the file layout.
// out: i2s_file_bytes(m, k) bytes; the 28 padding bytes are zeroed.
inline void i2s_pack_file(const std::int8_t* w, std::size_t m, std::size_t k, float alpha, std::uint8_t* out) {
  const std::size_t total = i2s_file_bytes(m, k);
  if (!w) detail::throw_null("i2s_pack_file", "weights");
  if (!out) detail::throw_null("i2s_pack_file", "output");
  const std::size_t n = m * k;
  std::memset(out, 0, total);
  detail::i2s_encode(w, n, out, 0);
  std::memcpy(out + n / 4, &alpha, sizeof alpha);  // little-endian hosts only (x86-64, AArch64)
}

// Decodes a file tensor by flattened index (correct for any K, e.g. 8640). size must equal
// i2s_file_bytes(m, k). w_out: m*k int8; alpha_out may be null.
inline void i2s_unpack_file(const std::uint8_t* bytes, std::size_t size, std::size_t m, std::size_t k,
                            std::int8_t* w_out, float* alpha_out) {
  const std::size_t expect = i2s_file_bytes(m, k);
  if (!bytes) detail::throw_null("i2s_unpack_file", "tensor bytes");
  if (!w_out) detail::throw_null("i2s_unpack_file", "output");
  detail::check_file_size(size, expect, m, k);
  const std::size_t n = m * k;
  detail::i2s_decode(bytes, n, w_out);
  if (alpha_out) std::memcpy(alpha_out, bytes + n / 4, sizeof(float));
}

// An I2_S matrix in memory: either owning its bytes (packed from ternary values or repacked from a
// file with K % 128 != 0) or a zero-copy view of file bytes. Move-only; a moved-from matrix is
// empty (0 x 0, no data), like a default-constructed one, and the GEMM checks reject it.
class i2s_matrix {
 public:
  i2s_matrix() = default;
  i2s_matrix(i2s_matrix&& o) noexcept : v_(std::exchange(o.v_, i2s_view{})), own_(std::move(o.own_)) {}
  i2s_matrix& operator=(i2s_matrix&& o) noexcept {
    if (this != &o) {
      v_ = std::exchange(o.v_, i2s_view{});
      own_ = std::move(o.own_);
    }
    return *this;
  }
  i2s_matrix(const i2s_matrix&) = delete;
  i2s_matrix& operator=(const i2s_matrix&) = delete;

  // Packs ternary w (m*k int8 in {-1,0,1}, row-major) for any m, k >= 1.
  static i2s_matrix pack(const std::int8_t* w, std::size_t m, std::size_t k, float alpha) {
    detail::check_shape(m, k, "i2s pack");
    if (!w) detail::throw_null("i2s pack", "weights");
    i2s_matrix r;
    r.v_.m = m;
    r.v_.k = k;
    r.v_.kp = round_up(k, i2s_block_weights);
    r.v_.alpha = alpha;
    const std::size_t row_bytes = r.v_.kp / 4;
    r.own_ = aligned_buffer<std::uint8_t>(m * row_bytes);
    std::uint8_t* d = r.own_.data();
    for (std::size_t row = 0; row < m; ++row) {
      std::uint8_t* out = d + row * row_bytes;
      // Padding weights are zero: code 1 in every 2-bit field = 0b01010101.
      std::memset(out, 0x55, row_bytes);
      detail::i2s_encode(w + row * k, k, out, row * k);
    }
    r.v_.data = d;
    return r;
  }

  // Uses a GGUF type-36 tensor (size = i2s_file_bytes(m, k)) for an m x k weight. For K % 128 == 0
  // this is zero-copy (the bytes must outlive the matrix); otherwise rows are repacked.
  static i2s_matrix from_file(const std::uint8_t* bytes, std::size_t size, std::size_t m, std::size_t k) {
    const std::size_t expect = i2s_file_bytes(m, k);
    if (!bytes) detail::throw_null("i2s from_file", "tensor bytes");
    detail::check_file_size(size, expect, m, k);
    float alpha;
    std::memcpy(&alpha, bytes + m * k / 4, sizeof alpha);
    if (k % i2s_block_weights == 0) {
      i2s_matrix r;
      r.v_ = i2s_view{bytes, m, k, k, alpha};
      return r;
    }
    std::vector<std::int8_t> w(m * k);
    i2s_unpack_file(bytes, size, m, k, w.data(), nullptr);
    return pack(w.data(), m, k, alpha);
  }

  const i2s_view& view() const noexcept { return v_; }
  std::size_t rows() const noexcept { return v_.m; }
  std::size_t cols() const noexcept { return v_.k; }
  float alpha() const noexcept { return v_.alpha; }
  bool owns_data() const noexcept { return own_.data() != nullptr; }
  // Bytes the kernels stream per pass over the matrix (m * kp / 4).
  std::size_t packed_bytes() const noexcept { return v_.m * v_.kp / 4; }

  // Ternary values back, m*k row-major.
  std::vector<std::int8_t> unpack() const {
    std::vector<std::int8_t> w(v_.m * v_.k);
    for (std::size_t row = 0; row < v_.m; ++row) detail::i2s_decode_row(v_, row, w.data() + row * v_.k);
    return w;
  }

 private:
  i2s_view v_{};
  aligned_buffer<std::uint8_t> own_;
};

TRITLUT_END_TARGET_NS
