// SPDX-License-Identifier: MIT
// tritlut/matrix.hpp - a ternary weight matrix whose format (I2_S, TL1 or TL2) is chosen at run
// time, the input it multiplies (quantized activations plus, for TL, their lookup tables), and
// the versioned blob that saves an already packed matrix (so an engine repacks TL2 once, not at
// every start). The entry points that multiply them are in api.hpp.
#pragma once

#include <cstdint>
#include <cstring>
#include <istream>
#include <algorithm>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "error.hpp"
#include "formats/i2s.hpp"
#include "formats/tl1.hpp"
#include "formats/tl2.hpp"
#include "memory.hpp"
#include "quant/act_q8.hpp"
#include "quant/tl_tables.hpp"

namespace tritlut {
// The value is what a saved blob stores (never renumber).
enum class weight_format : std::uint8_t { i2s = 0, tl1 = 1, tl2 = 2 };
}  // namespace tritlut

TRITLUT_BEGIN_TARGET_NS

constexpr const char* format_name(weight_format f) noexcept {
  return f == weight_format::i2s ? "i2s" : f == weight_format::tl1 ? "tl1" : f == weight_format::tl2 ? "tl2" : "?";
}
// "i2s" (or "i2_s"), "tl1", "tl2".
inline bool parse_format(std::string_view s, weight_format& out) noexcept {
  if (s == "i2s" || s == "i2_s") out = weight_format::i2s;
  else if (s == "tl1") out = weight_format::tl1;
  else if (s == "tl2") out = weight_format::tl2;
  else return false;
  return true;
}

// The row step a caller splits a matrix on when it runs row ranges on its own threads. Any range
// [row0, row1) is correct; ranges that start on a multiple of this step never share a tile, so
// no row block is decoded twice. I2_S: 16 rows (one output tile of the GEMM path, kernels/i2s.hpp);
// TL1/TL2: the tile rows mr the matrix was packed with (tl_default_mr = 64 unless configured).
constexpr std::size_t row_split_step(weight_format f, tl_pack_config cfg = {}) noexcept {
  return f == weight_format::i2s ? 16 : (cfg.mr ? cfg.mr : tl_default_mr);
}
constexpr std::size_t row_split_step(const i2s_view&) noexcept { return 16; }
constexpr std::size_t row_split_step(const tl1_view& w) noexcept { return w.mr; }
constexpr std::size_t row_split_step(const tl2_view& w) noexcept { return w.mr; }

// Which kernels run a format: the ISA of the active table and the format's code path.
struct kernel_info {
  isa_id isa;
  std::string_view isa_name;
  const char* variant;
};
inline kernel_info active_kernel(weight_format f) {
  const isa_id id = active_isa();
  const char* v = f == weight_format::i2s ? "i2s: 2-bit codes unpacked in registers, int8 dot products"
                  : f == weight_format::tl1 ? "tl1: 16-entry byte lookups of weight pairs"
                                            : "tl2: 16-entry byte lookups of weight triples plus sign, tl1 tail";
  return kernel_info{id, isa_name(id), v};
}

// Quantized activations of n tokens plus, when the weights are TL1 or TL2, their lookup tables:
// the input every matrix of one format reads (Q, K and V share one). Reusable: set() allocates only
// when the input grows.
class ternary_input {
 public:
  // x: [n][ldx] floats. Quantizes once and builds the tables `f` needs.
  void set(const float* x, std::size_t n, std::size_t k, std::size_t ldx, weight_format f) {
    quantize(x, n, k, ldx, q_);
    prepare(f);
  }
  // (Re)builds the tables of the activations in q8() for format f (nothing for I2_S).
  void prepare(weight_format f) {
    if (f == weight_format::tl1) tl1_.build(q_.view());
    if (f == weight_format::tl2) tl2_.build(q_.view());
    fmt_ = f;
  }
  act_q8& q8() noexcept { return q_; }
  const act_q8& q8() const noexcept { return q_; }
  const tl1_lut& tl1() const noexcept { return tl1_; }
  const tl2_lut& tl2() const noexcept { return tl2_; }
  weight_format format() const noexcept { return fmt_; }
  std::size_t tokens() const noexcept { return q_.tokens(); }
  std::size_t cols() const noexcept { return q_.cols(); }

