// SPDX-License-Identifier: MIT
// examples/formats/gguf.cpp - GGUF reader and writer (see gguf.hpp, FORMATS.md §6-§7).
#include "formats/gguf.hpp"

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>

#include "common/file_checks.hpp"
#include "common/fp16.hpp"

// POSIX only, like the rest of the example (common/file_checks.cpp, common/atomic_file.cpp).
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace trex {

namespace {

constexpr std::uint32_t k_max_dims = 4;
constexpr int k_max_array_depth = 8;
constexpr std::uint64_t k_max_name = 1u << 16;  // tensor names (spec says 64; ggml accepts longer)

std::string hex_u32(std::uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08" PRIx32, v);
  return b;
}

std::string quote(std::string_view s) {
  std::string out = "'";
  for (char c : s.substr(0, 200)) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02x", u);
      out += b;
    } else {
      out += c;
    }
  }
  if (s.size() > 200) out += "...";
  return out + "'";
}

std::size_t scalar_size(gguf_vtype t) {
  switch (t) {
    case gguf_vtype::u8: case gguf_vtype::i8: case gguf_vtype::boolean: return 1;
    case gguf_vtype::u16: case gguf_vtype::i16: return 2;
    case gguf_vtype::u32: case gguf_vtype::i32: case gguf_vtype::f32: return 4;
    case gguf_vtype::u64: case gguf_vtype::i64: case gguf_vtype::f64: return 8;
    default: return 0;
  }
}

bool known_vtype(std::uint32_t id) { return id <= 12; }

}  // namespace

const char* to_string(gguf_vtype t) {
  switch (t) {
    case gguf_vtype::u8: return "u8";
    case gguf_vtype::i8: return "i8";
    case gguf_vtype::u16: return "u16";
    case gguf_vtype::i16: return "i16";
    case gguf_vtype::u32: return "u32";
    case gguf_vtype::i32: return "i32";
    case gguf_vtype::f32: return "f32";
    case gguf_vtype::boolean: return "bool";
    case gguf_vtype::string: return "string";
    case gguf_vtype::array: return "array";
    case gguf_vtype::u64: return "u64";
    case gguf_vtype::i64: return "i64";
    case gguf_vtype::f64: return "f64";
  }
  return "?";
}

const char* to_string(ggml_type t) {
  switch (t) {
    case ggml_type::f32: return "F32";
    case ggml_type::f16: return "F16";
    case ggml_type::q8_0: return "Q8_0";
    case ggml_type::q4_k: return "Q4_K";
    case ggml_type::q6_k: return "Q6_K";
    case ggml_type::bf16: return "BF16";
    case ggml_type::tq1_0: return "TQ1_0";
    case ggml_type::tq2_0: return "TQ2_0";
    case ggml_type::i2_s: return "I2_S";
    case ggml_type::q2_0: return "Q2_0";
  }
  return "?";
}

std::size_t ggml_block_elems(ggml_type t) {
  switch (t) {
    case ggml_type::q8_0: return 32;
    case ggml_type::q2_0: return 64;
    case ggml_type::q4_k: case ggml_type::q6_k: case ggml_type::tq1_0: case ggml_type::tq2_0: return 256;
    default: return 1;
  }
}

std::size_t ggml_block_bytes(ggml_type t) {
  switch (t) {
    case ggml_type::f32: return 4;
    case ggml_type::f16: case ggml_type::bf16: return 2;
    case ggml_type::q8_0: return 34;
    case ggml_type::q4_k: return 144;
    case ggml_type::q6_k: return 210;
    case ggml_type::tq1_0: return 54;
    case ggml_type::tq2_0: return 66;
    case ggml_type::q2_0: return 18;
    case ggml_type::i2_s: return 0;
  }
  return 0;
}

std::uint64_t ggml_nbytes(ggml_type t, std::uint64_t n) {
  if (t == ggml_type::i2_s) {
    if (n % 128 != 0)
      throw error("I2_S tensor with " + std::to_string(n) + " elements: not a multiple of 128 (FORMATS.md §3.3)");
    return n / 4 + 32;
  }
  const std::uint64_t be = ggml_block_elems(t), bb = ggml_block_bytes(t);
  if (n % be != 0)
    throw error(std::string(to_string(t)) + " tensor with " + std::to_string(n) +
                " elements: not a multiple of the block size " + std::to_string(be));
  const std::uint64_t blocks = n / be;
  if (blocks > std::numeric_limits<std::uint64_t>::max() / bb) throw error("tensor byte size overflows 64 bits");
  return blocks * bb;
}

