// SPDX-License-Identifier: MIT
// tests/examples/engine/reference.hpp - an independent reference forward pass for the tests:
// straightforward loops in double, written from MODELS.md §1.3/§2/§3 (and Qwen3: RMSNorm over each
// head of q and k before RoPE, head size from key_length) and FORMATS.md §1-§2 without any tritlut
// kernel or tritlut-run code. Weights come from the GGUF reader (load_ternary, dequantize_tensor).
// Only the BitLinear activation quantizer is done in f32 as FORMATS.md §1 defines it, since the
// int8 rounding is part of the model's arithmetic.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "formats/gguf.hpp"
#include "formats/quants.hpp"

namespace tt {
namespace ref {

struct linear {
  std::vector<std::int8_t> w;  // [m][k]
  float alpha = 1;
  double extra = 1;  // `.scale` tensor
  std::size_t m = 0, k = 0;
  // Weights with more than one scale (F16/F32 linears, or ternary blocks with differing scales):
  // the dequantized values [m][k]; y = Σ v·q / act_scale in double. Empty for one-scale ternary.
  std::vector<double> dense;
};

struct layer {
  std::vector<double> attn_norm, attn_sub_norm, ffn_norm, ffn_sub_norm, q_norm, k_norm;
  linear q, k, v, o, gate, up, down;
};

class model {
 public:
  explicit model(const trex::gguf_reader& r) {
    using namespace trex;
    arch = r.architecture();
    const std::string a = arch + ".";
    dim = r.get_u32(a + "embedding_length", 0);
    ffn = r.get_u32(a + "feed_forward_length", 0);
    n_layers = r.get_u32(a + "block_count", 0);
    n_heads = r.get_u32(a + "attention.head_count", 0);
    n_kv = r.get_u32(a + "attention.head_count_kv", n_heads);
    hd = r.get_u32(a + "attention.key_length", static_cast<std::uint32_t>(dim / n_heads));
    theta = r.get_f32(a + "rope.freq_base", 10000.0f);
    eps = r.get_f32(a + "attention.layer_norm_rms_epsilon", 1e-5f);
    eps_out = r.get_f32(a + "output_norm_rms_epsilon", static_cast<float>(eps));
    relu2 = arch == "bitnet-b1.58" || arch == "bitnet-25";
    qwen3 = arch == "qwen3";
    llama = arch == "llama";
    const bool untied = llama || qwen3, sub_norms = !llama && !qwen3;
    emb = to_double(dequantize_tensor(r.tensor("token_embd.weight")));
    const gguf_tensor* o = untied ? r.find_tensor("output.weight") : nullptr;
    out = o ? to_double(dequantize_tensor(*o)) : emb;
    n_vocab = out.size() / dim;
    out_norm = to_double(dequantize_tensor(r.tensor("output_norm.weight")));
    for (std::size_t l = 0; l < n_layers; ++l) {
      const std::string b = "blk." + std::to_string(l) + ".";
      layer L;
      L.attn_norm = to_double(dequantize_tensor(r.tensor(b + "attn_norm.weight")));
      L.ffn_norm = to_double(dequantize_tensor(r.tensor(b + "ffn_norm.weight")));
      if (qwen3) {
        L.q_norm = to_double(dequantize_tensor(r.tensor(b + "attn_q_norm.weight")));
        L.k_norm = to_double(dequantize_tensor(r.tensor(b + "attn_k_norm.weight")));
      }
      if (sub_norms) {
        L.attn_sub_norm = to_double(dequantize_tensor(r.tensor(b + "attn_sub_norm.weight")));
        L.ffn_sub_norm = to_double(dequantize_tensor(r.tensor(b + "ffn_sub_norm.weight")));
      }
      auto lin = [&](const std::string& n) {
        const gguf_tensor& gt = r.tensor(b + n + ".weight");
        if (!is_ternary(gt.type) || !one_scale(gt)) {
          linear x;
          x.m = static_cast<std::size_t>(gt.rows());
          x.k = static_cast<std::size_t>(gt.cols());
          x.dense = to_double(dequantize_tensor(gt));
          return x;
        }
        const ternary_tensor t = load_ternary(gt);
        linear x{t.w, t.alpha, 1.0, static_cast<std::size_t>(t.rows), static_cast<std::size_t>(t.cols), {}};
        if (const gguf_tensor* s = r.find_tensor(b + n + ".scale")) x.extra = dequantize_tensor(*s).at(0);
        return x;
      };
      L.q = lin("attn_q");
      L.k = lin("attn_k");
      L.v = lin("attn_v");
      L.o = lin("attn_output");
      L.gate = lin("ffn_gate");
      L.up = lin("ffn_up");
      L.down = lin("ffn_down");
      layers.push_back(std::move(L));
    }
    kcache.resize(n_layers);
    vcache.resize(n_layers);
  }

