// SPDX-License-Identifier: MIT
// examples/convert/main.cpp - tritlut-convert: make GGUF files for the example transformer.
// Subcommand syntax is fixed (scripts rely on it); see docs/convert.md.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include <unistd.h>

#include "convert/convert.hpp"
#include "convert/internal.hpp"
#include "common/file_checks.hpp"

namespace {

const char* k_usage =
    "usage:\n"
    "  tritlut-convert dummy --config NAME -o OUT.gguf [--format i2s|tq2_0] [--seed N]\n"
    "                        [--vocab FILE.gguf|tokenizer.json] [--vocab-size N] [--ctx N]\n"
    "  tritlut-convert llama2c-bitnet MODEL.bin TOKENIZER.bin -o OUT.gguf\n"
    "  tritlut-convert hf DIR -o OUT.gguf\n"
    "  tritlut-convert repack IN.gguf -o OUT.gguf --format i2s|tq2_0|tq1_0\n"
    "  tritlut-convert --help\n"
    "\n"
    "subcommands:\n"
    "  dummy           random-weight BitNet b1.58 model (arch bitnet-b1.58) of a named config:\n"
    "                  125M 350M 700M 1B 1.5B 2.5B 2.7B 3.8B 7B 13B 30B 70B 100B (bitnet.cpp paper),\n"
    "                  2b4t (exact shape of the official BitNet b1.58 2B4T GGUF), tiny (tests).\n"
    "                  Default vocabulary: synthetic byte-level BPE of 128256 tokens (Llama-3 special ids).\n"
    "  llama2c-bitnet  bitllama2.c ternary checkpoint + llama2.c tokenizer -> arch bitnet GGUF.\n"
    "  hf              Hugging Face BitNet checkpoint dir (config.json, *.safetensors, tokenizer.json)\n"
    "                  -> arch bitnet-b1.58 GGUF with I2_S weights.\n"
    "  repack          lossless conversion of ternary tensors between I2_S, TQ2_0 and TQ1_0.\n"
    "\n"
    "options:\n"
    "  -o, --output FILE   output GGUF path (required)\n"
    "  --quiet             no progress indicator\n";

struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::uint64_t parse_u64(const std::string& opt, const std::string& v) {
  if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 19)
    throw usage_error(opt + " expects a non-negative integer, got '" + v + "'");
  return std::strtoull(v.c_str(), nullptr, 10);
}

struct args {
  std::vector<std::string> positional;
  std::string out, config, format, vocab;
  std::uint64_t seed = 0, vocab_size = 0, ctx = 4096;
  bool have_format = false, quiet = false;
};

args parse(int argc, char** argv, int first, bool dummy) {
  args a;
  for (int i = first; i < argc; ++i) {
    const std::string s = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw usage_error("option " + s + " needs a value");
      return argv[++i];
    };
    if (s == "-o" || s == "--output") {
      a.out = value();
    } else if (s == "--format") {
      a.format = value();
      a.have_format = true;
    } else if (s == "--quiet" || s == "-q") {
      a.quiet = true;
    } else if (dummy && s == "--config") {
      a.config = value();
    } else if (dummy && s == "--seed") {
      a.seed = parse_u64(s, value());
    } else if (dummy && s == "--vocab") {
      a.vocab = value();
    } else if (dummy && s == "--vocab-size") {
      a.vocab_size = parse_u64(s, value());
    } else if (dummy && s == "--ctx") {
      a.ctx = parse_u64(s, value());
      if (a.ctx == 0 || a.ctx > 0xffffffffu) throw usage_error("--ctx out of range");
    } else if (s.size() > 1 && s[0] == '-') {
      throw usage_error("unknown option '" + s + "'");
    } else {
      a.positional.push_back(s);
    }
  }
  if (a.out.empty()) throw usage_error("missing -o OUT.gguf");
  return a;
}

void expect_positional(const args& a, std::size_t n, const char* what) {
  if (a.positional.size() != n)
    throw usage_error(std::string("expected ") + what + ", got " + std::to_string(a.positional.size()) +
                      " positional argument(s)");
}

// Once per written file: which engines cannot run it although its format suggests they might.
void warn_peers(const std::string& out, const std::string& arch, trex::ggml_type format) {
  const std::string w = trex::peer_warning(arch, format);
  if (!w.empty()) std::fprintf(stderr, "tritlut-convert: warning: %s: %s\n", out.c_str(), w.c_str());
}

int run(int argc, char** argv) {
  using namespace trex;
  if (argc < 2) throw usage_error("missing subcommand");
  const std::string cmd = argv[1];
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    std::fputs(k_usage, stdout);
    return 0;
  }
  for (int i = 2; i < argc; ++i) {
    const std::string s = argv[i];
    if (s == "-h" || s == "--help") {
      std::fputs(k_usage, stdout);
      return 0;
    }
  }
  const bool tty = isatty(fileno(stderr)) != 0;
  if (cmd == "dummy") {
    const args a = parse(argc, argv, 2, true);
    expect_positional(a, 0, "no positional arguments");
    if (a.config.empty()) throw usage_error("dummy needs --config NAME");
    dummy_options o;
    o.config = a.config;
    o.out = a.out;
    if (a.have_format) o.format = a.format;
    o.seed = a.seed;
    o.vocab_file = a.vocab;
    o.vocab_size = a.vocab_size;
    o.ctx = static_cast<std::uint32_t>(a.ctx);
    o.show_progress = !a.quiet && tty;
    convert_dummy(o);
    warn_peers(a.out, "bitnet-b1.58", detail::parse_ternary_format(o.format));
  } else if (cmd == "llama2c-bitnet") {
    const args a = parse(argc, argv, 2, false);
    if (a.have_format) throw usage_error("llama2c-bitnet writes I2_S; --format is not accepted");
    expect_positional(a, 2, "MODEL.bin TOKENIZER.bin");
    convert_llama2c(a.positional[0], a.positional[1], a.out, !a.quiet && tty);
  } else if (cmd == "hf") {
    const args a = parse(argc, argv, 2, false);
    if (a.have_format) throw usage_error("hf writes I2_S; --format is not accepted");
    expect_positional(a, 1, "DIR");
    convert_hf(a.positional[0], a.out, !a.quiet && tty);
  } else if (cmd == "repack") {
    const args a = parse(argc, argv, 2, false);
    expect_positional(a, 1, "IN.gguf");
    if (!a.have_format) throw usage_error("repack needs --format i2s|tq2_0|tq1_0");
    ggml_type t;
    try {
      t = detail::parse_ternary_format(a.format);
    } catch (const std::exception& e) {
      throw usage_error(e.what());
    }
    repack(a.positional[0], a.out, t, !a.quiet && tty);
    warn_peers(a.out, gguf_reader::open(a.out).architecture(), t);
  } else {
    throw usage_error("unknown subcommand '" + cmd + "'");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  trex::guard_mapped_files("tritlut-convert");  // an input truncated while mapped: a message, not SIGBUS
  try {
    return run(argc, argv);
  } catch (const usage_error& e) {
    std::fprintf(stderr, "tritlut-convert: error: %s\n(run 'tritlut-convert --help' for usage)\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "\ntritlut-convert: error: %s\n", e.what());
    return 1;
  }
}
