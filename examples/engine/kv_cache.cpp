// SPDX-License-Identifier: MIT
// examples/engine/kv_cache.cpp
#include "engine/kv_cache.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/error.hpp"

#include "common/vec.hpp"

namespace trex {

bool parse_kv_type(const std::string& s, kv_type& out) {
  if (s == "f16") out = kv_type::f16;
  else if (s == "f32") out = kv_type::f32;
  else return false;
  return true;
}

kv_cache::kv_cache(std::size_t n_layers, std::size_t n_ctx, std::size_t kv_dim, kv_type type)
    : n_layers_(n_layers), n_ctx_(n_ctx), kv_dim_(kv_dim), type_(type) {
  const std::size_t es = type == kv_type::f16 ? 2 : 4;
  // Bytes of K and V at full context, in long double so that no product can wrap.
  const long double per_token = 2.0L * static_cast<long double>(n_layers) * static_cast<long double>(kv_dim) * es;
  const long double need = per_token * static_cast<long double>(n_ctx);
  auto too_big = [&](const char* why) {
    char b[64];
    std::snprintf(b, sizeof b, "%.4Lg", need);
    return error("a context of " + std::to_string(n_ctx) + " tokens needs a KV cache of " + b + " bytes (" +
                 std::to_string(static_cast<unsigned long long>(per_token)) + " bytes per token: K and V of " +
                 std::to_string(n_layers) + " layers x " + std::to_string(kv_dim) + " values x " + std::to_string(es) +
                 " bytes), " + why + "; choose a smaller context with -c (--ctx-size)" +
                 (type == kv_type::f32 ? " or halve it with --kv-type f16" : ""));
  };
  // Past 2^40 bytes (1 TiB) an allocation is refused without trying: no machine this runs on has
  // that much memory, and sanitizer allocators abort instead of returning null beyond it.
  if (need > static_cast<long double>(std::uint64_t(1) << 40)) throw too_big("more than this program allocates");
  const std::size_t n = n_layers * n_ctx * kv_dim;
  k_ = std::calloc(n, es);
  v_ = std::calloc(n, es);
  if (!k_ || !v_) {
    std::free(k_);
    std::free(v_);
    throw too_big("more than this machine can allocate");
  }
}

kv_cache::~kv_cache() {
  std::free(k_);
  std::free(v_);
}

std::size_t kv_cache::bytes() const { return 2 * n_layers_ * n_ctx_ * kv_dim_ * (type_ == kv_type::f16 ? 2 : 4); }

void kv_cache::store(std::size_t layer, std::size_t pos, const float* k, const float* v) {
  const std::size_t e = elem(layer, pos);
  if (type_ == kv_type::f32) {
    std::memcpy(static_cast<float*>(k_) + e, k, kv_dim_ * sizeof(float));
    std::memcpy(static_cast<float*>(v_) + e, v, kv_dim_ * sizeof(float));
  } else {
    vec().to_f16(k, static_cast<std::uint16_t*>(k_) + e, kv_dim_);
    vec().to_f16(v, static_cast<std::uint16_t*>(v_) + e, kv_dim_);
  }
}

float kv_cache::dot_k(const vec_ops& vo, std::size_t layer, std::size_t pos, std::size_t off, const float* q, std::size_t n) const {
  const std::size_t e = elem(layer, pos) + off;
  if (type_ == kv_type::f32) return dot_f32(static_cast<const float*>(k_) + e, q, n);
  return vo.dot_f16(static_cast<const std::uint16_t*>(k_) + e, q, n);
}

void kv_cache::axpy_v(const vec_ops& vo, std::size_t layer, std::size_t pos, std::size_t off, float a, float* out, std::size_t n) const {
  const std::size_t e = elem(layer, pos) + off;
  if (type_ == kv_type::f32) {
    const float* v = static_cast<const float*>(v_) + e;
    for (std::size_t i = 0; i < n; ++i) out[i] += a * v[i];
  } else {
    vo.axpy_f16(a, static_cast<const std::uint16_t*>(v_) + e, out, n);
  }
}

}  // namespace trex
