// SPDX-License-Identifier: MIT
// examples/tokenizer/hf_vocab.cpp - tokenizer.json -> vocab_data.
#include "tokenizer/hf_vocab.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <unordered_map>

#include "common/file_checks.hpp"

namespace trex {

namespace {

const char* k_llama3_regex =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
    "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

// Qwen2/Qwen3: Llama-3's regex with \p{N} for \p{N}{1,3} (single digits).
const char* k_qwen2_regex =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
    "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

// Collects pre-tokenizer facts from a (possibly nested Sequence) pre_tokenizer object: `split`
// becomes the tokenizer.ggml.pre name of a known Split regex.
void scan_pre(const json& p, std::string& split, bool& byte_level) {
  if (!p.is_object()) return;
  const json* type = p.find("type");
  if (type && type->is_string()) {
    if (type->as_string() == "ByteLevel") byte_level = true;
    if (type->as_string() == "Split") {
      const json* pat = p.find("pattern");
      const json* rx = pat ? pat->find("Regex") : nullptr;
      if (rx && rx->is_string() && rx->as_string() == k_llama3_regex) split = "llama-bpe";
      if (rx && rx->is_string() && rx->as_string() == k_qwen2_regex) split = "qwen2";
    }
  }
  if (const json* seq = p.find("pretokenizers"))
    if (seq->is_array())
      for (const auto& x : seq->as_array()) scan_pre(x, split, byte_level);
}

// SentencePiece-style normalizer facts (Gemma, Llama-2 tokenizer.json): Replace(" " -> "▁") and
// Prepend("▁"), possibly inside a Sequence.
void scan_normalizer(const json& n, bool& replaces_space, bool& prepends) {
  if (!n.is_object()) return;
  const json* type = n.find("type");
  if (type && type->is_string()) {
    if (type->as_string() == "Replace") {
      const json* pat = n.find("pattern");
      const json* str = pat ? pat->find("String") : nullptr;
      const json* content = n.find("content");
      if (str && str->is_string() && str->as_string() == " " && content && content->is_string() &&
          content->as_string() == "\xE2\x96\x81")
        replaces_space = true;
    }
    if (type->as_string() == "Prepend") {
      const json* pre = n.find("prepend");
      if (pre && pre->is_string() && pre->as_string() == "\xE2\x96\x81") prepends = true;
    }
  }
  if (const json* seq = n.find("normalizers"))
    if (seq->is_array())
      for (const auto& x : seq->as_array()) scan_normalizer(x, replaces_space, prepends);
}

// A merge entry as its two halves ("a b" string or ["a", "b"] pair form).
std::pair<std::string, std::string> merge_halves(const json& m) {
  if (m.is_string()) {
    const std::string& s = m.as_string();
    const std::size_t sp = s.find(' ', 1);
    if (sp == std::string::npos) return {s, std::string()};
    return {s.substr(0, sp), s.substr(sp + 1)};
  }
  if (m.is_array() && m.size() == 2 && m.as_array()[0].is_string() && m.as_array()[1].is_string())
    return {m.as_array()[0].as_string(), m.as_array()[1].as_string()};
  throw error("tokenizer.json: a merge is neither \"a b\" nor [\"a\", \"b\"]");
}

bool post_adds(const json& pp, const std::string& bos_text) {
  if (!pp.is_object()) return false;
  if (const json* procs = pp.find("processors"))
    if (procs->is_array())
      for (const auto& x : procs->as_array())
        if (post_adds(x, bos_text)) return true;
  const json* single = pp.find("single");
  if (!single || !single->is_array() || single->size() == 0) return false;
  const json* st = single->as_array()[0].find("SpecialToken");
  const json* id = st ? st->find("id") : nullptr;
  return id && id->is_string() && id->as_string() == bos_text;
}

}  // namespace

vocab_data vocab_from_hf(const json& tok, const json* config) {
  const json& model = tok.at("model");
  const json* mtype = model.find("type");
  if (!mtype || !mtype->is_string() || mtype->as_string() != "BPE")
    throw error("tokenizer.json: only BPE models are supported (model.type is not \"BPE\")");
  std::string split;
  bool byte_level = false;
  if (const json* p = tok.find("pre_tokenizer")) scan_pre(*p, split, byte_level);
  if (const json* d = tok.find("decoder"))
    if (const json* t = d->find("type"))
      if (t->is_string() && t->as_string() == "ByteLevel") byte_level = true;
  // BPE over SentencePiece pieces (Gemma 3): spaces become '▁' in the normalizer and characters
  // missing from the vocabulary fall back to <0xNN> byte tokens.
  bool replaces_space = false, prepends = false;
  if (const json* n = tok.find("normalizer")) scan_normalizer(*n, replaces_space, prepends);
  const json* bf = model.find("byte_fallback");
  const bool spm = !byte_level && (replaces_space || (bf && bf->is_bool() && bf->as_bool()));
  if (!byte_level && !spm)
    throw error("tokenizer.json: only byte-level BPE (GPT-2/Llama-3/Qwen2 style) and SentencePiece-style BPE "
                "(byte fallback, ' ' -> U+2581) are supported");
  const bool llama3 = split == "llama-bpe";

  vocab_data v;
  v.model = spm ? "llama" : "gpt2";
  v.pre = split.empty() ? "gpt-2" : split;
  if (spm) {
    v.pre.clear();
  } else if (split.empty()) {
    // a ByteLevel pre-tokenizer with its own regex is GPT-2; anything else (Split with another regex)
    const json* p = tok.find("pre_tokenizer");
    const json* t = p ? p->find("type") : nullptr;
    if (!(t && t->is_string() && t->as_string() == "ByteLevel")) v.pre = "default";
  }
  const auto& vocab = model.at("vocab").as_object();
  std::int64_t max_id = -1;
  for (const auto& kv : vocab) max_id = std::max(max_id, kv.second.as_int());
  const json* added = tok.find("added_tokens");
  if (added && added->is_array())
    for (const auto& a : added->as_array()) max_id = std::max(max_id, a.at("id").as_int());
  if (max_id < 0 || max_id > 10000000) throw error("tokenizer.json: bad token ids");
  const std::size_t n = static_cast<std::size_t>(max_id + 1);
  v.tokens.assign(n, std::string());
  v.types.assign(n, static_cast<std::int32_t>(token_type::unused));
  std::vector<bool> set(n, false);
  for (const auto& kv : vocab) {
    const auto id = static_cast<std::size_t>(kv.second.as_int());
    if (kv.second.as_int() < 0) throw error("tokenizer.json: negative token id");
    v.tokens[id] = kv.first;
    v.types[id] = static_cast<std::int32_t>(token_type::normal);
    set[id] = true;
  }
  if (added && added->is_array()) {
    for (const auto& a : added->as_array()) {
      const std::int64_t id = a.at("id").as_int();
      if (id < 0) throw error("tokenizer.json: negative token id");
      const json* sp = a.find("special");
      const bool special = sp && sp->is_bool() && sp->as_bool();
      v.tokens[static_cast<std::size_t>(id)] = a.at("content").as_string();
      v.types[static_cast<std::size_t>(id)] =
          static_cast<std::int32_t>(special ? token_type::control : token_type::user_defined);
      set[static_cast<std::size_t>(id)] = true;
    }
  }
  for (std::size_t i = 0; i < n; ++i)
    if (!set[i]) v.tokens[i] = "[PAD" + std::to_string(i) + "]";

  const json* merges = model.find("merges");
  if (merges && !merges->is_array()) throw error("tokenizer.json: model.merges is not an array");
  if (merges && !spm) {
    v.merges.reserve(merges->size());
    for (const auto& m : merges->as_array()) {
      auto h = merge_halves(m);
      v.merges.push_back(h.first + " " + h.second);
    }
  }
  if (spm) {
    // SentencePiece metadata, as llama.cpp's converter writes it from tokenizer.model: scores and
    // token types, no merges. The score of a token is minus the rank of the first merge that
    // makes it, so "highest score first" merges in rank order; tokens no merge makes get the
    // lowest score (-number of merges) and are formed last.
    const std::size_t n_merges = merges ? merges->size() : 0;
    v.scores.assign(n, -static_cast<float>(n_merges));  // exact: 262,144 < 2^24
    std::unordered_map<std::string_view, std::size_t> ids;
    ids.reserve(n);
    for (std::size_t i = 0; i < n; ++i) ids.emplace(v.tokens[i], i);
    std::string joined;
    for (std::size_t rank = 0; rank < n_merges; ++rank) {
      const auto h = merge_halves(merges->as_array()[rank]);
      joined = h.first + h.second;
      const auto it = ids.find(joined);
      if (it == ids.end()) continue;
      float& sc = v.scores[it->second];
      sc = std::max(sc, -static_cast<float>(rank));
    }
    for (std::size_t i = 0; i < n; ++i) {
      const std::string& t = v.tokens[i];
      if (v.types[i] == static_cast<std::int32_t>(token_type::normal) && t.size() == 6 && t.compare(0, 3, "<0x") == 0 &&
          t[5] == '>' && std::isxdigit(static_cast<unsigned char>(t[3])) && std::isxdigit(static_cast<unsigned char>(t[4])))
        v.types[i] = static_cast<std::int32_t>(token_type::byte);
    }
    v.add_space_prefix = prepends ? 1 : 0;
    // Added (user-defined) tokens are stored with spaces, not '▁', as llama.cpp's converter
    // "pre-normalizes" them (Gemma's whitespace-run tokens 138.. "▁▁".. become "  "..); the
    // tokenizer maps them back for encoding.
    for (std::size_t i = 0; i < n; ++i) {
      if (v.types[i] != static_cast<std::int32_t>(token_type::user_defined)) continue;
      std::string& t = v.tokens[i];
      for (std::size_t p = t.find("\xE2\x96\x81"); p != std::string::npos; p = t.find("\xE2\x96\x81", p + 1))
        t.replace(p, 3, " ");
    }
  }

  auto find_text = [&](const char* t) -> std::int32_t {
    for (std::size_t i = 0; i < n; ++i)
      if (v.tokens[i] == t) return static_cast<std::int32_t>(i);
    return -1;
  };
  auto cfg_id = [&](const char* key) -> std::int32_t {
    if (!config) return -1;
    const json* j = config->find(key);
    if (j && j->is_array() && j->size() > 0) j = &j->as_array()[0];
    if (!j || !j->is_number()) return -1;
    const std::int64_t id = j->as_int();
    return (id >= 0 && static_cast<std::size_t>(id) < n) ? static_cast<std::int32_t>(id) : -1;
  };
  v.bos = cfg_id("bos_token_id");
  for (const char* t : {"<|begin_of_text|>", "<|endoftext|>", "<bos>", "<s>"})
    if (v.bos < 0) v.bos = find_text(t);
  v.eos = cfg_id("eos_token_id");
  for (const char* t : {"<|end_of_text|>", "<|endoftext|>", "<eos>", "</s>"})
    if (v.eos < 0) v.eos = find_text(t);
  if (spm) {
    if (const json* u = model.find("unk_token"))
      if (u->is_string()) {
        v.unk = find_text(u->as_string().c_str());
        if (v.unk >= 0) v.types[static_cast<std::size_t>(v.unk)] = static_cast<std::int32_t>(token_type::unknown);
      }
    v.pad = find_text("<pad>");
  }
  v.eot = find_text("<|eot_id|>");
  v.add_bos = false;
  if (v.bos >= 0)
    if (const json* pp = tok.find("post_processor")) v.add_bos = post_adds(*pp, v.tokens[static_cast<std::size_t>(v.bos)]);
  // Llama-3 adds <|begin_of_text|> (2B4T: add_bos_token true) even where tokenizer.json's
  // post-processor is a plain ByteLevel one (the BOS then comes from tokenizer_config.json).
  if (!v.add_bos && llama3 && v.bos >= 0 && v.tokens[static_cast<std::size_t>(v.bos)] == "<|begin_of_text|>")
    v.add_bos = true;
  return v;
}

}  // namespace trex
