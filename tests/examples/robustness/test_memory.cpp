// SPDX-License-Identifier: MIT
// tests/examples/robustness/test_memory.cpp - issue 16 section 3: memory bounded by what the input
// justifies. Each hostile input is built here and given to tritlut-run / tritlut-convert as a
// child process; the peak RSS of the child (wait4) must stay far below what the code before the
// fix took (GBs), with room for ASan's shadow memory. Where ASan is not active the child also runs
// under an address-space cap, so that a regression fails fast instead of swapping the machine.
#include <cstdint>
#include <string>
#include <vector>

#include "catch.hpp"
#include "models.hpp"

using namespace trex;
using namespace tt;

namespace {

// The bound on every child here: generous for ASan (shadow memory, quarantine), while the code
// before the fix took 1.2 GB to more than 3 GB on these inputs.
constexpr long k_bound_kb = 400 * 1024;

tt::child_options capped(double timeout_s = 120) {
  tt::child_options o;
  o.max_address_space_mb = as_cap_mb();
  o.timeout_s = timeout_s;
  return o;
}

void expect_bounded_error(const tt::child_result& r, const std::vector<std::string>& fragments, int status = 1) {
  INFO(r.describe());
  CHECK(r.exited(status));
  for (const auto& f : fragments) CHECK(contains(r.err, f));
  CHECK(r.peak_rss_kb < k_bound_kb);
}

void put_u32(std::string& s, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
}
void put_u64(std::string& s, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
}

}  // namespace

TEST_CASE("gguf: nested metadata arrays cost memory in proportion to the file, not to elements x key",
          "[robustness][memory]") {
  const std::string dir = tt::scratch_dir("memory-nested");
  // One key of 100 000 bytes holding 17 000 empty u8 arrays (12 bytes each): a 305 KB file. A key
  // copy per element would be 1.7 GB.
  std::string f = "GGUF";
  put_u32(f, 3);
  put_u64(f, 0);  // tensors
  put_u64(f, 1);  // metadata
  const std::string key(100000, 'k');
  put_u64(f, key.size());
  f += key;
  put_u32(f, 9);  // array
  put_u32(f, 9);  // of arrays
  put_u64(f, 17000);
  for (int i = 0; i < 17000; ++i) {
    put_u32(f, 0);  // of u8
    put_u64(f, 0);  // empty
  }
  const std::string path = dir + "/nested.gguf";
  tt::write_file(path, f);
  REQUIRE(f.size() < 310 * 1000);
  const auto r = tt::run_child({run_exe(), "-m", path, "-p", "x"}, capped());
  expect_bounded_error(r, {"general.architecture"});
}

TEST_CASE("model: block_count is checked against the tensors before the layer list is sized", "[robustness][memory]") {
  const std::string dir = tt::scratch_dir("memory-layers");
  const std::string tiny = tiny_model(dir);
  const std::string bad = dir + "/layers.gguf";
  rewrite_gguf(tiny, bad, [](gguf_writer& w) { w.set_u32("bitnet-b1.58.block_count", 1000000); });
  const auto r = tt::run_child({run_exe(), "-m", bad, "-p", "x"}, capped());
  expect_bounded_error(r, {"block_count 1000000", "11 tensors per layer", "24 tensors"});
}

TEST_CASE("run: prompt files are bounded", "[robustness][memory]") {
  const std::string dir = tt::scratch_dir("memory-prompt");
  const std::string tiny = tiny_model(dir);
  SECTION("a regular file over 16 MiB is refused before it is read") {
    const std::string path = dir + "/big.txt";
    tt::write_file(path, std::string((std::size_t(16) << 20) + 1, 'a'));
    const auto r = tt::run_child({run_exe(), "-m", tiny, "-f", path, "-n", "1"}, capped(60));
    expect_bounded_error(r, {"prompt file", path, "16777217 bytes", "16 MiB"});
    std::remove(path.c_str());
  }
  SECTION("an endless stream (/dev/zero) ends with an error, not with memory") {
    const auto r = tt::run_child({run_exe(), "-m", tiny, "-f", "/dev/zero", "-n", "1"}, capped(60));
    expect_bounded_error(r, {"/dev/zero"});
  }
  SECTION("a small prompt file still works") {
    const std::string path = dir + "/ok.txt";
    tt::write_file(path, "hello world");
    const auto r = tt::run_child({run_exe(), "-m", tiny, "-f", path, "-n", "2"}, capped(60));
    INFO(r.describe());
    CHECK(r.exited(0));
  }
}

