// SPDX-License-Identifier: MIT
// examples/formats/safetensors.cpp
#include "formats/safetensors.hpp"

#include <algorithm>
#include <cstdio>
#include <tuple>

#include "common/atomic_file.hpp"
#include "common/fp16.hpp"
#include "common/file_checks.hpp"
#include "common/json.hpp"

namespace trex {

namespace {
std::size_t dtype_size(const std::string& d) {
  if (d == "F64" || d == "I64" || d == "U64") return 8;
  if (d == "F32" || d == "I32" || d == "U32") return 4;
  if (d == "F16" || d == "BF16" || d == "I16" || d == "U16") return 2;
  if (d == "U8" || d == "I8" || d == "BOOL") return 1;
  return 0;
}
}  // namespace

std::uint64_t st_tensor::n_elements() const {
  std::uint64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

std::vector<float> st_tensor::to_f32() const {
  const std::size_t n = static_cast<std::size_t>(n_elements());
  std::vector<float> out(n);
  if (dtype == "BF16") {
    for (std::size_t i = 0; i < n; ++i) out[i] = bf16_to_f32(load_u16_le(data + 2 * i));
  } else if (dtype == "F16") {
    for (std::size_t i = 0; i < n; ++i) out[i] = f16_to_f32(load_u16_le(data + 2 * i));
  } else if (dtype == "F32") {
    for (std::size_t i = 0; i < n; ++i) out[i] = load_f32_le(data + 4 * i);
  } else {
    throw error("safetensors: tensor '" + name + "' has dtype " + dtype + ", expected BF16, F16 or F32");
  }
  return out;
}

float st_tensor::scalar_f32() const {
  if (n_elements() != 1) throw error("safetensors: tensor '" + name + "' should hold one element");
  return to_f32()[0];
}

safetensors_file::safetensors_file(const std::string& path) : path_(path), bytes_(read_file(path)) {
  const auto* b = reinterpret_cast<const std::uint8_t*>(bytes_.data());
  if (bytes_.size() < 8) throw error("safetensors: " + path + " is truncated");
  const std::uint64_t hlen = load_u64_le(b);
  if (hlen > bytes_.size() - 8) throw error("safetensors: " + path + ": header length " + std::to_string(hlen) + " exceeds the file");
  json h;
  try {
    h = json::parse(std::string_view(bytes_.data() + 8, static_cast<std::size_t>(hlen)));
  } catch (const error& e) {
    throw error("safetensors: " + path + ": bad header: " + e.what());
  }
  const std::uint64_t data_start = 8 + hlen, data_size = bytes_.size() - data_start;
  for (const auto& kv : h.as_object()) {
    if (kv.first == "__metadata__") continue;
    st_tensor t;
    t.name = kv.first;
    t.dtype = kv.second.at("dtype").as_string();
    for (const auto& d : kv.second.at("shape").as_array()) {
      const std::int64_t x = d.as_int();
      if (x < 0) throw error("safetensors: tensor '" + t.name + "' has a negative dimension");
      t.shape.push_back(static_cast<std::uint64_t>(x));
    }
    const auto& offs = kv.second.at("data_offsets").as_array();
    if (offs.size() != 2) throw error("safetensors: tensor '" + t.name + "' needs two data_offsets");
    const std::int64_t o0 = offs[0].as_int(), o1 = offs[1].as_int();
    if (o0 < 0 || o1 < o0 || static_cast<std::uint64_t>(o1) > data_size)
      throw error("safetensors: tensor '" + t.name + "' data out of range");
    const std::size_t es = dtype_size(t.dtype);
    if (es == 0) throw error("safetensors: tensor '" + t.name + "' has unsupported dtype " + t.dtype);
    t.nbytes = static_cast<std::uint64_t>(o1 - o0);
    if (t.n_elements() * es != t.nbytes)
      throw error("safetensors: tensor '" + t.name + "' byte size does not match its shape and dtype");
    t.data = b + data_start + o0;
    index_[t.name] = tensors_.size();
    tensors_.push_back(std::move(t));
  }
}

const st_tensor* safetensors_file::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

void write_safetensors(const std::string& path,
                       const std::vector<std::tuple<std::string, std::string, std::vector<std::uint64_t>,
                                                    std::vector<std::uint8_t>>>& tensors) {
  std::string header = "{";
  std::uint64_t off = 0;
  for (const auto& t : tensors) {
    if (header.size() > 1) header += ",";
    header += "\"" + std::get<0>(t) + "\":{\"dtype\":\"" + std::get<1>(t) + "\",\"shape\":[";
    for (std::size_t i = 0; i < std::get<2>(t).size(); ++i) header += (i ? "," : "") + std::to_string(std::get<2>(t)[i]);
    const std::uint64_t n = std::get<3>(t).size();
    header += "],\"data_offsets\":[" + std::to_string(off) + "," + std::to_string(off + n) + "]}";
    off += n;
  }
  header += "}";
  while (header.size() % 8) header += ' ';
  atomic_file f(path);  // replaced whole or not at all (atomic_file.hpp)
  std::uint8_t len[8];
  store_u64_le(len, header.size());
  f.write(len, 8);
  f.write(header.data(), header.size());
  for (const auto& t : tensors) f.write(std::get<3>(t).data(), std::get<3>(t).size());
  f.commit();
}

}  // namespace trex