ggml_type ggml_type_from_id(std::uint32_t id, const std::string& what) {
  switch (id) {
    case 0: case 1: case 8: case 12: case 14: case 30: case 34: case 35: case 36: case 42:
      return static_cast<ggml_type>(id);
    case 37:
      throw error(what + ": type 37 (bitnet.cpp I8_S) is activation scratch, never a file tensor type");
    case 38: case 39:
      throw error(what + ": type " + std::to_string(id) + " (bitnet.cpp " + (id == 38 ? "TL1" : "TL2") +
                  ", or mainline MXFP4 for 39) is not supported; tritlut reads I2_S (36), TQ1_0 (34) and "
                  "TQ2_0 (35) ternary tensors - requantize the model to I2_S");
    default:
      throw error(what + ": unknown or unsupported tensor type id " + std::to_string(id) +
                  " (supported: F32 0, F16 1, Q8_0 8, Q4_K 12, Q6_K 14, BF16 30, TQ1_0 34, TQ2_0 35, I2_S 36, "
                  "Q2_0 42)");
  }
}

// ---------------------------------------------------------------------------------------------
// gguf_value

bool gguf_value::is_integer() const {
  switch (type_) {
    case gguf_vtype::u8: case gguf_vtype::i8: case gguf_vtype::u16: case gguf_vtype::i16:
    case gguf_vtype::u32: case gguf_vtype::i32: case gguf_vtype::u64: case gguf_vtype::i64: return true;
    default: return false;
  }
}

std::string gguf_value::name() const { return key_.empty() ? std::string("an array element") : "key " + quote(key_); }

void gguf_value::type_error(const char* wanted) const {
  throw error("gguf: " + name() + " has type " + to_string(type_) + ", expected " + wanted);
}

static bool vtype_signed(gguf_vtype t) {
  return t == gguf_vtype::i8 || t == gguf_vtype::i16 || t == gguf_vtype::i32 || t == gguf_vtype::i64;
}

static std::int64_t sign_extend(std::uint64_t bits, gguf_vtype t) {
  switch (t) {
    case gguf_vtype::i8: return static_cast<std::int8_t>(bits);
    case gguf_vtype::i16: return static_cast<std::int16_t>(bits);
    case gguf_vtype::i32: return static_cast<std::int32_t>(bits);
    default: return static_cast<std::int64_t>(bits);
  }
}

std::uint64_t gguf_value::as_u64() const {
  if (!is_integer()) type_error("an integer");
  if (vtype_signed(type_)) {
    const std::int64_t v = sign_extend(bits_, type_);
    if (v < 0) throw error("gguf: " + name() + " is negative (" + std::to_string(v) + ")");
    return static_cast<std::uint64_t>(v);
  }
  return bits_;
}

std::int64_t gguf_value::as_i64() const {
  if (!is_integer()) type_error("an integer");
  if (vtype_signed(type_)) return sign_extend(bits_, type_);
  if (bits_ > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    throw error("gguf: " + name() + " is out of range");
  return static_cast<std::int64_t>(bits_);
}

std::uint32_t gguf_value::as_u32() const {
  const std::uint64_t v = as_u64();
  if (v > 0xffffffffu) throw error("gguf: " + name() + " = " + std::to_string(v) + " does not fit 32 bits");
  return static_cast<std::uint32_t>(v);
}

std::int32_t gguf_value::as_i32() const {
  const std::int64_t v = as_i64();
  if (v < std::numeric_limits<std::int32_t>::min() || v > std::numeric_limits<std::int32_t>::max())
    throw error("gguf: " + name() + " = " + std::to_string(v) + " does not fit 32 bits");
  return static_cast<std::int32_t>(v);
}

double gguf_value::as_f64() const {
  if (type_ == gguf_vtype::f32) return bits_f32(static_cast<std::uint32_t>(bits_));
  if (type_ == gguf_vtype::f64) {
    double d;
    std::memcpy(&d, &bits_, 8);
    return d;
  }
  if (is_integer()) return vtype_signed(type_) ? double(sign_extend(bits_, type_)) : double(bits_);
  type_error("a number");
}

bool gguf_value::as_bool() const {
  if (type_ != gguf_vtype::boolean) type_error("bool");
  return bits_ != 0;
}

std::string_view gguf_value::as_string() const {
  if (type_ != gguf_vtype::string) type_error("string");
  return str_;
}

std::vector<std::string_view> gguf_value::as_strings() const {
  if (type_ != gguf_vtype::array || elem_ != gguf_vtype::string) type_error("array of strings");
  std::vector<std::string_view> out;
  out.reserve(items_.size());
  for (const auto& v : items_) out.push_back(v.str_);
  return out;
}

// Elements carry no key (see the parser): their errors are re-thrown naming the key and index.
template <class F>
static auto element(const std::string& key, std::size_t i, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const error& e) {
    const std::string m = e.what();
    throw error("gguf: key " + quote(key) + "[" + std::to_string(i) + "]: " + (m.rfind("gguf: ", 0) == 0 ? m.substr(6) : m));
  }
}

