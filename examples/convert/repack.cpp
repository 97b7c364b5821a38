// SPDX-License-Identifier: MIT
// examples/convert/repack.cpp - I2_S <-> TQ2_0 <-> TQ1_0, lossless in the ternary values.
#include <map>

#include "convert/internal.hpp"
#include "common/fp16.hpp"
#include "formats/quants.hpp"

namespace trex {

namespace {

// "blk.0.attn_q.weight" -> "blk.0.attn_q.scale" (the optional per-tensor scale llama.cpp's bitnet
// graph multiplies into the matrix output, and tritlut too); "" for other names.
std::string scale_name(std::string_view weight) {
  const std::string_view suffix = ".weight";
  if (weight.size() <= suffix.size() || weight.substr(weight.size() - suffix.size()) != suffix) return "";
  return std::string(weight.substr(0, weight.size() - suffix.size())) + ".scale";
}

bool f16_exact(float a) { return f16_to_f32(f32_to_f16(a)) == a; }

}  // namespace

void repack(const std::string& in, const std::string& out, ggml_type target, bool show_progress) {
  if (!is_ternary(target)) throw error("repack: target must be i2s, tq2_0 or tq1_0");
  check_output_path(out, {in});  // before anything is read or written
  const gguf_reader r = gguf_reader::open(in);
  gguf_writer w(r.alignment());
  for (const auto& kv : r.metadata()) {
    if (kv.first == "general.alignment") continue;  // set by the writer
    w.set_value(kv.first, kv.second);
  }
  w.set_u32("general.file_type", detail::file_type_of(target));

  // TQ's block scale is F16. A per-tensor alpha that F16 does not hold (bitllama2.c's f32 scales) is
  // written as blocks of scale 1 plus an F32 `.scale` tensor of one element, so the TQ file computes
  // what the I2_S file computes: ((dot / act_scale) * 1) * alpha equals (dot / act_scale) * alpha in
  // tritlut, and llama.cpp multiplies the scale into the output. Back to I2_S, a `.scale` over blocks
  // of scale 1 returns into alpha (the same product) and the tensor is dropped.
  struct plan {
    float alpha = 0.0f;     // alpha written into the ternary tensor
    bool add_scale = false; // write `.scale` = scale_value after it
    float scale_value = 0.0f;
  };
  std::map<std::string, plan> plans;
  std::map<std::string, bool> drop;  // `.scale` tensors folded into an I2_S alpha
  std::size_t n_ternary = 0;
  for (const auto& t : r.tensors()) {
    if (!is_ternary(t.type)) continue;
    ++n_ternary;
    check_finite(t);  // the scale that is carried over (a NaN I2_S scale would become NaN block scales)
    const std::string name(t.name);
    if (target != ggml_type::i2_s && t.ne[0] % 256 != 0)
      throw error("repack: tensor '" + name + "' has ne0 = " + std::to_string(t.ne[0]) + ", but " +
                  to_string(target) + " needs a multiple of 256");
    const std::string sn = scale_name(t.name);
    const gguf_tensor* st = sn.empty() ? nullptr : r.find_tensor(sn);
    if (st && (st->type != ggml_type::f32 || st->n_elements() != 1))
      throw error("repack: tensor '" + sn + "' should be F32 with one element");
    plan p;
    if (t.type == ggml_type::i2_s) {
      p.alpha = load_f32_le(t.data + t.n_elements() / 4);  // the trailing f32 (FORMATS.md §4)
    } else {
      p.alpha = load_ternary(t).alpha;  // throws on unequal block scales
    }
    if (target != ggml_type::i2_s && !f16_exact(p.alpha)) {
      if (st)
        throw error("repack: tensor '" + name + "' has a scale F16 cannot hold and a '" + sn +
                    "' tensor already; " + to_string(target) + " cannot represent it exactly");
      p.scale_value = p.alpha;
      p.alpha = 1.0f;
      p.add_scale = true;
    } else if (target == ggml_type::i2_s && st && p.alpha == 1.0f) {
      p.alpha = load_f32_le(st->data);
      drop[sn] = true;
    }
    plans[name] = p;
  }
  if (n_ternary == 0) throw error("repack: " + in + " has no ternary (I2_S/TQ1_0/TQ2_0) tensors");
  for (const auto& t : r.tensors()) {
    const std::string name(t.name);
    if (drop.count(name)) continue;
    if (!is_ternary(t.type)) {
      w.add_tensor(name, t.type, t.shape());
      continue;
    }
    w.add_tensor(name, target, t.shape());
    if (plans[name].add_scale) w.add_tensor(scale_name(t.name), ggml_type::f32, {1});
  }

  w.open(out, {in});
  progress prog("repack", w.total_bytes(), show_progress);
  for (const auto& t : r.tensors()) {
    const std::string name(t.name);
    if (drop.count(name)) continue;
    if (!is_ternary(t.type)) {
      w.write(t.data, static_cast<std::size_t>(t.nbytes));
      prog.add(t.nbytes);
      continue;
    }
    const plan& p = plans[name];
    const ternary_tensor tt = load_ternary(t);
    detail::ternary_sink sink(w, target, tt.w.size(), p.alpha);
    sink.put(tt.w.data(), tt.w.size());
    sink.finish();
    if (p.add_scale) {
      std::uint8_t b[4];
      store_u32_le(b, f32_bits(p.scale_value));
      w.write(b, 4);
    }
    prog.add(t.nbytes);
  }
  w.close();
  prog.done();
}

}  // namespace trex
