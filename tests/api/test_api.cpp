// SPDX-License-Identifier: MIT
// The public API: every entry point on every format and ISA against an oracle written here, the
// saved-matrix blob (bit-identical round trip, clear rejections), and that the hot calls do not
// allocate.
#include <atomic>
#include <cstdint>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "catch.hpp"
#include "support/each_isa.hpp"
#include "support/problems.hpp"

// The allocation counter (alloc_count.cpp replaces the global allocation functions).
namespace alloc_count {
extern std::atomic<long> allocs;
extern std::atomic<bool> counting;
}  // namespace alloc_count

namespace {

using tritlut::weight_format;
using Catch::Contains;
constexpr weight_format formats[] = {weight_format::i2s, weight_format::tl1, weight_format::tl2};

// Counts the operator new calls of fn (on any thread).
template <class F>
long allocations(F&& fn) {
  alloc_count::allocs = 0;
  alloc_count::counting = true;
  fn();
  alloc_count::counting = false;
  return alloc_count::allocs.load();
}

void fill(tritlut::act_q8& q, const tt::acts& a) {
  q.resize(a.n, a.k);
  std::memcpy(q.row(0), a.q.data(), a.q.size());
  std::memcpy(q.scales(), a.scale.data(), a.n * sizeof(float));
  std::memcpy(q.sums(), a.sum.data(), a.n * sizeof(std::int32_t));
}

struct shape {
  std::size_t m, k;
};
constexpr shape shapes[] = {{70, 300}, {128, 256}, {33, 1000}};

}  // namespace

TEST_CASE("api: every form of every format equals the oracle, with and without a pool", "[api]") {
  tritlut::thread_pool pool(3);
  for (const shape s : shapes) {
    const std::size_t m = s.m, k = s.k, n = 3;
    const auto w = tt::random_ternary(m * k, 11 + m);
    const auto a = tt::make_acts(n, k, 5 + k);
    const auto dots = tt::oracle_dots(w, m, k, a);
    const auto ys = tt::oracle_floats(dots, a, m, 0.5f);
    const auto a1 = tt::make_acts(1, k, 9);
    const auto dots1 = tt::oracle_dots(w, m, k, a1);
    tt::for_each_isa([&] {
      tritlut::act_q8 q, q1;
      fill(q, a);
      fill(q1, a1);
      for (const weight_format f : formats) {
        INFO("" << tritlut::format_name(f) << " " << m << " x " << k);
        const auto mat = tritlut::ternary_matrix::pack(f, w.data(), m, k, 0.5f);
        REQUIRE(mat.format() == f);
        REQUIRE(mat.rows() == m);
        REQUIRE(mat.cols() == k);
        tritlut::ternary_input in;
        fill(in.q8(), a);
        in.prepare(f);
        std::vector<float> y(n * m, -7.0f);
        std::vector<std::int32_t> yi(n * m, -7);
        tritlut::gemm(mat, in, y);
        CHECK(tt::bits_equal(y, ys));
        tritlut::gemm_i32(mat, in, yi);
        CHECK(yi == dots);
        std::fill(y.begin(), y.end(), -7.0f);
        std::fill(yi.begin(), yi.end(), -7);
        tritlut::gemm(pool, mat, in, y);
        CHECK(tt::bits_equal(y, ys));
        tritlut::gemm_i32(pool, mat, in, yi.data());
        CHECK(yi == dots);
        // Convenience: tables built inside.
        std::fill(y.begin(), y.end(), -7.0f);
        std::fill(yi.begin(), yi.end(), -7);
        tritlut::gemm(mat, q, y.data());
        CHECK(tt::bits_equal(y, ys));
        tritlut::gemm_i32(pool, mat, q, yi);
        CHECK(yi == dots);
        // Row ranges split on row_split_step, as a caller's threads would.
        std::fill(yi.begin(), yi.end(), -7);
        const std::size_t step = mat.row_split_step();
        for (std::size_t r0 = 0; r0 < m; r0 += step) tritlut::gemm_i32(mat, in, yi, m, r0, std::min(m, r0 + step));
        CHECK(yi == dots);
        // One token.
        tritlut::ternary_input in1;
        fill(in1.q8(), a1);
        in1.prepare(f);
        std::vector<float> y1(m);
        tritlut::gemv(mat, in1, y1);
        CHECK(tt::bits_equal(y1, tt::oracle_floats(dots1, a1, m, 0.5f)));
        tritlut::gemv(pool, mat, q1, y1.data());
        CHECK(tt::bits_equal(y1, tt::oracle_floats(dots1, a1, m, 0.5f)));
        CHECK_THROWS_WITH(tritlut::gemv(mat, in, y1), Contains("expected one token, got 3"));
      }
      // The per-format owners have the same forms (I2_S included: pool gemm_i32, act_q8 gemv).
      const auto i2 = tritlut::i2s_matrix::pack(w.data(), m, k, 0.5f);
      const auto t1 = tritlut::tl1_matrix::pack(w.data(), m, k, 0.5f);
      const auto t2 = tritlut::tl2_matrix::pack(w.data(), m, k, 0.5f);
      const tritlut::tl1_lut l1(q.view());
      const tritlut::tl2_lut l2(q.view());
      std::vector<std::int32_t> d0(n * m), d1(n * m), d2(n * m);
      tritlut::gemm_i32(pool, i2, q, d0);
      tritlut::gemm_i32(pool, t1, l1, d1);
      tritlut::gemm_i32(pool, t2, l2, d2);
      CHECK(d0 == dots);
      CHECK(d1 == dots);
      CHECK(d2 == dots);
      tritlut::gemm_i32(pool, t1, q, d1.data());
      tritlut::gemm_i32(pool, t2.view(), l2.view(), d2.data(), m);
      CHECK(d1 == dots);
      CHECK(d2 == dots);
    });
  }
}