 private:
  act_q8 q_;
  tl1_lut tl1_;
  tl2_lut tl2_;
  weight_format fmt_ = weight_format::i2s;
};

namespace detail {

// Packed blob, little-endian (x86-64, AArch64), 64-byte header then the arrays back to back:
//   0  magic "TRITLUTM"      8  u32 version       12 u32 format (weight_format)
//   16 u64 rows             24 u64 cols           32 u64 tile rows mr (0 for I2_S)
//   40 f32 alpha            44 u32 array count    48 u64 payload bytes
//   56 u64 FNV-1a 64 of every other byte of the blob
//   64 u64 bytes of each array, then the arrays.
inline constexpr char blob_magic[8] = {'T', 'R', 'I', 'T', 'L', 'U', 'T', 'M'};
inline constexpr std::uint32_t blob_version = 1;
inline constexpr std::size_t blob_header_bytes = 64;

inline std::uint64_t fnv1a(const std::uint8_t* p, std::size_t n, std::uint64_t h = 1469598103934665603ull) noexcept {
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

// Arrays of a packed matrix: where each is and how many bytes it has.
struct matrix_arrays {
  const std::uint8_t* ptr[4] = {};
  std::size_t bytes[4] = {};
  std::size_t count = 0;
};

}  // namespace detail

// What ternary_matrix::load expects of a blob (a field left at its default is not checked): an
// engine caching a repack passes the format and shape of the tensor it stands for.
struct load_expect {
  bool check_format = false;
  weight_format format = weight_format::i2s;
  std::size_t rows = 0, cols = 0;  // 0: any
};

// Format-agnostic owning ternary matrix: I2_S, TL1 or TL2 chosen at run time. Move-only; a
// moved-from or default-constructed matrix is empty and the entry points reject it.
// The bytes live in one of three places: its own memory (packed, repacked or loaded), borrowed
// file bytes (I2_S with K % 128 == 0 used in place: they must outlive the matrix), or caller
// memory it was moved into with place() (which must outlive it too).
class ternary_matrix {
 public:
  ternary_matrix() = default;
  ternary_matrix(ternary_matrix&& o) noexcept { *this = std::move(o); }
  ternary_matrix& operator=(ternary_matrix&& o) noexcept {
    if (this != &o) {
      fmt_ = o.fmt_;
      where_ = std::exchange(o.where_, storage::none);
      i2s_ = std::move(o.i2s_);
      tl1_ = std::move(o.tl1_);
      tl2_ = std::move(o.tl2_);
      store_ = std::move(o.store_);
      i2s_v_ = std::exchange(o.i2s_v_, i2s_view{});
      tl1_v_ = std::exchange(o.tl1_v_, tl1_view{});
      tl2_v_ = std::exchange(o.tl2_v_, tl2_view{});
    }
    return *this;
  }
  ternary_matrix(const ternary_matrix&) = delete;
  ternary_matrix& operator=(const ternary_matrix&) = delete;

  // Packs m x k ternary values (row-major int8 in {-1, 0, 1}) into format f.
  static ternary_matrix pack(weight_format f, const std::int8_t* w, std::size_t m, std::size_t k, float alpha,
                             tl_pack_config cfg = {}) {
    ternary_matrix t;
    t.fmt_ = check_format(f);
    if (f == weight_format::i2s) t.i2s_ = i2s_matrix::pack(w, m, k, alpha);
    if (f == weight_format::tl1) t.tl1_ = tl1_matrix::pack(w, m, k, alpha, cfg);
    if (f == weight_format::tl2) t.tl2_ = tl2_matrix::pack(w, m, k, alpha, cfg);
    t.where_ = storage::own;
    t.bind();
    return t;
  }
  // An I2_S matrix (owning or a view of file bytes) in format f: I2_S keeps it as it is (a file
  // view stays borrowed), TL1/TL2 repack it and drop it (the file bytes are no longer read).
  static ternary_matrix from_i2s(weight_format f, i2s_matrix&& src, tl_pack_config cfg = {}) {
    ternary_matrix t;
    t.fmt_ = check_format(f);
    if (f == weight_format::i2s) {
      t.where_ = src.owns_data() ? storage::own : storage::borrowed;
      t.i2s_ = std::move(src);
    } else {
      if (f == weight_format::tl1) t.tl1_ = tl1_matrix::from_i2s(src.view(), cfg);
      if (f == weight_format::tl2) t.tl2_ = tl2_matrix::from_i2s(src.view(), cfg);
      t.where_ = storage::own;
    }
    t.bind();
    return t;
  }
  // A GGUF type-36 tensor (size = i2s_file_bytes(m, k)) of an m x k weight, in format f.
  static ternary_matrix from_i2s_file(weight_format f, const std::uint8_t* bytes, std::size_t size, std::size_t m,
                                      std::size_t k, tl_pack_config cfg = {}) {
    return from_i2s(f, i2s_matrix::from_file(bytes, size, m, k), cfg);
  }

