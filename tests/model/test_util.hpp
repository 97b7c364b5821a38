// SPDX-License-Identifier: MIT
// tests/model/test_util.hpp - shared helpers for the model-file tests.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "common/file_checks.hpp"
#include "tokenizer/hf_vocab.hpp"
#include "scratch_files.hpp"

namespace tt {

inline std::string shared(const std::string& rel) { return std::string(TRITLUT_SHARED_DIR) + "/" + rel; }

// A scratch path in the build tree (ctest runs tests in the binary dir).
// Per-process names, removed when the process exits (scratch_files.hpp).
inline std::string tmp_path(const std::string& name) {
  return test_scratch::remove_at_exit("tmp_model_test_" + std::to_string(::getpid()) + "_" + name);
}

inline std::vector<std::uint8_t> read_bytes(const std::string& path) {
  const std::string s = trex::read_file(path);
  return {s.begin(), s.end()};
}

inline void write_bytes(const std::string& path, const std::vector<std::uint8_t>& b) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw std::runtime_error("cannot write " + path);
  std::fwrite(b.data(), 1, b.size(), f);
  std::fclose(f);
}

// Little-endian byte builder for hand-made (malformed) GGUF files.
struct bytes {
  std::vector<std::uint8_t> b;
  bytes& u8(std::uint8_t v) {
    b.push_back(v);
    return *this;
  }
  bytes& u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(std::uint8_t(v >> (8 * i)));
    return *this;
  }
  bytes& u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) b.push_back(std::uint8_t(v >> (8 * i)));
    return *this;
  }
  bytes& str(const std::string& s) {
    u64(s.size());
    b.insert(b.end(), s.begin(), s.end());
    return *this;
  }
  bytes& raw(const std::string& s) {
    b.insert(b.end(), s.begin(), s.end());
    return *this;
  }
  bytes& pad_to(std::size_t align) {
    while (b.size() % align) b.push_back(0);
    return *this;
  }
  bytes& zeros(std::size_t n) {
    b.insert(b.end(), n, 0);
    return *this;
  }
};

}  // namespace tt
