// SPDX-License-Identifier: MIT
// examples/tokenizer/tokenizer.cpp - BPE and SentencePiece tokenizers (MODELS.md §6).
#include "tokenizer/tokenizer.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <queue>
#include <unordered_map>

#include "common/unicode.hpp"

namespace trex {

// ---------------------------------------------------------------------------------------------
// vocab_data <-> GGUF

vocab_data vocab_data::from_gguf(const gguf_reader& r) {
  vocab_data v;
  v.model = r.get_string("tokenizer.ggml.model", "");
  if (v.model.empty()) throw error("tokenizer: " + r.path() + " has no tokenizer.ggml.model");
  v.pre = r.get_string("tokenizer.ggml.pre", "");
  for (auto s : r.get("tokenizer.ggml.tokens").as_strings()) v.tokens.emplace_back(s);
  if (const gguf_value* s = r.find("tokenizer.ggml.scores")) v.scores = s->as_f32s();
  if (const gguf_value* t = r.find("tokenizer.ggml.token_type")) v.types = t->as_i32s();
  if (const gguf_value* m = r.find("tokenizer.ggml.merges"))
    for (auto s : m->as_strings()) v.merges.emplace_back(s);
  // -1 (or its u32 spelling 0xFFFFFFFF) means "none"; any other id outside the vocabulary is an
  // error (tokenizer constructor), not a token that silently never appears.
  auto id = [&](const char* key) -> std::int32_t {
    const gguf_value* x = r.find(key);
    if (!x) return -1;
    const std::int64_t i = x->as_i64();
    if (i == -1 || i == 0xffffffffLL) return -1;
    if (i < 0 || i > 0x7fffffff)
      throw error("tokenizer: " + r.path() + ": " + key + " = " + std::to_string(i) + " is not a token id");
    return static_cast<std::int32_t>(i);
  };
  v.bos = id("tokenizer.ggml.bos_token_id");
  v.eos = id("tokenizer.ggml.eos_token_id");
  v.unk = id("tokenizer.ggml.unknown_token_id");
  v.pad = id("tokenizer.ggml.padding_token_id");
  v.eot = id("tokenizer.ggml.eot_token_id");
  // Absent key: llama.cpp adds BOS for SentencePiece and for the Llama-3 family of pre-tokenizers.
  v.add_bos = r.get_bool("tokenizer.ggml.add_bos_token",
                         v.model == "llama" || (v.model == "gpt2" && pre_from_name(v.pre).add_bos_default));
  v.add_eos = r.get_bool("tokenizer.ggml.add_eos_token", false);
  if (const gguf_value* a = r.find("tokenizer.ggml.add_space_prefix")) v.add_space_prefix = a->as_bool() ? 1 : 0;
  v.chat_template = r.get_string("tokenizer.chat_template", "");
  return v;
}

void vocab_data::write_gguf(gguf_writer& w) const {
  w.set_string("tokenizer.ggml.model", model);
  if (!pre.empty()) w.set_string("tokenizer.ggml.pre", pre);
  w.set_strings("tokenizer.ggml.tokens", tokens);
  if (!scores.empty()) w.set_f32s("tokenizer.ggml.scores", scores);
  if (!types.empty()) w.set_i32s("tokenizer.ggml.token_type", types);
  if (!merges.empty()) w.set_strings("tokenizer.ggml.merges", merges);
  if (bos >= 0) w.set_u32("tokenizer.ggml.bos_token_id", static_cast<std::uint32_t>(bos));
  if (eos >= 0) w.set_u32("tokenizer.ggml.eos_token_id", static_cast<std::uint32_t>(eos));
  if (unk >= 0) w.set_u32("tokenizer.ggml.unknown_token_id", static_cast<std::uint32_t>(unk));
  if (pad >= 0) w.set_u32("tokenizer.ggml.padding_token_id", static_cast<std::uint32_t>(pad));
  if (eot >= 0) w.set_u32("tokenizer.ggml.eot_token_id", static_cast<std::uint32_t>(eot));
  w.set_bool("tokenizer.ggml.add_bos_token", add_bos);
  w.set_bool("tokenizer.ggml.add_eos_token", add_eos);
  if (add_space_prefix >= 0) w.set_bool("tokenizer.ggml.add_space_prefix", add_space_prefix == 1);
  if (!chat_template.empty()) w.set_string("tokenizer.chat_template", chat_template);
}

// ---------------------------------------------------------------------------------------------
// byte-level map

namespace {

// The byte of a SentencePiece byte token "<0xHH>" (two hex digits, either case); -1 otherwise.
int byte_token_value(const std::string& t) {
  if (t.size() != 6 || t.compare(0, 3, "<0x") != 0 || t[5] != '>') return -1;
  auto hex = [](char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
  };
  const int hi = hex(t[3]), lo = hex(t[4]);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

}  // namespace

namespace {
struct byte_map {
  std::array<std::uint32_t, 256> to_cp{};
  std::unordered_map<std::uint32_t, int> from_cp;
  byte_map() {
    std::uint32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool keep = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      to_cp[b] = keep ? std::uint32_t(b) : next++;
      from_cp[to_cp[b]] = b;
    }
  }
};
const byte_map& bmap() {
  static const byte_map m;
  return m;
}
}  // namespace

std::uint32_t byte_to_unicode(std::uint8_t b) { return bmap().to_cp[b]; }
int unicode_to_byte(std::uint32_t cp) {
  auto it = bmap().from_cp.find(cp);
  return it == bmap().from_cp.end() ? -1 : it->second;
}

// ---------------------------------------------------------------------------------------------
// pre-tokenizers (hand-written matchers for the regexes of MODELS.md §6.2 and docs/tokenizers.md)

pre_info pre_from_name(const std::string& name) {
  // llama.cpp (llama-vocab.cpp) gives these names the Llama-3 regex, ignore_merges and add_bos;
  // `falcon_e` is the name bitnet.cpp's converter writes for Falcon-E (its fork and ik_llama.cpp
  // treat it like `falcon3`).
  if (name == "llama-bpe" || name == "llama3" || name == "llama-v3" || name == "llama-3" || name == "falcon3" ||
      name == "falcon_e" || name == "falcon-e")
    return {tokenizer::pre_kind::llama3, true, true};
  // Qwen2's regex is Llama-3's with \p{N} instead of \p{N}{1,3}; llama.cpp sets no ignore_merges.
  if (name == "qwen2" || name == "deepseek-r1-qwen") return {tokenizer::pre_kind::qwen2, false, false};
  return {tokenizer::pre_kind::gpt2, false, false};  // "gpt-2", "default" and unknown names
}

namespace {

struct cps {
  std::vector<std::uint32_t> cp;
  std::vector<std::uint8_t> fl;
  std::vector<std::size_t> off;  // byte offset of each code point, plus the end
};

cps decode_cps(std::string_view s) {
  cps c;
  c.cp.reserve(s.size());
  c.fl.reserve(s.size());
  c.off.reserve(s.size() + 1);
  for (std::size_t i = 0; i < s.size();) {
    std::size_t len;
    const std::uint32_t cp = utf8_decode(s, i, len);
    c.cp.push_back(cp);
    c.fl.push_back(cp == invalid_code_point ? 0 : cp_flags(cp));
    c.off.push_back(i);
    i += len;
  }
  c.off.push_back(s.size());
  return c;
}

std::uint32_t ascii_lower(std::uint32_t c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

// End (code point index) of the piece starting at i.
std::size_t match_piece(const cps& c, std::size_t i, tokenizer::pre_kind pre) {
  const std::size_t n = c.cp.size();
  auto L = [&](std::size_t j) { return j < n && (c.fl[j] & cp_letter); };
  auto N = [&](std::size_t j) { return j < n && (c.fl[j] & cp_number); };
  auto S = [&](std::size_t j) { return j < n && (c.fl[j] & cp_space); };
  auto other = [&](std::size_t j) { return j < n && (c.fl[j] & (cp_letter | cp_number | cp_space)) == 0; };
  auto nl = [&](std::size_t j) { return j < n && (c.cp[j] == '\r' || c.cp[j] == '\n'); };
  const std::uint32_t ch = c.cp[i];
  // Qwen2 differs from Llama-3 only in \p{N}{1,3} -> \p{N}.
  const bool llama3 = pre == tokenizer::pre_kind::llama3 || pre == tokenizer::pre_kind::qwen2;
  const std::size_t max_digits = pre == tokenizer::pre_kind::qwen2 ? 1 : 3;

  // 'contractions (case-insensitive for Llama-3)
  if (ch == '\'' && i + 1 < n) {
    const std::uint32_t c1 = llama3 ? ascii_lower(c.cp[i + 1]) : c.cp[i + 1];
    if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') return i + 2;
    if (i + 2 < n) {
      const std::uint32_t c2 = llama3 ? ascii_lower(c.cp[i + 2]) : c.cp[i + 2];
      if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) return i + 3;
    }
  }
  if (llama3) {
    // [^\r\n\p{L}\p{N}]?\p{L}+
    if (!nl(i) && !L(i) && !N(i) && L(i + 1)) {
      std::size_t j = i + 1;
      while (L(j)) ++j;
      return j;
    }
    if (L(i)) {
      std::size_t j = i;
      while (L(j)) ++j;
      return j;
    }
    // \p{N}{1,3} (Llama-3), \p{N} (Qwen2)
    if (N(i)) {
      std::size_t j = i;
      while (N(j) && j - i < max_digits) ++j;
      return j;
    }
    // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
    {
      std::size_t j = (ch == ' ' && other(i + 1)) ? i + 1 : i;
      if (other(j)) {
        while (other(j)) ++j;
        while (nl(j)) ++j;
        return j;
      }
    }
    // \s*[\r\n]+
    if (S(i)) {
      std::size_t j = i;
      while (S(j)) ++j;
      for (std::size_t k = j; k > i; --k)
        if (nl(k - 1)) return k;
    }
  } else {
    // ' ?\p{L}+', ' ?\p{N}+', ' ?[^\s\p{L}\p{N}]+': a class run, after an optional space.
    const std::size_t j0 = (ch == ' ') ? i + 1 : i;
    // End of the run of `cls` starting at j0 (space included) or at i; 0 when neither starts one
    // (a match always ends after i, so 0 is never a real end).
    auto class_run = [&](auto&& cls) -> std::size_t {
      for (std::size_t start : {j0, i}) {
        if (!cls(start)) continue;
        std::size_t j = start;
        while (cls(j)) ++j;
        return j;
      }
      return 0;
    };
    if (const std::size_t j = class_run(L)) return j;
    if (const std::size_t j = class_run(N)) return j;
    if (const std::size_t j = class_run(other)) return j;
  }
  // \s+(?!\S) | \s+
  if (S(i)) {
    std::size_t j = i;
    while (S(j)) ++j;
    if (j < n && j - i >= 2) return j - 1;  // leave the last space to prefix the next word
    return j;
  }
  return i + 1;  // unreachable: every code point is L, N, \s or other
}

}  // namespace

std::vector<std::string_view> pretokenize(std::string_view text, tokenizer::pre_kind pre) {
  std::vector<std::string_view> out;
  const cps c = decode_cps(text);
  for (std::size_t i = 0; i < c.cp.size();) {
    const std::size_t j = match_piece(c, i, pre);
    out.push_back(text.substr(c.off[i], c.off[j] - c.off[i]));
    i = j;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// tokenizer

struct tokenizer::impl {
  kind mdl = kind::bpe;
  pre_kind pre = pre_kind::gpt2;
  bool ignore_merges = false;
  std::vector<std::string> tokens;
  std::vector<float> scores;
  std::vector<token_type> types;
  std::unordered_map<std::string_view, std::int32_t> ids;  // views into tokens and spm_aliases
  std::vector<std::string> spm_aliases;  // spm: user-defined tokens with ' ' spelled '▁'
  std::unordered_map<std::uint64_t, std::pair<std::int32_t, std::int32_t>> merges;  // (l,r) -> (rank, id)
  std::array<std::int32_t, 256> byte_tok{};  // bpe: id of the byte-level char; spm: <0xNN>
  std::array<std::vector<std::int32_t>, 256> specials;  // by first byte; longest text first
  std::int32_t bos = -1, eos = -1, eot = -1, unk = -1;
  bool add_bos = false, add_eos = false, add_space_prefix = false, has_specials = false;
  std::string chat_template;

  std::int32_t find(std::string_view s) const {
    auto it = ids.find(s);
    return it == ids.end() ? -1 : it->second;
  }
  bool valid(std::int32_t id) const { return id >= 0 && static_cast<std::size_t>(id) < tokens.size(); }

  void bpe_piece(std::string_view piece, std::vector<std::int32_t>& out, std::string& scratch) const;
  void spm_text(std::string_view text, std::vector<std::int32_t>& out) const;
  void encode_text(std::string_view text, bool first, std::vector<std::int32_t>& out) const;
};

tokenizer::tokenizer(tokenizer&&) noexcept = default;
tokenizer& tokenizer::operator=(tokenizer&&) noexcept = default;
tokenizer::~tokenizer() = default;

tokenizer tokenizer::from_gguf(const gguf_reader& r) { return tokenizer(vocab_data::from_gguf(r)); }

tokenizer::tokenizer(const vocab_data& v) : p_(std::make_unique<impl>()) {
  impl& m = *p_;
  if (v.model == "gpt2") {
    m.mdl = kind::bpe;
  } else if (v.model == "llama") {
    m.mdl = kind::spm;
  } else {
    throw error("tokenizer: unsupported tokenizer.ggml.model '" + v.model + "' (supported: gpt2, llama)");
  }
  if (v.tokens.empty()) throw error("tokenizer: empty vocabulary");
  if (v.tokens.size() > 0x7fffffff) throw error("tokenizer: vocabulary too large");
  const std::size_t nv = v.tokens.size();
  if (!v.scores.empty() && v.scores.size() != nv)
    throw error("tokenizer: tokenizer.ggml.scores has " + std::to_string(v.scores.size()) + " entries, vocabulary " +
                std::to_string(nv));
  if (!v.types.empty() && v.types.size() != nv)
    throw error("tokenizer: tokenizer.ggml.token_type has " + std::to_string(v.types.size()) +
                " entries, vocabulary " + std::to_string(nv));
  m.tokens = v.tokens;
  m.scores = v.scores.empty() ? std::vector<float>(nv, 0.0f) : v.scores;
  m.types.resize(nv, token_type::normal);
  for (std::size_t i = 0; i < v.types.size(); ++i)
    m.types[i] = (v.types[i] >= 0 && v.types[i] <= 6) ? static_cast<token_type>(v.types[i]) : token_type::normal;
  m.ids.reserve(nv);
  for (std::size_t i = 0; i < nv; ++i) m.ids.emplace(std::string_view(m.tokens[i]), static_cast<std::int32_t>(i));

  auto check_id = [&](std::int32_t id, const char* key) {
    if (id >= 0 && static_cast<std::size_t>(id) >= nv)
      throw error(std::string("tokenizer: tokenizer.ggml.") + key + " = " + std::to_string(id) +
                  " is outside the vocabulary of " + std::to_string(nv) + " tokens");
    return id < 0 ? -1 : id;
  };
  m.bos = check_id(v.bos, "bos_token_id");
  m.eos = check_id(v.eos, "eos_token_id");
  m.unk = check_id(v.unk, "unknown_token_id");
  m.eot = check_id(v.eot, "eot_token_id");
  for (std::size_t i = 0; i < v.scores.size(); ++i)
    if (!std::isfinite(v.scores[i]))  // the SentencePiece merge order compares them
      throw error("tokenizer: tokenizer.ggml.scores[" + std::to_string(i) + "] is not a finite number");
  if (m.eot < 0) {
    m.eot = m.find("<|eot_id|>");
    if (m.eot < 0) m.eot = m.find("<|im_end|>");
    if (m.eot < 0) m.eot = m.find("<end_of_turn>");  // Gemma
  }
  m.add_bos = v.add_bos && m.bos >= 0;
  m.add_eos = v.add_eos && m.eos >= 0;
  m.chat_template = v.chat_template;

  if (m.mdl == kind::bpe) {
    std::string pre = v.pre;
    // MODELS.md §6.3: bitnet.cpp files lack `pre`; a Llama-3 vocabulary is recognised by token 128000.
    if (pre.empty() && nv > 128000 && m.tokens[128000] == "<|begin_of_text|>") pre = "llama-bpe";
    const pre_info pi = pre_from_name(pre);
    m.pre = pi.kind;
    m.ignore_merges = pi.ignore_merges;
    m.add_space_prefix = v.add_space_prefix == 1;
    for (int b = 0; b < 256; ++b) {
      std::string s;
      utf8_append(s, byte_to_unicode(static_cast<std::uint8_t>(b)));
      m.byte_tok[b] = m.find(s);
    }
    m.merges.reserve(v.merges.size());
    for (std::size_t rank = 0; rank < v.merges.size(); ++rank) {
      const std::string& s = v.merges[rank];
      const std::size_t sp = s.find(' ', 1);
      if (sp == std::string::npos) continue;
      const std::int32_t l = m.find(std::string_view(s).substr(0, sp));
      const std::int32_t r = m.find(std::string_view(s).substr(sp + 1));
      const std::int32_t merged = m.find(s.substr(0, sp) + s.substr(sp + 1));
      if (l < 0 || r < 0 || merged < 0) continue;
      const std::uint64_t key = (std::uint64_t(std::uint32_t(l)) << 32) | std::uint32_t(r);
      m.merges.emplace(key, std::make_pair(static_cast<std::int32_t>(rank), merged));  // first rank wins
    }
  } else {
    m.add_space_prefix = v.add_space_prefix != 0;  // absent -> true for SentencePiece
    // A byte token is decoded from its spelling <0xHH>: anything else there has no byte value.
    for (std::size_t i = 0; i < nv; ++i)
      if (m.types[i] == token_type::byte && byte_token_value(m.tokens[i]) < 0)
        throw error("tokenizer: token " + std::to_string(i) + " has type byte but is spelled '" +
                    m.tokens[i].substr(0, 32) + "', not <0xHH> with two hexadecimal digits");
    for (int b = 0; b < 256; ++b) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "<0x%02X>", b);
      m.byte_tok[b] = m.find(buf);
    }
    // User-defined tokens are stored with spaces (llama.cpp's converter, e.g. Gemma's "  "), but
    // the encoder sees spaces as '▁': the '▁' spelling finds them too.
    std::size_t n_alias = 0;
    for (std::size_t i = 0; i < nv; ++i)
      if (m.types[i] == token_type::user_defined && m.tokens[i].find(' ') != std::string::npos) ++n_alias;
    m.spm_aliases.reserve(n_alias);  // no reallocation: ids holds views into the strings
    for (std::size_t i = 0; i < nv; ++i) {
      if (m.types[i] != token_type::user_defined || m.tokens[i].find(' ') == std::string::npos) continue;
      std::string a;
      for (char ch : m.tokens[i]) {
        if (ch == ' ') {
          a += "\xE2\x96\x81";
        } else {
          a += ch;
        }
      }
      m.spm_aliases.push_back(std::move(a));
      m.ids.emplace(std::string_view(m.spm_aliases.back()), static_cast<std::int32_t>(i));
    }
  }
  for (std::size_t i = 0; i < nv; ++i) {
    if ((m.types[i] == token_type::control || m.types[i] == token_type::user_defined) && !m.tokens[i].empty()) {
      m.specials[static_cast<unsigned char>(m.tokens[i][0])].push_back(static_cast<std::int32_t>(i));
      m.has_specials = true;
    }
  }
  for (auto& bucket : m.specials)
    std::stable_sort(bucket.begin(), bucket.end(),
                     [&](std::int32_t a, std::int32_t b) { return m.tokens[a].size() > m.tokens[b].size(); });
}

namespace {
struct bpe_sym {
  std::int32_t id;
  std::int32_t prev, next;  // -1 at the ends
  std::uint32_t start, len;  // spm: byte range in the text
};
struct bpe_cand {
  float score;        // spm: token score (higher first); bpe: -rank
  std::int32_t left;  // symbol index (lower first on ties)
  std::int32_t lid, rid;
  std::uint32_t len;  // spm: combined byte length at push time (staleness check)
  bool operator<(const bpe_cand& o) const {  // priority_queue pops the "largest"
    if (score != o.score) return score < o.score;
    return left > o.left;
  }
};
}  // namespace

void tokenizer::impl::bpe_piece(std::string_view piece, std::vector<std::int32_t>& out, std::string& mapped) const {
  mapped.clear();
  for (unsigned char b : piece) utf8_append(mapped, byte_to_unicode(b));
  if (ignore_merges) {
    const std::int32_t id = find(mapped);
    if (id >= 0) {
      out.push_back(id);
      return;
    }
  }
  std::vector<bpe_sym> sym;
  sym.reserve(piece.size());
  for (std::size_t i = 0; i < piece.size(); ++i) {
    const std::int32_t id = byte_tok[static_cast<unsigned char>(piece[i])];
    sym.push_back({id, static_cast<std::int32_t>(sym.size()) - 1, static_cast<std::int32_t>(sym.size()) + 1, 0, 0});
  }
  if (sym.empty()) return;
  sym.back().next = -1;
  std::priority_queue<bpe_cand> q;
  auto push = [&](std::int32_t l) {
    if (l < 0) return;
    const std::int32_t r = sym[l].next;
    if (r < 0 || sym[l].id < 0 || sym[r].id < 0) return;
    const std::uint64_t key = (std::uint64_t(std::uint32_t(sym[l].id)) << 32) | std::uint32_t(sym[r].id);
    auto it = merges.find(key);
    if (it == merges.end()) return;
    q.push({-static_cast<float>(it->second.first), l, sym[l].id, sym[r].id, 0});
  };
  for (std::int32_t i = 0; i + 1 < static_cast<std::int32_t>(sym.size()); ++i) push(i);
  while (!q.empty()) {
    const bpe_cand c = q.top();
    q.pop();
    bpe_sym& l = sym[c.left];
    if (l.id != c.lid || l.next < 0 || sym[l.next].id != c.rid) continue;  // stale
    const std::uint64_t key = (std::uint64_t(std::uint32_t(c.lid)) << 32) | std::uint32_t(c.rid);
    const std::int32_t r = l.next;
    l.id = merges.find(key)->second.second;
    l.next = sym[r].next;
    if (l.next >= 0) sym[l.next].prev = c.left;
    sym[r].id = -2;  // removed
    push(l.prev);
    push(c.left);
  }
  for (std::int32_t i = 0; i >= 0; i = sym[i].next) {
    if (sym[i].id >= 0) {
      out.push_back(sym[i].id);
    } else if (unk >= 0) {
      out.push_back(unk);
    }
  }
}

void tokenizer::impl::spm_text(std::string_view text, std::vector<std::int32_t>& out) const {
  std::vector<bpe_sym> sym;
  sym.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    std::size_t len;
    utf8_decode(text, i, len);
    const auto n = static_cast<std::int32_t>(sym.size());
    sym.push_back({0, n - 1, n + 1, static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(len)});
    i += len;
  }
  if (sym.empty()) return;
  sym.back().next = -1;
  std::priority_queue<bpe_cand> q;
  auto push = [&](std::int32_t l) {
    if (l < 0) return;
    const std::int32_t r = sym[l].next;
    if (r < 0) return;
    const std::uint32_t len = sym[l].len + sym[r].len;
    const std::int32_t id = find(text.substr(sym[l].start, len));
    if (id < 0) return;
    q.push({scores[id], l, static_cast<std::int32_t>(sym[l].len), r, len});
  };
  for (std::int32_t i = 0; i + 1 < static_cast<std::int32_t>(sym.size()); ++i) push(i);
  while (!q.empty()) {
    const bpe_cand c = q.top();
    q.pop();
    bpe_sym& l = sym[c.left];
    // stale if either side changed since the push (lengths only grow, the right index is fixed)
    if (l.len == 0 || l.next != c.rid || static_cast<std::int32_t>(l.len) != c.lid ||
        l.len + sym[c.rid].len != c.len)
      continue;
    const std::int32_t r = l.next;
    l.len += sym[r].len;
    l.next = sym[r].next;
    if (l.next >= 0) sym[l.next].prev = c.left;
    sym[r].len = 0;
    push(l.prev);
    push(c.left);
  }
  for (std::int32_t i = 0; i >= 0; i = sym[i].next) {
    const std::string_view s = text.substr(sym[i].start, sym[i].len);
    const std::int32_t id = find(s);
    if (id >= 0) {
      out.push_back(id);
      continue;
    }
    for (unsigned char b : s) {
      if (byte_tok[b] >= 0) {
        out.push_back(byte_tok[b]);
      } else if (unk >= 0) {
        out.push_back(unk);
      }
    }
  }
}