  // Size query before packing: the bytes the arrays of an m x k matrix in format f take (what
  // storage_bytes() will return; place() needs each array rounded up to 64 bytes).
  static std::size_t storage_bytes_for(weight_format f, std::size_t m, std::size_t k, tl_pack_config cfg = {}) {
    return shape_views(check_format(f), m, k, cfg.mr ? cfg.mr : tl_default_mr, 1.0f).total();
  }

  weight_format format() const noexcept { return fmt_; }
  bool empty() const noexcept { return where_ == storage::none; }
  std::size_t rows() const noexcept { return fmt_ == weight_format::i2s ? i2s_v_.m : fmt_ == weight_format::tl1 ? tl1_v_.m : tl2_v_.m; }
  std::size_t cols() const noexcept { return fmt_ == weight_format::i2s ? i2s_v_.k : fmt_ == weight_format::tl1 ? tl1_v_.k : tl2_v_.k; }
  float alpha() const noexcept {
    return fmt_ == weight_format::i2s ? i2s_v_.alpha : fmt_ == weight_format::tl1 ? tl1_v_.alpha : tl2_v_.alpha;
  }
  // Bytes the kernels stream per pass (the packed weights, as i2s/tl1/tl2_matrix::packed_bytes()).
  std::size_t bytes() const noexcept {
    if (fmt_ == weight_format::i2s) return i2s_v_.m * i2s_v_.kp / 4;
    if (fmt_ == weight_format::tl1) return tl1_v_.tiles * tl1_v_.mr * tl1_v_.cols;
    return tl2_v_.tiles * tl2_v_.mr * (tl2_v_.cols3 + tl2_v_.groups + tl2_v_.colst);
  }
  // Bytes of every array the matrix holds (TL2 adds a count per row to the streamed bytes).
  std::size_t storage_bytes() const noexcept {
    const detail::matrix_arrays a = arrays();
    std::size_t n = 0;
    for (std::size_t i = 0; i < a.count; ++i) n += a.bytes[i];
    return n;
  }
  std::size_t row_split_step() const noexcept {
    return fmt_ == weight_format::i2s ? 16 : fmt_ == weight_format::tl1 ? tl1_v_.mr : tl2_v_.mr;
  }
  // I2_S read in place from borrowed (file) bytes.
  bool borrows_data() const noexcept { return where_ == storage::borrowed; }

  // The plain views the kernels read; each throws when the matrix has another format.
  const i2s_view& i2s() const { return want(weight_format::i2s), i2s_v_; }
  const tl1_view& tl1() const { return want(weight_format::tl1), tl1_v_; }
  const tl2_view& tl2() const { return want(weight_format::tl2), tl2_v_; }

  // Moving the arrays into caller memory (one arena for a whole model, in huge pages, say):
  // place_bytes() is what place() needs (each array rounded up to 64 bytes), 0 when there is
  // nothing to move: already placed, empty, or borrowed and !with_borrowed. place(dst) copies them
  // (dst 64-byte aligned, it must outlive the matrix) and frees the matrix's own copy.
  std::size_t place_bytes(bool with_borrowed = false) const noexcept {
    if (where_ == storage::none || where_ == storage::placed || (where_ == storage::borrowed && !with_borrowed)) return 0;
    const detail::matrix_arrays a = arrays();
    std::size_t n = 0;
    for (std::size_t i = 0; i < a.count; ++i) n += round_up(a.bytes[i], 64);
    return n;
  }
  void place(std::uint8_t* dst, bool with_borrowed = false) {
    if (place_bytes(with_borrowed) == 0) return;
    rebind(dst);
    i2s_ = i2s_matrix();
    tl1_ = tl1_matrix();
    tl2_ = tl2_matrix();
    store_ = aligned_buffer<std::uint8_t>();
    where_ = storage::placed;
  }

