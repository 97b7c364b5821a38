// SPDX-License-Identifier: MIT
// examples/convert/common.cpp - progress indicator, ternary streaming, shared converter code.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>

#include <tritlut/formats/i2s.hpp>

#include "common/clock.hpp"
#include "convert/internal.hpp"
#include "common/fp16.hpp"
#include "formats/quants.hpp"

namespace trex {

progress::progress(std::string label, std::uint64_t total, bool enabled)
    : label_(std::move(label)), total_(total), enabled_(enabled) {
  print(true);
}

void progress::add(std::uint64_t n) {
  cur_ += n;
  print(false);
}

void progress::done() {
  cur_ = total_;
  print(true);
  if (enabled_) std::fputc('\n', stderr);
  enabled_ = false;
}

void progress::print(bool force) {
  if (!enabled_) return;
  const double t = now_s();
  if (!force && t - last_ < 0.2) return;
  last_ = t;
  const double pct = total_ ? 100.0 * double(cur_) / double(total_) : 100.0;
  std::fprintf(stderr, "\r%s %3.0f%% %llu/%llu MB", label_.c_str(), pct,
               static_cast<unsigned long long>(cur_ >> 20), static_cast<unsigned long long>(total_ >> 20));
  std::fflush(stderr);
}

namespace detail {

ternary_sink::ternary_sink(gguf_writer& w, ggml_type fmt, std::uint64_t n, float alpha)
    : w_(w), fmt_(fmt), n_(n), alpha_(alpha) {
  if (!is_ternary(fmt)) throw error("ternary_sink: not a ternary format");
}

void ternary_sink::put(const std::int8_t* w, std::size_t n) {
  if (n == 0) return;
  if (done_ + n > n_) throw error("ternary_sink: more weights than declared");
  if (fmt_ == ggml_type::i2_s) {
    if (n % 128 != 0) throw error("ternary_sink: I2_S chunk not a multiple of 128");
    buf_.resize(n / 4 + 32);
    // One flattened-index chunk packs exactly like the same weights inside the whole tensor
    // (128-weight blocks never straddle chunks); the chunk's own 32-byte tail is not written.
    tritlut::i2s_pack_file(w, 1, n, alpha_, buf_.data());
    w_.write(buf_.data(), n / 4);
  } else {
    if (n % 256 != 0) throw error("ternary_sink: TQ chunk not a multiple of 256");
    buf_.resize(n / 256 * ggml_block_bytes(fmt_));
    ternary_to_tq(fmt_, w, n, alpha_, buf_.data());
    w_.write(buf_.data(), buf_.size());
  }
  done_ += n;
}

void ternary_sink::finish() {
  if (done_ != n_) throw error("ternary_sink: tensor incomplete");
  if (fmt_ == ggml_type::i2_s) {
    std::uint8_t tail[32] = {};
    std::memcpy(tail, &alpha_, 4);  // f32 little-endian (x86-64, AArch64)
    w_.write(tail, 32);
  }
}

ggml_type parse_ternary_format(const std::string& s) {
  std::string l = s;
  std::transform(l.begin(), l.end(), l.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (l == "i2s" || l == "i2_s") return ggml_type::i2_s;
  if (l == "tq2_0" || l == "tq2") return ggml_type::tq2_0;
  if (l == "tq1_0" || l == "tq1") return ggml_type::tq1_0;
  throw error("unknown format '" + s + "' (expected i2s, tq2_0 or tq1_0)");
}

std::uint32_t file_type_of(ggml_type t) {
  switch (t) {
    case ggml_type::i2_s: return 40;   // MOSTLY_I2_S (bitnet.cpp fork)
    case ggml_type::tq1_0: return 36;  // MOSTLY_TQ1_0
    case ggml_type::tq2_0: return 37;  // MOSTLY_TQ2_0
    default: return 0;
  }
}

}  // namespace detail
}  // namespace trex