TEST_CASE("api: a prepared input of the wrong format is rejected", "[api]") {
  const std::size_t m = 40, k = 128;
  const auto w = tt::random_ternary(m * k, 3);
  const auto mat = tritlut::ternary_matrix::pack(weight_format::tl2, w.data(), m, k, 1.0f);
  tritlut::ternary_input in;
  fill(in.q8(), tt::make_acts(1, k, 4));
  in.prepare(weight_format::tl1);
  std::vector<float> y(m);
  CHECK_THROWS_WITH(tritlut::gemm(mat, in, y), Contains("input prepared for tl1, the matrix is tl2"));
  CHECK_THROWS_WITH(mat.i2s(), Contains("the matrix is tl2, not i2s"));
  const tritlut::ternary_matrix empty;
  in.prepare(weight_format::i2s);
  CHECK_THROWS_WITH(tritlut::gemm(empty, in, y), Contains("not an I2_S matrix"));
}

TEST_CASE("api: row_split_step and the kernel query", "[api]") {
  STATIC_REQUIRE(tritlut::row_split_step(weight_format::i2s) == 16);
  STATIC_REQUIRE(tritlut::row_split_step(weight_format::tl2) == 64);
  STATIC_REQUIRE(tritlut::row_split_step(weight_format::tl1, {32}) == 32);
  const auto w = tt::random_ternary(100 * 64, 1);
  CHECK(tritlut::ternary_matrix::pack(weight_format::tl1, w.data(), 100, 64, 1.0f, {32}).row_split_step() == 32);
  CHECK(tritlut::ternary_matrix::pack(weight_format::i2s, w.data(), 100, 64, 1.0f).row_split_step() == 16);
  tt::for_each_isa([&](tritlut::isa_id id) {
    for (const weight_format f : formats) {
      const tritlut::kernel_info ki = tritlut::active_kernel(f);
      CHECK(ki.isa == id);
      CHECK(ki.isa_name == tritlut::isa_name(id));
      CHECK(std::string(ki.variant).rfind(tritlut::format_name(f), 0) == 0);
    }
  });
}

