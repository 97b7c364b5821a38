// SPDX-License-Identifier: MIT
// examples/convert/peers.cpp - which other engines run the files tritlut-convert writes.
#include <initializer_list>

#include "convert/convert.hpp"

namespace trex {

namespace {

bool one_of(const std::string& s, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (s == n) return true;
  return false;
}

// The 2B4T graph (ReLU² gated FFN, sub-norms): bitnet.cpp's fork names it `bitnet-b1.58` (official GGUF)
// and `bitnet-25` (its converter); mainline llama.cpp has no such graph.
bool is_2b4t(const std::string& arch) { return one_of(arch, {"bitnet-b1.58", "bitnet-25"}); }

}  // namespace

std::vector<std::string> peer_engines(const std::string& arch, ggml_type format) {
  std::vector<std::string> out;
  // bitnet.cpp's fork reads I2_S (type 36) for every BitNet graph it builds and for ternary llama.
  if (format == ggml_type::i2_s && (is_2b4t(arch) || one_of(arch, {"bitnet", "llama"}))) out.push_back("bitnet.cpp");
  // Mainline reads TQ1_0/TQ2_0 (types 34/35); type 36 is a removed type there, so I2_S files fail to load.
  if ((format == ggml_type::tq1_0 || format == ggml_type::tq2_0) && one_of(arch, {"bitnet", "llama"}))
    out.push_back("llama.cpp");
  return out;
}

std::string peer_warning(const std::string& arch, ggml_type format) {
  if (format != ggml_type::tq1_0 && format != ggml_type::tq2_0) return "";
  if (one_of(arch, {"bitnet", "llama"})) return "";
  const std::string f = to_string(format);
  if (is_2b4t(arch))
    return "mainline llama.cpp cannot run this " + f + " file: it has no graph for arch '" + arch +
           "' (BitNet b1.58 2B4T: ReLU\xC2\xB2 gated FFN); its 'bitnet' graph uses SiLU, so renaming the "
           "architecture would compute a different model. The file is for tritlut; bitnet.cpp runs the "
           "I2_S form (--format i2s).";
  return "mainline llama.cpp does not know arch '" + arch + "'; the " + f + " file is for tritlut.";
}

}  // namespace trex
