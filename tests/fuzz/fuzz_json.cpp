// SPDX-License-Identifier: MIT
// tests/fuzz/fuzz_json.cpp - any bytes into the JSON parser (and, when it parses, the
// tokenizer.json converter).
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string_view>

#include "tokenizer/hf_vocab.hpp"
#include "common/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace trex;
  try {
    const json j = json::parse(std::string_view(reinterpret_cast<const char*>(data), size));
    try {
      (void)vocab_from_hf(j, &j);
    } catch (const std::exception&) {
    }
  } catch (const std::exception&) {
  }
  return 0;
}
