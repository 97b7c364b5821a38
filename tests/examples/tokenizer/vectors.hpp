// SPDX-License-Identifier: MIT
// tests/examples/tokenizer/vectors.hpp - the shared tokenizer test vectors of ../shared/data/vocab/
// (llama.cpp's format): .inp holds the strings, each followed by "\n__ggml_vocab_test__\n"; .out one
// line of ids per string, each id preceded by a space.
#pragma once

#include <cstdint>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "catch.hpp"
#include "common/file_checks.hpp"
#include "tokenizer/tokenizer.hpp"

namespace tt {

struct tok_vectors {
  std::vector<std::string> inputs;
  std::vector<std::vector<std::int32_t>> ids;
};

inline tok_vectors read_vectors(const std::string& base) {
  tok_vectors v;
  const std::string inp = trex::read_file(base + ".inp");
  const std::string sep = "\n__ggml_vocab_test__\n";
  for (std::size_t pos = 0;;) {
    const std::size_t e = inp.find(sep, pos);
    if (e == std::string::npos) break;
    v.inputs.push_back(inp.substr(pos, e - pos));
    pos = e + sep.size();
  }
  std::istringstream out(trex::read_file(base + ".out"));
  std::string line;
  while (std::getline(out, line)) {
    std::istringstream ls(line);
    std::vector<std::int32_t> ids;
    std::int32_t x;
    while (ls >> x) ids.push_back(x);
    v.ids.push_back(ids);
  }
  return v;
}

inline std::string ids_text(const std::vector<std::int32_t>& ids) {
  std::string s;
  for (auto i : ids) s += " " + std::to_string(i);
  return s;
}

// All 46 cases (no BOS, special parsing off) give the expected ids; with roundtrip, decoding gives
// the input back. Prints "<base>: passed/46".
inline void check_vectors(const trex::tokenizer& tok, const std::string& base, bool roundtrip) {
  const tok_vectors v = read_vectors(base);
  REQUIRE(v.inputs.size() == 46);
  REQUIRE(v.ids.size() == v.inputs.size());
  std::size_t pass = 0;
  for (std::size_t i = 0; i < v.inputs.size(); ++i) {
    const auto got = tok.encode(v.inputs[i], /*add_bos=*/false, /*parse_special=*/false);
    INFO("case " << i << ": '" << v.inputs[i] << "' expected" << ids_text(v.ids[i]) << " got" << ids_text(got));
    CHECK(got == v.ids[i]);
    if (got == v.ids[i]) ++pass;
    if (roundtrip) CHECK(tok.decode(got) == v.inputs[i]);
  }
  std::printf("%s: %zu/%zu\n", base.c_str(), pass, v.inputs.size());
}

}  // namespace tt
