// SPDX-License-Identifier: MIT
// examples/engine/model.cpp - loading hyper-parameters and weights from GGUF (MODELS.md §1.1-§1.2, §2, §3).
#include "engine/model.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "common/error.hpp"
#include "common/mapping.hpp"
#include "formats/quants.hpp"
#include "common/vec.hpp"

namespace trex {

namespace {

std::uint32_t need_u32(const gguf_reader& r, const std::string& key) {
  const gguf_value* v = r.find(key);
  if (!v) throw error(r.path() + ": missing metadata key " + key);
  const std::uint32_t x = v->as_u32();
  if (x == 0) throw error(r.path() + ": metadata key " + key + " is 0");
  return x;
}

hparams read_hparams(const gguf_reader& r) {
  hparams h;
  h.arch_name = r.architecture();
  if (h.arch_name.empty()) throw error(r.path() + ": no general.architecture (not a model file?)");
  h.arch = find_arch(h.arch_name);
  if (!h.arch)
    throw error(r.path() + ": unsupported architecture '" + h.arch_name + "' (supported: " + supported_archs() + ")");
  const std::string a = h.arch_name + ".";
  h.dim = need_u32(r, a + "embedding_length");
  h.ffn = need_u32(r, a + "feed_forward_length");
  h.n_layers = need_u32(r, a + "block_count");
  h.n_heads = need_u32(r, a + "attention.head_count");
  h.n_kv_heads = r.get_u32(a + "attention.head_count_kv", h.n_heads);
  h.n_ctx_train = r.get_u32(a + "context_length", 4096);
  if (h.n_ctx_train == 0) h.n_ctx_train = 4096;
  // Qwen3 declares head_dim (128) apart from embedding_length / head_count (2048 / 16 = 128 for
  // Bonsai-1.7B, but 1024 / 16 = 64 for the 0.6B backbone).
  if (r.find(a + "attention.key_length")) {
    h.head_dim = need_u32(r, a + "attention.key_length");
    const std::uint32_t vlen = r.get_u32(a + "attention.value_length", h.head_dim);
    if (vlen != h.head_dim)
      throw error(r.path() + ": attention.value_length " + std::to_string(vlen) + " != key_length " +
                  std::to_string(h.head_dim) + " (different K and V head sizes are not supported)");
  } else {
    if (h.dim % h.n_heads != 0)
      throw error(r.path() + ": embedding_length " + std::to_string(h.dim) + " is not a multiple of head_count " +
                  std::to_string(h.n_heads));
    h.head_dim = h.dim / h.n_heads;
  }
  if (h.head_dim % 2 != 0)
    throw error(r.path() + ": head size " + std::to_string(h.head_dim) + " is odd (RoPE rotates pairs)");
  const std::uint32_t rope_dim = r.get_u32(a + "rope.dimension_count", h.head_dim);
  if (rope_dim != h.head_dim)
    throw error(r.path() + ": rope.dimension_count " + std::to_string(rope_dim) + " != head_dim " +
                std::to_string(h.head_dim) + " (partial RoPE is not supported)");
  if (h.n_kv_heads == 0 || h.n_heads % h.n_kv_heads != 0)
    throw error(r.path() + ": head_count " + std::to_string(h.n_heads) + " is not a multiple of head_count_kv " +
                std::to_string(h.n_kv_heads));
  h.rope_theta = r.get_f32(a + "rope.freq_base", h.arch->default_rope_theta);
  h.eps = r.get_f32(a + "attention.layer_norm_rms_epsilon", 1e-5f);
  h.eps_out = r.get_f32(a + "output_norm_rms_epsilon", h.eps);
  // NaN fails every comparison, so each test is written to pass only for a good value.
  if (!(std::isfinite(h.rope_theta) && h.rope_theta > 0.0f))
    throw error(r.path() + ": metadata key " + a + "rope.freq_base = " + std::to_string(h.rope_theta) +
                " (the RoPE base must be a finite number > 0)");
  for (const auto& [key, v] : {std::pair<std::string, float>{a + "attention.layer_norm_rms_epsilon", h.eps},
                               std::pair<std::string, float>{a + "output_norm_rms_epsilon", h.eps_out}})
    if (!(std::isfinite(v) && v >= 0.0f))
      throw error(r.path() + ": metadata key " + key + " = " + std::to_string(v) +
                  " (an RMSNorm epsilon must be a finite number >= 0)");
  return h;
}

// A norm weight of n values as F32 (copied: small, and the file may hold F16).
std::vector<float> load_norm(const gguf_reader& r, const std::string& name, std::size_t n) {
  const gguf_tensor& t = r.tensor(name);
  if (t.n_elements() != n)
    throw error("tensor " + name + " has " + std::to_string(t.n_elements()) + " elements, expected " + std::to_string(n));
  std::vector<float> w = dequantize_tensor(t);
  check_finite(w.data(), w.size(), "tensor '" + name + "'");
  return w;
}

// Every value the graph reads from a tensor must be finite (docs/robustness.md): a NaN or Inf
// scale, embedding row or norm weight otherwise turns into garbage text with exit status 0. The
// big embedding/output tensors are checked in row chunks across the pool.
void check_finite_parallel(const gguf_tensor& t, tritlut::thread_pool& pool) {
  const std::uint64_t rows = t.rows();
  const std::uint64_t chunk = std::max<std::uint64_t>(1, (std::uint64_t(1) << 20) / std::max<std::uint64_t>(1, t.cols()));
  if (t.type == ggml_type::i2_s || rows <= chunk) return check_finite(t);
  pool.parallel_for(static_cast<std::size_t>((rows + chunk - 1) / chunk), [&](std::size_t i) {
    check_finite_rows(t, i * chunk, std::min<std::uint64_t>(rows, (i + 1) * chunk));
  });
}

// --kernel auto: times layer 0's ffn_up GEMV (the commonest shape) with every kernel on this CPU
// and thread count, median of 15 runs.
kernel_kind fastest_kernel(const gguf_reader& f, tritlut::thread_pool& pool) {
  const gguf_tensor& t = f.tensor("blk.0.ffn_up.weight");
  const std::size_t m = static_cast<std::size_t>(t.rows()), k = static_cast<std::size_t>(t.cols());
  std::vector<float> x(k), y(m);
  for (std::size_t i = 0; i < k; ++i) x[i] = static_cast<float>((i * 37) % 17) - 8.0f;
  kernel_kind best = kernel_kind::i2s;
  double best_t = 1e30;
  for (kernel_kind kind : {kernel_kind::i2s, kernel_kind::tl1, kernel_kind::tl2}) {
    if (!kernel_available(kind)) continue;
    const bitlinear w = bitlinear::from_tensor(t, m, k, kind);
    bitlinear_input in;
    const bitlinear_job job{&w, y.data(), m};
    std::vector<double> ts;
    for (int rep = 0; rep < 16; ++rep) {
      const auto a = std::chrono::steady_clock::now();
      in.set(x.data(), 1, k, k, kind);  // the tables are part of the cost
      run_bitlinears(pool, in, &job, 1);
      ts.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count());
    }
    std::sort(ts.begin() + 1, ts.end());  // run 0 warms up
    if (ts[8] < best_t) {
      best_t = ts[8];
      best = kind;
    }
  }
  return best;
}

}  // namespace