void tokenizer::impl::encode_text(std::string_view text, bool first, std::vector<std::int32_t>& out) const {
  if (text.empty()) return;
  if (mdl == kind::spm) {
    std::string s;
    s.reserve(text.size() + 3);
    if (add_space_prefix && first) s += "\xE2\x96\x81";
    for (char ch : text) {
      if (ch == ' ') {
        s += "\xE2\x96\x81";
      } else {
        s += ch;
      }
    }
    spm_text(s, out);
    return;
  }
  std::string scratch;
  if (add_space_prefix && first) {
    std::string s = " ";
    s += text;
    for (auto piece : pretokenize(s, pre)) bpe_piece(piece, out, scratch);
    return;
  }
  for (auto piece : pretokenize(text, pre)) bpe_piece(piece, out, scratch);
}

std::vector<std::int32_t> tokenizer::encode(std::string_view text, bool add_bos_, bool parse_special) const {
  const impl& m = *p_;
  std::vector<std::int32_t> out;
  out.reserve(text.size() / 3 + 2);
  if (add_bos_ && m.bos >= 0) out.push_back(m.bos);
  if (!parse_special || !m.has_specials) {
    m.encode_text(text, true, out);
    return out;
  }
  std::size_t start = 0;
  bool first = true;
  for (std::size_t i = 0; i < text.size();) {
    std::int32_t hit = -1;
    for (std::int32_t id : m.specials[static_cast<unsigned char>(text[i])]) {
      const std::string& t = m.tokens[id];
      if (text.compare(i, t.size(), t) == 0) {
        hit = id;
        break;
      }
    }
    if (hit < 0) {
      ++i;
      continue;
    }
    // SentencePiece: llama.cpp prefixes a space to the first text fragment and after specials.
    if (i > start) m.encode_text(text.substr(start, i - start), first || m.mdl == kind::spm, out);
    out.push_back(hit);
    first = false;
    i += m.tokens[hit].size();
    start = i;
  }
  if (start < text.size()) m.encode_text(text.substr(start), first || m.mdl == kind::spm, out);
  return out;
}