TEST_CASE("api: the hot calls do not allocate", "[api][alloc]") {
  const std::size_t m = 256, k = 512, n = 4;
  const auto w = tt::random_ternary(m * k, 21);
  const auto a = tt::make_acts(n, k, 22);
  std::vector<float> x(n * k);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(int(i % 17) - 8);
  tritlut::thread_pool pool(2);
  std::vector<float> y(n * m);
  std::vector<std::int32_t> yi(n * m);
  for (const weight_format f : formats) {
    INFO(tritlut::format_name(f));
    const auto mat = tritlut::ternary_matrix::pack(f, w.data(), m, k, 1.0f);
    tritlut::ternary_input in;
    in.set(x.data(), n, k, k, f);  // first set allocates; the same size again must not
    tritlut::gemm(pool, mat, in, y);  // the pool's first job, outside the count
    CHECK(allocations([&] { in.set(x.data(), n, k, k, f); }) == 0);
    CHECK(allocations([&] { tritlut::gemm(mat, in, y.data(), m, 0, m); }) == 0);
    CHECK(allocations([&] { tritlut::gemm(mat, in, y); }) == 0);
    CHECK(allocations([&] { tritlut::gemm_i32(mat, in, yi); }) == 0);
    CHECK(allocations([&] { tritlut::gemm(pool, mat, in, y); }) == 0);
    CHECK(allocations([&] { tritlut::gemm_i32(pool, mat, in, yi.data()); }) == 0);
    // The convenience form builds TL tables, so it allocates (documented); I2_S has none to build
    // but copies the activations into a ternary_input.
    CHECK(allocations([&] { tritlut::gemm(mat, in.q8(), y.data()); }) > 0);
  }
  const auto i2 = tritlut::i2s_matrix::pack(w.data(), m, k, 1.0f);
  const auto t2 = tritlut::tl2_matrix::pack(w.data(), m, k, 1.0f);
  tritlut::act_q8 q;
  fill(q, a);
  tritlut::tl2_lut l2(q.view());
  CHECK(allocations([&] { tritlut::gemm(i2.view(), q.view(), y.data(), m); }) == 0);
  CHECK(allocations([&] { tritlut::gemm(pool, i2, q, y); }) == 0);
  CHECK(allocations([&] { tritlut::gemm(pool, t2, l2, y); }) == 0);
  CHECK(allocations([&] { l2.build(q.view()); }) == 0);
  CHECK(allocations([&] { tritlut::gemm(t2, q, y); }) > 0);  // builds its tables
}

TEST_CASE("ternary_matrix: a saved matrix loads back bit-identical on every format and ISA", "[api][blob]") {
  for (const shape s : shapes) {
    const std::size_t m = s.m, k = s.k, n = 2;
    const auto w = tt::random_ternary(m * k, 31 + k);
    const auto a = tt::make_acts(n, k, 32);
    const auto dots = tt::oracle_dots(w, m, k, a);
    for (const weight_format f : formats) {
      INFO(tritlut::format_name(f) << " " << m << " x " << k);
      const auto mat = tritlut::ternary_matrix::pack(f, w.data(), m, k, 0.25f);
      REQUIRE(mat.storage_bytes() == tritlut::ternary_matrix::storage_bytes_for(f, m, k));
      const std::vector<std::uint8_t> blob = mat.to_bytes();
      REQUIRE(blob.size() == mat.saved_bytes());
      std::stringstream ss;
      mat.save(ss);
      REQUIRE(ss.str() == std::string(blob.begin(), blob.end()));
      const auto back = tritlut::ternary_matrix::load(ss, {true, f, m, k});
      REQUIRE(back.format() == f);
      REQUIRE(back.rows() == m);
      REQUIRE(back.cols() == k);
      REQUIRE(back.alpha() == 0.25f);
      REQUIRE(back.bytes() == mat.bytes());
      REQUIRE(back.to_bytes() == blob);
      // Placed into caller memory: the same bytes again.
      auto placed = tritlut::ternary_matrix::from_bytes(blob.data(), blob.size());
      tritlut::aligned_buffer<std::uint8_t> arena(placed.place_bytes());
      placed.place(arena.data());
      REQUIRE(placed.place_bytes() == 0);
      REQUIRE(placed.to_bytes() == blob);
      tt::for_each_isa([&] {
        tritlut::ternary_input in;
        fill(in.q8(), a);
        in.prepare(f);
        std::vector<float> y0(n * m), y1(n * m, 1.0f), y2(n * m, 2.0f);
        std::vector<std::int32_t> d1(n * m);
        tritlut::gemm(mat, in, y0);
        tritlut::gemm(back, in, y1);
        tritlut::gemm(placed, in, y2);
        CHECK(tt::bits_equal(y0, y1));
        CHECK(tt::bits_equal(y0, y2));
        CHECK(tt::bits_equal(y1, tt::oracle_floats(dots, a, m, 0.25f)));
        tritlut::gemm_i32(back, in, d1);
        CHECK(d1 == dots);
      });
    }
  }
}

