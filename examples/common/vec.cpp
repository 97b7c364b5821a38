// SPDX-License-Identifier: MIT
// examples/common/vec.cpp - the scalar vector ops (the reference) and the table of the active ISA.
#include "common/vec.hpp"

#include <tritlut/tritlut.hpp>

#include "common/fp16.hpp"
#include "common/vec_kernels.hpp"

namespace trex {

namespace vec_ref {

namespace {

// 65536-entry f16 -> f32 table (256 KiB): the scalar path converts by lookup, not bit twiddling.
const float* f16_table() {
  static const float* t = [] {
    static float tab[65536];
    for (std::uint32_t h = 0; h < 65536; ++h) tab[h] = f16_to_f32(static_cast<std::uint16_t>(h));
    return tab;
  }();
  return t;
}

}  // namespace

float dot_f16(const std::uint16_t* a, const float* x, std::size_t n) {
  const float* t = f16_table();
  float s[4] = {0, 0, 0, 0};
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (int j = 0; j < 4; ++j) s[j] += t[a[i + j]] * x[i + j];
  for (; i < n; ++i) s[0] += t[a[i]] * x[i];
  return (s[0] + s[1]) + (s[2] + s[3]);
}

void axpy_f16(float s, const std::uint16_t* a, float* y, std::size_t n) {
  const float* t = f16_table();
  for (std::size_t i = 0; i < n; ++i) y[i] += s * t[a[i]];
}

void to_f16(const float* x, std::uint16_t* y, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] = f32_to_f16(x[i]);
}

void from_f16(const std::uint16_t* a, float* y, std::size_t n) {
  const float* t = f16_table();
  for (std::size_t i = 0; i < n; ++i) y[i] = t[a[i]];
}

void gemv_f16(const std::uint16_t* w, std::size_t ld, const float* x, std::size_t k, float* y, std::size_t r0,
              std::size_t r1) {
  for (std::size_t r = r0; r < r1; ++r) y[r - r0] = dot_f16(w + r * ld, x, k);
}

void gemv_q8(const std::int8_t* w, const float* wscale, std::size_t ld, const std::int8_t* xq, float xs,
             std::size_t k, float* y, std::size_t r0, std::size_t r1) {
  for (std::size_t r = r0; r < r1; ++r) {
    const std::int8_t* row = w + r * ld;
    std::int32_t d = 0;
    for (std::size_t i = 0; i < k; ++i) d += std::int32_t(row[i]) * std::int32_t(xq[i]);
    y[r - r0] = (static_cast<float>(d) / xs) * wscale[r];
  }
}

}  // namespace vec_ref

const vec_ops& vec() { return tritlut::active_user_table<vec_ops>(); }
const vec_ops& vec_for(tritlut::isa_id id) { return tritlut::user_table_for_isa<vec_ops>(id); }
const vec_ops& vec_scalar() {
  static const vec_ops& t = vec_for(tritlut::isa_id::scalar);
  return t;
}

float dot_f32(const float* a, const float* b, std::size_t n) {
  float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) s[j] += a[i + j] * b[i + j];
  for (; i < n; ++i) s[0] += a[i] * b[i];
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

}  // namespace trex