  // One token at the next position; returns the logits.
  std::vector<double> step(std::int32_t token) {
    const std::size_t pos = n_pos++, kvd = n_kv * hd;
    std::vector<double> x(emb.begin() + std::ptrdiff_t(token * dim), emb.begin() + std::ptrdiff_t((token + 1) * dim));
    for (std::size_t l = 0; l < n_layers; ++l) {
      layer& L = layers[l];
      const std::vector<double> h = rmsnorm(x, L.attn_norm, eps);
      std::vector<double> q = bitlinear(L.q, h), k = bitlinear(L.k, h), v = bitlinear(L.v, h);
      if (qwen3) {
        head_norm(q, L.q_norm);
        head_norm(k, L.k_norm);
      }
      for (std::size_t hh = 0; hh < n_heads; ++hh) rope(&q[hh * hd], pos);
      for (std::size_t hh = 0; hh < n_kv; ++hh) rope(&k[hh * hd], pos);
      kcache[l].insert(kcache[l].end(), k.begin(), k.end());
      vcache[l].insert(vcache[l].end(), v.begin(), v.end());
      std::vector<double> att(n_heads * hd, 0.0);
      for (std::size_t hh = 0; hh < n_heads; ++hh) {
        const std::size_t kh = hh / (n_heads / n_kv);
        std::vector<double> s(pos + 1);
        double mx = -1e300;
        for (std::size_t t = 0; t <= pos; ++t) {
          double d = 0;
          for (std::size_t i = 0; i < hd; ++i) d += q[hh * hd + i] * kcache[l][t * kvd + kh * hd + i];
          s[t] = d / std::sqrt(double(hd));
          mx = std::max(mx, s[t]);
        }
        double sum = 0;
        for (auto& e : s) sum += (e = std::exp(e - mx));
        for (std::size_t t = 0; t <= pos; ++t)
          for (std::size_t i = 0; i < hd; ++i) att[hh * hd + i] += s[t] / sum * vcache[l][t * kvd + kh * hd + i];
      }
      if (!L.attn_sub_norm.empty()) att = rmsnorm(att, L.attn_sub_norm, eps);
      const std::vector<double> o = bitlinear(L.o, att);
      for (std::size_t i = 0; i < dim; ++i) x[i] += o[i];
      const std::vector<double> h2 = rmsnorm(x, L.ffn_norm, eps);
      std::vector<double> g = bitlinear(L.gate, h2);
      const std::vector<double> u = bitlinear(L.up, h2);
      for (std::size_t i = 0; i < ffn; ++i) {
        const double a = relu2 ? std::max(g[i], 0.0) * std::max(g[i], 0.0) : g[i] / (1.0 + std::exp(-g[i]));
        g[i] = a * u[i];
      }
      if (!L.ffn_sub_norm.empty()) g = rmsnorm(g, L.ffn_sub_norm, eps);
      const std::vector<double> d = bitlinear(L.down, g);
      for (std::size_t i = 0; i < dim; ++i) x[i] += d[i];
    }
    const std::vector<double> xn = rmsnorm(x, out_norm, eps_out);
    std::vector<double> logits(n_vocab);
    for (std::size_t r = 0; r < n_vocab; ++r) {
      double s = 0;
      for (std::size_t i = 0; i < dim; ++i) s += out[r * dim + i] * xn[i];
      logits[r] = s;
    }
    return logits;
  }

