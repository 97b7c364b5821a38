// SPDX-License-Identifier: MIT
// tests/support/files.hpp - files of the tests: test data in ../shared, per-process scratch files
// removed at exit, whole-file reads and writes, digests, and a little-endian byte builder for
// hand-made (malformed) files.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace tt {

// A file of the shared test data (TRITLUT_SHARED_DIR, ../shared of the repository).
inline std::string shared(const std::string& rel) { return std::string(TRITLUT_SHARED_DIR) + "/" + rel; }

// Registers `path` for removal at process exit and returns it. Callers put the process id in the
// name: ctest runs test cases as parallel processes, and one of them rewriting a file another has
// mmap'ed would crash that one (SIGBUS).
inline std::string remove_at_exit(const std::string& path) {
  struct cleanup {
    std::vector<std::string> files;
    ~cleanup() {
      for (const auto& f : files) std::remove(f.c_str());
    }
  };
  static cleanup created;
  if (std::find(created.files.begin(), created.files.end(), path) == created.files.end()) created.files.push_back(path);
  return path;
}

// A scratch path in the build tree (ctest runs tests in the binary dir), per process, removed when
// the process exits.
inline std::string tmp_path(const std::string& name) {
  return remove_at_exit("tmp_model_test_" + std::to_string(::getpid()) + "_" + name);
}

inline std::vector<std::uint8_t> read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot open " + path);
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

inline void write_bytes(const std::string& path, const std::vector<std::uint8_t>& b) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw std::runtime_error("cannot write " + path);
  std::fwrite(b.data(), 1, b.size(), f);
  std::fclose(f);
}

inline void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!f) throw std::runtime_error("cannot write " + path);
}

// FNV-1a over the file's bytes and its size, or "absent" / "not a regular file".
inline std::string file_digest(const std::string& path) {
  struct stat st{};
  if (::lstat(path.c_str(), &st) != 0) return "absent";
  if (!S_ISREG(st.st_mode)) return "not a regular file";
  std::ifstream f(path, std::ios::binary);
  std::uint64_t h = 1469598103934665603ull;
  char buf[65536];
  while (f.read(buf, sizeof buf) || f.gcount() > 0) {
    for (std::streamsize i = 0; i < f.gcount(); ++i) h = (h ^ static_cast<unsigned char>(buf[i])) * 1099511628211ull;
  }
  return std::to_string(h) + ":" + std::to_string(st.st_size);
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