std::vector<float> gguf_value::as_f32s() const {
  if (type_ != gguf_vtype::array) type_error("array of numbers");
  std::vector<float> out;
  out.reserve(items_.size());
  for (std::size_t i = 0; i < items_.size(); ++i) out.push_back(element(key_, i, [&] { return items_[i].as_f32(); }));
  return out;
}

std::vector<std::int32_t> gguf_value::as_i32s() const {
  if (type_ != gguf_vtype::array) type_error("array of integers");
  std::vector<std::int32_t> out;
  out.reserve(items_.size());
  for (std::size_t i = 0; i < items_.size(); ++i) out.push_back(element(key_, i, [&] { return items_[i].as_i32(); }));
  return out;
}

// ---------------------------------------------------------------------------------------------
// parser

class gguf_parser {
 public:
  explicit gguf_parser(gguf_reader& r) : r_(r), p_(r.base_), end_(r.base_ + r.size_) {}

  void run() {
    if (r_.size_ < 4) truncated("the magic", 4);
    if (std::memcmp(p_, "GGUF", 4) != 0) {
      char b[64];
      std::snprintf(b, sizeof b, "%02x %02x %02x %02x", p_[0], p_[1], p_[2], p_[3]);
      throw error("gguf: bad magic in " + r_.path_ + " (expected 47 47 55 46 'GGUF', got " + b + ")");
    }
    p_ += 4;
    const std::uint32_t version = u32("the version");
    if ((version & 0xffffu) == 0 && version != 0)
      throw error("gguf: version field " + hex_u32(version) +
                  " looks byte-swapped: big-endian GGUF files are not supported");
    if (version == 1) throw error("gguf: unsupported version 1 (32-bit counts); only versions 2 and 3 are read");
    if (version != 2 && version != 3)
      throw error("gguf: unsupported version " + std::to_string(version) + " (only 2 and 3 are read)");
    r_.version_ = version;
    const std::uint64_t n_tensors = u64("the tensor count");
    const std::uint64_t n_kv = u64("the metadata count");
    // Every KV needs >= 13 bytes (key length 8 + type 4 + 1), every tensor info >= 8+4+8+4+8 = 32.
    if (n_kv > left() / 13)
      throw error("gguf: metadata count " + std::to_string(n_kv) + " needs at least " + std::to_string(13) +
                  " bytes per entry but only " + std::to_string(left()) +
                  " bytes remain (truncated file or overflowing count)");
    r_.kv_.reserve(static_cast<std::size_t>(n_kv));
    for (std::uint64_t i = 0; i < n_kv; ++i) {
      std::string key(str("a metadata key"));
      const std::uint32_t t = u32("the value type of key " + quote(key));
      if (!known_vtype(t))
        throw error("gguf: key " + quote(key) + " has unknown value type " + std::to_string(t));
      if (r_.kv_index_.count(key)) throw error("gguf: duplicate metadata key " + quote(key));
      gguf_value v = value(static_cast<gguf_vtype>(t), key, 0);
      r_.kv_index_.emplace(key, r_.kv_.size());
      r_.kv_.emplace_back(std::move(key), std::move(v));
    }
    if (const gguf_value* a = r_.find("general.alignment")) {
      if (a->type() != gguf_vtype::u32)
        throw error(std::string("gguf: general.alignment must be u32, got ") + to_string(a->type()));
      const std::uint32_t al = a->as_u32();
      if (al == 0 || (al & (al - 1)) != 0)
        throw error("gguf: general.alignment " + std::to_string(al) + " is not a power of two");
      r_.alignment_ = al;
    }
    if (n_tensors > left() / 32)
      throw error("gguf: tensor count " + std::to_string(n_tensors) + " needs at least 32 bytes per tensor "
                  "info but only " + std::to_string(left()) + " bytes remain (truncated file or overflowing count)");
    r_.tensors_.reserve(static_cast<std::size_t>(n_tensors));
    for (std::uint64_t i = 0; i < n_tensors; ++i) tensor_info(i);
    // Data section: aligned end of the tensor infos. Vocab-only files may end right here.
    const std::uint64_t hdr_end = static_cast<std::uint64_t>(p_ - r_.base_);
    const std::uint64_t al = r_.alignment_;
    const std::uint64_t data_start = (hdr_end + al - 1) / al * al;
    r_.data_offset_ = data_start;
    if (n_tensors == 0) return;
    if (data_start > r_.size_)
      throw error("gguf: truncated file: data section starts at " + std::to_string(data_start) +
                  " but the file has " + std::to_string(r_.size_) + " bytes");
    const std::uint64_t data_size = r_.size_ - data_start;
    std::vector<std::size_t> order(r_.tensors_.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    for (auto& t : r_.tensors_) {
      const std::string what = "gguf: tensor " + quote(t.name);
      if (t.offset % al != 0)
        throw error(what + " data offset " + std::to_string(t.offset) + " is misaligned (alignment " +
                    std::to_string(al) + ")");
      if (t.offset > data_size || t.nbytes > data_size - t.offset)
        throw error(what + " data [" + std::to_string(t.offset) + ", +" + std::to_string(t.nbytes) +
                    ") is out of range: the data section has " + std::to_string(data_size) +
                    " bytes (truncated file?)");
      t.data = r_.base_ + data_start + t.offset;
    }
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return r_.tensors_[a].offset < r_.tensors_[b].offset; });
    for (std::size_t i = 1; i < order.size(); ++i) {
      const gguf_tensor& a = r_.tensors_[order[i - 1]];
      const gguf_tensor& b = r_.tensors_[order[i]];
      if (a.offset + a.nbytes > b.offset)
        throw error("gguf: tensors " + quote(a.name) + " and " + quote(b.name) + " overlap (offsets " +
                    std::to_string(a.offset) + "+" + std::to_string(a.nbytes) + " and " +
                    std::to_string(b.offset) + ")");
    }
  }

 private:
  std::uint64_t left() const { return static_cast<std::uint64_t>(end_ - p_); }

  [[noreturn]] void truncated(const std::string& what, std::uint64_t need) {
    throw error("gguf: truncated file " + r_.path_ + ": reading " + what + " at offset " +
                std::to_string(p_ - r_.base_) + " needs " + std::to_string(need) + " bytes, " +
                std::to_string(left()) + " left");
  }
  const std::uint8_t* take(std::uint64_t n, const std::string& what) {
    if (n > left()) truncated(what, n);
    const std::uint8_t* q = p_;
    p_ += n;
    return q;
  }
  std::uint32_t u32(const std::string& what) { return load_u32_le(take(4, what)); }
  std::uint64_t u64(const std::string& what) { return load_u64_le(take(8, what)); }
  std::string_view str(const std::string& what) {
    const std::uint64_t n = u64("the length of " + what);
    const std::uint8_t* q = take(n, what + " (" + std::to_string(n) + " bytes)");
    return {reinterpret_cast<const char*>(q), static_cast<std::size_t>(n)};
  }

  gguf_value value(gguf_vtype t, const std::string& key, int depth) {
    gguf_value v;
    v.type_ = t;
    // Only the top-level value keeps its key: an element copy per nested array made parsing cost
    // elements x key length (a 305 KB file of long-keyed nested arrays took 1.26 GB), while the
    // values alone are O(file size): at most one gguf_value per 12 bytes of array.
    if (depth == 0) v.key_ = key;
    const std::uint8_t* start = p_;
    const std::size_t ss = scalar_size(t);
    if (ss != 0) {
      const std::uint8_t* q = take(ss, "the value of key " + quote(key));
      std::uint64_t bits = 0;
      for (std::size_t i = 0; i < ss; ++i) bits |= std::uint64_t(q[i]) << (8 * i);
      if (t == gguf_vtype::boolean && bits > 1)
        throw error("gguf: key " + quote(key) + " has invalid bool value " + std::to_string(bits) + " (must be 0 or 1)");
      v.bits_ = bits;
    } else if (t == gguf_vtype::string) {
      v.str_ = str("the string value of key " + quote(key));
    } else {  // array
      if (depth >= k_max_array_depth)
        throw error("gguf: key " + quote(key) + " has arrays nested deeper than " + std::to_string(k_max_array_depth));
      const std::uint32_t et = u32("the element type of key " + quote(key));
      if (!known_vtype(et))
        throw error("gguf: key " + quote(key) + " is an array of unknown value type " + std::to_string(et));
      const std::uint64_t n = u64("the array length of key " + quote(key));
      const auto e = static_cast<gguf_vtype>(et);
      const std::uint64_t min_elem = scalar_size(e) ? scalar_size(e) : (e == gguf_vtype::string ? 8 : 12);
      if (n > left() / min_elem)
        throw error("gguf: key " + quote(key) + " array length " + std::to_string(n) +
                    " exceeds the remaining file size (overflowing count or truncated file)");
      v.elem_ = e;
      v.items_.reserve(static_cast<std::size_t>(n));
      if (ss == 0 && scalar_size(e) != 0) {
        // Fast path for scalar arrays: no per-element key copy.
        const std::size_t es = scalar_size(e);
        const std::uint8_t* q = take(n * es, "array of key " + quote(key));
        for (std::uint64_t i = 0; i < n; ++i) {
          gguf_value x;
          x.type_ = e;
          std::uint64_t bits = 0;
          for (std::size_t b = 0; b < es; ++b) bits |= std::uint64_t(q[i * es + b]) << (8 * b);
          if (e == gguf_vtype::boolean && bits > 1)
            throw error("gguf: key " + quote(key) + "[" + std::to_string(i) + "] has invalid bool value " +
                        std::to_string(bits) + " (must be 0 or 1)");
          x.bits_ = bits;
          x.raw_ = {reinterpret_cast<const char*>(q + i * es), es};
          v.items_.push_back(std::move(x));
        }
      } else if (e == gguf_vtype::string) {
        for (std::uint64_t i = 0; i < n; ++i) {
          gguf_value x;
          x.type_ = e;
          const std::uint8_t* s0 = p_;
          x.str_ = str("string " + std::to_string(i) + " of key " + quote(key));
          x.raw_ = {reinterpret_cast<const char*>(s0), static_cast<std::size_t>(p_ - s0)};
          v.items_.push_back(std::move(x));
        }
      } else {
        for (std::uint64_t i = 0; i < n; ++i) v.items_.push_back(value(e, key, depth + 1));
      }
    }
    v.raw_ = {reinterpret_cast<const char*>(start), static_cast<std::size_t>(p_ - start)};
    return v;
  }

  void tensor_info(std::uint64_t i) {
    gguf_tensor t;
    const std::string idx = "tensor info " + std::to_string(i);
    const std::uint64_t name_len = load_u64_le(take(8, "the name length of " + idx));
    if (name_len > k_max_name) throw error("gguf: " + idx + " has a name of " + std::to_string(name_len) + " bytes");
    p_ -= 8;
    t.name = str("the name of " + idx);
    const std::string what = "gguf: tensor " + quote(t.name);
    if (r_.tensor_index_.count(t.name)) throw error("gguf: duplicate tensor name " + quote(t.name));
    t.n_dims = u32("n_dims of tensor " + quote(t.name));
    if (t.n_dims == 0 || t.n_dims > k_max_dims)
      throw error(what + " has " + std::to_string(t.n_dims) + " dimensions (must be 1 to 4)");
    std::uint64_t n = 1;
    for (std::uint32_t d = 0; d < t.n_dims; ++d) {
      const std::uint64_t ne = u64("the dims of tensor " + quote(t.name));
      if (ne == 0) throw error(what + " has dimension " + std::to_string(d) + " = 0");
      if (ne > std::numeric_limits<std::uint64_t>::max() / n || ne > (std::uint64_t(1) << 62))
        throw error(what + " element count overflows (dims too large)");
      n *= ne;
      t.ne[d] = ne;
    }
    if (n > (std::uint64_t(1) << 62)) throw error(what + " element count overflows (dims too large)");
    t.type = ggml_type_from_id(u32("the type of tensor " + quote(t.name)), what);
    const std::size_t be = ggml_block_elems(t.type);
    if (t.ne[0] % be != 0)
      throw error(what + " of type " + to_string(t.type) + " has ne0 = " + std::to_string(t.ne[0]) +
                  ", not a multiple of the block size " + std::to_string(be));
    if (t.type == ggml_type::i2_s && n % 128 != 0)
      throw error(what + " of type I2_S has " + std::to_string(n) + " elements, not a multiple of 128");
    t.nbytes = ggml_nbytes(t.type, n);
    t.offset = u64("the offset of tensor " + quote(t.name));
    r_.tensor_index_.emplace(t.name, r_.tensors_.size());
    r_.tensors_.push_back(t);
  }

  gguf_reader& r_;
  const std::uint8_t* p_;
  const std::uint8_t* end_;
};

