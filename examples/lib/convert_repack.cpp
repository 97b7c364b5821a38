// SPDX-License-Identifier: MIT
// examples/lib/convert_repack.cpp - I2_S <-> TQ2_0 <-> TQ1_0, lossless in the ternary values.
#include "convert_internal.hpp"
#include "quants.hpp"

namespace tritlut::ex {

void repack(const std::string& in, const std::string& out, ggml_type target, bool show_progress) {
  if (!is_ternary(target)) throw error("repack: target must be i2s, tq2_0 or tq1_0");
  const gguf_reader r = gguf_reader::open(in);
  gguf_writer w(r.alignment());
  for (const auto& kv : r.metadata()) {
    if (kv.first == "general.alignment") continue;  // set by the writer
    w.set_value(kv.first, kv.second);
  }
  w.set_u32("general.file_type", detail::file_type_of(target));
  std::size_t n_ternary = 0;
  for (const auto& t : r.tensors()) {
    ggml_type type = t.type;
    if (is_ternary(t.type)) {
      ++n_ternary;
      check_finite(t);  // the scale that is carried over (a NaN I2_S scale would become NaN block scales)
      type = target;
      if (target != ggml_type::i2_s && t.ne[0] % 256 != 0)
        throw error("repack: tensor '" + std::string(t.name) + "' has ne0 = " + std::to_string(t.ne[0]) + ", but " +
                    to_string(target) + " needs a multiple of 256");
    }
    w.add_tensor(std::string(t.name), type, t.shape());
  }
  if (n_ternary == 0) throw error("repack: " + in + " has no ternary (I2_S/TQ1_0/TQ2_0) tensors");
  w.open(out);
  progress prog("repack", w.total_bytes(), show_progress);
  for (const auto& t : r.tensors()) {
    if (!is_ternary(t.type)) {
      w.write(t.data, static_cast<std::size_t>(t.nbytes));
      prog.add(t.nbytes);
      continue;
    }
    const ternary_tensor tt = load_ternary(t);  // throws on unequal TQ block scales
    detail::ternary_sink sink(w, target, tt.w.size(), tt.alpha);
    sink.put(tt.w.data(), tt.w.size());
    sink.finish();
    prog.add(t.nbytes);
  }
  w.close();
  prog.done();
}

}  // namespace tritlut::ex
