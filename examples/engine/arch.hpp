// SPDX-License-Identifier: MIT
// examples/engine/arch.hpp - what the loader and the graph need to know about an architecture,
// in one place per architecture (engine/models/<family>.cpp). Adding an architecture is one new
// file defining an arch_def and its forward pass, plus one line in TREX_ARCHITECTURES.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace trex {

struct forward_ctx;

struct arch_def {
  // The general.architecture values this graph runs (the first is the canonical name).
  const char* gguf_names[3];
  float default_rope_theta;  // when <arch>.rope.freq_base is absent
  bool sub_norms;            // attn_sub_norm before attn_output, ffn_sub_norm before ffn_down
  bool output_tensor;        // reads output.weight when present; false: always tied to token_embd
  bool qk_norm;              // attn_q_norm / attn_k_norm: RMSNorm over each head of q and k before RoPE
  // Runs n tokens at positions pos0.. (graph.hpp: forward()).
  void (*forward)(forward_ctx& c, const std::int32_t* tokens, std::size_t n, std::size_t pos0);
};

// Every arch_def, one per line: X(<name of the arch_def object, defined as arch_<name>>).
#define TREX_ARCHITECTURES(X) \
  X(bitnet_b158)              \
  X(bitnet)                   \
  X(llama)                    \
  X(qwen3)

#define TREX_DECLARE_ARCH(name) extern const arch_def arch_##name;
TREX_ARCHITECTURES(TREX_DECLARE_ARCH)
#undef TREX_DECLARE_ARCH

// The architecture a GGUF general.architecture names; nullptr when none runs it.
const arch_def* find_arch(const std::string& gguf_name);
// "bitnet-b1.58, bitnet-25, bitnet, llama": every name find_arch accepts, for messages.
std::string supported_archs();

}  // namespace trex
