// SPDX-License-Identifier: MIT
// examples/engine/models/bitnet.cpp - BitNet b1.58 graphs (MODELS.md §1.3, §2): sub-norms before
// attn_output and ffn_down, NEOX RoPE, tied embedding; bitnet-b1.58/bitnet-25 use ReLU², bitnet SiLU.
#include "engine/graph.hpp"

namespace trex {

// bitnet-b1.58 (bitnet.cpp's converter) and bitnet-25 (2B4T): ReLU² FFN, RoPE base 500000.
const arch_def arch_bitnet_b158{{"bitnet-b1.58", "bitnet-25", nullptr}, 500000.0f, /*sub_norms=*/true,
                                /*output_tensor=*/false, /*qk_norm=*/false,
                                [](forward_ctx& c, const std::int32_t* t, std::size_t n, std::size_t pos0) {
                                  forward_decoder(c, t, n, pos0, {/*neox_rope=*/true, /*relu2=*/true});
                                }};

// bitnet (1bitLLM; mainline llama.cpp's name): SiLU FFN.
const arch_def arch_bitnet{{"bitnet", nullptr, nullptr}, 10000.0f, /*sub_norms=*/true, /*output_tensor=*/false,
                           /*qk_norm=*/false,
                           [](forward_ctx& c, const std::int32_t* t, std::size_t n, std::size_t pos0) {
                             forward_decoder(c, t, n, pos0, {/*neox_rope=*/true, /*relu2=*/false});
                           }};

}  // namespace trex