  // ---- Save / load an already packed matrix (blob layout: detail::blob_magic above) ----
  std::size_t saved_bytes() const { return detail::blob_header_bytes + 8 * arrays().count + storage_bytes(); }
  std::vector<std::uint8_t> to_bytes() const {
    if (empty()) throw error("ternary_matrix save: the matrix is empty");
    const detail::matrix_arrays a = arrays();
    std::vector<std::uint8_t> out(saved_bytes());
    std::uint8_t* p = out.data() + detail::blob_header_bytes;
    std::uint64_t payload = 0;
    for (std::size_t i = 0; i < a.count; ++i) {
      put(p, std::uint64_t(a.bytes[i]));
      p += 8;
      payload += a.bytes[i];
    }
    for (std::size_t i = 0; i < a.count; ++i) {
      std::memcpy(p, a.ptr[i], a.bytes[i]);
      p += a.bytes[i];
    }
    std::uint8_t* h = out.data();
    std::memcpy(h, detail::blob_magic, 8);
    put(h + 8, detail::blob_version);
    put(h + 12, std::uint32_t(fmt_));
    put(h + 16, std::uint64_t(rows()));
    put(h + 24, std::uint64_t(cols()));
    put(h + 32, std::uint64_t(fmt_ == weight_format::i2s ? 0 : row_split_step()));
    const float al = alpha();
    std::memcpy(h + 40, &al, 4);
    put(h + 44, std::uint32_t(a.count));
    put(h + 48, payload);
    put(h + 56, blob_sum(h, out.size()));
    return out;
  }
  void save(std::ostream& os) const {
    const std::vector<std::uint8_t> b = to_bytes();
    os.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    if (!os) throw error("ternary_matrix save: write failed");
  }

  // Throws tritlut::error naming the field that does not match: magic, version, format, shape,
  // tile rows, array sizes, truncation, checksum, or a mismatch with `e`.
  static ternary_matrix from_bytes(const void* data, std::size_t size, load_expect e = {}) {
    return parse(data, size, e, nullptr);
  }
  // Reads exactly one blob (a stream may hold several, one per matrix, back to back).
  static ternary_matrix load(std::istream& is, load_expect e = {}) {
    std::vector<std::uint8_t> b(detail::blob_header_bytes);
    auto read = [&](std::size_t at, std::size_t n) {
      is.read(reinterpret_cast<char*>(b.data() + at), static_cast<std::streamsize>(n));
      return static_cast<std::size_t>(is.gcount());
    };
    std::size_t got = read(0, b.size());
    if (got == b.size()) {
      // The table of a valid blob has at most 4 entries; a larger count fails in parse.
      const std::size_t count = std::min<std::uint32_t>(get<std::uint32_t>(b.data() + 44), 4);
      b.resize(b.size() + 8 * count);
      got += read(got, 8 * count);
      std::size_t need = 0;
      if (got == b.size()) {
        parse(b.data(), got, e, &need);  // header and sizes checked before the payload is read
        b.resize(need);
        got += read(got, need - got);
      }
    }
    return from_bytes(b.data(), got, e);
  }

