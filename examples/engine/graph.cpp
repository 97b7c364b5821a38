// SPDX-License-Identifier: MIT
// examples/engine/graph.cpp - steps every graph shares (embedding, attention block, output).
#include "engine/graph.hpp"

#include <algorithm>

#include "common/error.hpp"
#include "engine/ops.hpp"

namespace trex {

forward_buffers::forward_buffers(const hparams& h, std::size_t nb)
    : n_batch(nb),
      x(nb * h.dim),
      xb(nb * h.dim),
      q(nb * h.q_dim()),
      k(nb * h.kv_dim()),
      v(nb * h.kv_dim()),
      att(nb * h.q_dim()),
      y(nb * h.dim),
      gate(nb * h.ffn),
      up(nb * h.ffn),
      rope_cs(nb * h.head_dim),
      final(h.dim),
      logits(h.n_vocab) {}

void forward(forward_ctx& c, const std::int32_t* tokens, std::size_t n, std::size_t pos0) {
  if (n == 0 || n > c.buf.n_batch) throw error("forward: batch of " + std::to_string(n) + " tokens");
  if (pos0 + n > c.cache.n_ctx())
    throw error("context is full: " + std::to_string(pos0 + n) + " tokens do not fit in the context of " +
                std::to_string(c.cache.n_ctx()));
  c.m.hp().arch->forward(c, tokens, n, pos0);
}

void embed_tokens(forward_ctx& c, const std::int32_t* tokens, std::size_t n, std::size_t pos0) {
  const hparams& h = c.m.hp();
  for (std::size_t t = 0; t < n; ++t) {
    c.m.embed(tokens[t], c.buf.x.data() + t * h.dim);
    rope_table(pos0 + t, h.head_dim, h.rope_theta, c.buf.rope_cs.data() + t * h.head_dim);
  }
}

void attention_block(forward_ctx& c, std::size_t l, std::size_t n, std::size_t pos0, bool neox) {
  const hparams& h = c.m.hp();
  const layer_weights& L = c.m.layer(l);
  forward_buffers& b = c.buf;
  const std::size_t Q = h.q_dim(), KV = h.kv_dim();
  b.in.set(b.xb.data(), n, h.dim, h.dim, c.m.kernel());  // quantized once for q, k and v
  const bitlinear_job qkv[] = {{&L.wq, b.q.data(), Q}, {&L.wk, b.k.data(), KV}, {&L.wv, b.v.data(), KV}};
  run_bitlinears(c.pool, b.in, qkv, 3, c.min_parallel_work());
  if (!L.attn_q_norm.empty()) {  // QK norms: each head of q and k, before RoPE
    rmsnorm(b.q.data(), L.attn_q_norm.data(), h.eps, n * h.n_heads, h.head_dim, b.q.data());
    rmsnorm(b.k.data(), L.attn_k_norm.data(), h.eps, n * h.n_kv_heads, h.head_dim, b.k.data());
  }
  for (std::size_t t = 0; t < n; ++t) {
    const float* cs = b.rope_cs.data() + t * h.head_dim;
    rope(b.q.data() + t * Q, h.n_heads, h.head_dim, cs, neox);
    rope(b.k.data() + t * KV, h.n_kv_heads, h.head_dim, cs, neox);
    c.cache.store(l, pos0 + t, b.k.data() + t * KV, b.v.data() + t * KV);
  }
  attention(c.pool, c.cache, l, b.q.data(), n, pos0, h.n_heads, h.n_kv_heads, h.head_dim, b.att.data(),
            c.min_attention_work());
}

void ffn_gate_up(forward_ctx& c, const layer_weights& L, std::size_t n, bool relu2) {
  forward_buffers& b = c.buf;
  const std::size_t D = c.m.hp().dim, F = c.m.hp().ffn;
  b.in.set(b.xb.data(), n, D, D, c.m.kernel());  // quantized once for gate and up
  const bitlinear_job gu[] = {{&L.wgate, b.gate.data(), F}, {&L.wup, b.up.data(), F}};
  run_bitlinears(c.pool, b.in, gu, 2, c.min_parallel_work());
  gated_act(b.gate.data(), b.up.data(), n * F, relu2);
}

void residual_bitlinear(forward_ctx& c, const bitlinear& w, const float* in, std::size_t n, std::size_t k) {
  forward_buffers& b = c.buf;
  const std::size_t D = c.m.hp().dim;
  b.in.set(in, n, k, k, c.m.kernel());
  const bitlinear_job job{&w, b.y.data(), D};
  run_bitlinears(c.pool, b.in, &job, 1, c.min_parallel_work());
  for (std::size_t i = 0; i < n * D; ++i) b.x[i] += b.y[i];
}

void forward_decoder(forward_ctx& c, const std::int32_t* tokens, std::size_t n, std::size_t pos0,
                     const decoder_style& s) {
  const hparams& h = c.m.hp();
  forward_buffers& b = c.buf;
  const std::size_t D = h.dim, Q = h.q_dim(), F = h.ffn;
  embed_tokens(c, tokens, n, pos0);
  for (std::size_t l = 0; l < h.n_layers; ++l) {
    const layer_weights& L = c.m.layer(l);
    // attention: x += Wo · subnorm(attn(RMSNorm(x))), the sub-norm only where the model has one
    rmsnorm(b.x.data(), L.attn_norm.data(), h.eps, n, D, b.xb.data());
    attention_block(c, l, n, pos0, s.neox_rope);
    if (!L.attn_sub_norm.empty()) rmsnorm(b.att.data(), L.attn_sub_norm.data(), h.eps, n, Q, b.att.data());
    residual_bitlinear(c, L.wo, b.att.data(), n, Q);
    // FFN: x += Wdown · subnorm(act(Wgate · h) ⊙ Wup · h), h = RMSNorm(x), quantized once
    rmsnorm(b.x.data(), L.ffn_norm.data(), h.eps, n, D, b.xb.data());
    ffn_gate_up(c, L, n, s.relu2);
    if (!L.ffn_sub_norm.empty()) rmsnorm(b.gate.data(), L.ffn_sub_norm.data(), h.eps, n, F, b.gate.data());
    residual_bitlinear(c, L.wdown, b.gate.data(), n, F);
  }
  output_logits(c, n);
}

void output_logits(forward_ctx& c, std::size_t n) {
  const hparams& h = c.m.hp();
  forward_buffers& b = c.buf;
  rmsnorm(b.x.data() + (n - 1) * h.dim, c.m.output_norm().data(), h.eps_out, 1, h.dim, b.final.data());
  c.m.head().forward(c.pool, b.final.data(), b.logits.data(), c.min_parallel_work());
}

}  // namespace trex