TEST_CASE("llama2c-bitnet: an endless input is not read until memory ends", "[robustness][memory]") {
  const std::string dir = tt::scratch_dir("memory-llama2c");
  const std::string out = dir + "/out.gguf";
  const llama2c_files good = llama2c_model(dir);
  SECTION("/dev/zero as the model") {
    const auto r = tt::run_child({convert_exe(), "llama2c-bitnet", "/dev/zero", good.tokenizer, "-o", out, "--quiet"},
                                 capped(60));
    expect_bounded_error(r, {"/dev/zero"});
  }
  SECTION("/dev/zero as the tokenizer") {
    const auto r = tt::run_child({convert_exe(), "llama2c-bitnet", good.model, "/dev/zero", "-o", out, "--quiet"},
                                 capped(60));
    expect_bounded_error(r, {"/dev/zero"});
  }
  SECTION("a header promising more than the file holds") {
    const llama2c_files big = llama2c_model(dir, [](std::vector<std::uint8_t>& b) {
      store_u32_le(b.data() + 8 + 4 * 5, 1u << 20);  // vocab 2^20: a 512 MiB embedding that is not there
    });
    const auto r = tt::run_child({convert_exe(), "llama2c-bitnet", big.model, big.tokenizer, "-o", out, "--quiet"},
                                 capped(60));
    expect_bounded_error(r, {"expected", "for this header"});
  }
}

TEST_CASE("convert: plans are validated before they are built", "[robustness][memory]") {
  const std::string dir = tt::scratch_dir("memory-plans");
  const std::string out = dir + "/out.gguf";
  SECTION("dummy --vocab-size 10^12") {
    const auto r = tt::run_child(
        {convert_exe(), "dummy", "--config", "tiny", "--vocab-size", "1000000000000", "-o", out, "--quiet"}, capped());
    expect_bounded_error(r, {"--vocab-size 1000000000000", "[262, 1048576]"});
    CHECK(tt::file_digest(out) == "absent");
  }
  SECTION("hf num_hidden_layers 2 000 000 000 with one layer of tensors") {
    hf_options o;
    o.config_layers = 2000000000;
    const std::string ck = hf_checkpoint(dir, o);
    const auto r = tt::run_child({convert_exe(), "hf", ck, "-o", out, "--quiet"}, capped());
    expect_bounded_error(r, {"num_hidden_layers", "2000000000", "11 tensors per layer"});
    CHECK(tt::file_digest(out) == "absent");
  }
}

TEST_CASE("run: a context too big to allocate says what was asked, the bytes and the flag", "[robustness][memory]") {
  const std::string dir = tt::scratch_dir("memory-context");
  const std::string tiny = tiny_model(dir);
  SECTION("-c 2^40") {
    const auto r = tt::run_child({run_exe(), "-m", tiny, "-p", "x", "-c", "1099511627776"}, capped());
    // tiny: 2 layers x 128 KV values x 2 (K and V) x 2 bytes = 1024 bytes a token.
    expect_bounded_error(r, {"a context of 1099511627776 tokens", "1.126e+15 bytes", "1024 bytes per token", "-c"});
  }
  SECTION("--kv-type f32 names the smaller type too") {
    const auto r =
        tt::run_child({run_exe(), "-m", tiny, "-p", "x", "-c", "1099511627776", "--kv-type", "f32"}, capped());
    expect_bounded_error(r, {"2048 bytes per token", "--kv-type f16"});
  }
  SECTION("the model's own context_length of 2^32 - 1") {
    const std::string bad = dir + "/ctx.gguf";
    rewrite_gguf(tiny, bad, [](gguf_writer& w) { w.set_u32("bitnet-b1.58.context_length", 0xffffffffu); });
    const auto r = tt::run_child({run_exe(), "-m", bad, "-p", "x"}, capped());
    expect_bounded_error(r, {"a context of 4294967295 tokens", "bytes", "-c"});
  }
  SECTION("a large context that fits is allocated lazily") {
    const auto r = tt::run_child({run_exe(), "-m", tiny, "-p", "x", "-n", "2", "-c", "100000"}, capped());
    INFO(r.describe());
    CHECK(r.exited(0));
    CHECK(r.peak_rss_kb < k_bound_kb);
  }
}