  std::string arch;
  std::size_t dim = 0, ffn = 0, n_layers = 0, n_heads = 0, n_kv = 0, hd = 0, n_vocab = 0, n_pos = 0;
  double theta = 10000, eps = 1e-5, eps_out = 1e-5;
  bool relu2 = false, llama = false, qwen3 = false;

 private:
  static std::vector<double> to_double(const std::vector<float>& v) { return {v.begin(), v.end()}; }

  // True when a ternary tensor's non-zero block scales are all equal (one per-tensor scale).
  static bool one_scale(const trex::gguf_tensor& t) {
    if (t.type == trex::ggml_type::i2_s) return true;
    const trex::ternary_groups g = trex::load_ternary_groups(t);
    float s = 0;
    for (float d : g.scales)
      if (d != 0) {
        if (s != 0 && d != s) return false;
        s = d;
      }
    return true;
  }

  static std::vector<double> rmsnorm(const std::vector<double>& x, const std::vector<double>& g, double e) {
    double ss = 0;
    for (double v : x) ss += v * v;
    const double r = 1.0 / std::sqrt(ss / double(x.size()) + e);
    std::vector<double> o(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) o[i] = x[i] * r * g[i];
    return o;
  }

  // RMSNorm of every head of v (v.size() / hd heads) with the weights g [hd].
  void head_norm(std::vector<double>& v, const std::vector<double>& g) const {
    for (std::size_t h0 = 0; h0 < v.size(); h0 += hd) {
      const std::vector<double> x(v.begin() + std::ptrdiff_t(h0), v.begin() + std::ptrdiff_t(h0 + hd));
      const std::vector<double> y = rmsnorm(x, g, eps);
      std::copy(y.begin(), y.end(), v.begin() + std::ptrdiff_t(h0));
    }
  }

  // FORMATS.md §1-§2: q = rne(fl32(x · 127/amax)), y = ((float)Σ w·q / act_scale) · α.
  static std::vector<double> bitlinear(const linear& w, const std::vector<double>& x) {
    double amax = 1e-5;
    for (double v : x) amax = std::max(amax, std::fabs(double(float(v))));
    const float scale = static_cast<float>(127.0 / amax);
    std::vector<int> q(w.k);
    for (std::size_t i = 0; i < w.k; ++i) q[i] = static_cast<int>(std::nearbyint(float(x[i]) * scale));
    std::vector<double> y(w.m);
    if (!w.dense.empty()) {
      for (std::size_t r = 0; r < w.m; ++r) {
        double d = 0;
        for (std::size_t i = 0; i < w.k; ++i) d += w.dense[r * w.k + i] * q[i];
        y[r] = d / double(scale);
      }
      return y;
    }
    for (std::size_t r = 0; r < w.m; ++r) {
      long long d = 0;
      for (std::size_t i = 0; i < w.k; ++i) d += static_cast<long long>(w.w[r * w.k + i]) * q[i];
      y[r] = double((static_cast<float>(d) / scale) * w.alpha) * w.extra;
    }
    return y;
  }

  // NEOX: pairs (i, i + hd/2); llama NORM: pairs (2i, 2i+1). angle = pos · θ^(-2i/hd).
  void rope(double* v, std::size_t pos) const {
    for (std::size_t i = 0; i < hd / 2; ++i) {
      const double a = double(pos) * std::pow(theta, -2.0 * double(i) / double(hd));
      const std::size_t i0 = llama ? 2 * i : i, i1 = llama ? 2 * i + 1 : i + hd / 2;
      const double x0 = v[i0], x1 = v[i1];
      v[i0] = x0 * std::cos(a) - x1 * std::sin(a);
      v[i1] = x0 * std::sin(a) + x1 * std::cos(a);
    }
  }

  std::vector<double> emb, out, out_norm;  // [n_vocab][dim], [n_vocab][dim], [dim]
  std::vector<layer> layers;
  std::vector<std::vector<double>> kcache, vcache;  // [layer][pos][kv_dim]
};

inline std::int32_t argmax(const std::vector<double>& v) {
  std::size_t b = 0;
  for (std::size_t i = 1; i < v.size(); ++i)
    if (v[i] > v[b]) b = i;
  return static_cast<std::int32_t>(b);
}

}  // namespace ref
}  // namespace tt