// ---------------------------------------------------------------------------------------------
// reader

gguf_reader::gguf_reader(gguf_reader&& o) noexcept { *this = std::move(o); }

gguf_reader& gguf_reader::operator=(gguf_reader&& o) noexcept {
  if (this == &o) return *this;
  if (map_) {
    unregister_mapping(map_);
    munmap(map_, size_);
  }
  path_ = std::move(o.path_);
  base_ = o.base_;
  size_ = o.size_;
  map_ = o.map_;
  version_ = o.version_;
  alignment_ = o.alignment_;
  data_offset_ = o.data_offset_;
  kv_ = std::move(o.kv_);
  kv_index_ = std::move(o.kv_index_);
  tensors_ = std::move(o.tensors_);
  tensor_index_ = std::move(o.tensor_index_);
  o.map_ = nullptr;
  o.base_ = nullptr;
  o.size_ = 0;
  return *this;
}

gguf_reader::~gguf_reader() {
  if (map_) {
    unregister_mapping(map_);
    munmap(map_, size_);
  }
}

void gguf_reader::parse() {
  gguf_parser p(*this);
  p.run();
}

gguf_reader gguf_reader::from_memory(const std::uint8_t* data, std::size_t size, std::string name) {
  gguf_reader r;
  r.path_ = std::move(name);
  r.base_ = data;
  r.size_ = size;
  r.parse();
  return r;
}

