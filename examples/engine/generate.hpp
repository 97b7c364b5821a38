// SPDX-License-Identifier: MIT
// examples/engine/generate.hpp - a decoding session (model + KV cache + scratch) and the generation
// loop: the prompt in batches through the GEMM kernels, then one token at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <tritlut/tritlut.hpp>

#include "engine/graph.hpp"
#include "engine/kv_cache.hpp"
#include "engine/model.hpp"
#include "engine/sampler.hpp"
#include "tokenizer/tokenizer.hpp"

namespace trex {

struct session_options {
  std::size_t n_ctx = 0;     // 0: the model's context_length
  std::size_t n_batch = 64;  // prompt tokens per forward pass
  kv_type kv = kv_type::f16;
  bool always_parallel = false;  // tests: use the pool even for tiny matrices
};

class session {
 public:
  session(model& m, tritlut::thread_pool& pool, const session_options& o);

  // Appends tokens at the current position (in batches of n_batch); the logits of the last one
  // are then in logits(). Throws "context is full" when they do not fit.
  void eval(const std::int32_t* tokens, std::size_t n);
  void eval(const std::vector<std::int32_t>& t) { eval(t.data(), t.size()); }
  float* logits() { return buf_.logits.data(); }
  std::size_t n_vocab() const { return buf_.logits.size(); }
  std::size_t pos() const { return pos_; }
  std::size_t n_ctx() const { return cache_.n_ctx(); }
  void reset() { pos_ = 0; }  // forget the context (the cache is overwritten from position 0)
  model& get_model() { return m_; }
  const kv_cache& cache() const { return cache_; }

 private:
  model& m_;
  tritlut::thread_pool& pool_;
  kv_cache cache_;
  forward_buffers buf_;
  std::size_t pos_ = 0;
  bool always_parallel_ = false;
};

struct generate_stats {
  std::size_t n_prompt = 0, n_gen = 0;
  double prompt_s = 0, gen_s = 0;  // wall time of prompt processing / of the generated tokens
  bool stopped_eog = false, context_full = false;
};

// Evaluates the prompt, then samples up to n_predict tokens (n_predict < 0: until end of
// generation or a full context), calling on_text with each new piece of decoded text (complete
// UTF-8 only). Stops at EOS/EOT (and BOS, which ends a llama2.c story). generated: the ids.
generate_stats generate(session& s, const tokenizer& tok, const std::vector<std::int32_t>& prompt, long n_predict,
                        sampler& smp, const std::function<void(const std::string&)>& on_text,
                        std::vector<std::int32_t>* generated = nullptr);

// Decodes ids incrementally: feed() returns the text that became complete.
class text_stream {
 public:
  text_stream(const tokenizer& tok, std::vector<std::int32_t> context) : tok_(tok), ids_(std::move(context)) {
    emitted_ = tok_.decode(ids_).size();
  }
  std::string feed(std::int32_t id);

 private:
  const tokenizer& tok_;
  std::vector<std::int32_t> ids_;
  std::size_t emitted_ = 0;
};

}  // namespace trex
