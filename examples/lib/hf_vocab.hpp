// SPDX-License-Identifier: MIT
// examples/lib/hf_vocab.hpp - Hugging Face tokenizer.json (byte-level BPE) -> GGUF tokenizer
// metadata (vocab_data), as llama.cpp's converter lays it out (MODELS.md §6.1-§6.2).
#pragma once

#include <string>

#include "json.hpp"
#include "tokenizer.hpp"

namespace tritlut::ex {

// tok: parsed tokenizer.json; config: parsed config.json or nullptr (bos/eos ids).
// Tokens = model.vocab plus added_tokens (special -> control, else user-defined), gaps filled
// with "[PAD<i>]" (unused). pre = "llama-bpe" for the Llama-3 split regex, "gpt-2" for a plain
// ByteLevel pre-tokenizer, else "default".
vocab_data vocab_from_hf(const json& tok, const json* config = nullptr);

// Reads and parses a whole file (throws naming the path).
std::string read_file(const std::string& path);
json parse_json_file(const std::string& path);

}  // namespace tritlut::ex
