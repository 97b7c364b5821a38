// SPDX-License-Identifier: MIT
// examples/engine/ops.hpp - the float operations of the graphs: RMSNorm, RoPE, attention, gated
// activations. Plain loops; the ternary matrix products are in bitlinear.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <tritlut/tritlut.hpp>

#include "engine/kv_cache.hpp"

namespace trex {

// out = x · (1/sqrt(mean(x²) + eps)) ⊙ g for n rows of length d (sum of squares in double).
void rmsnorm(const float* x, const float* g, float eps, std::size_t n, std::size_t d, float* out);

// cos/sin of position pos for every pair i of a head: angle = pos · theta^(-2i/head_dim).
// cs: [head_dim/2][2] (cos, sin).
void rope_table(std::size_t pos, std::size_t head_dim, float theta, float* cs);
// Rotates n_heads heads of v in place. neox: pairs (i, i + head_dim/2) (rotate-half, MODELS.md §1.3);
// else pairs (2i, 2i+1) (NORM, llama).
void rope(float* v, std::size_t n_heads, std::size_t head_dim, const float* cs, bool neox);

// a[i] = act(g[i]) · u[i]; relu2: max(g, 0)², else silu(g) = g / (1 + e^-g).
void gated_act(float* g, const float* u, std::size_t n, bool relu2);

// Causal attention of n tokens at positions pos0..pos0+n-1 whose K/V are already in the cache.
// Attention below this many multiply-adds (tokens x heads x positions x head_dim) runs on the
// calling thread: short contexts are not worth a hand-off to the pool.
inline constexpr std::size_t default_min_attention_work = std::size_t(1) << 16;
// q: [n][n_heads * head_dim]; out: same shape. Query head h reads KV head h / (n_heads / n_kv_heads).
// Parallel over (token, head).
void attention(tritlut::thread_pool& pool, const kv_cache& cache, std::size_t layer, const float* q, std::size_t n,
               std::size_t pos0, std::size_t n_heads, std::size_t n_kv_heads, std::size_t head_dim, float* out,
               std::size_t min_work = default_min_attention_work);

}  // namespace trex
