// SPDX-License-Identifier: MIT
// examples/engine/models/qwen3.cpp - Qwen3 with ternary linears (Ternary-Bonsai; the backbone of
// BitNet-embedding-0.6B): RMSNorm over each head of q and k before RoPE (attn_q_norm,
// attn_k_norm), head size from attention.key_length (128, not embedding_length / head_count),
// NEOX RoPE (base 1e6 in Qwen3's config), SiLU gated FFN, no sub-norms, output.weight or tied.
#include "engine/graph.hpp"

namespace trex {

const arch_def arch_qwen3{{"qwen3", nullptr, nullptr}, 1000000.0f, /*sub_norms=*/false, /*output_tensor=*/true,
                          /*qk_norm=*/true,
                          [](forward_ctx& c, const std::int32_t* t, std::size_t n, std::size_t pos0) {
                            forward_decoder(c, t, n, pos0, {/*neox_rope=*/true, /*relu2=*/false});
                          }};

}  // namespace trex
