// SPDX-License-Identifier: MIT
// examples/engine/models/bitnet.cpp - BitNet b1.58 graphs (MODELS.md §1.3, §2): sub-norms before
// attn_output and ffn_down, NEOX RoPE; bitnet-b1.58/bitnet-25 use ReLU², bitnet uses SiLU.
#include "engine/graph.hpp"
#include "engine/ops.hpp"

namespace trex {

namespace {

void forward_bitnet(forward_ctx& c, const std::int32_t* tokens, std::size_t n, std::size_t pos0, bool relu2) {
  const hparams& h = c.m.hp();
  forward_buffers& b = c.buf;
  const std::size_t D = h.dim, Q = h.q_dim(), F = h.ffn;
  embed_tokens(c, tokens, n, pos0);
  for (std::size_t l = 0; l < h.n_layers; ++l) {
    const layer_weights& L = c.m.layer(l);
    // attention: x += Wo · subnorm(attn(RMSNorm(x)))
    rmsnorm(b.x.data(), L.attn_norm.data(), h.eps, n, D, b.xb.data());
    attention_block(c, l, n, pos0, /*neox=*/true);
    rmsnorm(b.att.data(), L.attn_sub_norm.data(), h.eps, n, Q, b.att.data());
    residual_bitlinear(c, L.wo, b.att.data(), n, Q);
    // FFN: x += Wdown · subnorm(act(Wgate · h) ⊙ Wup · h), h = RMSNorm(x), quantized once
    rmsnorm(b.x.data(), L.ffn_norm.data(), h.eps, n, D, b.xb.data());
    ffn_gate_up(c, L, n, relu2);
    rmsnorm(b.gate.data(), L.ffn_sub_norm.data(), h.eps, n, F, b.gate.data());
    residual_bitlinear(c, L.wdown, b.gate.data(), n, F);
  }
  output_logits(c, n);
}

}  // namespace

// bitnet-b1.58 (bitnet.cpp's converter) and bitnet-25 (2B4T): ReLU² FFN, RoPE base 500000.
const arch_def arch_bitnet_b158{{"bitnet-b1.58", "bitnet-25", nullptr}, 500000.0f, /*sub_norms=*/true,
                                /*output_tensor=*/false,
                                [](forward_ctx& c, const std::int32_t* t, std::size_t n, std::size_t pos0) {
                                  forward_bitnet(c, t, n, pos0, /*relu2=*/true);
                                }};
// bitnet (1bitLLM, mainline llama.cpp's name): SiLU FFN.
const arch_def arch_bitnet{{"bitnet", nullptr, nullptr}, 10000.0f, /*sub_norms=*/true, /*output_tensor=*/false,
                           [](forward_ctx& c, const std::int32_t* t, std::size_t n, std::size_t pos0) {
                             forward_bitnet(c, t, n, pos0, /*relu2=*/false);
                           }};

}  // namespace trex
