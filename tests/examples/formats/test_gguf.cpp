// SPDX-License-Identifier: MIT
// tests/examples/formats/test_gguf.cpp - GGUF reader/writer: round trips, real files, every validation error.
#include <cmath>
#include <cstring>
#include <random>

#include "catch.hpp"
#include "common/fp16.hpp"
#include "formats/gguf.hpp"
#include "formats/quants.hpp"
#include "support/files.hpp"

using namespace trex;
using Catch::Matchers::Contains;

namespace {

// A minimal valid file: one string KV and one F32 tensor of n elements; `mutate` edits fields.
struct mini {
  std::uint32_t version = 3;
  std::string magic = "GGUF";
  std::uint64_t n_tensors = 1, n_kv = 1;
  std::uint32_t vtype = 8;
  std::uint32_t n_dims = 1;
  std::uint64_t ne0 = 8;
  std::uint32_t ttype = 0;
  std::uint64_t offset = 0;
  std::size_t data_bytes = 32;
  std::vector<std::uint8_t> build() const {
    tt::bytes b;
    b.raw(magic).u32(version).u64(n_tensors).u64(n_kv);
    b.str("general.architecture").u32(vtype).str("bitnet");
    b.str("t").u32(n_dims);
    for (std::uint32_t d = 0; d < n_dims; ++d) b.u64(d == 0 ? ne0 : 1);
    b.u32(ttype).u64(offset);
    b.pad_to(32).zeros(data_bytes);
    return b.b;
  }
};

gguf_reader parse(const std::vector<std::uint8_t>& b) { return gguf_reader::from_memory(b.data(), b.size(), "test.gguf"); }

}  // namespace

TEST_CASE("gguf: minimal hand-made file parses", "[gguf]") {
  const auto b = mini{}.build();
  const gguf_reader r = parse(b);
  CHECK(r.version() == 3);
  CHECK(r.architecture() == "bitnet");
  REQUIRE(r.tensors().size() == 1);
  CHECK(r.tensor("t").nbytes == 32);
  CHECK(r.data_offset() % 32 == 0);
  CHECK(r.tensor("t").data == b.data() + r.data_offset());
}

TEST_CASE("gguf: version 2 files use the same layout", "[gguf]") {
  mini m;
  m.version = 2;
  const auto b = m.build();
  const gguf_reader r = parse(b);
  CHECK(r.version() == 2);
  CHECK(r.tensor("t").nbytes == 32);
}