std::unique_ptr<model> model::load(const std::string& path, const load_options& o, tritlut::thread_pool& pool) {
  return load(gguf_reader::open(path), o, pool, true);
}

std::unique_ptr<model> model::load(gguf_reader&& r, const load_options& o, tritlut::thread_pool& pool, bool from_file) {
  std::unique_ptr<model> m(new model());
  m->file_ = std::make_unique<gguf_reader>(std::move(r));
  const gguf_reader& f = *m->file_;
  m->hp_ = read_hparams(f);
  hparams& h = m->hp_;
  m->kernel_ = o.auto_kernel ? fastest_kernel(f, pool) : o.kernel;
  const bool sub_norms = h.arch->sub_norms;

  m->tok_embd_ = &f.tensor("token_embd.weight");
  if (m->tok_embd_->cols() != h.dim)
    throw error("tensor token_embd.weight has " + std::to_string(m->tok_embd_->cols()) +
                " columns, expected embedding_length " + std::to_string(h.dim));
  const gguf_tensor* out = nullptr;
  if (h.arch->output_tensor) out = f.find_tensor("output.weight");
  if (!out) out = m->tok_embd_;  // tied (MODELS.md §1.2: the bitnet graphs never read output.weight)
  if (out->cols() != h.dim)
    throw error("tensor " + std::string(out->name) + " has " + std::to_string(out->cols()) + " columns, expected " +
                std::to_string(h.dim));
  h.n_vocab = static_cast<std::uint32_t>(out->rows());
  m->output_norm_ = load_norm(f, "output_norm.weight", h.dim);
  check_finite_parallel(*m->tok_embd_, pool);
  if (out != m->tok_embd_) check_finite_parallel(*out, pool);

  // block_count is a number from the file: the layer list it sizes is bounded by the tensors the
  // file holds (each layer has 9 or 11) before anything is allocated for it.
  const std::size_t per_layer = (sub_norms ? 11 : 9) + (h.arch->qk_norm ? 2 : 0);
  if (h.n_layers > f.tensors().size() / per_layer)
    throw error(f.path() + ": block_count " + std::to_string(h.n_layers) + " needs " + std::to_string(per_layer) +
                " tensors per layer, but the file holds " + std::to_string(f.tensors().size()) + " tensors in all");
  const std::size_t D = h.dim, Q = h.q_dim(), KV = h.kv_dim(), F = h.ffn;
  m->layers_.resize(h.n_layers);
  pool.parallel_for(h.n_layers, [&](std::size_t l) {  // TL repacking is the slow part: one layer per task
    layer_weights& L = m->layers_[l];
    const std::string b = "blk." + std::to_string(l) + ".";
    auto lin = [&](const char* name, std::size_t rows, std::size_t cols) {
      const gguf_tensor& t = f.tensor(b + name + ".weight");
      bitlinear w = bitlinear::from_tensor(t, rows, cols, m->kernel_);  // checks the shape first
      check_finite(t);  // the I2_S scale or the TQ block scales
      // Repacked into memory: drop the file pages now, so that the peak RSS of a load stays near
      // max(file, repacked weights + embedding) instead of their sum.
      if (from_file && !w.reads_file()) release_pages(t.data, static_cast<std::size_t>(t.nbytes));
      if (const gguf_tensor* s = f.find_tensor(b + name + ".scale")) {
        w.extra_scale = dequantize_tensor(*s).at(0);
        check_finite(&w.extra_scale, 1, "tensor '" + std::string(s->name) + "'");
      }
      return w;
    };
    L.attn_norm = load_norm(f, b + "attn_norm.weight", D);
    L.ffn_norm = load_norm(f, b + "ffn_norm.weight", D);
    if (sub_norms) {
      L.attn_sub_norm = load_norm(f, b + "attn_sub_norm.weight", Q);
      L.ffn_sub_norm = load_norm(f, b + "ffn_sub_norm.weight", F);
    }
    if (h.arch->qk_norm) {
      L.attn_q_norm = load_norm(f, b + "attn_q_norm.weight", h.head_dim);
      L.attn_k_norm = load_norm(f, b + "attn_k_norm.weight", h.head_dim);
    }
    L.wq = lin("attn_q", Q, D);
    L.wk = lin("attn_k", KV, D);
    L.wv = lin("attn_v", KV, D);
    L.wo = lin("attn_output", D, Q);
    L.wgate = lin("ffn_gate", F, D);
    L.wup = lin("ffn_up", F, D);
    L.wdown = lin("ffn_down", D, F);
  });
  m->gather_weights(!o.mmap_weights, from_file);
  m->head_ = lm_head::build(*out, o.head, pool, from_file, !o.mmap_weights);
  // A tied F16 embedding copied as the head is looked up from that exact copy (a head converted
  // from another type would round the embedding to F16).
  m->embd_f16_ = out == m->tok_embd_ && out->type == ggml_type::f16 && m->head_.owned_f16_row(0) != nullptr;
  if (from_file) {
    // Tensors now copied into memory (TL repacks, the q8 head, everything with --no-mmap) are
    // dropped from the mapping; the rest is pre-faulted. The embedding stays mapped for row
    // lookups unless the F16 copy serves them.
    const bool embd_copied = (o.head == lm_head_kind::q8 && out == m->tok_embd_) || m->embd_f16_;
    for (const gguf_tensor& t : f.tensors()) {
      const bool in_place =
          t.type == ggml_type::i2_s && m->kernel_ == kernel_kind::i2s && t.cols() % 128 == 0 && o.mmap_weights;
      const bool copied = (is_ternary(t.type) && !in_place) || (embd_copied && &t == m->tok_embd_);
      if (copied) release_pages(t.data, static_cast<std::size_t>(t.nbytes));
      else if (o.prefault) prefault(t.data, static_cast<std::size_t>(t.nbytes));
    }
  }
  return m;
}