 private:
  // Validates the blob in order; with `need`, stops after the header and array table (which must
  // be in `size`) and stores the blob's full size there.
  static ternary_matrix parse(const void* data, std::size_t size, const load_expect& e, std::size_t* need) {
    const auto* b = static_cast<const std::uint8_t*>(data);
    auto s = [](std::uint64_t v) { return std::to_string(v); };
    if (!b && size) fail("null data");
    if (size < detail::blob_header_bytes)
      fail("truncated: " + s(size) + " bytes, the header alone has " + s(detail::blob_header_bytes));
    if (std::memcmp(b, detail::blob_magic, 8) != 0) fail("bad magic (not a tritlut packed matrix)");
    const std::uint32_t version = get<std::uint32_t>(b + 8), f = get<std::uint32_t>(b + 12);
    if (version != detail::blob_version)
      fail("version " + s(version) + " is not supported (this build reads version " + s(detail::blob_version) + ")");
    if (f > 2) fail("format " + s(f) + " is unknown (0 = i2s, 1 = tl1, 2 = tl2)");
    const auto fmt = static_cast<weight_format>(f);
    const std::uint64_t m = get<std::uint64_t>(b + 16), k = get<std::uint64_t>(b + 24), mr = get<std::uint64_t>(b + 32);
    float alpha;
    std::memcpy(&alpha, b + 40, 4);
    const std::uint32_t count = get<std::uint32_t>(b + 44);
    const std::uint64_t payload = get<std::uint64_t>(b + 48), sum = get<std::uint64_t>(b + 56);
    if (e.check_format && fmt != e.format)
      fail(std::string("format is ") + format_name(fmt) + ", expected " + format_name(e.format));
    if (m == 0 || k == 0 || m > (std::uint64_t(1) << 40) / k) fail("shape " + s(m) + " x " + s(k) + " is invalid");
    if ((e.rows && m != e.rows) || (e.cols && k != e.cols))
      fail("shape is " + s(m) + " x " + s(k) + ", expected " + s(e.rows) + " x " + s(e.cols));
    if (fmt == weight_format::i2s ? mr != 0 : (mr == 0 || mr % 16 != 0 || mr > 1024))
      fail("tile rows mr = " + s(mr) + " is invalid for " + format_name(fmt));
    ternary_matrix t;
    t.fmt_ = fmt;
    const shape sh = shape_views(fmt, m, k, fmt == weight_format::i2s ? 16 : mr, alpha);
    t.i2s_v_ = sh.i2s;
    t.tl1_v_ = sh.tl1;
    t.tl2_v_ = sh.tl2;
    const detail::matrix_arrays want = t.arrays();
    if (count != want.count) fail("array count " + s(count) + ", expected " + s(want.count));
    const std::size_t table = detail::blob_header_bytes + 8 * std::size_t(count);
    if (size < table) fail("truncated: " + s(size) + " bytes, the array table ends at " + s(table));
    std::size_t total = 0, placed = 0;
    for (std::size_t i = 0; i < want.count; ++i) {
      const std::uint64_t n = get<std::uint64_t>(b + detail::blob_header_bytes + 8 * i);
      if (n != want.bytes[i])
        fail("array " + s(i) + " has " + s(n) + " bytes, a " + s(m) + " x " + s(k) + " " + format_name(fmt) +
             " matrix has " + s(want.bytes[i]));
      total += want.bytes[i];
      placed += round_up(want.bytes[i], 64);
    }
    if (payload != total) fail("payload size " + s(payload) + ", expected " + s(total));
    if (need) {
      *need = table + total;
      return t;
    }
    if (size - table < total) fail("truncated: " + s(size) + " bytes, needs " + s(table + total));
    if (size - table > total) fail("size " + s(size) + " bytes, expected " + s(table + total) + " (trailing bytes)");
    if (blob_sum(b, size) != sum) fail("checksum mismatch (header or arrays corrupted)");
    t.store_ = aligned_buffer<std::uint8_t>(placed);
    std::uint8_t* dst = t.store_.data();
    const std::uint8_t* src = b + table;
    for (std::size_t i = 0; i < want.count; ++i) {
      std::memcpy(dst, src, want.bytes[i]);
      src += want.bytes[i];
      dst += round_up(want.bytes[i], 64);
    }
    t.rebind_from(t.store_.data());
    t.where_ = storage::own;
    return t;
  }
  enum class storage : std::uint8_t { none, own, borrowed, placed };

  // FNV-1a of the whole blob but its checksum field (bytes 56..63).
  static std::uint64_t blob_sum(const std::uint8_t* b, std::size_t size) noexcept {
    return detail::fnv1a(b + 64, size - 64, detail::fnv1a(b, 56));
  }
  [[noreturn]] static void fail(const std::string& m) { throw error("packed matrix: " + m); }

