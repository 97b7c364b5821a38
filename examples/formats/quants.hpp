// SPDX-License-Identifier: MIT
// examples/formats/quants.hpp - dequantization of GGUF tensor types to f32 and the lossless
// TQ1_0/TQ2_0/Q2_0 <-> ternary conversions (FORMATS.md §5, §6).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "formats/gguf.hpp"

namespace trex {

// Dequantize n elements (n a multiple of the block size) of type t from `data` into out[n].
// Supports F32, F16, BF16, Q8_0, Q4_K, Q6_K, TQ1_0, TQ2_0, Q2_0 (I2_S: use dequantize_tensor).
void dequantize(ggml_type t, const std::uint8_t* data, std::size_t n, float* out);

// Bytes of one row (ne0 elements) of a non-I2_S tensor type.
std::size_t row_bytes(ggml_type t, std::uint64_t ne0);

// Row r of a 2-D tensor to f32 (ne0 values), e.g. an embedding lookup. Any type incl. I2_S.
void dequantize_row(const gguf_tensor& t, std::uint64_t r, float* out);

// Whole tensor to f32 (any supported type, I2_S included).
std::vector<float> dequantize_tensor(const gguf_tensor& t);

// A ternary tensor (I2_S, TQ1_0, TQ2_0, Q2_0) as int8 {-1,0,1} row-major [rows][cols] plus alpha.
// TQ/Q2_0: every non-zero block scale must be equal (per-tensor ternarization), else throws naming
// the tensor; alpha = that f16 scale; Q2_0's code 3 (+2) throws. I2_S: code 3 decodes as 0, alpha
// = the trailing f32.
struct ternary_tensor {
  std::vector<std::int8_t> w;
  float alpha = 0.0f;
  std::uint64_t rows = 0, cols = 0;
};
ternary_tensor load_ternary(const gguf_tensor& t);
// The same with one scale per group of `group` consecutive weights of a row (TQ1_0/TQ2_0: 256,
// Q2_0: 64; I2_S: group = cols, one scale per row): scales[r * (cols / group) + g], exact f16
// values. Any block scales; Q2_0's code 3 is the weight +2 (w in {-1, 0, 1, 2}; the group-scaled
// kernels compute it exactly), TQ2_0's code 3 throws naming the tensor and block.
struct ternary_groups {
  std::vector<std::int8_t> w;
  std::vector<float> scales;
  std::uint64_t rows = 0, cols = 0, group = 0;
};
ternary_groups load_ternary_groups(const gguf_tensor& t);
bool is_ternary(ggml_type t);

// Non-finite values (NaN, Inf) in the numbers of rows [r0, r1) of t: F32/F16/BF16 elements, the
// block scales of Q8_0/Q4_K/Q6_K/TQ1_0/TQ2_0, the per-tensor scale of I2_S (any row range checks
// it). Throws error naming the tensor, the value and where it is; one pass, vectorized for the
// float arrays (a max over the magnitude bits: NaN and Inf are exactly the patterns >= Inf's).
void check_finite_rows(const gguf_tensor& t, std::uint64_t r0, std::uint64_t r1);
inline void check_finite(const gguf_tensor& t) { check_finite_rows(t, 0, t.rows()); }
// The same for an f32 array named `what` (e.g. a dequantized norm weight).
void check_finite(const float* x, std::size_t n, const std::string& what);

// Low-level TQ codecs (n a multiple of 256).
void tq_to_ternary(ggml_type t, const std::uint8_t* data, std::size_t n, std::int8_t* w, float* alpha,
                   const char* name = "tensor");
// Pack ternary w[n] with per-tensor scale alpha (stored as f16 d; all-zero blocks get d = 0 like
// mainline's quantizer).
void ternary_to_tq(ggml_type t, const std::int8_t* w, std::size_t n, float alpha, std::uint8_t* out);

}  // namespace trex
