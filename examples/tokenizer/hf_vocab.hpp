// SPDX-License-Identifier: MIT
// examples/tokenizer/hf_vocab.hpp - Hugging Face tokenizer.json (byte-level BPE) -> GGUF tokenizer
// metadata (vocab_data), as llama.cpp's converter lays it out (MODELS.md §6.1-§6.2).
#pragma once

#include <string>

#include "common/json.hpp"
#include "tokenizer/tokenizer.hpp"

namespace trex {

// tok: parsed tokenizer.json; config: parsed config.json or nullptr (bos/eos ids).
// Tokens = model.vocab plus added_tokens (special -> control, else user-defined), gaps filled
// with "[PAD<i>]" (unused). pre = "llama-bpe" for the Llama-3 split regex, "gpt-2" for a plain
// ByteLevel pre-tokenizer, else "default".
vocab_data vocab_from_hf(const json& tok, const json* config = nullptr);

}  // namespace trex