gguf_reader gguf_reader::open(const std::string& path) {
  gguf_reader r;
  r.path_ = path;
  struct stat st {};
  const int fd = open_regular_file(path, "", &st);  // a FIFO or a directory is refused, never waited on
  r.size_ = static_cast<std::size_t>(st.st_size);
  if (r.size_ > 0) {
    void* m = mmap(nullptr, r.size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
      ::close(fd);
      throw error("gguf: cannot mmap " + path + ": " + std::strerror(errno));
    }
    r.map_ = m;
    r.base_ = static_cast<const std::uint8_t*>(m);
    register_mapping(m, r.size_, path);  // truncation while mapped: a message, not SIGBUS
  }
  ::close(fd);
  static const std::uint8_t empty = 0;
  if (!r.base_) r.base_ = &empty;
  r.parse();
  return r;
}

const gguf_value* gguf_reader::find(const std::string& key) const {
  auto it = kv_index_.find(key);
  return it == kv_index_.end() ? nullptr : &kv_[it->second].second;
}

const gguf_value& gguf_reader::get(const std::string& key) const {
  const gguf_value* v = find(key);
  if (!v) throw error("gguf: " + path_ + ": missing metadata key " + quote(key));
  return *v;
}

std::string gguf_reader::get_string(const std::string& key, const std::string& def) const {
  const gguf_value* v = find(key);
  return v ? std::string(v->as_string()) : def;
}
std::uint64_t gguf_reader::get_u64(const std::string& key, std::uint64_t def) const {
  const gguf_value* v = find(key);
  return v ? v->as_u64() : def;
}
std::uint32_t gguf_reader::get_u32(const std::string& key, std::uint32_t def) const {
  const gguf_value* v = find(key);
  return v ? v->as_u32() : def;
}
float gguf_reader::get_f32(const std::string& key, float def) const {
  const gguf_value* v = find(key);
  return v ? v->as_f32() : def;
}
bool gguf_reader::get_bool(const std::string& key, bool def) const {
  const gguf_value* v = find(key);
  return v ? v->as_bool() : def;
}

