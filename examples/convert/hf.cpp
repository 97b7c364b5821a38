// SPDX-License-Identifier: MIT
// examples/convert/hf.cpp - Hugging Face BitNet checkpoint -> GGUF (MODELS.md §1.4, §2).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>

#include "convert/internal.hpp"
#include "common/fp16.hpp"
#include "tokenizer/hf_vocab.hpp"
#include "formats/quants.hpp"
#include "formats/safetensors.hpp"

namespace trex {

namespace {

struct checkpoint {
  std::vector<std::unique_ptr<safetensors_file>> files;
  const st_tensor* find(const std::string& name) const {
    for (const auto& f : files)
      if (const st_tensor* t = f->find(name)) return t;
    return nullptr;
  }
  const st_tensor& get(const std::string& name) const {
    const st_tensor* t = find(name);
    if (!t) throw error("hf: tensor '" + name + "' not found in the checkpoint");
    return *t;
  }
};

std::uint32_t cfg_u32(const json& c, const char* key) {
  const json* j = c.find(key);
  if (!j) throw error(std::string("hf: config.json lacks '") + key + "'");
  const std::int64_t v = j->as_int();
  if (v <= 0 || v > 0x7fffffff) throw error(std::string("hf: config.json '") + key + "' out of range");
  return static_cast<std::uint32_t>(v);
}

// Ternary weights of a linear layer [out][in] plus alpha: packed uint8 [out/4, in] with
// weight_scale (2B4T), or float master weights ternarized by absmean.
void load_linear(const checkpoint& ck, const std::string& base, std::uint64_t out, std::uint64_t in,
                 std::vector<std::int8_t>& w, float& alpha) {
  const st_tensor& t = ck.get(base + ".weight");
  w.assign(static_cast<std::size_t>(out * in), 0);
  if (t.dtype == "U8") {
    if (t.shape != std::vector<std::uint64_t>{out / 4, in} || out % 4 != 0)
      throw error("hf: packed tensor '" + t.name + "' should have shape [" + std::to_string(out / 4) + ", " +
                  std::to_string(in) + "]");
    const std::uint64_t R = out / 4;
    for (std::uint64_t i = 0; i < R; ++i)
      for (std::uint64_t k = 0; k < in; ++k) {
        const std::uint8_t byte = t.data[i * in + k];
        for (std::uint64_t j = 0; j < 4; ++j) {
          const int c = (byte >> (2 * j)) & 3;
          if (c == 3) throw error("hf: packed tensor '" + t.name + "' holds the invalid code 3");
          w[static_cast<std::size_t>((j * R + i) * in + k)] = static_cast<std::int8_t>(c - 1);
        }
      }
    const st_tensor* s = ck.find(base + ".weight_scale");
    if (!s) throw error("hf: packed tensor '" + t.name + "' has no '" + base + ".weight_scale'");
    alpha = s->scalar_f32();  // AutoBitLinear (offline): y = x·Wᵀ · weight_scale
    if (!std::isfinite(alpha)) throw error("hf: tensor '" + s->name + "' is not finite (" + std::to_string(alpha) + ")");
    return;
  }
  if (t.shape != std::vector<std::uint64_t>{out, in})
    throw error("hf: tensor '" + t.name + "' should have shape [" + std::to_string(out) + ", " + std::to_string(in) + "]");
  const std::vector<float> f = t.to_f32();
  // One NaN master weight would make the absmean NaN and the whole matrix +1 with a NaN scale.
  check_finite(f.data(), f.size(), "hf: tensor '" + t.name + "'");
  double sum = 0.0;
  for (float x : f) sum += std::fabs(static_cast<double>(x));
  const float s = static_cast<float>(std::max(sum / static_cast<double>(f.size()), 1e-5));
  for (std::size_t i = 0; i < f.size(); ++i) {
    const float q = std::nearbyint(f[i] / s);  // round half to even (default rounding mode)
    w[i] = static_cast<std::int8_t>(std::max(-1.0f, std::min(1.0f, q)));
  }
  alpha = s;
}

}  // namespace

void convert_hf(const std::string& dir, const std::string& out, bool show_progress) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(dir)) throw error("hf: " + dir + " is not a directory");
  const fs::path tok_path = fs::path(dir) / "tokenizer.json";
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".safetensors") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<std::string> inputs = {(fs::path(dir) / "config.json").string(), tok_path.string()};
  for (const auto& f : files) inputs.push_back(f.string());
  check_output_path(out, inputs);  // before reading: an output that is an input is refused at once

  const json cfg = parse_json_file((fs::path(dir) / "config.json").string());
  if (!fs::exists(tok_path)) throw error("hf: " + tok_path.string() + " not found");
  const vocab_data vocab_in = vocab_from_hf(parse_json_file(tok_path.string()), &cfg);

  checkpoint ck;
  if (files.empty()) throw error("hf: no *.safetensors files in " + dir);
  for (const auto& f : files) ck.files.push_back(std::make_unique<safetensors_file>(f.string()));

  const std::uint32_t H = cfg_u32(cfg, "hidden_size"), F = cfg_u32(cfg, "intermediate_size"),
                      L = cfg_u32(cfg, "num_hidden_layers"), NH = cfg_u32(cfg, "num_attention_heads");
  const std::uint32_t NKV = cfg.find("num_key_value_heads") ? cfg_u32(cfg, "num_key_value_heads") : NH;
  const std::uint32_t ctx = cfg.find("max_position_embeddings") ? cfg_u32(cfg, "max_position_embeddings") : 4096;
  if (H % NH != 0 || NH % NKV != 0) throw error("hf: inconsistent head counts in config.json");
  const std::uint32_t HD = H / NH, KV = NKV * HD;
  const json* act = cfg.find("hidden_act");
  const std::string hidden_act = act && act->is_string() ? act->as_string() : "silu";
  const double theta = cfg.find("rope_theta") ? cfg.at("rope_theta").as_double() : 10000.0;
  double eps = cfg.find("rms_norm_eps") ? cfg.at("rms_norm_eps").as_double() : 1e-5;
  // Stored as f32: the value must also survive that conversion (1e39 becomes inf). NaN fails every
  // comparison, so each test passes only for a good value.
  if (!(std::isfinite(static_cast<float>(theta)) && theta > 0))
    throw error("hf: config.json 'rope_theta' = " + std::to_string(theta) + " (must be a finite number > 0)");
  if (!(eps >= 0.0 && eps < 1.0))
    throw error("hf: config.json 'rms_norm_eps' = " + std::to_string(eps) + " is out of range [0, 1)");
  // Other engines abort on eps = 0 (and a denormal reads as 0 under flush-to-zero): see convert.hpp.
  if (static_cast<float>(eps) < k_tiny_rms_eps) eps = k_tiny_rms_eps;
  // 2B4T (relu2) -> bitnet-b1.58; 1bitLLM (silu) -> bitnet (MODELS.md §2).
  const std::string arch = hidden_act == "relu2" ? "bitnet-b1.58" : "bitnet";

  // num_hidden_layers sizes the tensor plan (11 entries a layer): it must be backed by the tensors
  // the checkpoint holds before the plan is built.
  std::size_t n_st = 0;
  for (const auto& f : ck.files) n_st += f->tensors().size();
  if (L > n_st / 11)
    throw error("hf: config.json 'num_hidden_layers' = " + std::to_string(L) + " needs 11 tensors per layer, but the " +
                "checkpoint holds " + std::to_string(n_st) + " tensors in all");
  const st_tensor& emb = ck.get("model.embed_tokens.weight");
  if (emb.shape.size() != 2 || emb.shape[1] != H) throw error("hf: model.embed_tokens.weight has the wrong shape");
  const std::uint64_t V = emb.shape[0];
  vocab_data vocab = vocab_in;
  if (vocab.tokens.size() > V)
    throw error("hf: tokenizer has " + std::to_string(vocab.tokens.size()) + " tokens, the embedding only " + std::to_string(V));
  while (vocab.tokens.size() < V) {  // pad like llama.cpp's converter
    vocab.types.push_back(static_cast<std::int32_t>(token_type::unused));
    vocab.tokens.push_back("[PAD" + std::to_string(vocab.tokens.size()) + "]");
  }
  if (vocab.chat_template.empty() && arch == "bitnet-b1.58") vocab.chat_template = bitnet_chat_template();

  gguf_writer w;
  w.set_string("general.architecture", arch);
  w.set_string("general.name", fs::path(dir).filename().string());
  w.set_u32(arch + ".vocab_size", static_cast<std::uint32_t>(V));
  w.set_u32(arch + ".context_length", ctx);
  w.set_u32(arch + ".embedding_length", H);
  w.set_u32(arch + ".block_count", L);
  w.set_u32(arch + ".feed_forward_length", F);
  w.set_u32(arch + ".rope.dimension_count", HD);
  w.set_u32(arch + ".attention.head_count", NH);
  w.set_u32(arch + ".attention.head_count_kv", NKV);
  w.set_f32(arch + ".rope.freq_base", static_cast<float>(theta));
  w.set_f32(arch + ".attention.layer_norm_rms_epsilon", static_cast<float>(eps));
  w.set_u32("general.file_type", 40);
  w.set_u32("general.quantization_version", 2);
  vocab.write_gguf(w);

  const bool untied = ck.find("lm_head.weight") != nullptr &&
                      !(cfg.find("tie_word_embeddings") && cfg.at("tie_word_embeddings").is_bool() &&
                        cfg.at("tie_word_embeddings").as_bool());
  struct item {
    std::string gguf, hf;
    enum kind_t { k_emb, k_norm, k_lin } kind;
    std::uint64_t out, in;
  };
  std::vector<item> items;
  items.push_back({"token_embd.weight", "model.embed_tokens.weight", item::k_emb, V, H});
  items.push_back({"output_norm.weight", "model.norm.weight", item::k_norm, H, 1});
  auto alt = [&](const std::string& a, const std::string& b) { return ck.find(a) ? a : b; };
  for (std::uint32_t l = 0; l < L; ++l) {
    const std::string g = "blk." + std::to_string(l) + ".", h = "model.layers." + std::to_string(l) + ".";
    items.push_back({g + "attn_norm.weight", h + "input_layernorm.weight", item::k_norm, H, 1});
    items.push_back({g + "attn_q.weight", h + "self_attn.q_proj", item::k_lin, H, H});
    items.push_back({g + "attn_k.weight", h + "self_attn.k_proj", item::k_lin, KV, H});
    items.push_back({g + "attn_v.weight", h + "self_attn.v_proj", item::k_lin, KV, H});
    items.push_back({g + "attn_output.weight", h + "self_attn.o_proj", item::k_lin, H, H});
    items.push_back({g + "attn_sub_norm.weight",
                     alt(h + "self_attn.attn_sub_norm.weight", h + "self_attn.inner_attn_ln.weight"), item::k_norm, H, 1});
    items.push_back({g + "ffn_norm.weight", h + "post_attention_layernorm.weight", item::k_norm, H, 1});
    items.push_back({g + "ffn_gate.weight", h + "mlp.gate_proj", item::k_lin, F, H});
    items.push_back({g + "ffn_up.weight", h + "mlp.up_proj", item::k_lin, F, H});
    items.push_back({g + "ffn_down.weight", h + "mlp.down_proj", item::k_lin, H, F});
    items.push_back({g + "ffn_sub_norm.weight", alt(h + "mlp.ffn_sub_norm.weight", h + "mlp.ffn_layernorm.weight"),
                     item::k_norm, F, 1});
  }
  if (untied) items.push_back({"output.weight", "lm_head.weight", item::k_emb, V, H});
  for (const auto& it : items) {
    if (it.kind == item::k_emb) w.add_tensor(it.gguf, ggml_type::f16, {it.in, it.out});
    if (it.kind == item::k_norm) w.add_tensor(it.gguf, ggml_type::f32, {it.out});
    if (it.kind == item::k_lin) w.add_tensor(it.gguf, ggml_type::i2_s, {it.in, it.out});
  }

  w.open(out, inputs);
  progress prog("hf", w.total_bytes(), show_progress);
  std::vector<std::uint8_t> buf;
  std::vector<std::int8_t> tw;
  for (const auto& it : items) {
    const std::uint64_t before = w.bytes_written();
    if (it.kind == item::k_lin) {
      float alpha = 0.0f;
      load_linear(ck, it.hf, it.out, it.in, tw, alpha);
      detail::ternary_sink sink(w, ggml_type::i2_s, tw.size(), alpha);
      sink.put(tw.data(), tw.size());
      sink.finish();
    } else {
      const st_tensor& t = ck.get(it.hf);
      if (t.n_elements() != it.out * it.in) throw error("hf: tensor '" + it.hf + "' has the wrong size");
      const std::vector<float> f = t.to_f32();
      check_finite(f.data(), f.size(), "hf: tensor '" + it.hf + "'");
      if (it.kind == item::k_emb) {
        buf.resize(f.size() * 2);
        for (std::size_t i = 0; i < f.size(); ++i) {
          if (!(std::fabs(f[i]) <= 65504.0f))  // the largest f16: past it the value would become inf
            throw error("hf: tensor '" + it.hf + "' element " + std::to_string(i) + " = " + std::to_string(f[i]) +
                        " does not fit the F16 embedding (|x| <= 65504)");
          store_u16_le(buf.data() + 2 * i, f32_to_f16(f[i]));
        }
      } else {
        buf.resize(f.size() * 4);
        for (std::size_t i = 0; i < f.size(); ++i) store_u32_le(buf.data() + 4 * i, f32_bits(f[i]));
      }
      w.write(buf.data(), buf.size());
    }
    prog.add(w.bytes_written() - before);
  }
  w.close();
  prog.done();
}

}  // namespace trex