TEST_CASE("gguf: malformed files give specific errors", "[gguf][errors]") {
  SECTION("bad magic") {
    mini m;
    m.magic = "GGUG";
    CHECK_THROWS_WITH(parse(m.build()), Contains("bad magic"));
  }
  SECTION("empty file") { CHECK_THROWS_WITH(parse({}), Contains("truncated")); }
  SECTION("version 1") {
    mini m;
    m.version = 1;
    CHECK_THROWS_WITH(parse(m.build()), Contains("unsupported version 1"));
  }
  SECTION("version 4") {
    mini m;
    m.version = 4;
    CHECK_THROWS_WITH(parse(m.build()), Contains("unsupported version 4"));
  }
  SECTION("byte-swapped version") {
    mini m;
    m.version = 0x03000000u;
    CHECK_THROWS_WITH(parse(m.build()), Contains("byte-swapped"));
  }
  SECTION("truncated header") {
    auto b = mini{}.build();
    b.resize(30);
    CHECK_THROWS_WITH(parse(b), Contains("truncated"));
  }
  SECTION("truncated tensor data") {
    auto b = mini{}.build();
    b.resize(b.size() - 1);
    CHECK_THROWS_WITH(parse(b), Contains("out of range"));
  }
  SECTION("tensor offset out of range") {
    mini m;
    m.offset = 1u << 20;
    CHECK_THROWS_WITH(parse(m.build()), Contains("out of range"));
  }
  SECTION("misaligned tensor offset") {
    mini m;
    m.offset = 4;
    CHECK_THROWS_WITH(parse(m.build()), Contains("misaligned"));
  }
  SECTION("overflowing kv count") {
    mini m;
    m.n_kv = ~std::uint64_t(0);
    CHECK_THROWS_WITH(parse(m.build()), Contains("overflowing count"));
  }
  SECTION("overflowing tensor count") {
    mini m;
    m.n_tensors = std::uint64_t(1) << 60;
    CHECK_THROWS_WITH(parse(m.build()), Contains("overflowing count"));
  }
  SECTION("unknown value type") {
    mini m;
    m.vtype = 13;
    CHECK_THROWS_WITH(parse(m.build()), Contains("unknown value type 13"));
  }
  SECTION("unknown tensor type names the id and tensor") {
    mini m;
    m.ttype = 99;
    CHECK_THROWS_WITH(parse(m.build()), Contains("'t'") && Contains("unknown or unsupported tensor type id 99"));
  }
  SECTION("TL1 / TL2 rejected") {
    mini m;
    m.ttype = 38;
    CHECK_THROWS_WITH(parse(m.build()), Contains("TL1"));
    m.ttype = 39;
    CHECK_THROWS_WITH(parse(m.build()), Contains("TL2"));
  }
  SECTION("too many dims") {
    mini m;
    m.n_dims = 5;
    CHECK_THROWS_WITH(parse(m.build()), Contains("5 dimensions"));
  }
  SECTION("zero dim") {
    mini m;
    m.ne0 = 0;
    CHECK_THROWS_WITH(parse(m.build()), Contains("dimension 0 = 0"));
  }
  SECTION("element count overflow") {
    tt::bytes b;
    b.raw("GGUF").u32(3).u64(1).u64(0);
    b.str("t").u32(2).u64(std::uint64_t(1) << 40).u64(std::uint64_t(1) << 40).u32(0).u64(0);
    b.pad_to(32).zeros(64);
    CHECK_THROWS_WITH(parse(b.b), Contains("overflows"));
  }
  SECTION("block size mismatch") {
    mini m;
    m.ttype = 35;  // TQ2_0 needs ne0 % 256 == 0
    CHECK_THROWS_WITH(parse(m.build()), Contains("not a multiple of the block size 256"));
  }
  SECTION("I2_S partial block") {
    mini m;
    m.ttype = 36;
    m.ne0 = 64;
    CHECK_THROWS_WITH(parse(m.build()), Contains("not a multiple of 128"));
  }
  SECTION("bad bool") {
    tt::bytes b;
    b.raw("GGUF").u32(3).u64(0).u64(1).str("flag").u32(7).u8(2);
    CHECK_THROWS_WITH(parse(b.b), Contains("invalid bool value 2"));
  }
  SECTION("bad bool in array") {
    tt::bytes b;
    b.raw("GGUF").u32(3).u64(0).u64(1).str("flags").u32(9).u32(7).u64(2).u8(1).u8(5);
    CHECK_THROWS_WITH(parse(b.b), Contains("invalid bool value 5"));
  }
  SECTION("duplicate key") {
    tt::bytes b;
    b.raw("GGUF").u32(3).u64(0).u64(2).str("a").u32(4).u32(1).str("a").u32(4).u32(2);
    CHECK_THROWS_WITH(parse(b.b), Contains("duplicate metadata key 'a'"));
  }
  SECTION("duplicate tensor name") {
    tt::bytes b;
    b.raw("GGUF").u32(3).u64(2).u64(0);
    b.str("w").u32(1).u64(8).u32(0).u64(0);
    b.str("w").u32(1).u64(8).u32(0).u64(32);
    b.pad_to(32).zeros(64);
    CHECK_THROWS_WITH(parse(b.b), Contains("duplicate tensor name 'w'"));
  }
  SECTION("overlapping tensors") {
    tt::bytes b;
    b.raw("GGUF").u32(3).u64(2).u64(0);
    b.str("a").u32(1).u64(16).u32(0).u64(0);  // 64 bytes
    b.str("b").u32(1).u64(8).u32(0).u64(32);
    b.pad_to(32).zeros(128);
    CHECK_THROWS_WITH(parse(b.b), Contains("overlap"));
  }
  SECTION("string length beyond the file") {
    tt::bytes b;
    b.raw("GGUF").u32(3).u64(0).u64(1).u64(std::uint64_t(1) << 50);
    CHECK_THROWS_WITH(parse(b.b), Contains("truncated"));
  }
  SECTION("array length beyond the file") {
    tt::bytes b;
    b.raw("GGUF").u32(3).u64(0).u64(1).str("arr").u32(9).u32(6).u64(std::uint64_t(1) << 61);
    CHECK_THROWS_WITH(parse(b.b), Contains("exceeds the remaining file size"));
  }
  SECTION("array of unknown element type") {
    tt::bytes b;
    b.raw("GGUF").u32(3).u64(0).u64(1).str("arr").u32(9).u32(77).u64(1);
    CHECK_THROWS_WITH(parse(b.b), Contains("unknown value type 77"));
  }
  SECTION("arrays nested too deep") {
    tt::bytes b;
    b.raw("GGUF").u32(3).u64(0).u64(1).str("deep").u32(9);
    for (int i = 0; i < 20; ++i) b.u32(9).u64(1);
    b.u32(4).u64(0);
    CHECK_THROWS_WITH(parse(b.b), Contains("nested deeper"));
  }
  SECTION("alignment not u32") {
    tt::bytes b;
    b.raw("GGUF").u32(3).u64(0).u64(1).str("general.alignment").u32(10).u64(32);
    CHECK_THROWS_WITH(parse(b.b), Contains("general.alignment must be u32"));
  }
  SECTION("alignment not a power of two") {
    tt::bytes b;
    b.raw("GGUF").u32(3).u64(0).u64(1).str("general.alignment").u32(4).u32(24);
    CHECK_THROWS_WITH(parse(b.b), Contains("not a power of two"));
  }
  SECTION("missing file") {
    CHECK_THROWS_WITH(gguf_reader::open("/nonexistent/x.gguf"), Contains("cannot open"));
  }
}

