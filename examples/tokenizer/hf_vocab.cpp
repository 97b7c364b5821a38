// SPDX-License-Identifier: MIT
// examples/tokenizer/hf_vocab.cpp - tokenizer.json -> vocab_data.
#include "tokenizer/hf_vocab.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/file_checks.hpp"

namespace trex {

namespace {

const char* k_llama3_regex =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
    "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

// Collects pre-tokenizer facts from a (possibly nested Sequence) pre_tokenizer object.
void scan_pre(const json& p, bool& llama3, bool& byte_level) {
  if (!p.is_object()) return;
  const json* type = p.find("type");
  if (type && type->is_string()) {
    if (type->as_string() == "ByteLevel") byte_level = true;
    if (type->as_string() == "Split") {
      const json* pat = p.find("pattern");
      const json* rx = pat ? pat->find("Regex") : nullptr;
      if (rx && rx->is_string() && rx->as_string() == k_llama3_regex) llama3 = true;
    }
  }
  if (const json* seq = p.find("pretokenizers"))
    if (seq->is_array())
      for (const auto& x : seq->as_array()) scan_pre(x, llama3, byte_level);
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
  bool llama3 = false, byte_level = false;
  if (const json* p = tok.find("pre_tokenizer")) scan_pre(*p, llama3, byte_level);
  if (const json* d = tok.find("decoder"))
    if (const json* t = d->find("type"))
      if (t->is_string() && t->as_string() == "ByteLevel") byte_level = true;
  if (!byte_level)
    throw error("tokenizer.json: only byte-level BPE (GPT-2/Llama-3 style) is supported; "
                "SentencePiece vocabularies need their tokenizer.model");

  vocab_data v;
  v.model = "gpt2";
  v.pre = llama3 ? "llama-bpe" : "gpt-2";
  if (!llama3) {
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

  if (const json* merges = model.find("merges")) {
    v.merges.reserve(merges->size());
    for (const auto& m : merges->as_array()) {
      if (m.is_string()) {
        v.merges.push_back(m.as_string());
      } else if (m.is_array() && m.size() == 2) {
        v.merges.push_back(m.as_array()[0].as_string() + " " + m.as_array()[1].as_string());
      } else {
        throw error("tokenizer.json: a merge is neither \"a b\" nor [\"a\", \"b\"]");
      }
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
  if (v.bos < 0) v.bos = find_text("<|begin_of_text|>");
  if (v.bos < 0) v.bos = find_text("<|endoftext|>");
  v.eos = cfg_id("eos_token_id");
  if (v.eos < 0) v.eos = find_text("<|end_of_text|>");
  if (v.eos < 0) v.eos = find_text("<|endoftext|>");
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
