// SPDX-License-Identifier: MIT
// examples/formats/safetensors.hpp - read-only safetensors file (u64 header length, JSON header,
// raw little-endian tensor data), with validation of offsets, dtypes and shapes.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "common/error.hpp"

namespace trex {

struct st_tensor {
  std::string name;
  std::string dtype;  // "BF16", "F16", "F32", "U8", "I8", ...
  std::vector<std::uint64_t> shape;
  const std::uint8_t* data = nullptr;
  std::uint64_t nbytes = 0;
  std::uint64_t n_elements() const;
  float scalar_f32() const;  // one-element BF16/F16/F32 tensor
  std::vector<float> to_f32() const;  // BF16/F16/F32 to f32
};

class safetensors_file {
 public:
  explicit safetensors_file(const std::string& path);
  const std::vector<st_tensor>& tensors() const { return tensors_; }
  const st_tensor* find(const std::string& name) const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string bytes_;
  std::vector<st_tensor> tensors_;
  std::unordered_map<std::string, std::size_t> index_;
};

// Serializes tensors (name, dtype, shape, raw bytes) into a safetensors file (used by tests).
void write_safetensors(const std::string& path,
                       const std::vector<std::tuple<std::string, std::string, std::vector<std::uint64_t>,
                                                    std::vector<std::uint8_t>>>& tensors);

}  // namespace trex