  struct shape {
    i2s_view i2s;
    tl1_view tl1;
    tl2_view tl2;
    weight_format f;
    std::size_t total() const noexcept {
      if (f == weight_format::i2s) return i2s.m * i2s.kp / 4;
      if (f == weight_format::tl1) return tl1.tiles * tl1.mr * tl1.cols;
      return tl2.tiles * tl2.mr * (tl2.cols3 + tl2.groups + tl2.colst + sizeof(std::int32_t));
    }
  };
  // The views' sizes for a shape (no data), as the packers of formats/ compute them.
  static shape shape_views(weight_format f, std::size_t m, std::size_t k, std::size_t mr, float alpha) {
    shape s{};
    s.f = f;
    if (f == weight_format::i2s) {
      detail::check_shape(m, k, "ternary_matrix");
      s.i2s = i2s_view{nullptr, m, k, round_up(k, i2s_block_weights), alpha};
      return s;
    }
    mr = detail::tl_check_config("ternary_matrix", m, k, tl_pack_config{mr});
    if (f == weight_format::tl1)
      s.tl1 = tl1_matrix::shape_view(m, k, mr, alpha);
    else
      s.tl2 = tl2_matrix::shape_view(m, k, mr, alpha);
    return s;
  }

  static weight_format check_format(weight_format f) {
    if (f != weight_format::i2s && f != weight_format::tl1 && f != weight_format::tl2)
      throw error("ternary_matrix: unknown format " + std::to_string(int(f)));
    return f;
  }
  void want(weight_format f) const {
    if (fmt_ != f) throw error(std::string("ternary_matrix: the matrix is ") + format_name(fmt_) + ", not " + format_name(f));
  }
  void bind() {
    i2s_v_ = i2s_.view();
    tl1_v_ = tl1_.view();
    tl2_v_ = tl2_.view();
  }
  detail::matrix_arrays arrays() const noexcept {
    detail::matrix_arrays a;
    auto add = [&](const void* p, std::size_t n) {
      a.ptr[a.count] = static_cast<const std::uint8_t*>(p);
      a.bytes[a.count++] = n;
    };
    if (fmt_ == weight_format::i2s) {
      add(i2s_v_.data, i2s_v_.m * i2s_v_.kp / 4);
    } else if (fmt_ == weight_format::tl1) {
      add(tl1_v_.idx, tl1_v_.tiles * tl1_v_.mr * tl1_v_.cols);
    } else {
      const std::size_t r = tl2_v_.tiles * tl2_v_.mr;
      add(tl2_v_.idx, r * tl2_v_.cols3);
      add(tl2_v_.sign, r * tl2_v_.groups);
      add(tl2_v_.tail, r * tl2_v_.colst);
      add(tl2_v_.neg, r * sizeof(std::int32_t));
    }
    return a;
  }
  // Copies the arrays to dst (64-byte pieces) and points the views there.
  void rebind(std::uint8_t* dst) {
    const detail::matrix_arrays a = arrays();
    std::uint8_t* p = dst;
    for (std::size_t i = 0; i < a.count; ++i) {
      if (a.bytes[i]) std::memcpy(p, a.ptr[i], a.bytes[i]);
      p += round_up(a.bytes[i], 64);
    }
    rebind_from(dst);
  }
  // Points the views at arrays laid out in 64-byte pieces from p (sizes from the views).
  void rebind_from(std::uint8_t* p) {
    const detail::matrix_arrays a = arrays();
    std::uint8_t* at[4] = {};
    for (std::size_t i = 0; i < a.count; ++i) {
      at[i] = p;
      p += round_up(a.bytes[i], 64);
    }
    if (fmt_ == weight_format::i2s) i2s_v_.data = at[0];
    if (fmt_ == weight_format::tl1) tl1_v_.idx = at[0];
    if (fmt_ == weight_format::tl2) {
      tl2_v_.idx = at[0];
      tl2_v_.sign = at[1];
      tl2_v_.tail = at[2];
      tl2_v_.neg = reinterpret_cast<const std::int32_t*>(at[3]);
    }
  }
  template <class T>
  static void put(std::uint8_t* p, T v) noexcept {
    std::memcpy(p, &v, sizeof v);
  }
  template <class T>
  static T get(const std::uint8_t* p) noexcept {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }

  weight_format fmt_ = weight_format::i2s;
  storage where_ = storage::none;
  i2s_matrix i2s_;  // owners (at most one holds data)
  tl1_matrix tl1_;
  tl2_matrix tl2_;
  aligned_buffer<std::uint8_t> store_;  // arrays of a loaded matrix
  i2s_view i2s_v_{};                    // what the entry points read
  tl1_view tl1_v_{};
  tl2_view tl2_v_{};
};

TRITLUT_END_TARGET_NS
