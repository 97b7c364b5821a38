// SPDX-License-Identifier: MIT
// tritlut/types.hpp - plain views shared by every translation unit and the kernel table.
//
// These are aggregates of pointers and sizes with no member functions, so that the runtime-dispatch
// TUs (each compiled with its own ISA flags) and the caller's TU agree on one type.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tritlut {

// Quantized activations of n tokens (FORMATS.md section 1): q is [n][stride] int8, zero past k;
// stride is a multiple of 256 so every kernel may read whole blocks without bounds checks.
struct act_view {
  const std::int8_t* q = nullptr;   // [n][stride]
  const float* scale = nullptr;     // [n] act_scale = 127 / amax
  const std::int32_t* sum = nullptr;// [n] sum of q (for unsigned-code kernels)
  std::size_t n = 0, k = 0, stride = 0;
};

// An I2_S matrix (M x K ternary, bitnet.cpp block layout, FORMATS.md section 3.2) in memory:
// row r starts at data + r * kp / 4; kp = row stride in weights, a multiple of 128, >= k;
// weights in [k, kp) are zero (code 1). When k == kp the bytes are exactly the packed part of a
// GGUF type-36 tensor, so a file can be used in place.
struct i2s_view {
  const std::uint8_t* data = nullptr;  // [m][kp/4]
  std::size_t m = 0, k = 0, kp = 0;
  float alpha = 1.0f;                  // per-tensor scale: real weight = alpha * w
};

// Where a GEMM writes: output of token n, row r at y[n * ld + r] (float) or yi[n * ld + r]
// (the exact int32 dot product sum_k w*q, for tests and for callers that do their own scaling).
// Exactly one of y, yi is non-null.
struct gemm_out {
  float* y = nullptr;
  std::int32_t* yi = nullptr;
  std::size_t ld = 0;
};

}  // namespace tritlut
