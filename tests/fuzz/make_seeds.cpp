// SPDX-License-Identifier: MIT
// tests/fuzz/make_seeds.cpp - writes small seed corpora for the fuzz targets:
// <dir>/gguf/*.gguf, <dir>/json/*.json, <dir>/text/*.txt.
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "convert.hpp"
#include "gguf.hpp"
#include "quants.hpp"
#include "tokenizer.hpp"

namespace {
void put(const std::filesystem::path& p, const void* d, std::size_t n) {
  std::FILE* f = std::fopen(p.string().c_str(), "wb");
  if (!f) throw std::runtime_error("cannot write " + p.string());
  std::fwrite(d, 1, n, f);
  std::fclose(f);
}
void put(const std::filesystem::path& p, const std::string& s) { put(p, s.data(), s.size()); }
}  // namespace

int main(int argc, char** argv) {
  using namespace tritlut::ex;
  if (argc != 2) {
    std::fprintf(stderr, "usage: tritlut_fuzz_seeds DIR\n");
    return 2;
  }
  namespace fs = std::filesystem;
  const fs::path dir = argv[1];
  for (const char* sub : {"gguf", "json", "text"}) fs::create_directories(dir / sub);
  {  // every tensor type and every metadata type
    gguf_writer w;
    w.set_string("general.architecture", "bitnet-b1.58");
    w.set_u8("a.u8", 1);
    w.set_i16("a.i16", -2);
    w.set_u64("a.u64", 3);
    w.set_f64("a.f64", 0.5);
    w.set_bool("a.bool", true);
    w.set_f32s("a.f32s", {1.0f, 2.0f});
    w.set_strings("a.strs", std::vector<std::string>{"x", "y"});
    const std::pair<ggml_type, std::uint64_t> types[] = {
        {ggml_type::f32, 8},     {ggml_type::f16, 8},     {ggml_type::bf16, 8},   {ggml_type::q8_0, 32},
        {ggml_type::q4_k, 256},  {ggml_type::q6_k, 256},  {ggml_type::tq1_0, 256}, {ggml_type::tq2_0, 256},
        {ggml_type::i2_s, 128}};
    std::vector<std::vector<std::uint8_t>> data;
    int i = 0;
    for (const auto& t : types) {
      const std::uint64_t nb = w.add_tensor("t" + std::to_string(i++), t.first, {t.second});
      data.emplace_back(static_cast<std::size_t>(nb), std::uint8_t(0x55));
    }
    const auto bytes = w.to_bytes(data);
    put(dir / "gguf" / "types.gguf", bytes.data(), bytes.size());
  }
  {  // a small SentencePiece vocabulary and a small BPE vocabulary
    vocab_data v = synthetic_vocab(300);
    gguf_writer w;
    v.write_gguf(w);
    const auto b = w.to_bytes();
    put(dir / "gguf" / "bpe_vocab.gguf", b.data(), b.size());
    vocab_data s;
    s.model = "llama";
    s.tokens = {"<unk>", "<s>", "</s>", "<0x41>", "\xE2\x96\x81", "a", ("\xE2\x96\x81" "a")};
    s.scores = {0, 0, 0, 0, -1, -2, -3};
    s.types = {2, 3, 3, 6, 1, 1, 1};
    s.bos = 1;
    s.eos = 2;
    gguf_writer w2;
    s.write_gguf(w2);
    const auto b2 = w2.to_bytes();
    put(dir / "gguf" / "spm_vocab.gguf", b2.data(), b2.size());
  }
  put(dir / "json" / "config.json",
      "{\"hidden_size\": 2560, \"rope_theta\": 500000.0, \"tie_word_embeddings\": true, \"x\": [1, -2.5e3, null]}");
  put(dir / "json" / "tokenizer.json",
      "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2}, \"merges\": [\"a b\"]},"
      " \"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"added_tokens\": [{\"id\": 3, \"content\": \"<|eot_id|>\","
      " \"special\": true}]}");
  put(dir / "json" / "escapes.json", "[\"\\u00e9\\ud83e\\udd99\\n\\\"\", {\"k\": false}]");
  put(dir / "text" / "english.txt", "Hello world! I'm 12345 years old.\n\n  Tabs\tand  spaces   ");
  put(dir / "text" / "unicode.txt", "\xC3\xA9t\xC3\xA9 \xE4\xB8\xAD\xE6\x96\x87 \xF0\x9F\xA6\x99 \xD9\xA3\xD9\xA4 <|eot_id|>");
  put(dir / "text" / "invalid.txt", "\xFF\xFE\xC0\x80\xED\xA0\x80 abc \xE2\x96");
  std::printf("seeds written to %s\n", dir.string().c_str());
  return 0;
}
