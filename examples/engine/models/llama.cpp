// SPDX-License-Identifier: MIT
// examples/engine/models/llama.cpp - the ternary llama graph (MODELS.md §3): no sub-norms (attn_output
// and ffn_down quantize their raw inputs), NORM RoPE (interleaved pairs), SiLU gated FFN.
#include "engine/graph.hpp"
#include "engine/ops.hpp"

namespace trex {

namespace {

void forward_llama(forward_ctx& c, const std::int32_t* tokens, std::size_t n, std::size_t pos0) {
  const hparams& h = c.m.hp();
  forward_buffers& b = c.buf;
  const std::size_t D = h.dim, Q = h.q_dim(), F = h.ffn;
  embed_tokens(c, tokens, n, pos0);
  for (std::size_t l = 0; l < h.n_layers; ++l) {
    const layer_weights& L = c.m.layer(l);
    rmsnorm(b.x.data(), L.attn_norm.data(), h.eps, n, D, b.xb.data());
    attention_block(c, l, n, pos0, /*neox=*/false);
    residual_bitlinear(c, L.wo, b.att.data(), n, Q);
    rmsnorm(b.x.data(), L.ffn_norm.data(), h.eps, n, D, b.xb.data());
    ffn_gate_up(c, L, n, /*relu2=*/false);
    residual_bitlinear(c, L.wdown, b.gate.data(), n, F);
  }
  output_logits(c, n);
}

}  // namespace

const arch_def arch_llama{{"llama", nullptr, nullptr}, 10000.0f, /*sub_norms=*/false, /*output_tensor=*/true,
                          forward_llama};

}  // namespace trex
