// SPDX-License-Identifier: MIT
// examples/formats/quants.cpp - reference dequantizers (ggml block layouts, FORMATS.md §5-§6).
#include "formats/quants.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include <tritlut/formats/i2s.hpp>

#include "common/fp16.hpp"
#include "common/vec.hpp"

namespace trex {

namespace {

// Q4_K 6-bit scale/min pairs packed in 12 bytes.
void q4k_scale_min(int j, const std::uint8_t* q, std::uint8_t& d, std::uint8_t& m) {
  if (j < 4) {
    d = q[j] & 63;
    m = q[j + 4] & 63;
  } else {
    d = std::uint8_t((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
    m = std::uint8_t((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
  }
}

int tq1_trit(std::uint8_t b, int i) {
  static const std::uint8_t pow3[5] = {1, 3, 9, 27, 81};
  const std::uint8_t q = std::uint8_t(b * pow3[i]);  // wraps to 8 bits by design
  return (int(q) * 3) >> 8;
}

// Codes (0..3) of one block of a ternary block type (TQ1_0, TQ2_0: 256 weights; Q2_0: 64) into
// c[ggml_block_elems(t)]; returns the f16 bits of d.
std::uint16_t tq_block_codes(ggml_type t, const std::uint8_t* blk, std::uint8_t* c) {
  if (t == ggml_type::q2_0) {  // FORMATS.md §5.3: d first, then weight j at byte j/4, bits 2(j%4)
    for (int j = 0; j < 64; ++j) c[j] = (blk[2 + j / 4] >> (2 * (j % 4))) & 3;
    return load_u16_le(blk);
  }
  if (t == ggml_type::tq2_0) {
    for (int h = 0; h < 2; ++h)
      for (int n = 0; n < 4; ++n)
        for (int m = 0; m < 32; ++m) c[128 * h + 32 * n + m] = (blk[32 * h + m] >> (2 * n)) & 3;
    return load_u16_le(blk + 64);
  }
  const std::uint8_t* qs = blk;
  const std::uint8_t* qh = blk + 48;
  for (int n = 0; n < 5; ++n)
    for (int m = 0; m < 32; ++m) c[32 * n + m] = std::uint8_t(tq1_trit(qs[m], n));
  for (int n = 0; n < 5; ++n)
    for (int m = 0; m < 16; ++m) c[160 + 16 * n + m] = std::uint8_t(tq1_trit(qs[32 + m], n));
  for (int n = 0; n < 4; ++n)
    for (int j = 0; j < 4; ++j) c[240 + 4 * n + j] = std::uint8_t(tq1_trit(qh[j], n));
  return load_u16_le(blk + 52);
}

// Largest magnitude bit pattern (sign cleared) of n little-endian IEEE values of type U: the
// ordering of non-negative IEEE values is that of their bits, and NaN/Inf are exactly the
// patterns >= the Inf pattern, so one compare of the result checks the whole array. A loop
// the compiler turns into a vector max (pmaxud / pmaxuw / umax).
template <class U>
U max_abs_bits(const std::uint8_t* p, std::size_t n, U mask) {
  U m = 0;
  for (std::size_t i = 0; i < n; ++i) {
    U v;
    std::memcpy(&v, p + i * sizeof(U), sizeof(U));  // little-endian hosts only (x86-64, aarch64)
    v = static_cast<U>(v & mask);
    m = v > m ? v : m;
  }
  return m;
}

// TQ2_0 has no code 3; Q2_0 defines it as +2, a fourth level no ternary kernel represents.
std::string code3_message(ggml_type t, const char* name, std::size_t block) {
  return std::string("tensor '") + name + "': " + to_string(t) + " block " + std::to_string(block) +
         (t == ggml_type::q2_0 ? " holds code 3 (the weight +2): not a ternary tensor"
                               : " holds the invalid code 3");
}

std::string value_text(float v) { return std::isnan(v) ? "nan" : v > 0 ? "inf" : "-inf"; }

// Where the f16 block scales of a block type sit in the block, at most 2.
std::vector<std::size_t> block_scale_offsets(ggml_type t) {
  switch (t) {
    case ggml_type::q8_0: return {0};
    case ggml_type::q4_k: return {0, 2};  // d, dmin
    case ggml_type::q6_k: return {208};
    case ggml_type::tq1_0: return {52};
    case ggml_type::tq2_0: return {64};
    case ggml_type::q2_0: return {0};
    default: return {};
  }
}

}  // namespace

void check_finite(const float* x, std::size_t n, const std::string& what) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(x);
  if (max_abs_bits<std::uint32_t>(p, n, 0x7fffffffu) < 0x7f800000u) return;
  for (std::size_t i = 0; i < n; ++i) {
    const float v = load_f32_le(p + 4 * i);
    if (!std::isfinite(v)) throw error(what + " holds a non-finite value (" + value_text(v) + ") at element " + std::to_string(i));
  }
}

void check_finite_rows(const gguf_tensor& t, std::uint64_t r0, std::uint64_t r1) {
  const std::string what = [&] { return "tensor '" + std::string(t.name) + "' (" + to_string(t.type) + ")"; }();
  if (t.type == ggml_type::i2_s) {
    const float alpha = load_f32_le(t.data + t.n_elements() / 4);
    if (!std::isfinite(alpha)) throw error(what + " has a non-finite scale (" + value_text(alpha) + ")");
    return;
  }
  if (r1 <= r0) return;
  const std::size_t rb = row_bytes(t.type, t.ne[0]);
  const std::uint8_t* p = t.data + r0 * rb;
  const std::size_t bytes = static_cast<std::size_t>((r1 - r0) * rb);
  const std::uint64_t e0 = r0 * t.ne[0];
  auto at = [&](std::uint64_t e) {
    return "element " + std::to_string(e) + " (row " + std::to_string(e / t.ne[0]) + ", column " +
           std::to_string(e % t.ne[0]) + ")";
  };
  switch (t.type) {
    case ggml_type::f32:
      if (max_abs_bits<std::uint32_t>(p, bytes / 4, 0x7fffffffu) < 0x7f800000u) return;
      for (std::size_t i = 0; i < bytes / 4; ++i) {
        const float v = load_f32_le(p + 4 * i);
        if (!std::isfinite(v)) throw error(what + " holds a non-finite value (" + value_text(v) + ") at " + at(e0 + i));
      }
      return;
    case ggml_type::f16:
    case ggml_type::bf16: {
      const std::uint16_t inf = t.type == ggml_type::f16 ? 0x7c00u : 0x7f80u;
      if (max_abs_bits<std::uint16_t>(p, bytes / 2, 0x7fffu) < inf) return;
      for (std::size_t i = 0; i < bytes / 2; ++i) {
        const std::uint16_t h = load_u16_le(p + 2 * i);
        if ((h & 0x7fffu) >= inf) {
          const float v = t.type == ggml_type::f16 ? f16_to_f32(h) : bf16_to_f32(h);
          throw error(what + " holds a non-finite value (" + value_text(v) + ") at " + at(e0 + i));
        }
      }
      return;
    }
    default: {
      const std::size_t bb = ggml_block_bytes(t.type);
      const std::vector<std::size_t> offs = block_scale_offsets(t.type);
      std::uint16_t m = 0;
      for (std::size_t b = 0; b < bytes / bb; ++b)
        for (std::size_t o : offs) m = std::max<std::uint16_t>(m, load_u16_le(p + b * bb + o) & 0x7fffu);
      if (m < 0x7c00u) return;
      for (std::size_t b = 0; b < bytes / bb; ++b)
        for (std::size_t o : offs) {
          const std::uint16_t h = load_u16_le(p + b * bb + o);
          if ((h & 0x7fffu) >= 0x7c00u)
            throw error(what + " has a non-finite block scale (" + value_text(f16_to_f32(h)) + ") in block " +
                        std::to_string(e0 / ggml_block_elems(t.type) + b));
        }
      return;
    }
  }
}

bool is_ternary(ggml_type t) {
  return t == ggml_type::i2_s || t == ggml_type::tq1_0 || t == ggml_type::tq2_0 || t == ggml_type::q2_0;
}

std::size_t row_bytes(ggml_type t, std::uint64_t ne0) {
  if (t == ggml_type::i2_s) throw error("row_bytes: I2_S has no per-row byte size");
  return static_cast<std::size_t>(ne0 / ggml_block_elems(t) * ggml_block_bytes(t));
}

void dequantize(ggml_type t, const std::uint8_t* x, std::size_t n, float* y) {
  const std::size_t be = ggml_block_elems(t);
  if (n % be != 0) throw error(std::string("dequantize: ") + to_string(t) + " needs a multiple of " + std::to_string(be));
  const std::size_t nb = n / be;
  switch (t) {
    case ggml_type::f32:
      for (std::size_t i = 0; i < n; ++i) y[i] = load_f32_le(x + 4 * i);
      return;
    case ggml_type::f16:
      for (std::size_t i = 0; i < n; ++i) y[i] = f16_to_f32(load_u16_le(x + 2 * i));
      return;
    case ggml_type::bf16:
      for (std::size_t i = 0; i < n; ++i) y[i] = bf16_to_f32(load_u16_le(x + 2 * i));
      return;
    case ggml_type::q8_0:
      for (std::size_t b = 0; b < nb; ++b, x += 34) {
        const float d = f16_to_f32(load_u16_le(x));
        for (int i = 0; i < 32; ++i) *y++ = float(static_cast<std::int8_t>(x[2 + i])) * d;
      }
      return;
    case ggml_type::q4_k:
      for (std::size_t b = 0; b < nb; ++b, x += 144) {
        const float d = f16_to_f32(load_u16_le(x));
        const float dmin = f16_to_f32(load_u16_le(x + 2));
        const std::uint8_t* sc = x + 4;
        const std::uint8_t* q = x + 16;
        for (int j = 0, is = 0; j < 256; j += 64, is += 2, q += 32) {
          std::uint8_t s, m;
          q4k_scale_min(is, sc, s, m);
          const float d1 = d * s, m1 = dmin * m;
          q4k_scale_min(is + 1, sc, s, m);
          const float d2 = d * s, m2 = dmin * m;
          for (int l = 0; l < 32; ++l) *y++ = d1 * float(q[l] & 0xF) - m1;
          for (int l = 0; l < 32; ++l) *y++ = d2 * float(q[l] >> 4) - m2;
        }
      }
      return;
    case ggml_type::q6_k:
      for (std::size_t b = 0; b < nb; ++b, x += 210) {
        const float d = f16_to_f32(load_u16_le(x + 208));
        const std::uint8_t* ql = x;
        const std::uint8_t* qh = x + 128;
        const auto* sc = reinterpret_cast<const std::int8_t*>(x + 192);
        for (int h = 0; h < 2; ++h, ql += 64, qh += 32, sc += 8, y += 128) {
          for (int l = 0; l < 32; ++l) {
            const int is = l / 16;
            const int q1 = int((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
            const int q2 = int((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
            const int q3 = int((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
            const int q4 = int((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
            y[l] = d * float(sc[is + 0]) * float(q1);
            y[l + 32] = d * float(sc[is + 2]) * float(q2);
            y[l + 64] = d * float(sc[is + 4]) * float(q3);
            y[l + 96] = d * float(sc[is + 6]) * float(q4);
          }
        }
      }
      return;
    case ggml_type::tq1_0:
    case ggml_type::tq2_0:
    case ggml_type::q2_0: {  // value (code - 1) * d; Q2_0's code 3 is +2
      const std::size_t bb = ggml_block_bytes(t);
      std::uint8_t c[256];
      for (std::size_t b = 0; b < nb; ++b, x += bb) {
        const float d = f16_to_f32(tq_block_codes(t, x, c));
        for (std::size_t i = 0; i < be; ++i) *y++ = float(int(c[i]) - 1) * d;
      }
      return;
    }
    case ggml_type::i2_s:
      throw error("dequantize: I2_S is per tensor, use dequantize_tensor()");
  }
}

void dequantize_row(const gguf_tensor& t, std::uint64_t r, float* out) {
  if (r >= t.rows()) throw error("dequantize_row: row " + std::to_string(r) + " out of range for tensor '" + std::string(t.name) + "'");
  if (t.type == ggml_type::i2_s) {
    const std::uint64_t n = t.n_elements();
    const float alpha = load_f32_le(t.data + n / 4);
    const std::uint64_t k = t.ne[0];
    for (std::uint64_t c = 0; c < k; ++c) {
      const std::uint64_t i = r * k + c;
      const std::uint8_t byte = t.data[(i / 128) * 32 + i % 32];
      const int code = (byte >> (6 - 2 * ((i % 128) / 32))) & 3;
      out[c] = float(code == 3 ? 0 : code - 1) * alpha;
    }
    return;
  }
  const std::size_t rb = row_bytes(t.type, t.ne[0]);
  const std::uint8_t* row = t.data + r * rb;
  if (t.type == ggml_type::f16 && reinterpret_cast<std::uintptr_t>(row) % 2 == 0) {
    // The hot case (embedding rows, building the q8 lm_head): the SIMD conversion, exact like the rest.
    vec().from_f16(reinterpret_cast<const std::uint16_t*>(row), out, static_cast<std::size_t>(t.ne[0]));
    return;
  }
  dequantize(t.type, row, static_cast<std::size_t>(t.ne[0]), out);
}

std::vector<float> dequantize_tensor(const gguf_tensor& t) {
  std::vector<float> out(static_cast<std::size_t>(t.n_elements()));
  if (t.type == ggml_type::i2_s) {
    ternary_tensor tt = load_ternary(t);
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = float(tt.w[i]) * tt.alpha;
    return out;
  }
  dequantize(t.type, t.data, out.size(), out.data());
  return out;
}

void tq_to_ternary(ggml_type t, const std::uint8_t* x, std::size_t n, std::int8_t* w, float* alpha, const char* name) {
  if (t != ggml_type::tq1_0 && t != ggml_type::tq2_0 && t != ggml_type::q2_0)
    throw error("tq_to_ternary: not a ternary block type");
  const std::size_t bb = ggml_block_bytes(t), be = ggml_block_elems(t);
  if (n % be != 0)
    throw error(std::string("tensor '") + name + "': " + to_string(t) + " element count not a multiple of " +
                std::to_string(be));
  std::uint16_t d_seen = 0;
  bool have = false;
  std::uint8_t c[256];
  for (std::size_t b = 0; b < n / be; ++b, x += bb) {
    const std::uint16_t d = tq_block_codes(t, x, c);
    for (std::size_t i = 0; i < be; ++i) {
      if (c[i] == 3) throw error(code3_message(t, name, b));
      w[b * be + i] = static_cast<std::int8_t>(int(c[i]) - 1);
    }
    if ((d & 0x7fffu) == 0) continue;  // +-0: all-zero block
    if (!have) {
      d_seen = d;
      have = true;
    } else if (d != d_seen) {
      throw error(std::string("tensor '") + name + "': " + to_string(t) + " block scales differ (block " +
                  std::to_string(b) + " has d = " + std::to_string(f16_to_f32(d)) + ", earlier blocks " +
                  std::to_string(f16_to_f32(d_seen)) +
                  "): per-block scales cannot be expressed as one per-tensor ternary scale");
    }
  }
  if (alpha) *alpha = have ? f16_to_f32(d_seen) : 0.0f;
}

void ternary_to_tq(ggml_type t, const std::int8_t* w, std::size_t n, float alpha, std::uint8_t* out) {
  if (t != ggml_type::tq1_0 && t != ggml_type::tq2_0) throw error("ternary_to_tq: not a TQ type");
  if (n % 256 != 0) throw error("ternary_to_tq: element count not a multiple of 256");
  const std::uint16_t d = f32_to_f16(alpha);
  const std::size_t bb = ggml_block_bytes(t);
  for (std::size_t b = 0; b < n / 256; ++b, out += bb, w += 256) {
    std::uint8_t c[256];
    bool any = false;
    for (int i = 0; i < 256; ++i) {
      if (w[i] < -1 || w[i] > 1) throw error("ternary_to_tq: weight outside {-1, 0, 1}");
      c[i] = static_cast<std::uint8_t>(w[i] + 1);
      any = any || w[i] != 0;
    }
    std::memset(out, 0, bb);
    if (t == ggml_type::tq2_0) {
      for (int h = 0; h < 2; ++h)
        for (int n4 = 0; n4 < 4; ++n4)
          for (int m = 0; m < 32; ++m) out[32 * h + m] |= std::uint8_t(c[128 * h + 32 * n4 + m] << (2 * n4));
      store_u16_le(out + 64, any ? d : 0);
    } else {
      auto enc = [](unsigned g) { return std::uint8_t((g * 256 + 242) / 243); };
      for (int m = 0; m < 32; ++m) {
        unsigned g = 0;
        for (int i = 0; i < 5; ++i) g = g * 3 + c[32 * i + m];
        out[m] = enc(g);
      }
      for (int m = 0; m < 16; ++m) {
        unsigned g = 0;
        for (int i = 0; i < 5; ++i) g = g * 3 + c[160 + 16 * i + m];
        out[32 + m] = enc(g);
      }
      for (int j = 0; j < 4; ++j) {
        unsigned g = 0;
        for (int i = 0; i < 4; ++i) g = g * 3 + c[240 + 4 * i + j];
        out[48 + j] = enc(g * 3);
      }
      store_u16_le(out + 52, any ? d : 0);
    }
  }
}

ternary_groups load_ternary_groups(const gguf_tensor& t) {
  const std::string name(t.name);
  ternary_groups g;
  g.rows = t.rows();
  g.cols = t.cols();
  const std::size_t n = static_cast<std::size_t>(t.n_elements());
  if (t.type == ggml_type::i2_s) {  // one scale: a single group per row
    const ternary_tensor tt = load_ternary(t);
    g.w = tt.w;
    g.group = g.cols;
    g.scales.assign(static_cast<std::size_t>(g.rows), tt.alpha);
    return g;
  }
  if (t.type != ggml_type::tq1_0 && t.type != ggml_type::tq2_0 && t.type != ggml_type::q2_0)
    throw error("tensor '" + name + "' has type " + to_string(t.type) +
                ", not a ternary type (I2_S, TQ1_0, TQ2_0, Q2_0)");
  const std::size_t bb = ggml_block_bytes(t.type), be = ggml_block_elems(t.type);
  g.group = be;  // ne0 is a multiple of the block size (checked by the reader): blocks never span rows
  g.w.resize(n);
  g.scales.resize(n / be);
  std::uint8_t c[256];
  const std::uint8_t* x = t.data;
  for (std::size_t b = 0; b < n / be; ++b, x += bb) {
    g.scales[b] = f16_to_f32(tq_block_codes(t.type, x, c));
    for (std::size_t i = 0; i < be; ++i) {
      if (c[i] == 3 && t.type != ggml_type::q2_0) throw error(code3_message(t.type, name.c_str(), b));
      g.w[b * be + i] = static_cast<std::int8_t>(int(c[i]) - 1);  // Q2_0's code 3: +2
    }
  }
  return g;
}

ternary_tensor load_ternary(const gguf_tensor& t) {
  ternary_tensor r;
  r.rows = t.rows();
  r.cols = t.cols();
  const std::size_t n = static_cast<std::size_t>(t.n_elements());
  r.w.resize(n);
  const std::string name(t.name);
  if (t.type == ggml_type::i2_s) {
    try {
      tritlut::i2s_unpack_file(t.data, static_cast<std::size_t>(t.nbytes), static_cast<std::size_t>(r.rows),
                               static_cast<std::size_t>(r.cols), r.w.data(), &r.alpha);
    } catch (const std::exception& e) {
      throw error("tensor '" + name + "': " + e.what());
    }
  } else if (t.type == ggml_type::tq1_0 || t.type == ggml_type::tq2_0 || t.type == ggml_type::q2_0) {
    tq_to_ternary(t.type, t.data, n, r.w.data(), &r.alpha, name.c_str());
  } else {
    throw error("tensor '" + name + "' has type " + to_string(t.type) +
                ", not a ternary type (I2_S, TQ1_0, TQ2_0, Q2_0)");
  }
  return r;
}

}  // namespace trex
