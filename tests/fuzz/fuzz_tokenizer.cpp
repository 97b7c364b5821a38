// SPDX-License-Identifier: MIT
// tests/fuzz/fuzz_tokenizer.cpp - any bytes as text into the BPE (Llama-3, Qwen2, GPT-2 splits) and
// SentencePiece tokenizers: encode must not throw or crash, byte-level BPE and SentencePiece
// with byte fallback must decode back to the exact input bytes.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "convert/convert.hpp"
#include "tokenizer/tokenizer.hpp"

namespace {
using namespace trex;

// prefix: tokenizer.ggml.add_space_prefix (-1 absent); Gemma-style (0) also has a user-defined
// whitespace token, stored with spaces as llama.cpp's converter writes it.
tokenizer make_spm(int prefix = -1) {
  vocab_data v;
  v.model = "llama";
  v.tokens = {"<unk>", "<s>", "</s>"};
  v.types = {2, 3, 3};
  for (int b = 0; b < 256; ++b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "<0x%02X>", b);
    v.tokens.push_back(buf);
    v.types.push_back(6);
  }
  const char* words[] = {"\xE2\x96\x81", "\xE2\x96\x81t", "he", "\xE2\x96\x81the", "in", "er", ("\xE2\x96\x81" "a"), "an", "\xC3\xA9"};
  for (const char* w : words) {
    v.tokens.push_back(w);
    v.types.push_back(1);
  }
  if (prefix == 0) {
    v.tokens.push_back("  ");
    v.types.push_back(4);
  }
  v.add_space_prefix = prefix;
  for (std::size_t i = 0; i < v.tokens.size(); ++i) v.scores.push_back(-static_cast<float>(i));
  v.bos = 1;
  v.eos = 2;
  v.unk = 0;
  return tokenizer(v);
}

tokenizer make_bpe(const char* pre) {
  vocab_data v = synthetic_vocab(2000);
  v.pre = pre;
  return tokenizer(v);
}

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "round trip failed: %s\n", what);
    std::abort();
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const tokenizer llama3 = make_bpe("llama-bpe");
  static const tokenizer gpt2 = make_bpe("gpt-2");
  static const tokenizer spm = make_spm();
  static const tokenizer qwen2 = make_bpe("qwen2");
  static const tokenizer gemma = make_spm(0);
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check(llama3.decode(llama3.encode(text)) == text, "llama3");
  check(gpt2.decode(gpt2.encode(text)) == text, "gpt2");
  check(qwen2.decode(qwen2.encode(text)) == text, "qwen2");
  // SentencePiece writes spaces as U+2581 '▁' and decodes every '▁' as a space, so a text that
  // already contains '▁' cannot round-trip (the same holds for SentencePiece itself).
  if (text.find("\xE2\x96\x81") == std::string_view::npos) {
    check(spm.decode(spm.encode(text)) == text, "spm");
    check(gemma.decode(gemma.encode(text)) == text, "spm without prefix space");
  }
  (void)llama3.decode(llama3.encode(text, true, true), true);
  (void)spm.decode(spm.encode(text, true, true), true);
  (void)pretokenize(text, tokenizer::pre_kind::llama3);
  (void)pretokenize(text, tokenizer::pre_kind::qwen2);
  return 0;
}