const gguf_tensor* gguf_reader::find_tensor(std::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

const gguf_tensor& gguf_reader::tensor(std::string_view name) const {
  const gguf_tensor* t = find_tensor(name);
  if (!t) throw error("gguf: " + path_ + ": missing tensor " + quote(name));
  return *t;
}

// ---------------------------------------------------------------------------------------------
// writer

namespace {
void put_u32(std::string& s, std::uint32_t v) {
  std::uint8_t b[4];
  store_u32_le(b, v);
  s.append(reinterpret_cast<char*>(b), 4);
}
void put_u64(std::string& s, std::uint64_t v) {
  std::uint8_t b[8];
  store_u64_le(b, v);
  s.append(reinterpret_cast<char*>(b), 8);
}
void put_str(std::string& s, std::string_view v) {
  put_u64(s, v.size());
  s.append(v.data(), v.size());
}
template <class T>
std::string scalar_bytes(T v) {
  std::string s(sizeof(T), '\0');
  std::memcpy(&s[0], &v, sizeof(T));  // little-endian hosts only (x86-64, aarch64)
  return s;
}
}  // namespace

gguf_writer::gguf_writer(std::uint32_t alignment) : alignment_(alignment) {
  if (alignment == 0 || (alignment & (alignment - 1)) != 0)
    throw error("gguf writer: alignment " + std::to_string(alignment) + " is not a power of two");
  if (alignment != 32) set_u32("general.alignment", alignment);
}

gguf_writer::~gguf_writer() = default;  // an unclosed file_ removes its temporary file

void gguf_writer::set_raw(const std::string& k, gguf_vtype t, std::string bytes) {
  if (file_ || mem_) throw error("gguf writer: metadata changed after open()");
  auto it = kv_index_.find(k);
  if (it != kv_index_.end()) {
    kv_[it->second].second = {t, std::move(bytes)};
    return;
  }
  kv_index_.emplace(k, kv_.size());
  kv_.push_back({k, {t, std::move(bytes)}});
}

void gguf_writer::remove(const std::string& k) {
  auto it = kv_index_.find(k);
  if (it == kv_index_.end()) return;
  kv_.erase(kv_.begin() + static_cast<std::ptrdiff_t>(it->second));
  kv_index_.clear();
  for (std::size_t i = 0; i < kv_.size(); ++i) kv_index_[kv_[i].first] = i;
}

void gguf_writer::set_u8(const std::string& k, std::uint8_t v) { set_raw(k, gguf_vtype::u8, scalar_bytes(v)); }
void gguf_writer::set_i8(const std::string& k, std::int8_t v) { set_raw(k, gguf_vtype::i8, scalar_bytes(v)); }
void gguf_writer::set_u16(const std::string& k, std::uint16_t v) { set_raw(k, gguf_vtype::u16, scalar_bytes(v)); }
void gguf_writer::set_i16(const std::string& k, std::int16_t v) { set_raw(k, gguf_vtype::i16, scalar_bytes(v)); }
void gguf_writer::set_u32(const std::string& k, std::uint32_t v) { set_raw(k, gguf_vtype::u32, scalar_bytes(v)); }
void gguf_writer::set_i32(const std::string& k, std::int32_t v) { set_raw(k, gguf_vtype::i32, scalar_bytes(v)); }
void gguf_writer::set_u64(const std::string& k, std::uint64_t v) { set_raw(k, gguf_vtype::u64, scalar_bytes(v)); }
void gguf_writer::set_i64(const std::string& k, std::int64_t v) { set_raw(k, gguf_vtype::i64, scalar_bytes(v)); }
void gguf_writer::set_f32(const std::string& k, float v) { set_raw(k, gguf_vtype::f32, scalar_bytes(v)); }
void gguf_writer::set_f64(const std::string& k, double v) { set_raw(k, gguf_vtype::f64, scalar_bytes(v)); }
void gguf_writer::set_bool(const std::string& k, bool v) {
  set_raw(k, gguf_vtype::boolean, std::string(1, v ? '\1' : '\0'));
}
void gguf_writer::set_string(const std::string& k, std::string_view v) {
  std::string s;
  put_str(s, v);
  set_raw(k, gguf_vtype::string, std::move(s));
}
void gguf_writer::set_strings(const std::string& k, const std::vector<std::string>& v) {
  std::string s;
  put_u32(s, static_cast<std::uint32_t>(gguf_vtype::string));
  put_u64(s, v.size());
  for (const auto& x : v) put_str(s, x);
  set_raw(k, gguf_vtype::array, std::move(s));
}
void gguf_writer::set_strings(const std::string& k, const std::vector<std::string_view>& v) {
  std::string s;
  put_u32(s, static_cast<std::uint32_t>(gguf_vtype::string));
  put_u64(s, v.size());
  for (const auto& x : v) put_str(s, x);
  set_raw(k, gguf_vtype::array, std::move(s));
}
void gguf_writer::set_f32s(const std::string& k, const std::vector<float>& v) {
  std::string s;
  put_u32(s, static_cast<std::uint32_t>(gguf_vtype::f32));
  put_u64(s, v.size());
  for (float x : v) s += scalar_bytes(x);
  set_raw(k, gguf_vtype::array, std::move(s));
}
void gguf_writer::set_i32s(const std::string& k, const std::vector<std::int32_t>& v) {
  std::string s;
  put_u32(s, static_cast<std::uint32_t>(gguf_vtype::i32));
  put_u64(s, v.size());
  for (auto x : v) s += scalar_bytes(x);
  set_raw(k, gguf_vtype::array, std::move(s));
}
void gguf_writer::set_u32s(const std::string& k, const std::vector<std::uint32_t>& v) {
  std::string s;
  put_u32(s, static_cast<std::uint32_t>(gguf_vtype::u32));
  put_u64(s, v.size());
  for (auto x : v) s += scalar_bytes(x);
  set_raw(k, gguf_vtype::array, std::move(s));
}
void gguf_writer::set_value(const std::string& k, const gguf_value& v) {
  set_raw(k, v.type(), std::string(v.raw()));
}

std::uint64_t gguf_writer::add_tensor(const std::string& name, ggml_type type, const std::vector<std::uint64_t>& ne) {
  if (file_ || mem_) throw error("gguf writer: tensor added after open()");
  if (tensor_index_.count(name)) throw error("gguf writer: duplicate tensor name '" + name + "'");
  if (ne.empty() || ne.size() > 4) throw error("gguf writer: tensor '" + name + "' needs 1 to 4 dims");
  std::uint64_t n = 1;
  for (auto d : ne) {
    if (d == 0 || d > (std::uint64_t(1) << 62) / n) throw error("gguf writer: tensor '" + name + "' has bad dims");
    n *= d;
  }
  if (ne[0] % ggml_block_elems(type) != 0)
    throw error("gguf writer: tensor '" + name + "' of type " + to_string(type) + " has ne0 = " +
                std::to_string(ne[0]) + ", not a multiple of the block size " +
                std::to_string(ggml_block_elems(type)));
  const std::uint64_t nb = ggml_nbytes(type, n);
  tinfo t{name, type, ne, data_size_, nb};
  data_size_ += (nb + alignment_ - 1) / alignment_ * alignment_;
  tensor_index_.emplace(name, tensors_.size());
  tensors_.push_back(std::move(t));
  return nb;
}

std::string gguf_writer::header_bytes() const {
  std::string h = "GGUF";
  put_u32(h, 3);
  put_u64(h, tensors_.size());
  put_u64(h, kv_.size());
  for (const auto& kv : kv_) {
    put_str(h, kv.first);
    put_u32(h, static_cast<std::uint32_t>(kv.second.first));
    h += kv.second.second;
  }
  for (const auto& t : tensors_) {
    put_str(h, t.name);
    put_u32(h, static_cast<std::uint32_t>(t.ne.size()));
    for (auto d : t.ne) put_u64(h, d);
    put_u32(h, static_cast<std::uint32_t>(t.type));
    put_u64(h, t.offset);
  }
  if (!tensors_.empty()) h.resize((h.size() + alignment_ - 1) / alignment_ * alignment_, '\0');
  return h;
}

std::uint64_t gguf_writer::total_bytes() const {
  return header_bytes().size() + (tensors_.empty() ? 0 : data_size_);
}

void gguf_writer::emit(const void* p, std::size_t n) {
  if (n == 0) return;
  if (mem_) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    mem_->insert(mem_->end(), b, b + n);
  } else {
    file_->write(p, n);
  }
  written_ += n;
}

