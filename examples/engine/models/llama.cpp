// SPDX-License-Identifier: MIT
// examples/engine/models/llama.cpp - the ternary llama graph (MODELS.md §3): no sub-norms (attn_output
// and ffn_down quantize their raw inputs), NORM RoPE (interleaved pairs), SiLU gated FFN,
// output.weight when the file has one.
#include "engine/graph.hpp"

namespace trex {

const arch_def arch_llama{{"llama", nullptr, nullptr}, 10000.0f, /*sub_norms=*/false, /*output_tensor=*/true,
                          /*qk_norm=*/false,
                          [](forward_ctx& c, const std::int32_t* t, std::size_t n, std::size_t pos0) {
                            forward_decoder(c, t, n, pos0, {/*neox_rope=*/false, /*relu2=*/false});
                          }};

}  // namespace trex
