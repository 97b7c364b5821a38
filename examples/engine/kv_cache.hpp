// SPDX-License-Identifier: MIT
// examples/engine/kv_cache.hpp - per-layer K and V rows of every position, F16 (bitnet.cpp parity, half
// the memory) or F32. K is stored after RoPE. Memory comes from calloc: pages are touched only as
// positions fill, so a long context costs RSS only when used.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/vec.hpp"

namespace trex {

enum class kv_type { f16, f32 };
bool parse_kv_type(const std::string& s, kv_type& out);

class kv_cache {
 public:
  kv_cache(std::size_t n_layers, std::size_t n_ctx, std::size_t kv_dim, kv_type type);
  ~kv_cache();
  kv_cache(const kv_cache&) = delete;
  kv_cache& operator=(const kv_cache&) = delete;

  std::size_t n_ctx() const { return n_ctx_; }
  std::size_t kv_dim() const { return kv_dim_; }
  kv_type type() const { return type_; }
  std::size_t bytes() const;  // K and V of every layer at full context

  // Writes k[kv_dim], v[kv_dim] of position pos.
  void store(std::size_t layer, std::size_t pos, const float* k, const float* v);
  // v: the vector ops to use (vec(), fetched once by the caller).
  // q[0..n) · K[layer][pos][off..off+n)
  float dot_k(const vec_ops& v, std::size_t layer, std::size_t pos, std::size_t off, const float* q, std::size_t n) const;
  // out[0..n) += a · V[layer][pos][off..off+n)
  void axpy_v(const vec_ops& v, std::size_t layer, std::size_t pos, std::size_t off, float a, float* out, std::size_t n) const;

 private:
  std::size_t elem(std::size_t layer, std::size_t pos) const { return (layer * n_ctx_ + pos) * kv_dim_; }
  std::size_t n_layers_, n_ctx_, kv_dim_;
  kv_type type_;
  void* k_ = nullptr;  // [n_layers][n_ctx][kv_dim] of f16 or f32
  void* v_ = nullptr;  // same
};

}  // namespace trex
