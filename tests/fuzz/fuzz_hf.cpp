// SPDX-License-Identifier: MIT
// tests/fuzz/fuzz_hf.cpp - the hf converter's readers: config.json, tokenizer.json and one
// .safetensors file (three parts of the input, fuzz_parts.hpp) in a checkpoint directory,
// converted to GGUF exactly as `tritlut-convert hf` does; when that succeeds, the output must
// parse. The safetensors reader also runs on its own (every small tensor converted to f32). Only
// std::exception may escape; crashes/UB are bugs.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <string>

#include "convert/convert.hpp"
#include "fuzz_parts.hpp"
#include "formats/gguf.hpp"
#include "formats/safetensors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace trex;
  const auto parts = fuzz_parts::split_parts(data, size, 3);
  static const std::filesystem::path ck = [] {
    const auto d = fuzz_parts::scratch_dir() / "checkpoint";
    std::filesystem::create_directories(d);
    return d;
  }();
  const std::string out = (fuzz_parts::scratch_dir() / "out.gguf").string();
  fuzz_parts::write_file(ck / "config.json", parts[0]);
  fuzz_parts::write_file(ck / "tokenizer.json", parts[1]);
  fuzz_parts::write_file(ck / "model.safetensors", parts[2]);
  bool converted = false;
  try {
    convert_hf(ck.string(), out, /*show_progress=*/false);
    converted = true;
  } catch (const std::exception&) {
  }
  if (converted) (void)gguf_reader::open(out);  // must parse: an exception here is a finding
  try {
    const safetensors_file st((ck / "model.safetensors").string());
    for (const st_tensor& t : st.tensors()) {
      if (t.n_elements() > (1u << 16)) continue;
      try {
        (void)t.to_f32();
        if (t.n_elements() == 1) (void)t.scalar_f32();
      } catch (const std::exception&) {
      }
    }
  } catch (const std::exception&) {
  }
  return 0;
}