void model::embed(std::int32_t token, float* x) const {
  if (token < 0 || static_cast<std::uint64_t>(token) >= tok_embd_->rows())
    throw error("token id " + std::to_string(token) + " is outside the vocabulary (" +
                std::to_string(tok_embd_->rows()) + " tokens)");
  if (embd_f16_) vec().from_f16(head_.owned_f16_row(static_cast<std::size_t>(token)), x, hp_.dim);
  else dequantize_row(*tok_embd_, static_cast<std::uint64_t>(token), x);
}

void model::gather_weights(bool with_mapped, bool release_mapped) {
  // One arena for every matrix held in memory: a single allocation of hundreds of MiB sits in huge pages
  // (tritlut/memory.hpp), which decoding streams ~10% faster than 4 KiB pages, and, unlike one
  // 2 MiB-aligned allocation per matrix, wastes at most the last huge page. Its pages are touched
  // only as each matrix is copied in and that matrix's own buffers freed, so the peak RSS of the
  // load grows by one matrix at most.
  auto each = [&](auto&& f) {
    for (auto& L : layers_)
      for (bitlinear* w : {&L.wq, &L.wk, &L.wv, &L.wo, &L.wgate, &L.wup, &L.wdown}) f(*w);
  };
  std::size_t total = 0;
  each([&](const bitlinear& w) { total += w.arena_bytes(with_mapped); });
  if (total == 0) return;
  arena_ = tritlut::aligned_buffer<std::uint8_t>(total, tritlut::uninitialized);
  std::uint8_t* dst = arena_.data();
  each([&](bitlinear& w) {
    const std::size_t n = w.arena_bytes(with_mapped);
    const std::uint8_t* mapped = w.mapped_data();
    w.move_to(dst, with_mapped);
    dst += n;
    if (release_mapped && mapped && !w.reads_file()) release_pages(mapped, w.weight_bytes());  // copied
  });
}

std::size_t model::ternary_bytes() const {
  std::size_t n = 0;
  for (const auto& L : layers_)
    for (const bitlinear* w : {&L.wq, &L.wk, &L.wv, &L.wo, &L.wgate, &L.wup, &L.wdown}) n += w->weight_bytes();
  return n;
}

}  // namespace trex
