// SPDX-License-Identifier: MIT
// examples/convert/llama2c.cpp - bitllama2.c stories model -> arch `bitnet` GGUF (MODELS.md §5).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>

#include "convert/internal.hpp"
#include "common/file_checks.hpp"
#include "common/fp16.hpp"
#include "tokenizer/hf_vocab.hpp"
#include "formats/quants.hpp"

namespace trex {

namespace {

// Appends up to `limit` bytes of f to s, in chunks (memory follows the bytes actually there, not
// a size from a header); true when f ended before the limit.
bool read_upto(std::FILE* f, std::string& s, std::uint64_t limit) {
  char buf[1 << 16];
  while (s.size() < limit) {
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(sizeof buf, limit - s.size()));
    const std::size_t n = std::fread(buf, 1, want, f);
    s.append(buf, n);
    if (n < want) return true;
  }
  const int c = std::fgetc(f);  // at the limit: is there more?
  if (c == EOF) return true;
  std::ungetc(c, f);
  return false;
}

struct file_closer {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
std::unique_ptr<std::FILE, file_closer> open_input(const std::string& path) {
  const int fd = open_regular_file(path, "");  // a FIFO never blocks; a directory or device is refused
  std::FILE* f = ::fdopen(fd, "rb");
  if (!f) {
    const int e = errno;
    ::close(fd);
    throw error("cannot open " + path + ": " + std::strerror(e));
  }
  return std::unique_ptr<std::FILE, file_closer>(f);
}

// A llama2.c tokenizer of 32000 tokens is 434 KB; 64 MiB bounds what is read from any input
// (an endless one such as /dev/zero included).
constexpr std::uint64_t k_max_tokenizer_bytes = std::uint64_t(64) << 20;

}  // namespace

vocab_data llama2c_vocab(const std::string& path, std::size_t n_vocab) {
  std::string bin;
  if (!read_upto(open_input(path).get(), bin, k_max_tokenizer_bytes))
    throw error(path + ": longer than " + std::to_string(k_max_tokenizer_bytes) +
                " bytes (64 MiB), not a llama2.c tokenizer");
  vocab_data v;
  v.model = "llama";
  v.pre = "default";
  std::size_t p = 4;
  if (bin.size() < 4) throw error(path + ": truncated tokenizer file");
  for (std::size_t i = 0; i < n_vocab; ++i) {
    if (p + 8 > bin.size()) throw error(path + ": truncated at token " + std::to_string(i));
    const float score = load_f32_le(reinterpret_cast<const std::uint8_t*>(bin.data() + p));
    if (!std::isfinite(score)) throw error(path + ": the score of token " + std::to_string(i) + " is not finite");
    const auto len = static_cast<std::int32_t>(load_u32_le(reinterpret_cast<const std::uint8_t*>(bin.data() + p + 4)));
    if (len < 0 || static_cast<std::size_t>(len) > bin.size() - p - 8)
      throw error(path + ": bad length of token " + std::to_string(i));
    std::string t = bin.substr(p + 8, static_cast<std::size_t>(len));
    p += 8 + static_cast<std::size_t>(len);
    // The llama2.c writer decorates BOS/EOS as "\n<s>\n" / "\n</s>\n" and stores '▁' as ' '.
    if (t.size() > 2 && t.front() == '\n' && t.back() == '\n') t = t.substr(1, t.size() - 2);
    std::int32_t type = static_cast<std::int32_t>(token_type::normal);
    if (t == "<unk>") {
      type = static_cast<std::int32_t>(token_type::unknown);
      v.unk = static_cast<std::int32_t>(i);
    } else if (t == "<s>" || t == "</s>") {
      type = static_cast<std::int32_t>(token_type::control);
      (t == "<s>" ? v.bos : v.eos) = static_cast<std::int32_t>(i);
    } else if (t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>') {
      type = static_cast<std::int32_t>(token_type::byte);
    }
    std::string esc;
    for (char c : t) {
      if (c == ' ') {
        esc += "\xE2\x96\x81";
      } else {
        esc += c;
      }
    }
    v.tokens.push_back(esc);
    v.scores.push_back(score);
    v.types.push_back(type);
  }
  v.add_bos = true;
  v.add_eos = false;
  v.add_space_prefix = 1;
  return v;
}

void convert_llama2c(const std::string& model_bin, const std::string& tokenizer_bin, const std::string& out,
                     bool show_progress) {
  check_output_path(out, {model_bin, tokenizer_bin});  // before anything is read or written
  // The header first: the size it implies is checked before the rest is read (an endless input
  // such as /dev/zero fails on its magic after 256 bytes instead of being read until memory ends).
  auto file = open_input(model_bin);
  std::string bin;
  read_upto(file.get(), bin, 256);
  const auto* b = reinterpret_cast<const std::uint8_t*>(bin.data());
  if (bin.size() < 256) throw error(model_bin + ": truncated header (" + std::to_string(bin.size()) + " bytes)");
  if (load_u32_le(b) != 0x616b3432u) throw error(model_bin + ": bad magic (not a bitllama2.c ternary model)");
  if (load_u32_le(b + 4) != 1) throw error(model_bin + ": unsupported version " + std::to_string(load_u32_le(b + 4)));
  std::int32_t h[7];
  for (int i = 0; i < 7; ++i) h[i] = static_cast<std::int32_t>(load_u32_le(b + 8 + 4 * i));
  const std::int32_t dim = h[0], hidden = h[1], n_layers = h[2], n_heads = h[3], n_kv = h[4], vocab = h[5], seq = h[6];
  for (int i = 0; i < 7; ++i)
    if (h[i] <= 0 || h[i] > (1 << 20)) throw error(model_bin + ": bad header value " + std::to_string(h[i]));
  if (b[36] != 1) throw error(model_bin + ": separate classifier (shared_classifier = 0) is not supported");
  if (dim % n_heads != 0 || n_heads % n_kv != 0) throw error(model_bin + ": inconsistent head counts");
  const std::int32_t head_dim = dim / n_heads, kv_dim = n_kv * head_dim;
  if (head_dim % 2 != 0) throw error(model_bin + ": odd head dimension");

  struct mat {
    const char* gguf;
    std::int32_t out, in;
    bool permute;
    std::int32_t heads;
  };
  const mat mats[7] = {{"attn_q", dim, dim, true, n_heads},       {"attn_k", kv_dim, dim, true, n_kv},
                       {"attn_v", kv_dim, dim, false, 0},         {"attn_output", dim, dim, false, 0},
                       {"ffn_gate", hidden, dim, false, 0},       {"ffn_down", dim, hidden, false, 0},
                       {"ffn_up", hidden, dim, false, 0}};  // file order: wq wk wv wo w1 w2 w3
  std::uint64_t expect = 256 + std::uint64_t(dim) * 4 + std::uint64_t(vocab) * dim * 4;
  for (const auto& m : mats) expect += std::uint64_t(n_layers) * (4 + std::uint64_t(m.out) * m.in / 4);
  struct stat st {};
  const bool regular = ::fstat(fileno(file.get()), &st) == 0 && S_ISREG(st.st_mode);
  if (regular && static_cast<std::uint64_t>(st.st_size) != expect)
    throw error(model_bin + ": size " + std::to_string(st.st_size) + " bytes, expected " + std::to_string(expect) +
                " for this header (truncated or not a bitllama2.c file)");
  const bool ended = read_upto(file.get(), bin, expect);
  if (bin.size() != expect || !ended)
    throw error(model_bin + ": " + (ended ? "size " + std::to_string(bin.size()) : std::string("more than ") + std::to_string(expect)) +
                " bytes, expected " + std::to_string(expect) + " for this header (truncated or not a bitllama2.c file)");
  b = reinterpret_cast<const std::uint8_t*>(bin.data());
  file.reset();
  // Every float the model uses must be finite: the embedding, the final norm and each matrix scale.
  check_finite(reinterpret_cast<const float*>(b + 256), static_cast<std::size_t>(dim), model_bin + ": the final norm weight");
  check_finite(reinterpret_cast<const float*>(b + 256 + 4 * std::uint64_t(dim)),
               static_cast<std::size_t>(std::uint64_t(vocab) * dim), model_bin + ": the token embedding");
  for (const auto& m : mats)
    if ((std::uint64_t(m.out) * m.in) % 128 != 0) throw error(model_bin + ": matrix size not a multiple of 128");

  const vocab_data v = llama2c_vocab(tokenizer_bin, static_cast<std::size_t>(vocab));
  const std::string arch = "bitnet";
  gguf_writer w;
  w.set_string("general.architecture", arch);
  w.set_string("general.name", "bitllama2c-stories");
  w.set_u32(arch + ".vocab_size", static_cast<std::uint32_t>(vocab));
  w.set_u32(arch + ".context_length", static_cast<std::uint32_t>(seq));
  w.set_u32(arch + ".embedding_length", static_cast<std::uint32_t>(dim));
  w.set_u32(arch + ".block_count", static_cast<std::uint32_t>(n_layers));
  w.set_u32(arch + ".feed_forward_length", static_cast<std::uint32_t>(hidden));
  w.set_u32(arch + ".rope.dimension_count", static_cast<std::uint32_t>(head_dim));
  w.set_u32(arch + ".attention.head_count", static_cast<std::uint32_t>(n_heads));
  w.set_u32(arch + ".attention.head_count_kv", static_cast<std::uint32_t>(n_kv));
  w.set_f32(arch + ".rope.freq_base", 10000.0f);
  // Inner norms are parameter-free 1/n-scaled with no epsilon; the final norm uses 1e-5 (§5.2, §5.4).
  // Other engines reject eps = 0, so the inner norms get the tiny epsilon that computes the same.
  w.set_f32(arch + ".attention.layer_norm_rms_epsilon", k_tiny_rms_eps);
  w.set_f32(arch + ".output_norm_rms_epsilon", 1e-5f);
  w.set_u32("general.file_type", 40);
  w.set_u32("general.quantization_version", 2);
  v.write_gguf(w);

  const std::uint64_t D = static_cast<std::uint64_t>(dim), V = static_cast<std::uint64_t>(vocab);
  w.add_tensor("token_embd.weight", ggml_type::f32, {D, V});
  w.add_tensor("output_norm.weight", ggml_type::f32, {D});
  for (std::int32_t l = 0; l < n_layers; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    w.add_tensor(p + "attn_norm.weight", ggml_type::f32, {D});
    w.add_tensor(p + "attn_q.weight", ggml_type::i2_s, {D, D});
    w.add_tensor(p + "attn_k.weight", ggml_type::i2_s, {D, std::uint64_t(kv_dim)});
    w.add_tensor(p + "attn_v.weight", ggml_type::i2_s, {D, std::uint64_t(kv_dim)});
    w.add_tensor(p + "attn_output.weight", ggml_type::i2_s, {D, D});
    w.add_tensor(p + "attn_sub_norm.weight", ggml_type::f32, {D});
    w.add_tensor(p + "ffn_norm.weight", ggml_type::f32, {D});
    w.add_tensor(p + "ffn_gate.weight", ggml_type::i2_s, {D, std::uint64_t(hidden)});
    w.add_tensor(p + "ffn_up.weight", ggml_type::i2_s, {D, std::uint64_t(hidden)});
    w.add_tensor(p + "ffn_down.weight", ggml_type::i2_s, {std::uint64_t(hidden), D});
    w.add_tensor(p + "ffn_sub_norm.weight", ggml_type::f32, {std::uint64_t(hidden)});
  }

  // Decode all ternary records: [matrix kind][layer] -> (alpha, int8 weights, rows permuted).
  std::vector<std::vector<float>> alphas(7, std::vector<float>(static_cast<std::size_t>(n_layers)));
  std::vector<std::vector<std::vector<std::int8_t>>> ws(7, std::vector<std::vector<std::int8_t>>(static_cast<std::size_t>(n_layers)));
  std::size_t off = 256 + static_cast<std::size_t>(D * 4 + V * D * 4);
  for (int mi = 0; mi < 7; ++mi) {
    const mat& m = mats[mi];
    const std::size_t rows = static_cast<std::size_t>(m.out), cols = static_cast<std::size_t>(m.in);
    for (std::int32_t l = 0; l < n_layers; ++l) {
      alphas[mi][static_cast<std::size_t>(l)] = load_f32_le(b + off);
      if (!std::isfinite(alphas[mi][static_cast<std::size_t>(l)]))
        throw error(model_bin + ": the scale of " + m.gguf + " in layer " + std::to_string(l) + " is not finite (" +
                    std::to_string(alphas[mi][static_cast<std::size_t>(l)]) + ")");
      const std::uint8_t* codes = b + off + 4;
      std::vector<std::int8_t> wt(rows * cols);
      for (std::size_t i = 0; i < rows * cols; ++i) {
        const int c = (codes[i / 4] >> (2 * (i % 4))) & 3;  // LSB first
        if (c == 2) throw error(model_bin + ": invalid weight code 10 in " + m.gguf + " of layer " + std::to_string(l));
        wt[i] = static_cast<std::int8_t>(c == 0 ? 0 : (c == 1 ? 1 : -1));
      }
      if (m.permute) {
        // interleaved RoPE pairs (2j, 2j+1) -> rotate-half (j, j + head_dim/2), per head
        std::vector<std::int8_t> pw(wt.size());
        const std::size_t hd = static_cast<std::size_t>(head_dim), half = hd / 2;
        for (std::int32_t hh = 0; hh < m.heads; ++hh) {
          const std::size_t base = static_cast<std::size_t>(hh) * hd;
          for (std::size_t j = 0; j < half; ++j) {
            std::memcpy(&pw[(base + j) * cols], &wt[(base + 2 * j) * cols], cols);
            std::memcpy(&pw[(base + half + j) * cols], &wt[(base + 2 * j + 1) * cols], cols);
          }
        }
        wt.swap(pw);
      }
      ws[mi][static_cast<std::size_t>(l)] = std::move(wt);
      off += 4 + rows * cols / 4;
    }
  }

  w.open(out, {model_bin, tokenizer_bin});
  progress prog("llama2c-bitnet", w.total_bytes(), show_progress);
  w.write(b + 256 + D * 4, static_cast<std::size_t>(V * D * 4));  // embedding [vocab][dim] = ne {dim, vocab}
  w.write(b + 256, static_cast<std::size_t>(D * 4));              // final norm
  auto norm = [&](std::uint64_t n, float value) {
    std::vector<std::uint8_t> buf(static_cast<std::size_t>(n) * 4);
    for (std::uint64_t i = 0; i < n; ++i) store_u32_le(buf.data() + 4 * i, f32_bits(value));
    w.write(buf.data(), buf.size());
  };
  auto tern = [&](int mi, std::int32_t l) {
    const auto& wt = ws[mi][static_cast<std::size_t>(l)];
    detail::ternary_sink sink(w, ggml_type::i2_s, wt.size(), alphas[mi][static_cast<std::size_t>(l)]);
    sink.put(wt.data(), wt.size());
    sink.finish();
  };
  const float inv_dim = 1.0f / static_cast<float>(dim), inv_hidden = 1.0f / static_cast<float>(hidden);
  for (std::int32_t l = 0; l < n_layers; ++l) {
    norm(D, inv_dim);  // attn_norm
    tern(0, l);        // q
    tern(1, l);        // k
    tern(2, l);        // v
    tern(3, l);        // o
    norm(D, inv_dim);  // attn_sub_norm
    norm(D, inv_dim);  // ffn_norm
    tern(4, l);        // gate = w1
    tern(6, l);        // up = w3
    tern(5, l);        // down = w2
    norm(static_cast<std::uint64_t>(hidden), inv_hidden);  // ffn_sub_norm
  }
  w.close();
  prog.done();
}

}  // namespace trex