TEST_CASE("gguf: typed metadata getters check types and ranges", "[gguf]") {
  gguf_writer w;
  w.set_u8("u8", 200);
  w.set_i8("i8", -5);
  w.set_i32("i32", -7);
  w.set_u64("big", std::uint64_t(1) << 40);
  w.set_f32("f", 1.5f);
  w.set_string("s", "hi");
  const auto b = w.to_bytes();
  const gguf_reader r = parse(b);
  CHECK(r.get("u8").as_u32() == 200);
  CHECK(r.get("i8").as_i64() == -5);
  CHECK_THROWS_WITH(r.get("i32").as_u64(), Contains("negative"));
  CHECK_THROWS_WITH(r.get("big").as_u32(), Contains("does not fit 32 bits"));
  CHECK(r.get("f").as_f32() == 1.5f);
  CHECK_THROWS_WITH(r.get("s").as_u32(), Contains("has type string"));
  CHECK_THROWS_WITH(r.get("missing"), Contains("missing metadata key 'missing'"));
  CHECK(r.get_u32("missing", 7) == 7);
  CHECK_THROWS_WITH(r.tensor("nope"), Contains("missing tensor 'nope'"));
}

TEST_CASE("gguf: writer round trip is bit-exact (all value types, all tensor types)", "[gguf]") {
  std::mt19937 rng(1234);
  gguf_writer w;
  w.set_string("general.architecture", "bitnet-b1.58");
  w.set_u8("k.u8", 250);
  w.set_i8("k.i8", -100);
  w.set_u16("k.u16", 65000);
  w.set_i16("k.i16", -32000);
  w.set_u32("k.u32", 4000000000u);
  w.set_i32("k.i32", -2000000000);
  w.set_u64("k.u64", 0xfedcba9876543210ull);
  w.set_i64("k.i64", -0x123456789abcll);
  w.set_f32("k.f32", 0.1f);
  w.set_f64("k.f64", 1e-300);
  w.set_bool("k.bool", true);
  w.set_string("k.str", std::string("a\0b\xE2\x96\x81", 6));
  w.set_strings("k.strs", std::vector<std::string>{"x", "", "yz"});
  w.set_f32s("k.f32s", {1.0f, -2.5f});
  w.set_i32s("k.i32s", {3, -4, 5});
  // nested array [[1,2],[3]] of u32, serialized by hand
  {
    std::string raw;
    auto put32 = [&](std::uint32_t v) { raw.append(reinterpret_cast<const char*>(&v), 4); };
    auto put64 = [&](std::uint64_t v) { raw.append(reinterpret_cast<const char*>(&v), 8); };
    put32(9); put64(2);
    put32(4); put64(2); put32(1); put32(2);
    put32(4); put64(1); put32(3);
    w.set_raw("k.nested", gguf_vtype::array, raw);
  }
  const std::vector<std::pair<ggml_type, std::vector<std::uint64_t>>> specs = {
      {ggml_type::f32, {5}},         {ggml_type::f16, {7, 3}},     {ggml_type::bf16, {9}},
      {ggml_type::q8_0, {64, 2}},    {ggml_type::q4_k, {256}},     {ggml_type::q6_k, {512, 2}},
      {ggml_type::tq1_0, {256, 3}},  {ggml_type::tq2_0, {512}},    {ggml_type::i2_s, {256, 6}},
  };
  std::vector<std::vector<std::uint8_t>> data;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const std::uint64_t nb = w.add_tensor("t" + std::to_string(i), specs[i].first, specs[i].second);
    std::vector<std::uint8_t> d(static_cast<std::size_t>(nb));
    for (auto& x : d) x = static_cast<std::uint8_t>(rng());
    data.push_back(d);
  }
  CHECK(data[8].size() == 256 * 6 / 4 + 32);  // I2_S true size (FORMATS.md §3.3)

  // Streamed to disk in odd-sized chunks equals the in-memory serialization.
  const std::string path = tt::tmp_path("roundtrip.gguf");
  w.open(path);
  for (const auto& d : data)
    for (std::size_t o = 0; o < d.size(); o += 7) w.write(d.data() + o, std::min<std::size_t>(7, d.size() - o));
  w.close();
  const auto file = tt::read_bytes(path);
  gguf_writer w2;  // same content via to_bytes
  CHECK(file.size() == w.total_bytes());

  const gguf_reader r = gguf_reader::open(path);
  CHECK(r.version() == 3);
  CHECK(r.get("k.u8").as_u64() == 250);
  CHECK(r.get("k.i8").as_i64() == -100);
  CHECK(r.get("k.u16").as_u64() == 65000);
  CHECK(r.get("k.i16").as_i64() == -32000);
  CHECK(r.get("k.u32").as_u64() == 4000000000u);
  CHECK(r.get("k.i32").as_i64() == -2000000000);
  CHECK(r.get("k.u64").as_u64() == 0xfedcba9876543210ull);
  CHECK(r.get("k.i64").as_i64() == -0x123456789abcll);
  CHECK(r.get("k.f32").as_f32() == 0.1f);
  CHECK(r.get("k.f64").as_f64() == 1e-300);
  CHECK(r.get("k.bool").as_bool());
  CHECK(r.get("k.str").as_string() == std::string_view("a\0b\xE2\x96\x81", 6));
  CHECK(r.get("k.strs").as_strings() == std::vector<std::string_view>{"x", "", "yz"});
  CHECK(r.get("k.f32s").as_f32s() == std::vector<float>{1.0f, -2.5f});
  CHECK(r.get("k.i32s").as_i32s() == std::vector<std::int32_t>{3, -4, 5});
  const gguf_value& nested = r.get("k.nested");
  REQUIRE(nested.size() == 2);
  CHECK(nested[0].as_i32s() == std::vector<std::int32_t>{1, 2});
  CHECK(nested[1].as_i32s() == std::vector<std::int32_t>{3});
  REQUIRE(r.tensors().size() == specs.size());
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const gguf_tensor& t = r.tensors()[i];
    CHECK(t.name == "t" + std::to_string(i));
    CHECK(t.type == specs[i].first);
    CHECK(t.shape() == specs[i].second);
    REQUIRE(t.nbytes == data[i].size());
    CHECK(std::memcmp(t.data, data[i].data(), data[i].size()) == 0);
    CHECK(t.offset % 32 == 0);
  }

  // Copying every KV verbatim and every tensor reproduces the file bit-exactly.
  gguf_writer w3;
  for (const auto& kv : r.metadata()) w3.set_value(kv.first, kv.second);
  std::vector<std::vector<std::uint8_t>> copy;
  for (const auto& t : r.tensors()) {
    w3.add_tensor(std::string(t.name), t.type, t.shape());
    copy.emplace_back(t.data, t.data + t.nbytes);
  }
  CHECK(w3.to_bytes(copy) == file);
  std::remove(path.c_str());
}