TEST_CASE("ternary_matrix: a corrupted or mismatched blob is rejected naming the field", "[api][blob]") {
  const std::size_t m = 70, k = 300;
  const auto w = tt::random_ternary(m * k, 41);
  const auto blob = tritlut::ternary_matrix::pack(weight_format::tl2, w.data(), m, k, 1.0f).to_bytes();
  auto load = [](const std::vector<std::uint8_t>& b, tritlut::load_expect e = {}) {
    return tritlut::ternary_matrix::from_bytes(b.data(), b.size(), e);
  };
  auto with = [&](std::size_t off, std::uint64_t v, std::size_t width) {
    auto b = blob;
    std::memcpy(b.data() + off, &v, width);  // little-endian hosts
    return b;
  };
  CHECK_NOTHROW(load(blob));
  auto bad_magic = blob;
  bad_magic[0] = 'X';
  CHECK_THROWS_WITH(load(bad_magic), Contains("packed matrix: bad magic"));
  CHECK_THROWS_WITH(load(with(8, 2, 4)), Contains("version 2 is not supported (this build reads version 1)"));
  CHECK_THROWS_WITH(load(with(12, 7, 4)), Contains("format 7 is unknown"));
  // Shape in the header that the arrays do not match.
  CHECK_THROWS_WITH(load(with(16, 200, 8)), Contains("array 0 has"));
  // A shape with the same array sizes (70 -> 71 rows: still two 64-row tiles) fails the checksum.
  CHECK_THROWS_WITH(load(with(16, 71, 8)), Contains("checksum mismatch"));
  CHECK_THROWS_WITH(load(with(40, 0x40000000, 4)), Contains("checksum mismatch"));  // alpha 2.0
  CHECK_THROWS_WITH(load(with(24, 0, 8)), Contains("shape 70 x 0 is invalid"));
  CHECK_THROWS_WITH(load(with(32, 24, 8)), Contains("tile rows mr = 24 is invalid"));
  // The caller's expectations.
  CHECK_THROWS_WITH(load(blob, {true, weight_format::tl1, 0, 0}), Contains("format is tl2, expected tl1"));
  CHECK_THROWS_WITH(load(blob, {false, weight_format::i2s, 70, 301}), Contains("shape is 70 x 300, expected 70 x 301"));
  // Truncation anywhere, and trailing bytes.
  for (std::size_t cut : {std::size_t(0), std::size_t(10), std::size_t(63), std::size_t(80), blob.size() - 1}) {
    INFO("cut at " << cut);
    const std::vector<std::uint8_t> b(blob.begin(), blob.begin() + static_cast<std::ptrdiff_t>(cut));
    CHECK_THROWS_WITH(load(b), Contains("truncated"));
  }
  auto longer = blob;
  longer.push_back(0);
  CHECK_THROWS_WITH(load(longer), Contains("trailing bytes"));
  auto flipped = blob;
  flipped[blob.size() / 2] ^= 0x10;
  CHECK_THROWS_WITH(load(flipped), Contains("checksum mismatch"));
  std::stringstream empty;
  CHECK_THROWS_WITH(tritlut::ternary_matrix::load(empty), Contains("truncated"));
  // A stream holds several blobs back to back; load reads one; a cut stream is truncated.
  const auto blob2 = tritlut::ternary_matrix::pack(weight_format::i2s, w.data(), m, k, 1.0f).to_bytes();
  std::stringstream two(std::string(blob.begin(), blob.end()) + std::string(blob2.begin(), blob2.end()));
  CHECK(tritlut::ternary_matrix::load(two).to_bytes() == blob);
  CHECK(tritlut::ternary_matrix::load(two).to_bytes() == blob2);
  std::stringstream cut(std::string(blob.begin(), blob.end() - 1));
  CHECK_THROWS_WITH(tritlut::ternary_matrix::load(cut), Contains("truncated"));
  CHECK_THROWS_WITH(tritlut::ternary_matrix().to_bytes(), Contains("the matrix is empty"));
}