std::string tokenizer::token_to_piece(std::int32_t id, bool render_special) const {
  const impl& m = *p_;
  if (!m.valid(id)) return {};
  const std::string& t = m.tokens[id];
  const token_type ty = m.types[id];
  if (ty == token_type::control || ty == token_type::unused) return render_special ? t : std::string();
  if (ty == token_type::unknown) return m.mdl == kind::spm ? std::string("\xE2\x96\x85") : t;
  // SentencePiece user-defined tokens may be spelled with '▁' (from tokenizer.model) or with spaces
  // (llama.cpp's converter, this one's): both decode to spaces below.
  if (ty == token_type::user_defined && m.mdl != kind::spm) return t;
  if (m.mdl == kind::spm) {
    if (ty == token_type::byte) {
      const int b = byte_token_value(t);  // checked at construction
      if (b >= 0) return std::string(1, static_cast<char>(b));
    }
    std::string out;
    out.reserve(t.size());
    for (std::size_t i = 0; i < t.size();) {
      if (t.compare(i, 3, "\xE2\x96\x81") == 0) {
        out += ' ';
        i += 3;
      } else {
        out += t[i++];
      }
    }
    return out;
  }
  std::string out;
  for (std::size_t i = 0; i < t.size();) {
    std::size_t len;
    const std::uint32_t cp = utf8_decode(t, i, len);
    const int b = cp == invalid_code_point ? -1 : unicode_to_byte(cp);
    if (b >= 0) {
      out += static_cast<char>(b);
    } else {
      out.append(t, i, len);  // not a byte-level char: keep as is
    }
    i += len;
  }
  return out;
}

