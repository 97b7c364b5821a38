// SPDX-License-Identifier: MIT
// tests/fuzz/fuzz_llama2c.cpp - the llama2c-bitnet converter's readers: a bitllama2.c model file
// and a llama2.c tokenizer.bin (two parts of the input, fuzz_parts.hpp) converted to GGUF exactly
// as `tritlut-convert llama2c-bitnet` does; when that succeeds, the output must parse. Both
// readers also run on their own (the tokenizer with the vocabulary size the model asks for, and
// with one from the input). Only std::exception may escape the converter; crashes/UB are bugs.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>

#include "convert/convert.hpp"
#include "fuzz_parts.hpp"
#include "formats/gguf.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace trex;
  const auto parts = fuzz_parts::split_parts(data, size, 2);
  const auto& dir = fuzz_parts::scratch_dir();
  const std::string model = (dir / "model.bin").string(), tok = (dir / "tokenizer.bin").string(),
                    out = (dir / "out.gguf").string();
  fuzz_parts::write_file(model, parts[0]);
  fuzz_parts::write_file(tok, parts[1]);
  bool converted = false;
  try {
    convert_llama2c(model, tok, out, /*show_progress=*/false);
    converted = true;
  } catch (const std::exception&) {
  }
  if (converted) (void)gguf_reader::open(out);  // must parse: an exception here is a finding

  try {
    // The vocabulary size as a model header would give it (1 .. 2^16, from the input's end).
    const std::size_t n_vocab = size >= 2 ? 1 + (data[size - 1] | std::size_t(data[size - 2]) << 8) : 1;
    (void)llama2c_vocab(tok, n_vocab);
  } catch (const std::exception&) {
  }
  return 0;
}
