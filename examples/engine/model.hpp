// SPDX-License-Identifier: MIT
// examples/engine/model.hpp - a BitNet b1.58 model loaded from GGUF: hyper-parameters, weights
// (mmap'ed; I2_S used in place), output projection. MODELS.md §1-§3.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <tritlut/tritlut.hpp>

#include "engine/arch.hpp"
#include "engine/bitlinear.hpp"
#include "formats/gguf.hpp"
#include "engine/lm_head.hpp"

namespace trex {

struct hparams {
  std::string arch_name;       // general.architecture
  const arch_def* arch = nullptr;  // engine/arch.hpp (MODELS.md §0)
  std::uint32_t n_vocab = 0;   // rows of the output projection
  std::uint32_t n_ctx_train = 0;
  std::uint32_t dim = 0;       // embedding_length
  std::uint32_t ffn = 0;       // feed_forward_length
  std::uint32_t n_layers = 0;
  std::uint32_t n_heads = 0, n_kv_heads = 0;
  std::uint32_t head_dim = 0;  // attention.key_length, else embedding_length / head_count
  float rope_theta = 10000.0f;
  float eps = 1e-5f;           // inner RMSNorm epsilon
  float eps_out = 1e-5f;       // final RMSNorm epsilon (<arch>.output_norm_rms_epsilon, else eps)
  std::uint32_t q_dim() const { return n_heads * head_dim; }
  std::uint32_t kv_dim() const { return n_kv_heads * head_dim; }
};

struct layer_weights {
  std::vector<float> attn_norm;      // [dim]
  std::vector<float> attn_sub_norm;  // [q_dim] (empty for llama)
  std::vector<float> ffn_norm;       // [dim]
  std::vector<float> ffn_sub_norm;   // [ffn] (empty for llama)
  std::vector<float> attn_q_norm;    // [head_dim] (arch_def::qk_norm, else empty)
  std::vector<float> attn_k_norm;    // [head_dim]
  bitlinear wq, wk, wv;              // [q_dim x dim], [kv_dim x dim] x 2
  bitlinear wo;                      // [dim x q_dim]
  bitlinear wgate, wup;              // [ffn x dim]
  bitlinear wdown;                   // [dim x ffn]
};

struct load_options {
  kernel_kind kernel = kernel_kind::i2s;
  bool auto_kernel = false;  // time every available kernel on this CPU/threads and take the fastest
  lm_head_kind head = lm_head_kind::native;
  bool prefault = true;  // touch every page of the mapping at load (no page faults while decoding)
  // false (--no-mmap): I2_S weights and an F16 output head are copied into memory (huge pages,
  // tritlut/memory.hpp) instead of being read in place from the file mapping.
  bool mmap_weights = true;
};

class model {
 public:
  // Throws trex::error naming the problem (missing file/tensor, unsupported arch, bad shape).
  static std::unique_ptr<model> load(const std::string& path, const load_options& o, tritlut::thread_pool& pool);
  // The same from an open reader (tests); the reader must outlive the model.
  static std::unique_ptr<model> load(gguf_reader&& r, const load_options& o, tritlut::thread_pool& pool,
                                     bool from_file = false);

  const hparams& hp() const { return hp_; }
  const gguf_reader& file() const { return *file_; }
  const layer_weights& layer(std::size_t l) const { return layers_[l]; }
  const std::vector<float>& output_norm() const { return output_norm_; }
  lm_head& head() { return head_; }
  kernel_kind kernel() const { return kernel_; }
  // x[0..dim) = token_embd[token] (F32); throws for an id outside the vocabulary.
  void embed(std::int32_t token, float* x) const;
  std::size_t ternary_bytes() const;  // bytes of BitLinear weights streamed per token

 private:
  // Moves BitLinear weights into arena_ (bitlinear::move_to); release_mapped: drop copied file pages.
  void gather_weights(bool with_mapped, bool release_mapped);
  model() = default;
  std::unique_ptr<gguf_reader> file_;
  hparams hp_;
  const gguf_tensor* tok_embd_ = nullptr;
  bool embd_f16_ = false;  // embedding rows read from head_'s F16 copy (tied, --no-mmap)
  std::vector<float> output_norm_;  // [dim]
  tritlut::aligned_buffer<std::uint8_t> arena_;  // the in-memory BitLinear weights (bitlinear::move_to)
  std::vector<layer_weights> layers_;
  lm_head head_;
  kernel_kind kernel_ = kernel_kind::i2s;
};

}  // namespace trex
