// SPDX-License-Identifier: MIT
// examples/tokenizer/tokenizer.hpp - byte-level BPE (gpt2: Llama-3, Qwen2, GPT-2 pre-tokenizers)
// and SentencePiece BPE (llama; also Gemma 3) tokenizers built from GGUF `tokenizer.ggml.*`
// metadata (MODELS.md §6). See docs/tokenizers.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "formats/gguf.hpp"

namespace trex {

// tokenizer.ggml.token_type values.
enum class token_type : std::int32_t {
  undefined = 0, normal = 1, unknown = 2, control = 3, user_defined = 4, unused = 5, byte = 6,
};

// The tokenizer.ggml.* metadata of a GGUF file, as plain data (read from or written to GGUF).
struct vocab_data {
  std::string model;  // "gpt2" (byte-level BPE) or "llama" (SentencePiece)
  std::string pre;    // tokenizer.ggml.pre; empty when absent
  std::vector<std::string> tokens;
  std::vector<float> scores;        // empty when absent
  std::vector<std::int32_t> types;  // empty when absent (all normal)
  std::vector<std::string> merges;  // "left right", rank order (gpt2)
  std::int32_t bos = -1, eos = -1, unk = -1, pad = -1, eot = -1;
  bool add_bos = false, add_eos = false;
  int add_space_prefix = -1;  // -1 absent, 0 false, 1 true
  std::string chat_template;

  static vocab_data from_gguf(const gguf_reader& r);
  void write_gguf(gguf_writer& w) const;  // sets the tokenizer.* keys
};

struct chat_message {
  std::string role;  // "system", "user", "assistant"
  std::string content;
};

class tokenizer {
 public:
  enum class kind { spm, bpe };
  // llama3: the Llama-3 split (also `falcon3`, `falcon_e`); qwen2: the same with single digits;
  // gpt2: the GPT-2 split (`gpt-2`, `default`, unknown names).
  enum class pre_kind { llama3, gpt2, qwen2 };

  static tokenizer from_gguf(const gguf_reader& r);
  explicit tokenizer(const vocab_data& v);
  tokenizer(tokenizer&&) noexcept;
  tokenizer& operator=(tokenizer&&) noexcept;
  ~tokenizer();

  // Text -> ids. add_bos prepends BOS (when the vocabulary has one); parse_special turns exact
  // texts of control/user-defined tokens (e.g. "<|eot_id|>") into their ids, otherwise they are
  // tokenized as plain text. Never throws on any byte string (invalid UTF-8 included).
  std::vector<std::int32_t> encode(std::string_view text, bool add_bos = false, bool parse_special = false) const;
  // One token -> bytes. Control tokens give "" unless render_special; SPM '▁' -> ' ', <0xNN> -> byte.
  std::string token_to_piece(std::int32_t id, bool render_special = false) const;
  // Ids -> text; SPM drops the space prefix of the first piece (exact inverse of encode).
  std::string decode(const std::vector<std::int32_t>& ids, bool render_special = false) const;

  kind model() const;
  pre_kind pre() const;
  std::size_t vocab_size() const;
  const std::string& token_text(std::int32_t id) const;
  token_type type(std::int32_t id) const;
  std::int32_t find_token(std::string_view text) const;  // -1 if absent
  std::int32_t bos() const;
  std::int32_t eos() const;
  std::int32_t eot() const;  // metadata eot, else <|eot_id|>, <|im_end|> or <end_of_turn>; -1 if none
  std::int32_t unk() const;
  bool add_bos() const;
  bool add_eos() const;  // tokenizer.ggml.add_eos_token (and an EOS token exists)
  bool is_eog(std::int32_t id) const;  // eos or eot
  const std::string& chat_template() const;
  // Chat prompt text (no BOS; encode with add_bos = true, parse_special = true). Uses the
  // bitnet.cpp "bitnet" format (MODELS.md §6.3) unless the template is Llama-3 style or ChatML.
  std::string apply_chat_template(const std::vector<chat_message>& msgs, bool add_assistant = true) const;

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

// The GPT-2 byte -> unicode character map (MODELS.md §6.2 step 3).
std::uint32_t byte_to_unicode(std::uint8_t b);
int unicode_to_byte(std::uint32_t cp);  // -1 if cp is not in the map

// Pre-tokenizer splits (exposed for tests): byte offsets where pieces end.
std::vector<std::string_view> pretokenize(std::string_view text, tokenizer::pre_kind pre);

// The pre-tokenizer a tokenizer.ggml.pre name selects (llama.cpp's names), and whether that name
// also means "ignore merges" (a piece that is a whole token is emitted as is) and "add BOS" when
// the file does not say.
struct pre_info {
  tokenizer::pre_kind kind;
  bool ignore_merges;
  bool add_bos_default;
};
pre_info pre_from_name(const std::string& name);

}  // namespace trex
