// SPDX-License-Identifier: MIT
// tests/examples/tokenizer/test_tokenizer.cpp - llama.cpp test vectors (ids from the .out files), round trips,
// pre-tokenizer splits, special tokens, invalid UTF-8.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <random>
#include <sstream>

#include "catch.hpp"
#include "formats/gguf.hpp"
#include "tokenizer/hf_vocab.hpp"
#include "common/file_checks.hpp"
#include "support/files.hpp"
#include "tokenizer/tokenizer.hpp"
#include "common/unicode.hpp"
#include "vectors.hpp"

using namespace trex;
using Catch::Matchers::Contains;

namespace {

using tt::check_vectors;

const tokenizer& llama3_tok() {
  static const tokenizer t = [] {
    const json j = parse_json_file(tt::shared("data/vocab/llama3-tokenizer.json"));
    return tokenizer(vocab_from_hf(j));
  }();
  return t;
}

}  // namespace

TEST_CASE("tokenizer: llama-spm test vectors", "[tokenizer][shared]") {
  const gguf_reader r = gguf_reader::open(tt::shared("data/vocab/ggml-vocab-llama-spm.gguf"));
  const tokenizer tok = tokenizer::from_gguf(r);
  CHECK(tok.model() == tokenizer::kind::spm);
  CHECK(tok.bos() == 1);
  CHECK(tok.eos() == 2);
  CHECK(tok.add_bos());
  check_vectors(tok, tt::shared("data/vocab/ggml-vocab-llama-spm.gguf"), false);
  CHECK(tok.encode("Hello world", true) == std::vector<std::int32_t>{1, 15043, 3186});
}

TEST_CASE("tokenizer: gpt-2 test vectors", "[tokenizer][shared]") {
  const gguf_reader r = gguf_reader::open(tt::shared("data/vocab/ggml-vocab-gpt-2.gguf"));
  const tokenizer tok = tokenizer::from_gguf(r);
  CHECK(tok.model() == tokenizer::kind::bpe);
  CHECK(tok.pre() == tokenizer::pre_kind::gpt2);
  check_vectors(tok, tt::shared("data/vocab/ggml-vocab-gpt-2.gguf"), true);
}

TEST_CASE("tokenizer: llama-bpe test vectors (llama3 tokenizer.json)", "[tokenizer][shared]") {
  const tokenizer& tok = llama3_tok();
  CHECK(tok.vocab_size() == 128256);
  CHECK(tok.pre() == tokenizer::pre_kind::llama3);
  CHECK(tok.bos() == 128000);
  CHECK(tok.eos() == 128001);
  CHECK(tok.eot() == 128009);
  CHECK(tok.add_bos());
  check_vectors(tok, tt::shared("data/vocab/ggml-vocab-llama-bpe.gguf"), true);
}

TEST_CASE("tokenizer: llama3 vocabulary through GGUF metadata, pre missing -> llama-bpe", "[tokenizer][shared]") {
  const json j = parse_json_file(tt::shared("data/vocab/llama3-tokenizer.json"));
  vocab_data v = vocab_from_hf(j);
  CHECK(v.tokens.size() == 128256);
  CHECK(v.merges.size() == 280147);
  CHECK(v.types[128009] == static_cast<std::int32_t>(token_type::control));
  v.pre.clear();  // like bitnet.cpp's converters (MODELS.md §6.3)
  gguf_writer w;
  w.set_string("general.architecture", "bitnet-b1.58");
  v.write_gguf(w);
  const auto bytes = w.to_bytes();
  const gguf_reader r = gguf_reader::from_memory(bytes.data(), bytes.size());
  CHECK_FALSE(r.has("tokenizer.ggml.pre"));
  const tokenizer tok = tokenizer::from_gguf(r);
  CHECK(tok.pre() == tokenizer::pre_kind::llama3);
  check_vectors(tok, tt::shared("data/vocab/ggml-vocab-llama-bpe.gguf"), true);
}

TEST_CASE("tokenizer: special tokens only when asked, chat template", "[tokenizer][shared]") {
  const tokenizer& tok = llama3_tok();
  const std::string text = "<|begin_of_text|>User: Hi<|eot_id|>Assistant: ";
  const auto with = tok.encode(text, false, true);
  REQUIRE(with.size() > 3);
  CHECK(with.front() == 128000);
  CHECK(std::count(with.begin(), with.end(), 128009) == 1);
  const auto without = tok.encode(text, false, false);
  CHECK(std::count(without.begin(), without.end(), 128009) == 0);
  CHECK(std::count(without.begin(), without.end(), 128000) == 0);
  CHECK(tok.decode(without) == text);
  CHECK(tok.decode(with, true) == text);
  CHECK(tok.decode(with, false) == "User: Hi" + std::string("Assistant: "));
  CHECK(tok.is_eog(128009));
  CHECK(tok.is_eog(128001));
  CHECK(tok.apply_chat_template({{"system", "Be brief."}, {"user", "Hi"}}) ==
        "System: Be brief.User: Hi<|eot_id|>Assistant: ");
}

