// SPDX-License-Identifier: MIT
// examples/engine/graph.hpp - the forward pass: tokens at positions pos0.. -> K/V in the cache and the
// logits of the last token. One graph per architecture (engine/models/); a prompt is
// one batch through the GEMM kernels (weights read once per batch), a generated token a batch of 1.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <tritlut/tritlut.hpp>

#include "engine/arch.hpp"
#include "engine/bitlinear.hpp"
#include "engine/kv_cache.hpp"
#include "engine/model.hpp"
#include "engine/ops.hpp"

namespace trex {

// Scratch buffers of one forward pass of up to n_batch tokens.
struct forward_buffers {
  forward_buffers(const hparams& h, std::size_t n_batch);
  std::size_t n_batch;
  std::vector<float> x;       // [n_batch][dim]   residual stream
  std::vector<float> xb;      // [n_batch][dim]   normed input of q/k/v and gate/up
  std::vector<float> q;       // [n_batch][q_dim]
  std::vector<float> k, v;    // [n_batch][kv_dim]
  std::vector<float> att;     // [n_batch][q_dim] attention output (then its sub-norm)
  std::vector<float> y;       // [n_batch][dim]   output of attn_output / ffn_down
  std::vector<float> gate;    // [n_batch][ffn]   gate, then the activation
  std::vector<float> up;      // [n_batch][ffn]
  std::vector<float> rope_cs; // [n_batch][head_dim/2][2]
  std::vector<float> final;   // [dim]            last token after output_norm
  std::vector<float> logits;  // [n_vocab]
  bitlinear_input in;         // the quantized input shared by the BitLinears that read it
};

struct forward_ctx {
  model& m;
  kv_cache& cache;
  tritlut::thread_pool& pool;
  forward_buffers& buf;
  bool always_parallel = false;  // use the pool even for tiny matrices (tests of the parallel paths)

  // Below this much work a matrix (or attention) runs on the calling thread (bitlinear.hpp, ops.hpp).
  std::size_t min_parallel_work() const noexcept { return always_parallel ? 0 : default_min_parallel_work; }
  std::size_t min_attention_work() const noexcept { return always_parallel ? 0 : default_min_attention_work; }
};

// Runs n (<= buf.n_batch) tokens at positions pos0..pos0+n-1 (pos0 + n <= cache.n_ctx());
// leaves the last token's logits in buf.logits.
// The graph of the model's architecture (hparams::arch, engine/models/).
void forward(forward_ctx& c, const std::int32_t* tokens, std::size_t n, std::size_t pos0);

// Steps shared by the graphs (graph.cpp).
void embed_tokens(forward_ctx& c, const std::int32_t* tokens, std::size_t n, std::size_t pos0);
// q/k/v of the normed input buf.xb, RoPE, K/V into the cache, attention -> buf.att.
void attention_block(forward_ctx& c, std::size_t l, std::size_t n, std::size_t pos0, bool neox);
// Gated FFN input: buf.gate = act(Wgate · buf.xb) ⊙ (Wup · buf.xb), one quantized input for both;
// act = ReLU² (relu2) or SiLU.
void ffn_gate_up(forward_ctx& c, const layer_weights& L, std::size_t n, bool relu2);
// buf.x += W · in for the rows of n tokens
void residual_bitlinear(forward_ctx& c, const bitlinear& w, const float* in, std::size_t n, std::size_t k);
// Final norm of the last token and the output projection -> buf.logits.
void output_logits(forward_ctx& c, std::size_t n);

// The pre-norm decoder the BitNet, llama and Qwen3 graphs share: per layer
//   x += Wo · subnorm(attention(RMSNorm(x)))  and  x += Wdown · subnorm(act(Wgate · h) ⊙ Wup · h),
// with the sub-norms and the QK norms applied where the model has those tensors (arch_def).
struct decoder_style {
  bool neox_rope;  // pairs (i, i + head_dim/2); false: interleaved pairs (llama's NORM RoPE)
  bool relu2;      // ReLU² gate (BitNet b1.58); false: SiLU
};
void forward_decoder(forward_ctx& c, const std::int32_t* tokens, std::size_t n, std::size_t pos0,
                     const decoder_style& s);

}  // namespace trex