std::string tokenizer::decode(const std::vector<std::int32_t>& ids, bool render_special) const {
  const impl& m = *p_;
  std::string out;
  bool first_text = true;
  for (std::int32_t id : ids) {
    std::string piece = token_to_piece(id, render_special);
    if (m.mdl == kind::spm && m.add_space_prefix && first_text && !piece.empty() && m.valid(id) &&
        m.types[id] != token_type::control) {
      if (piece[0] == ' ') piece.erase(0, 1);
    }
    if (m.valid(id) && m.types[id] != token_type::control) first_text = false;
    out += piece;
  }
  return out;
}

tokenizer::kind tokenizer::model() const { return p_->mdl; }
tokenizer::pre_kind tokenizer::pre() const { return p_->pre; }
std::size_t tokenizer::vocab_size() const { return p_->tokens.size(); }
const std::string& tokenizer::token_text(std::int32_t id) const {
  if (!p_->valid(id)) throw error("tokenizer: token id " + std::to_string(id) + " out of range");
  return p_->tokens[id];
}
token_type tokenizer::type(std::int32_t id) const {
  if (!p_->valid(id)) throw error("tokenizer: token id " + std::to_string(id) + " out of range");
  return p_->types[id];
}
std::int32_t tokenizer::find_token(std::string_view text) const { return p_->find(text); }
std::int32_t tokenizer::bos() const { return p_->bos; }
std::int32_t tokenizer::eos() const { return p_->eos; }
std::int32_t tokenizer::eot() const { return p_->eot; }
std::int32_t tokenizer::unk() const { return p_->unk; }
bool tokenizer::add_bos() const { return p_->add_bos; }
bool tokenizer::add_eos() const { return p_->add_eos; }
bool tokenizer::is_eog(std::int32_t id) const { return id >= 0 && (id == p_->eos || id == p_->eot); }
const std::string& tokenizer::chat_template() const { return p_->chat_template; }