void gguf_writer::open(const std::string& path, const std::vector<std::string>& inputs) {
  if (file_ || mem_) throw error("gguf writer: already open");
  file_ = std::make_unique<atomic_file>(path, inputs);
  path_ = path;
  const std::string h = header_bytes();
  cur_ = 0;
  cur_written_ = 0;
  written_ = 0;
  emit(h.data(), h.size());
}

void gguf_writer::write(const void* data, std::size_t n) {
  if (!file_ && !mem_) throw error("gguf writer: write() before open()");
  const auto* p = static_cast<const std::uint8_t*>(data);
  static const std::uint8_t zeros[256] = {};
  while (n > 0) {
    if (cur_ >= tensors_.size()) throw error("gguf writer: more tensor data than declared");
    const tinfo& t = tensors_[cur_];
    const std::uint64_t room = t.nbytes - cur_written_;
    const std::size_t k = static_cast<std::size_t>(std::min<std::uint64_t>(room, n));
    emit(p, k);
    p += k;
    n -= k;
    cur_written_ += k;
    if (cur_written_ == t.nbytes) {
      std::uint64_t pad = (alignment_ - t.nbytes % alignment_) % alignment_;
      while (pad > 0) {
        const std::size_t c = static_cast<std::size_t>(std::min<std::uint64_t>(pad, sizeof zeros));
        emit(zeros, c);
        pad -= c;
      }
      ++cur_;
      cur_written_ = 0;
    }
  }
}

