// SPDX-License-Identifier: MIT
// tests/fuzz/fuzz_parts.hpp - what the file-based fuzz targets share: one fuzz input split into
// several files, and a private scratch directory to write them to.
//
// Input layout (make_seeds.cpp writes its seeds with join_parts): for each part but the last, a
// 16-bit little-endian length and that many bytes (a length past the end takes what is left);
// the last part is the rest of the input.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace fuzz_parts {

inline std::vector<std::string_view> split_parts(const std::uint8_t* data, std::size_t size, std::size_t n) {
  std::vector<std::string_view> parts;
  const char* p = reinterpret_cast<const char*>(data);
  std::size_t left = size;
  for (std::size_t i = 0; i + 1 < n; ++i) {
    std::size_t len = 0;
    if (left >= 2) {
      len = static_cast<std::size_t>(data[size - left]) | static_cast<std::size_t>(data[size - left + 1]) << 8;
      p += 2;
      left -= 2;
    } else {
      p += left;
      left = 0;
    }
    if (len > left) len = left;
    parts.emplace_back(p, len);
    p += len;
    left -= len;
  }
  parts.emplace_back(p, left);
  return parts;
}

inline std::string join_parts(const std::vector<std::string>& parts) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i + 1 < parts.size()) {
      if (parts[i].size() > 0xFFFF) throw std::runtime_error("join_parts: part over 64 KiB");
      out += static_cast<char>(parts[i].size() & 0xFF);
      out += static_cast<char>(parts[i].size() >> 8);
    }
    out += parts[i];
  }
  return out;
}

// A directory of this process, removed at exit (libFuzzer ends with exit() on a time limit). In
// $TMPDIR if set, else in /dev/shm where there is one: every input rewrites its files, and on a
// disk file system (ext4 flushes a file truncated and rewritten when it is closed) the hf target
// ran 110 inputs/s there against 1150 in /dev/shm.
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    std::error_code ec;
    const char* env = std::getenv("TMPDIR");
    const std::filesystem::path base = (!(env && *env) && std::filesystem::is_directory("/dev/shm", ec))
                                           ? std::filesystem::path("/dev/shm")
                                           : std::filesystem::temp_directory_path();
    std::string tmpl = (base / "tritlut_fuzz_XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    static std::string keep;
    keep = tmpl;
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(keep, ec);
    });
    return std::filesystem::path(tmpl);
  }();
  return dir;
}

inline void write_file(const std::filesystem::path& p, std::string_view bytes) {
  std::FILE* f = std::fopen(p.string().c_str(), "wb");
  if (!f) throw std::runtime_error("cannot write " + p.string());
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  if (std::fclose(f) != 0 || !ok) throw std::runtime_error("cannot write " + p.string());
}

}  // namespace fuzz_parts
