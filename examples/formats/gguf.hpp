// SPDX-License-Identifier: MIT
// examples/formats/gguf.hpp - GGUF v2/v3 reader (mmap or memory) and streaming writer.
//
// Format: ../shared/docs/FORMATS.md §7 (container) and §6 (tensor types). The reader validates the
// whole header on open and throws trex::error with a message naming the problem; after a
// successful open every tensor view points at bytes inside the mapping and has the right size.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/atomic_file.hpp"
#include "common/error.hpp"

namespace trex {

// Metadata value types (GGUF spec ids).
enum class gguf_vtype : std::uint32_t {
  u8 = 0, i8 = 1, u16 = 2, i16 = 3, u32 = 4, i32 = 5, f32 = 6, boolean = 7,
  string = 8, array = 9, u64 = 10, i64 = 11, f64 = 12,
};
const char* to_string(gguf_vtype t);

// Tensor types tritlut reads and writes (FORMATS.md §6). Others are rejected.
enum class ggml_type : std::uint32_t {
  f32 = 0, f16 = 1, q8_0 = 8, q4_k = 12, q6_k = 14, bf16 = 30,
  tq1_0 = 34, tq2_0 = 35, i2_s = 36, q2_0 = 42,
};
const char* to_string(ggml_type t);
// Elements per block and bytes per block; I2_S returns (1, 0): its size is per tensor.
std::size_t ggml_block_elems(ggml_type t);
std::size_t ggml_block_bytes(ggml_type t);
// True byte size of a tensor with `n_elements` elements (ne0 must be checked by the caller to be a
// multiple of the block size). I2_S: n/4 + 32. Throws on overflow or a partial I2_S block.
std::uint64_t ggml_nbytes(ggml_type t, std::uint64_t n_elements);
// Validate a raw type id: throws naming `what` (e.g. the tensor) for unknown ids, TL1/TL2, I8_S.
ggml_type ggml_type_from_id(std::uint32_t id, const std::string& what);

// One metadata value. Scalars and strings point into the file; arrays hold their elements.
class gguf_value {
 public:
  gguf_vtype type() const { return type_; }
  bool is_array() const { return type_ == gguf_vtype::array; }
  bool is_integer() const;
  // Scalars. Integer getters accept any integer type and check the range; as_f64 accepts any number.
  std::uint64_t as_u64() const;
  std::int64_t as_i64() const;
  std::uint32_t as_u32() const;
  std::int32_t as_i32() const;
  double as_f64() const;
  float as_f32() const { return float(as_f64()); }
  bool as_bool() const;
  std::string_view as_string() const;
  // Arrays.
  gguf_vtype elem_type() const { return elem_; }
  std::size_t size() const { return items_.size(); }
  const gguf_value& operator[](std::size_t i) const { return items_.at(i); }
  const std::vector<gguf_value>& items() const { return items_; }
  std::vector<std::string_view> as_strings() const;  // array of strings
  std::vector<float> as_f32s() const;                // array of any numbers
  std::vector<std::int32_t> as_i32s() const;         // array of integers (range-checked)
  // The serialized value bytes (without the key and the type id), for copying a KV verbatim.
  std::string_view raw() const { return raw_; }

 private:
  friend class gguf_parser;
  gguf_vtype type_ = gguf_vtype::u8;
  gguf_vtype elem_ = gguf_vtype::u8;
  std::uint64_t bits_ = 0;  // scalar payload (little-endian, zero-extended)
  std::string_view str_;
  std::string_view raw_;
  std::vector<gguf_value> items_;
  std::string key_;  // for error messages; empty for array elements (gguf_parser::value)
  std::string name() const;
  [[noreturn]] void type_error(const char* wanted) const;
};

struct gguf_tensor {
  std::string_view name;
  ggml_type type = ggml_type::f32;
  std::uint32_t n_dims = 0;
  std::array<std::uint64_t, 4> ne{{1, 1, 1, 1}};  // ne[0] contiguous; unused dims are 1
  std::uint64_t offset = 0;                       // relative to the data section
  std::uint64_t nbytes = 0;                       // true size (I2_S: n/4 + 32)
  const std::uint8_t* data = nullptr;             // inside the mapping
  std::uint64_t n_elements() const { return ne[0] * ne[1] * ne[2] * ne[3]; }
  std::uint64_t cols() const { return ne[0]; }                  // K of a linear layer
  std::uint64_t rows() const { return ne[1] * ne[2] * ne[3]; }  // M of a linear layer
  std::vector<std::uint64_t> shape() const { return {ne.begin(), ne.begin() + n_dims}; }
};

class gguf_reader {
 public:
  // mmap the file read-only.
  static gguf_reader open(const std::string& path);
  // Parse a buffer the caller keeps alive (tests, fuzzing).
  static gguf_reader from_memory(const std::uint8_t* data, std::size_t size, std::string name = "<memory>");

  gguf_reader(gguf_reader&&) noexcept;
  gguf_reader& operator=(gguf_reader&&) noexcept;
  gguf_reader(const gguf_reader&) = delete;
  gguf_reader& operator=(const gguf_reader&) = delete;
  ~gguf_reader();

  std::uint32_t version() const { return version_; }
  std::uint32_t alignment() const { return alignment_; }
  std::uint64_t data_offset() const { return data_offset_; }
  std::size_t file_size() const { return size_; }
  const std::uint8_t* file_data() const { return base_; }
  const std::string& path() const { return path_; }