void gguf_writer::write_tensor(const std::string& name, const void* data, std::size_t n) {
  if (cur_ >= tensors_.size() || tensors_[cur_].name != name || cur_written_ != 0)
    throw error("gguf writer: tensor '" + name + "' written out of order");
  if (n != tensors_[cur_].nbytes)
    throw error("gguf writer: tensor '" + name + "' needs " + std::to_string(tensors_[cur_].nbytes) +
                " bytes, got " + std::to_string(n));
  write(data, n);
}

void gguf_writer::close() {
  if (!file_ && !mem_) throw error("gguf writer: close() before open()");
  if (cur_ != tensors_.size())
    throw error("gguf writer: tensor '" + tensors_[cur_].name + "' incomplete at close()");
  if (file_) {
    std::unique_ptr<atomic_file> f = std::move(file_);
    f->commit();
  }
  mem_ = nullptr;
}

std::vector<std::uint8_t> gguf_writer::to_bytes(const std::vector<std::vector<std::uint8_t>>& tensor_data) {
  if (file_ || mem_) throw error("gguf writer: already open");
  if (tensor_data.size() != tensors_.size())
    throw error("gguf writer: to_bytes() needs data for all " + std::to_string(tensors_.size()) + " tensors");
  std::vector<std::uint8_t> out;
  mem_ = &out;
  cur_ = 0;
  cur_written_ = 0;
  written_ = 0;
  const std::string h = header_bytes();
  emit(h.data(), h.size());
  for (std::size_t i = 0; i < tensors_.size(); ++i) write_tensor(tensors_[i].name, tensor_data[i].data(), tensor_data[i].size());
  close();
  return out;
}

}  // namespace trex