std::string tokenizer::apply_chat_template(const std::vector<chat_message>& msgs, bool add_assistant) const {
  const std::string& t = p_->chat_template;
  std::string out;
  const bool llama3 = t.find("BITNET") == std::string::npos && t.find("<|start_header_id|>") != std::string::npos;
  if (llama3) {
    for (const auto& msg : msgs)
      out += "<|start_header_id|>" + msg.role + "<|end_header_id|>\n\n" + msg.content + "<|eot_id|>";
    if (add_assistant) out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
    return out;
  }
  // ChatML (Qwen2/Qwen3, Ternary-Bonsai): recognised by its marker, as llama.cpp does.
  if (t.find("<|im_start|>") != std::string::npos) {
    for (const auto& msg : msgs) out += "<|im_start|>" + msg.role + "\n" + msg.content + "<|im_end|>\n";
    if (add_assistant) out += "<|im_start|>assistant\n";
    return out;
  }
  // bitnet.cpp "bitnet" format (MODELS.md §6.3).
  for (const auto& msg : msgs) {
    if (msg.role == "system") {
      out += "System: " + msg.content;
    } else if (msg.role == "user") {
      out += "User: " + msg.content + "<|eot_id|>Assistant: ";
    } else {
      out += msg.content;
    }
  }
  return out;
}

}  // namespace trex
