// SPDX-License-Identifier: MIT
// tests/scratch_files.hpp - scratch files of a test process, removed when it exits.
#pragma once

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace test_scratch {

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

}  // namespace test_scratch