TEST_CASE("gguf: writer rejects misuse", "[gguf]") {
  gguf_writer w;
  w.add_tensor("a", ggml_type::f32, {4});
  CHECK_THROWS_WITH(w.add_tensor("a", ggml_type::f32, {4}), Contains("duplicate tensor name"));
  CHECK_THROWS_WITH(w.add_tensor("b", ggml_type::q8_0, {31}), Contains("block size"));
  CHECK_THROWS_WITH(w.add_tensor("c", ggml_type::i2_s, {100}), Contains("128"));
  CHECK_THROWS_WITH(gguf_writer(24), Contains("power of two"));
  const std::string path = tt::tmp_path("misuse.gguf");
  w.open(path);
  std::vector<std::uint8_t> d(20);
  CHECK_THROWS_WITH(w.write(d.data(), d.size()), Contains("more tensor data than declared"));
}

TEST_CASE("gguf: custom alignment", "[gguf]") {
  gguf_writer w(64);
  w.add_tensor("a", ggml_type::f32, {3});
  w.add_tensor("b", ggml_type::f32, {3});
  const auto b = w.to_bytes({std::vector<std::uint8_t>(12, 1), std::vector<std::uint8_t>(12, 2)});
  const gguf_reader r = parse(b);
  CHECK(r.alignment() == 64);
  CHECK(r.tensor("b").offset == 64);
  CHECK(r.data_offset() % 64 == 0);
  CHECK(r.tensor("b").data[0] == 2);
}

