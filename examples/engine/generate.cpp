// SPDX-License-Identifier: MIT
// examples/engine/generate.cpp
#include "engine/generate.hpp"

#include <algorithm>
#include <chrono>

#include "common/clock.hpp"
#include "common/error.hpp"

namespace trex {

namespace {
std::size_t ctx_of(const model& m, const session_options& o) { return o.n_ctx ? o.n_ctx : m.hp().n_ctx_train; }

// Length of s without a trailing incomplete UTF-8 sequence.
std::size_t complete_utf8(const std::string& s) {
  std::size_t n = s.size(), i = n;
  for (int back = 0; i > 0 && back < 4; ++back) {
    const auto c = static_cast<unsigned char>(s[i - 1]);
    if ((c & 0xC0) != 0x80) {  // a lead byte (or ASCII) at i-1
      const std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
      return (n - (i - 1) >= len) ? n : i - 1;
    }
    --i;
  }
  return n;
}
}  // namespace

session::session(model& m, tritlut::thread_pool& pool, const session_options& o)
    : m_(m),
      pool_(pool),
      cache_(m.hp().n_layers, ctx_of(m, o), m.hp().kv_dim(), o.kv),
      buf_(m.hp(), std::max<std::size_t>(1, std::min(o.n_batch, ctx_of(m, o)))),
      always_parallel_(o.always_parallel) {}

void session::eval(const std::int32_t* tokens, std::size_t n) {
  if (pos_ + n > cache_.n_ctx())
    throw error("context is full: " + std::to_string(pos_ + n) + " tokens do not fit in the context of " +
                std::to_string(cache_.n_ctx()) + " (use -c to enlarge it)");
  forward_ctx c{m_, cache_, pool_, buf_, always_parallel_};
  for (std::size_t i = 0; i < n; i += buf_.n_batch) {
    const std::size_t b = std::min(buf_.n_batch, n - i);
    try {
      forward(c, tokens + i, b, pos_);
    } catch (const tritlut::error& e) {  // e.g. the quantizer meeting a NaN/Inf activation
      throw error("evaluating positions " + std::to_string(pos_) + ".." + std::to_string(pos_ + b - 1) + ": " + e.what());
    }
    pos_ += b;
  }
}

std::string text_stream::feed(std::int32_t id) {
  ids_.push_back(id);
  const std::string all = tok_.decode(ids_);
  const std::size_t end = complete_utf8(all);
  if (end <= emitted_) return {};
  std::string out = all.substr(emitted_, end - emitted_);
  emitted_ = end;
  return out;
}

generate_stats generate(session& s, const tokenizer& tok, const std::vector<std::int32_t>& prompt, long n_predict,
                        sampler& smp, const std::function<void(const std::string&)>& on_text,
                        std::vector<std::int32_t>* generated) {
  generate_stats st;
  if (prompt.empty()) throw error("empty prompt (no BOS either)");
  if (s.pos() + prompt.size() > s.n_ctx())
    throw error("the prompt has " + std::to_string(prompt.size()) + " tokens but the context holds only " +
                std::to_string(s.n_ctx() - s.pos()) + " more (use -c to enlarge it)");
  double t0 = now_s();
  s.eval(prompt);
  st.prompt_s = now_s() - t0;
  st.n_prompt = prompt.size();
  for (std::int32_t t : prompt) smp.accept(t);
  // Context for decoding: the last few prompt tokens keep SentencePiece spacing right.
  std::vector<std::int32_t> ctx(prompt.end() - std::min<std::ptrdiff_t>(8, static_cast<std::ptrdiff_t>(prompt.size())),
                                prompt.end());
  text_stream ts(tok, ctx);
  // Output rows past the tokenizer's vocabulary have no text (a sampled one printed nothing):
  // only ids the tokenizer knows are sampled.
  const std::size_t n_sample = std::min(s.n_vocab(), tok.vocab_size());
  t0 = now_s();
  for (long i = 0; n_predict < 0 || i < n_predict; ++i) {
    const std::int32_t id = smp.sample(s.logits(), n_sample);
    if (tok.is_eog(id) || id == tok.bos()) {
      st.stopped_eog = true;
      break;
    }
    smp.accept(id);
    if (generated) generated->push_back(id);
    ++st.n_gen;
    if (on_text) {
      const std::string piece = ts.feed(id);
      if (!piece.empty()) on_text(piece);
    }
    if (n_predict >= 0 && i + 1 >= n_predict) break;  // the last token needs no forward pass
    if (s.pos() >= s.n_ctx()) {
      st.context_full = true;
      break;
    }
    s.eval(&id, 1);
  }
  st.gen_s = now_s() - t0;
  return st;
}

}  // namespace trex