  // Metadata in file order.
  const std::vector<std::pair<std::string, gguf_value>>& metadata() const { return kv_; }
  bool has(const std::string& key) const { return kv_index_.count(key) != 0; }
  const gguf_value* find(const std::string& key) const;  // nullptr when absent
  const gguf_value& get(const std::string& key) const;   // throws "missing key"
  // Typed getters with a default when absent (type mismatch still throws).
  std::string get_string(const std::string& key, const std::string& def) const;
  std::uint64_t get_u64(const std::string& key, std::uint64_t def) const;
  std::uint32_t get_u32(const std::string& key, std::uint32_t def) const;
  float get_f32(const std::string& key, float def) const;
  bool get_bool(const std::string& key, bool def) const;
  std::string architecture() const { return get_string("general.architecture", ""); }

  const std::vector<gguf_tensor>& tensors() const { return tensors_; }
  const gguf_tensor* find_tensor(std::string_view name) const;  // nullptr when absent
  const gguf_tensor& tensor(std::string_view name) const;      // throws "missing tensor"

 private:
  gguf_reader() = default;
  void parse();
  friend class gguf_parser;
  std::string path_;
  const std::uint8_t* base_ = nullptr;
  std::size_t size_ = 0;
  void* map_ = nullptr;               // munmap on destruction
  std::uint32_t version_ = 0;
  std::uint32_t alignment_ = 32;
  std::uint64_t data_offset_ = 0;
  std::vector<std::pair<std::string, gguf_value>> kv_;
  std::unordered_map<std::string, std::size_t> kv_index_;
  std::vector<gguf_tensor> tensors_;
  std::unordered_map<std::string_view, std::size_t> tensor_index_;
};

// Streaming GGUF v3 writer. Usage: set metadata, add_tensor() for every tensor (in file order),
// open(path) writes the header, then write() the tensor bytes in the same order (any chunking;
// padding between tensors is inserted automatically), then close().
class gguf_writer {
 public:
  explicit gguf_writer(std::uint32_t alignment = 32);
  ~gguf_writer();
  gguf_writer(const gguf_writer&) = delete;
  gguf_writer& operator=(const gguf_writer&) = delete;

  // Metadata (a key set twice keeps its first position and takes the new value).
  void set_u8(const std::string& k, std::uint8_t v);
  void set_i8(const std::string& k, std::int8_t v);
  void set_u16(const std::string& k, std::uint16_t v);
  void set_i16(const std::string& k, std::int16_t v);
  void set_u32(const std::string& k, std::uint32_t v);
  void set_i32(const std::string& k, std::int32_t v);
  void set_u64(const std::string& k, std::uint64_t v);
  void set_i64(const std::string& k, std::int64_t v);
  void set_f32(const std::string& k, float v);
  void set_f64(const std::string& k, double v);
  void set_bool(const std::string& k, bool v);
  void set_string(const std::string& k, std::string_view v);
  void set_strings(const std::string& k, const std::vector<std::string>& v);
  void set_strings(const std::string& k, const std::vector<std::string_view>& v);
  void set_f32s(const std::string& k, const std::vector<float>& v);
  void set_i32s(const std::string& k, const std::vector<std::int32_t>& v);
  void set_u32s(const std::string& k, const std::vector<std::uint32_t>& v);
  // Copy a value read by gguf_reader verbatim (any type, nested arrays included).
  void set_value(const std::string& k, const gguf_value& v);
  // Low level: serialized value bytes of type `t`.
  void set_raw(const std::string& k, gguf_vtype t, std::string bytes);
  bool has(const std::string& k) const { return kv_index_.count(k) != 0; }
  void remove(const std::string& k);

  // Tensors: dims ne0 first. Returns the tensor's byte size.
  std::uint64_t add_tensor(const std::string& name, ggml_type type, const std::vector<std::uint64_t>& ne);
  std::size_t tensor_count() const { return tensors_.size(); }
  std::uint64_t total_bytes() const;  // the whole file size once closed

  // Writes header + tensor infos + padding into a temporary file (atomic_file.hpp): `path` is
  // replaced by close() only, whole; refused when it is one of `inputs` or not a regular file.
  void open(const std::string& path, const std::vector<std::string>& inputs = {});
  void write(const void* data, std::size_t n);       // next bytes of the current tensor(s)
  void write_tensor(const std::string& name, const void* data, std::size_t n);  // checks name + size
  void close();  // checks every tensor is complete, then renames the file into place
  // Serialize a file without tensors (or with all tensor data given in order) into memory.
  std::vector<std::uint8_t> to_bytes(const std::vector<std::vector<std::uint8_t>>& tensor_data = {});

  std::uint64_t bytes_written() const { return written_; }

 private:
  struct tinfo {
    std::string name;
    ggml_type type;
    std::vector<std::uint64_t> ne;
    std::uint64_t offset, nbytes;
  };
  std::string header_bytes() const;
  void emit(const void* p, std::size_t n);
  std::uint32_t alignment_;
  std::vector<std::pair<std::string, std::pair<gguf_vtype, std::string>>> kv_;
  std::map<std::string, std::size_t> kv_index_;
  std::vector<tinfo> tensors_;
  std::map<std::string, std::size_t> tensor_index_;
  std::uint64_t data_size_ = 0;
  // streaming state
  std::unique_ptr<atomic_file> file_;
  std::vector<std::uint8_t>* mem_ = nullptr;
  std::string path_;
  std::size_t cur_ = 0;            // current tensor
  std::uint64_t cur_written_ = 0;  // bytes of the current tensor written
  std::uint64_t written_ = 0;
};

}  // namespace trex
