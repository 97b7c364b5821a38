// SPDX-License-Identifier: MIT
// examples/common/vec.hpp - the float vector ops of the transformer that are not ternary:
// F16 (KV cache, lm_head) and int8-per-row (lm_head --lm-head q8) dot products.
//
// One table per ISA of tritlut's dispatch: the ops are written once over the ISA tags in
// common/vec_kernels.hpp, which tritlut_add_kernels(trex_common EXTRA_HEADERS ...) compiles in the
// library's per-ISA translation units (docs/dispatch.md, "Your own kernels on tritlut's dispatch").
// vec() follows tritlut's active ISA, so TRITLUT_ISA=scalar / --isa scalar also selects the scalar
// float path here.
#pragma once

#include <cstddef>
#include <cstdint>

#include <tritlut/isa/isa.hpp>

namespace trex {

struct vec_ops {
  const char* name;  // the ISA's
  // sum_i f16(a[i]) * x[i]
  float (*dot_f16)(const std::uint16_t* a, const float* x, std::size_t n);
  // y[i] += s * f16(a[i])
  void (*axpy_f16)(float s, const std::uint16_t* a, float* y, std::size_t n);
  // y[i] = f16(x[i]) (round to nearest even)
  void (*to_f16)(const float* x, std::uint16_t* y, std::size_t n);
  // y[i] = f32(a[i]) (exact)
  void (*from_f16)(const std::uint16_t* a, float* y, std::size_t n);
  // y[r - r0] for rows [r0, r1) of an F16 matrix with row stride ld: y_r = sum_k w[r][k] * x[k]
  void (*gemv_f16)(const std::uint16_t* w, std::size_t ld, const float* x, std::size_t k, float* y,
                   std::size_t r0, std::size_t r1);
  // Same for an int8 matrix with per-row scales and int8 activations xq (scale xs = 127 / amax):
  // y_r = ((float)(sum_k w[r][k] * xq[k]) / xs) * wscale[r]
  void (*gemv_q8)(const std::int8_t* w, const float* wscale, std::size_t ld, const std::int8_t* xq, float xs,
                  std::size_t k, float* y, std::size_t r0, std::size_t r1);
};

// The table of tritlut's active ISA.
const vec_ops& vec();
// The table of ISA `id`; tritlut::error if it is not compiled in or the CPU lacks it.
const vec_ops& vec_for(tritlut::isa_id id);
const vec_ops& vec_scalar();

float dot_f32(const float* a, const float* b, std::size_t n);

}  // namespace trex
