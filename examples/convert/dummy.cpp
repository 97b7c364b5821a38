// SPDX-License-Identifier: MIT
// examples/convert/dummy.cpp - random-weight BitNet b1.58 (MODELS.md §1.2, §4) and Qwen3 models.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>

#include "convert/internal.hpp"
#include "common/fp16.hpp"
#include "tokenizer/hf_vocab.hpp"
#include "common/unicode.hpp"

namespace trex {

namespace {

const model_shape k_configs[] = {
    // name     hidden  ffn   layers heads kv  head_dim
    {"125M", 768, 3072, 11, 12, 12, 64},      {"350M", 1024, 3072, 24, 16, 16, 64},
    {"700M", 1536, 4096, 24, 16, 16, 96},     {"1B", 2048, 3584, 24, 32, 32, 64},
    {"1.5B", 1536, 9216, 28, 32, 32, 48},     {"2.5B", 2560, 6912, 30, 20, 20, 128},
    {"2.7B", 3072, 7680, 24, 32, 32, 96},     {"3.8B", 3840, 8192, 24, 32, 32, 120},
    {"7B", 4096, 12032, 32, 32, 32, 128},     {"13B", 5120, 13824, 40, 40, 40, 128},
    {"30B", 6656, 16384, 60, 52, 52, 128},    {"70B", 8192, 24576, 80, 64, 64, 128},
    {"100B", 8192, 45568, 72, 64, 64, 128},   {"2b4t", 2560, 6912, 30, 20, 5, 128},
    {"tiny", 256, 768, 2, 4, 2, 64},
    // Qwen3 (hidden_size, intermediate_size, num_hidden_layers, num_attention_heads,
    // num_key_value_heads, head_dim, tie_word_embeddings, vocab_size of each config.json)
    {"bonsai-1.7b", 2048, 6144, 28, 16, 8, 128, "qwen3", true, 151936},
    {"bonsai-4b", 2560, 9728, 36, 32, 8, 128, "qwen3", true, 151936},
    {"bonsai-8b", 4096, 12288, 36, 32, 8, 128, "qwen3", false, 151936},
    {"qwen3-tiny", 256, 768, 2, 4, 2, 128, "qwen3", false, 1024},
};

// ChatML, the format of Qwen's tokenizer_config.json (tritlut-run recognises <|im_start|>).
const char* const k_chatml_template =
    "{%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' + message.content + "
    "'<|im_end|>' + '\\n' }}{%- endfor %}{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}"
    "{%- endif %}";

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

const model_shape* find_dummy_config(const std::string& name) {
  for (const auto& c : k_configs)
    if (lower(c.name) == lower(name)) return &c;
  return nullptr;
}

std::vector<std::string> dummy_config_names() {
  std::vector<std::string> v;
  for (const auto& c : k_configs) v.push_back(c.name);
  return v;
}

std::string bitnet_chat_template() {
  // bitnet.cpp's converter stores a template with the marker BITNET so that its runtime picks
  // the hard-coded "bitnet" chat format (MODELS.md §6.3); this one also renders that format.
  return "{# BITNET chat format: System: ...User: ...<|eot_id|>Assistant: ... #}"
         "{{ bos_token }}{% for message in messages %}"
         "{% if message['role'] == 'system' %}{{ 'System: ' + message['content'] }}"
         "{% elif message['role'] == 'user' %}{{ 'User: ' + message['content'] + '<|eot_id|>Assistant: ' }}"
         "{% else %}{{ message['content'] }}{% endif %}{% endfor %}";
}

vocab_data synthetic_vocab(std::size_t n) {
  if (n < 262) throw error("synthetic vocabulary needs at least 262 tokens, got " + std::to_string(n));
  vocab_data v;
  v.model = "gpt2";
  v.pre = "llama-bpe";
  std::vector<std::string> specials;
  if (n >= 4096) {
    // Llama-3 layout of the last 256 ids (128000.. when n = 128256).
    specials = {"<|begin_of_text|>", "<|end_of_text|>"};
    int reserved = 0;
    for (int i = 2; i < 256; ++i) {
      if (i == 6) {
        specials.push_back("<|start_header_id|>");
      } else if (i == 7) {
        specials.push_back("<|end_header_id|>");
      } else if (i == 9) {
        specials.push_back("<|eot_id|>");
      } else {
        specials.push_back("<|reserved_special_token_" + std::to_string(reserved++) + "|>");
      }
    }
  } else {
    specials = {"<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>"};
  }
  const std::size_t n_normal = n - specials.size();
  for (int b = 0; b < 256; ++b) {
    std::string s;
    utf8_append(s, byte_to_unicode(static_cast<std::uint8_t>(b)));
    v.tokens.push_back(s);
  }
  const std::string G = "\xC4\xA0";  // 'Ġ' = byte-level space
  // Level by level: strings over a..z, each with and without a leading Ġ; merge = prefix + last letter.
  std::vector<std::string> prev = {""};
  while (v.tokens.size() < n_normal) {
    std::vector<std::string> cur;
    for (const auto& p : prev)
      for (char c = 'a'; c <= 'z'; ++c) cur.push_back(p + c);
    for (const auto& s : cur) {
      for (int spaced = 1; spaced >= 0; --spaced) {
        if (v.tokens.size() >= n_normal) break;
        const std::string left = (spaced ? G : std::string()) + s.substr(0, s.size() - 1);
        if (left.empty()) continue;  // single letters are byte tokens already
        v.merges.push_back(left + " " + s.substr(s.size() - 1));
        v.tokens.push_back(left + s.back());
      }
    }
    prev = std::move(cur);
  }
  v.types.assign(v.tokens.size(), static_cast<std::int32_t>(token_type::normal));
  for (const auto& s : specials) {
    v.tokens.push_back(s);
    v.types.push_back(static_cast<std::int32_t>(token_type::control));
  }
  const auto base = static_cast<std::int32_t>(n_normal);
  v.bos = base;
  v.eos = base + 1;
  v.eot = -1;  // found by text (<|eot_id|>)
  v.add_bos = true;
  v.chat_template = bitnet_chat_template();
  return v;
}

void convert_dummy(const dummy_options& o) {
  std::vector<std::string> inputs;
  if (!o.vocab_file.empty()) inputs.push_back(o.vocab_file);
  check_output_path(o.out, inputs);  // before anything is read or written
  const model_shape* cfg = find_dummy_config(o.config);
  if (!cfg) {
    std::string names;
    for (const auto& n : dummy_config_names()) names += " " + n;
    throw error("unknown config '" + o.config + "' (known:" + names + ")");
  }
  const ggml_type fmt = detail::parse_ternary_format(o.format);
  if (fmt == ggml_type::tq1_0) throw error("dummy: --format must be i2s or tq2_0");
  const bool is_2b4t = lower(cfg->name) == "2b4t";
  // The synthetic vocabulary is built in memory (tens of bytes a token) before anything is written:
  // its size is checked first. 2^20 is four times the largest real vocabulary (262144).
  constexpr std::uint64_t k_max_synthetic_vocab = std::uint64_t(1) << 20;
  if (o.vocab_file.empty() && o.vocab_size != 0 && (o.vocab_size < 262 || o.vocab_size > k_max_synthetic_vocab))
    throw error("dummy: --vocab-size " + std::to_string(o.vocab_size) + " is outside [262, " +
                std::to_string(k_max_synthetic_vocab) + "]: the synthetic vocabulary needs at least 262 tokens (256 bytes + 6) and is built in memory");
  if (o.ctx == 0) throw error("--ctx must be positive");

  vocab_data vocab;
  std::vector<std::pair<std::string, const gguf_value*>> vocab_kv;
  std::unique_ptr<gguf_reader> vocab_reader;
  if (!o.vocab_file.empty()) {
    const std::string& f = o.vocab_file;
    if (f.size() >= 5 && lower(f.substr(f.size() - 5)) == ".json") {
      vocab = vocab_from_hf(parse_json_file(f));
      if (vocab.chat_template.empty()) vocab.chat_template = bitnet_chat_template();
    } else {
      vocab_reader = std::make_unique<gguf_reader>(gguf_reader::open(f));
      vocab = vocab_data::from_gguf(*vocab_reader);  // validates it
      for (const auto& kv : vocab_reader->metadata())
        if (kv.first.rfind("tokenizer.", 0) == 0) vocab_kv.emplace_back(kv.first, &kv.second);
      if (vocab_kv.empty()) throw error(f + " has no tokenizer.* metadata");
    }
    if (o.vocab_size != 0 && o.vocab_size != vocab.tokens.size())
      throw error("--vocab-size " + std::to_string(o.vocab_size) + " contradicts the vocabulary of " + f + " (" +
                  std::to_string(vocab.tokens.size()) + " tokens)");
    // What tritlut-run would refuse at load (special ids outside the vocabulary, NaN scores, bad
    // byte tokens) is refused here, before a model is written around it.
    try {
      const tokenizer check(vocab);
    } catch (const error& e) {
      throw error(f + ": " + e.what());
    }
  } else {
    vocab = synthetic_vocab(o.vocab_size ? static_cast<std::size_t>(o.vocab_size) : cfg->vocab);
    if (cfg->arch == "qwen3") vocab.chat_template = k_chatml_template;
  }
  const bool qwen3 = cfg->arch == "qwen3";
  const std::uint64_t n_vocab = vocab.tokens.size();
  const std::uint32_t H = cfg->hidden, F = cfg->ffn, L = cfg->layers;
  const std::uint32_t kv_dim = cfg->kv_heads * cfg->head_dim, q_dim = cfg->heads * cfg->head_dim;
  if (o.ctx == 0) throw error("--ctx must be positive");

  const std::string& arch = cfg->arch;
  gguf_writer w;
  w.set_string("general.architecture", arch);
  w.set_string("general.name", is_2b4t ? "bitnet2b" : "tritlut-dummy-" + cfg->name);
  w.set_u32(arch + ".vocab_size", static_cast<std::uint32_t>(n_vocab));
  w.set_u32(arch + ".context_length", o.ctx);
  w.set_u32(arch + ".embedding_length", H);
  w.set_u32(arch + ".block_count", L);
  w.set_u32(arch + ".feed_forward_length", F);
  w.set_u32(arch + ".rope.dimension_count", cfg->head_dim);
  w.set_u32(arch + ".attention.head_count", cfg->heads);
  w.set_u32(arch + ".attention.head_count_kv", cfg->kv_heads);
  w.set_f32(arch + ".rope.freq_base", qwen3 ? 1000000.0f : 500000.0f);
  w.set_f32(arch + ".attention.layer_norm_rms_epsilon", qwen3 ? 1e-6f : 1e-5f);
  if (qwen3) {  // head_dim is its own number in Qwen3 (1024 / 16 = 64 heads of 128 in the 0.6B)
    w.set_u32(arch + ".attention.key_length", cfg->head_dim);
    w.set_u32(arch + ".attention.value_length", cfg->head_dim);
  }
  w.set_u32("general.file_type", detail::file_type_of(fmt));
  w.set_u32("general.quantization_version", 2);
  w.set_u64("tritlut.dummy.seed", o.seed);
  if (vocab_kv.empty()) {
    vocab.write_gguf(w);
  } else {
    for (const auto& kv : vocab_kv) w.set_value(kv.first, *kv.second);
  }

  struct plan {
    std::string name;
    ggml_type type;
    std::vector<std::uint64_t> ne;
  };
  std::vector<plan> tensors;
  tensors.push_back({"token_embd.weight", ggml_type::f16, {H, n_vocab}});
  tensors.push_back({"output_norm.weight", ggml_type::f32, {H}});
  if (!cfg->tied) tensors.push_back({"output.weight", ggml_type::f16, {H, n_vocab}});
  for (std::uint32_t l = 0; l < L; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    tensors.push_back({b + "attn_norm.weight", ggml_type::f32, {H}});
    tensors.push_back({b + "attn_q.weight", fmt, {H, q_dim}});
    tensors.push_back({b + "attn_k.weight", fmt, {H, kv_dim}});
    tensors.push_back({b + "attn_v.weight", fmt, {H, kv_dim}});
    if (qwen3) {
      tensors.push_back({b + "attn_q_norm.weight", ggml_type::f32, {cfg->head_dim}});
      tensors.push_back({b + "attn_k_norm.weight", ggml_type::f32, {cfg->head_dim}});
    }
    tensors.push_back({b + "attn_output.weight", fmt, {q_dim, H}});
    if (!qwen3) tensors.push_back({b + "attn_sub_norm.weight", ggml_type::f32, {q_dim}});
    tensors.push_back({b + "ffn_norm.weight", ggml_type::f32, {H}});
    tensors.push_back({b + "ffn_gate.weight", fmt, {H, F}});
    tensors.push_back({b + "ffn_up.weight", fmt, {H, F}});
    tensors.push_back({b + "ffn_down.weight", fmt, {F, H}});
    if (!qwen3) tensors.push_back({b + "ffn_sub_norm.weight", ggml_type::f32, {F}});
  }
  for (const auto& t : tensors) w.add_tensor(t.name, t.type, t.ne);

  w.open(o.out, inputs);
  progress prog("dummy " + cfg->name, w.total_bytes(), o.show_progress);
  // 81 valid bytes = every combination of four codes in {0,1,2}; decoded to 4 int8 weights.
  std::int8_t quad[81][4];
  for (int i = 0; i < 81; ++i)
    for (int j = 0, x = i; j < 4; ++j, x /= 3) quad[i][j] = static_cast<std::int8_t>(x % 3 - 1);
  // 4096-entry table of small f16 values, ~N(0, 0.02) (sum of 4 uniforms), for the embedding.
  std::vector<std::uint16_t> emb_table(4096);
  {
    detail::rng r(o.seed ^ 0xE3B0C44298FC1C14ull);
    for (auto& h : emb_table) {
      const double u = r.uniform() + r.uniform() + r.uniform() + r.uniform() - 2.0;  // var 1/3
      h = f32_to_f16(static_cast<float>(u * 0.02 * 1.7320508));
    }
  }
  std::vector<std::int8_t> wbuf(1 << 20);
  std::vector<std::uint8_t> bbuf;
  for (std::size_t ti = 0; ti < tensors.size(); ++ti) {
    const plan& t = tensors[ti];
    detail::rng r(o.seed * 0x9E3779B97F4A7C15ull + ti + 1);
    std::uint64_t n = 1;
    for (auto d : t.ne) n *= d;
    if (t.type == ggml_type::f16) {
      std::vector<std::uint16_t> buf(1 << 20);
      for (std::uint64_t done = 0; done < n;) {
        const std::size_t k = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), n - done));
        for (std::size_t i = 0; i < k; i += 4) {
          const std::uint64_t x = r.next();
          for (std::size_t j = 0; j < 4 && i + j < k; ++j) buf[i + j] = emb_table[(x >> (16 * j)) & 4095];
        }
        bbuf.resize(k * 2);
        for (std::size_t i = 0; i < k; ++i) store_u16_le(bbuf.data() + 2 * i, buf[i]);
        w.write(bbuf.data(), bbuf.size());
        prog.add(bbuf.size());
        done += k;
      }
    } else if (t.type == ggml_type::f32) {
      // norms near 1: 1 + U(-0.05, 0.05)
      bbuf.resize(static_cast<std::size_t>(n) * 4);
      for (std::uint64_t i = 0; i < n; ++i) {
        const float v = static_cast<float>(1.0 + (r.uniform() - 0.5) * 0.1);
        store_u32_le(bbuf.data() + 4 * i, f32_bits(v));
      }
      w.write(bbuf.data(), bbuf.size());
      prog.add(bbuf.size());
    } else {
      // alpha = k/64 with k in [48, 128): exact in f16, so I2_S and TQ2_0 dummies of one seed agree.
      const float alpha = static_cast<float>(48 + r.next() % 80) / 64.0f;
      detail::ternary_sink sink(w, t.type, n, alpha);
      for (std::uint64_t done = 0; done < n;) {
        const std::size_t k = static_cast<std::size_t>(std::min<std::uint64_t>(wbuf.size(), n - done));
        for (std::size_t i = 0; i < k; i += 16) {
          const std::uint64_t x = r.next();
          for (std::size_t j = 0; j < 4; ++j) {
            const auto idx = static_cast<std::size_t>((((x >> (16 * j)) & 0xFFFFu) * 81u) >> 16);
            std::memcpy(wbuf.data() + i + 4 * j, quad[idx], 4);
          }
        }
        sink.put(wbuf.data(), k);
        prog.add(t.type == ggml_type::i2_s ? k / 4 : k / 256 * ggml_block_bytes(t.type));
        done += k;
      }
      sink.finish();
    }
  }
  w.close();
  prog.done();
}

}  // namespace trex