TEST_CASE("gguf: real vocab files written by llama.cpp load", "[gguf][shared]") {
  {
    const gguf_reader r = gguf_reader::open(tt::shared("data/vocab/ggml-vocab-llama-spm.gguf"));
    CHECK(r.version() == 3);
    CHECK(r.tensors().empty());
    CHECK(r.architecture() == "llama");
    CHECK(r.get_string("tokenizer.ggml.model", "") == "llama");
    CHECK(r.get("tokenizer.ggml.tokens").size() == 32000);
    CHECK(r.get("tokenizer.ggml.scores").size() == 32000);
    CHECK(r.get_u32("tokenizer.ggml.bos_token_id", 0) == 1);
    CHECK(r.get_bool("tokenizer.ggml.add_bos_token", false));
    CHECK(r.get("tokenizer.ggml.tokens").as_strings()[3] == "<0x00>");
  }
  {
    const gguf_reader r = gguf_reader::open(tt::shared("data/vocab/ggml-vocab-gpt-2.gguf"));
    CHECK(r.get_string("tokenizer.ggml.pre", "") == "gpt-2");
    CHECK(r.get("tokenizer.ggml.tokens").size() == 50257);
    CHECK(r.get("tokenizer.ggml.merges").size() == 50000);
    CHECK(r.get("tokenizer.ggml.merges").as_strings()[0] == "\xC4\xA0 t");
  }
}

TEST_CASE("gguf: peer files from bitnet.cpp and llama.cpp load with true sizes", "[gguf][shared]") {
  const gguf_reader i2 = gguf_reader::open(tt::shared("data/peer-files/tiny-bitnet25-i2_s.gguf"));
  const gguf_reader t2 = gguf_reader::open(tt::shared("data/peer-files/tiny-bitnet-tq2_0.gguf"));
  const gguf_reader t1 = gguf_reader::open(tt::shared("data/peer-files/tiny-bitnet-tq1_0.gguf"));
  CHECK(i2.tensors().size() == 24);
  CHECK(t2.tensors().size() == 24);
  CHECK(t1.tensors().size() == 24);
  CHECK(i2.architecture() == "bitnet-25");
  const gguf_tensor& q = i2.tensor("blk.0.attn_q.weight");
  CHECK(q.type == ggml_type::i2_s);
  CHECK(q.nbytes == 256 * 256 / 4 + 32);
  CHECK(t2.tensor("blk.0.ffn_down.weight").type == ggml_type::tq2_0);
  CHECK(t1.tensor("blk.0.ffn_down.weight").type == ggml_type::tq1_0);
  CHECK(i2.tensor("token_embd.weight").type == ggml_type::f16);

  // The three files hold the same ternary values (same generator seed, README).
  for (const char* name : {"blk.0.attn_q.weight", "blk.1.ffn_down.weight", "blk.0.attn_k.weight"}) {
    const ternary_tensor a = load_ternary(i2.tensor(name));
    const ternary_tensor b = load_ternary(t2.tensor(name));
    const ternary_tensor c = load_ternary(t1.tensor(name));
    CHECK(a.w == b.w);
    CHECK(b.w == c.w);
    CHECK(b.alpha == c.alpha);
    CHECK(f16_to_f32(f32_to_f16(a.alpha)) == b.alpha);
    int counts[3] = {0, 0, 0};
    for (auto x : a.w) counts[x + 1]++;
    CHECK(counts[0] > 0);
    CHECK(counts[1] > 0);
    CHECK(counts[2] > 0);
  }
}
