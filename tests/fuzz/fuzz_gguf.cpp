// SPDX-License-Identifier: MIT
// tests/fuzz/fuzz_gguf.cpp - any bytes into the GGUF reader; on success also dequantize small
// tensors, decode ternary ones and build a tokenizer from the metadata. Only trex::error
// (or std::exception from the library) may escape the parser; crashes/UB are bugs.
#include <cstddef>
#include <cstdint>
#include <exception>

#include "formats/gguf.hpp"
#include "formats/quants.hpp"
#include "tokenizer/tokenizer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace trex;
  try {
    const gguf_reader r = gguf_reader::from_memory(data, size, "fuzz");
    for (const auto& kv : r.metadata()) (void)kv.second.raw();
    for (const auto& t : r.tensors()) {
      if (t.n_elements() > (1u << 16)) continue;
      try {
        if (is_ternary(t.type)) {
          (void)load_ternary(t);
        } else {
          (void)dequantize_tensor(t);
        }
      } catch (const std::exception&) {
      }
    }
    if (r.has("tokenizer.ggml.model")) {
      try {
        const tokenizer tok = tokenizer::from_gguf(r);
        const auto ids = tok.encode("Hello world <|eot_id|> 123 \xC3\xA9", true, true);
        (void)tok.decode(ids, true);
      } catch (const std::exception&) {
      }
    }
  } catch (const std::exception&) {
  }
  return 0;
}