TEST_CASE("tokenizer: pre-tokenizer splits follow the regexes", "[tokenizer]") {
  using P = tokenizer::pre_kind;
  auto split = [](const std::string& s, P p) {
    std::vector<std::string> out;
    for (auto v : pretokenize(s, p)) out.emplace_back(v);
    return out;
  };
  using V = std::vector<std::string>;
  CHECK(split("Hello world", P::llama3) == V{"Hello", " world"});
  CHECK(split("I'M 12345 ok", P::llama3) == V{"I", "'M", " ", "123", "45", " ok"});
  CHECK(split("I'M 12345 ok", P::gpt2) == V{"I", "'", "M", " 12345", " ok"});
  CHECK(split("a  \n\n  b", P::llama3) == V{"a", "  \n\n", " ", " b"});
  CHECK(split("x   ", P::llama3) == V{"x", "   "});
  CHECK(split("x   y", P::gpt2) == V{"x", "  ", " y"});
  CHECK(split("(hi)!!\n", P::llama3) == V{"(hi", ")!!\n"});
  CHECK(split("\xC3\xA9t\xC3\xA9 \xD9\xA3", P::llama3) == V{"\xC3\xA9t\xC3\xA9", " ", "\xD9\xA3"});  // été, Arabic-Indic 3
  CHECK(split("\xE3\x80\x80x", P::gpt2) == V{"\xE3\x80\x80", "x"});  // U+3000 ideographic space
}

TEST_CASE("unicode: classes and UTF-8 decoding", "[tokenizer]") {
  CHECK(is_letter('a'));
  CHECK(is_letter(0x4E2D));   // CJK
  CHECK(is_letter(0x1D400));  // mathematical bold A (above the BMP)
  CHECK_FALSE(is_letter('1'));
  CHECK(is_number('7'));
  CHECK(is_number(0x00BD));  // ½ (No)
  CHECK(is_number(0x2167));  // Roman numeral eight (Nl)
  CHECK(is_space(0x3000));
  CHECK(is_space('\n'));
  CHECK_FALSE(is_space(0x200B));  // zero width space is not White_Space
  std::size_t len = 0;
  CHECK(utf8_decode("\xF0\x9F\xA6\x99", 0, len) == 0x1F999);
  CHECK(len == 4);
  CHECK(utf8_decode("\xC0\x80", 0, len) == invalid_code_point);  // overlong
  CHECK(utf8_decode("\xED\xA0\x80", 0, len) == invalid_code_point);  // surrogate
  CHECK(utf8_decode("\xE2\x96", 0, len) == invalid_code_point);  // truncated
  CHECK(len == 1);
}

TEST_CASE("tokenizer: invalid UTF-8 and random bytes round trip", "[tokenizer][shared]") {
  const gguf_reader r1 = gguf_reader::open(tt::shared("data/vocab/ggml-vocab-gpt-2.gguf"));
  const gguf_reader r2 = gguf_reader::open(tt::shared("data/vocab/ggml-vocab-llama-spm.gguf"));
  const tokenizer gpt2 = tokenizer::from_gguf(r1);
  const tokenizer spm = tokenizer::from_gguf(r2);
  std::mt19937 rng(42);
  for (int iter = 0; iter < 200; ++iter) {
    std::string s(rng() % 40, '\0');
    for (auto& c : s) c = static_cast<char>(rng() % 3 == 0 ? rng() % 256 : 32 + rng() % 95);
    // byte-level BPE is lossless for any bytes
    CHECK(gpt2.decode(gpt2.encode(s)) == s);
    CHECK(llama3_tok().decode(llama3_tok().encode(s)) == s);
    // SentencePiece byte fallback is lossless for any bytes
    CHECK(spm.decode(spm.encode(s)) == s);
  }
}

TEST_CASE("tokenizer: bitllama2c vocabulary round-trips", "[tokenizer][shared]") {
  // tokenizer.bin (llama2.c format): u32 max_len, then per token f32 score, i32 len, bytes.
  const std::string bin = read_file(tt::shared("data/bitllama2c/tokenizer.bin"));
  vocab_data v;
  v.model = "llama";
  std::size_t p = 4;
  for (int i = 0; i < 512; ++i) {
    float score;
    std::int32_t len;
    std::memcpy(&score, bin.data() + p, 4);
    std::memcpy(&len, bin.data() + p + 4, 4);
    std::string t = bin.substr(p + 8, static_cast<std::size_t>(len));
    p += 8 + static_cast<std::size_t>(len);
    std::int32_t type = 1;
    if (i == 0) type = 2;
    if (i == 1 || i == 2) type = 3;
    if (i >= 3 && i < 259) type = 6;
    if (i == 1) t = "<s>";
    if (i == 2) t = "</s>";
    std::string esc;
    for (char c : t) {
      if (c == ' ') {
        esc += "\xE2\x96\x81";
      } else {
        esc += c;
      }
    }
    v.tokens.push_back(esc);
    v.scores.push_back(score);
    v.types.push_back(type);
  }
  v.bos = 1;
  v.eos = 2;
  v.unk = 0;
  v.add_bos = true;
  const tokenizer tok(v);
  // MODELS.md §5.3 (SentencePiece, not runbit.c, for leading spaces)
  CHECK(tok.encode("Once upon a time", true) == std::vector<std::int32_t>{1, 403, 407, 261, 378});
  CHECK(tok.encode("Hello world!", true) == std::vector<std::int32_t>{1, 346, 306, 414, 263, 304, 341, 443});
  CHECK(tok.encode("\xC3\xBC", true) == std::vector<std::int32_t>{1, 410, 198, 191});
  // llama.cpp semantics (no SentencePiece remove_extra_whitespaces, as the spm vectors show):
  // " x" -> '▁▁x' -> 1 410 410 444, the runbit.c result of MODELS.md §5.3.
  CHECK(tok.encode(" x", true) == std::vector<std::int32_t>{1, 410, 410, 444});
  for (std::int32_t id = 3; id < 512; ++id) {
    const std::string piece = tok.token_to_piece(id);
    if (id >= 259) {
      // a normal piece: the text of "x" + piece minus the prefix round-trips through encode
      const std::string text = "x" + piece;
      CHECK(tok.decode(tok.encode(text)) == text);
    }
  }
}
