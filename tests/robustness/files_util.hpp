// SPDX-License-Identifier: MIT
// tests/robustness/files_util.hpp - helpers of test_files.cpp and test_signals.cpp: a child runner
// that the test drives while it runs (stdin lines, closing its stdout pipe, signals, a look at the
// files it has open), stdout to a file such as /dev/full, and small input files built here.
//
// TRITLUT_ROBUST_RUN_EXE / TRITLUT_ROBUST_CONVERT_EXE in the environment replace the programs under
// test (to show that a test fails on binaries built from an older tree).
#pragma once

#include <dirent.h>

#include <algorithm>
#include <functional>
#include <set>
#include <thread>

#include "robust_util.hpp"

namespace files_util {

using robust::convert_exe;
using robust::run_exe;

// What the test sees and does while the child runs (run_driven's tick).
struct child_ctl {
  pid_t pid = -1;
  double elapsed_s = 0;
  std::string out, err;  // so far
  int stdin_fd = -1;     // -1 once closed
  bool stdout_closed = false;
  void send(const std::string& s) {
    if (stdin_fd < 0) return;
    const char* p = s.data();
    std::size_t n = s.size();
    while (n > 0) {
      const ssize_t w = ::write(stdin_fd, p, n);
      if (w <= 0) return;
      p += w;
      n -= static_cast<std::size_t>(w);
    }
  }
  void close_stdin() {
    if (stdin_fd >= 0) ::close(stdin_fd);
    stdin_fd = -1;
  }
};

struct driven_options {
  std::string stdout_path;        // non-empty: the child's stdout is this file (e.g. /dev/full)
  std::vector<std::string> env;   // NAME=VALUE added to the child's environment
  long max_file_bytes = 0;        // RLIMIT_FSIZE of the child, SIGXFSZ ignored: a write past it
                                  // fails with EFBIG, as a full disk fails with ENOSPC (0: none)
  double timeout_s = 120;         // SIGKILL after this long (a hang is a failure)
  // Called every 10 ms and whenever output arrives. Setting stdout_closed closes the test's end of
  // the child's stdout pipe (the child's next write gets EPIPE).
  std::function<void(child_ctl&)> tick;
};

// Runs args[0] with stdin a pipe held by the test (closed when run_driven returns or by the tick).
inline robust::child_result run_driven(const std::vector<std::string>& args, const driven_options& opt) {
  std::vector<std::string> argv;
  const std::string emu = TRITLUT_TEST_EMULATOR;
  if (!emu.empty()) argv.push_back(emu);
  argv.insert(argv.end(), args.begin(), args.end());
  int out_pipe[2], err_pipe[2], in_pipe[2];
  if (::pipe(out_pipe) != 0 || ::pipe(err_pipe) != 0 || ::pipe(in_pipe) != 0) throw std::runtime_error("pipe failed");
  ::signal(SIGPIPE, SIG_IGN);  // the test writes to stdin of a child that may be gone
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::dup2(in_pipe[0], 0);
    if (!opt.stdout_path.empty()) {
      const int fd = ::open(opt.stdout_path.c_str(), O_WRONLY);
      if (fd < 0) ::_exit(126);
      ::dup2(fd, 1);
      ::close(fd);
    } else {
      ::dup2(out_pipe[1], 1);
    }
    ::dup2(err_pipe[1], 2);
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1], in_pipe[0], in_pipe[1]})
      if (fd > 2) ::close(fd);
    ::signal(SIGPIPE, SIG_DFL);
    for (const auto& e : opt.env) ::putenv(const_cast<char*>(e.c_str()));
    if (opt.max_file_bytes > 0) {
      ::signal(SIGXFSZ, SIG_IGN);  // kept across exec
      rlimit r{};
      r.rlim_cur = r.rlim_max = static_cast<rlim_t>(opt.max_file_bytes);
      ::setrlimit(RLIMIT_FSIZE, &r);
    }
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  ::close(in_pipe[0]);
  child_ctl ctl;
  ctl.pid = pid;
  ctl.stdin_fd = in_pipe[1];
  robust::child_result r;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  char buf[65536];
  while (open_fds > 0) {
    ctl.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (ctl.elapsed_s > opt.timeout_s) {
      ::kill(pid, SIGKILL);
      r.timed_out = true;
      break;
    }
    if (opt.tick) opt.tick(ctl);
    if (ctl.stdout_closed && fds[0].fd >= 0) {
      ::close(fds[0].fd);
      fds[0].fd = -1;
      --open_fds;
    }
    if (open_fds == 0) break;
    if (::poll(fds, 2, 10) < 0 && errno != EINTR) break;
    for (auto& f : fds) {
      if (f.fd < 0 || !(f.revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = ::read(f.fd, buf, sizeof buf);
      if (n <= 0) {
        ::close(f.fd);
        f.fd = -1;
        --open_fds;
      } else {
        (f.fd == out_pipe[0] ? ctl.out : ctl.err).append(buf, static_cast<std::size_t>(n));
      }
    }
  }
  // stderr may still be open after stdout was closed by the test: drain it until the child exits.
  for (auto& f : fds)
    if (f.fd >= 0) {
      while (!r.timed_out) {
        pollfd p{f.fd, POLLIN, 0};
        const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (el > opt.timeout_s) {
          ::kill(pid, SIGKILL);
          r.timed_out = true;
          break;
        }
        if (::poll(&p, 1, 10) <= 0) continue;
        const ssize_t n = ::read(f.fd, buf, sizeof buf);
        if (n <= 0) break;
        (f.fd == out_pipe[0] ? ctl.out : ctl.err).append(buf, static_cast<std::size_t>(n));
      }
      ::close(f.fd);
    }
  ctl.close_stdin();
  int status = 0;
  rusage ru{};
  while (::wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
  }
  r.peak_rss_kb = ru.ru_maxrss;
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.term_signal = WTERMSIG(status);
  r.out = ctl.out;
  r.err = ctl.err;
  return r;
}

// The names in a directory (without . and ..), sorted.
inline std::set<std::string> list_dir(const std::string& dir) {
  std::set<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* e = ::readdir(d)) {
      const std::string n = e->d_name;
      if (n != "." && n != "..") names.insert(n);
    }
    ::closedir(d);
  }
  return names;
}

// Size of the largest file the process has open under dir (its temporary output), -1 if none.
inline long long open_file_size_under(pid_t pid, const std::string& dir) {
  const std::string fd_dir = "/proc/" + std::to_string(pid) + "/fd";
  long long best = -1;
  for (const std::string& n : list_dir(fd_dir)) {
    char target[4096];
    const ssize_t len = ::readlink((fd_dir + "/" + n).c_str(), target, sizeof target - 1);
    if (len <= 0) continue;
    target[len] = '\0';
    if (std::string(target).rfind(dir + "/", 0) != 0) continue;
    struct stat st {};
    if (::stat((fd_dir + "/" + n).c_str(), &st) == 0 && S_ISREG(st.st_mode)) best = std::max<long long>(best, st.st_size);
  }
  return best;
}

inline std::string canonical(const std::string& p) {
  char* r = ::realpath(p.c_str(), nullptr);
  if (!r) throw std::runtime_error("realpath failed: " + p);
  std::string s = r;
  std::free(r);
  return s;
}

// A scratch directory (robust::scratch_dir, its canonical path: /proc/<pid>/fd shows canonical
// paths) removed with everything in it at the end of the test.
struct scratch {
  std::string dir;
  explicit scratch(const std::string& name) : dir(canonical(robust::scratch_dir(name))) {}
  ~scratch() {
    const std::string cmd = "rm -rf '" + dir + "'";
    if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "cannot remove %s\n", dir.c_str());
  }
  scratch(const scratch&) = delete;
  scratch& operator=(const scratch&) = delete;
};

// A small random BitNet b1.58 model (dummy config tiny: hidden 256, 2 layers; 1000 tokens, ~1 MB).
inline void make_tiny(const std::string& path, const std::string& seed = "1") {
  const robust::child_result r = robust::run_child(
      {convert_exe(), "dummy", "--config", "tiny", "--vocab-size", "1000", "--seed", seed, "-o", path, "--quiet"});
  if (!r.exited(0)) throw std::runtime_error("making " + path + " failed: " + r.describe());
}

inline void append_u32(std::string& s, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>(v >> (8 * i)));
}
inline void append_f32(std::string& s, float f) {
  std::uint32_t v;
  std::memcpy(&v, &f, 4);
  append_u32(s, v);
}

// A bitllama2.c ternary checkpoint (dim 64, hidden 128, 1 layer, 2 heads, vocab 8, seq 32; the
// layout of MODELS.md §5.1) and its llama2.c tokenizer.bin.
inline void make_llama2c(const std::string& model, const std::string& tokenizer) {
  const std::uint32_t dim = 64, hidden = 128, layers = 1, heads = 2, kv = 2, vocab = 8, seq = 32;
  std::string b;
  append_u32(b, 0x616b3432u);
  append_u32(b, 1);
  for (std::uint32_t v : {dim, hidden, layers, heads, kv, vocab, seq}) append_u32(b, v);
  b.push_back(1);  // shared classifier
  b.resize(256, '\0');
  for (std::uint32_t i = 0; i < dim; ++i) append_f32(b, 1.0f);                      // final norm
  for (std::uint32_t i = 0; i < vocab * dim; ++i) append_f32(b, 0.01f * float(i % 7));  // embedding
  const std::uint32_t mats[7][2] = {{dim, dim}, {dim, dim}, {dim, dim}, {dim, dim}, {hidden, dim}, {dim, hidden}, {hidden, dim}};
  for (const auto& m : mats) {
    append_f32(b, 0.5f);  // alpha
    const unsigned char codes[3] = {0x00, 0x55, 0xff};  // weights 0, +1, -1 (code 2 is invalid)
    for (std::uint32_t i = 0; i < m[0] * m[1] / 4; ++i) b.push_back(static_cast<char>(codes[i % 3]));
  }
  robust::write_file(model, b);
  std::string t;
  append_u32(t, 8);
  const char* toks[8] = {"<unk>", "\n<s>\n", "\n</s>\n", " a", " b", "c", "d", "e"};
  for (const char* s : toks) {
    append_f32(t, 0.0f);
    append_u32(t, static_cast<std::uint32_t>(std::strlen(s)));
    t += s;
  }
  robust::write_file(tokenizer, t);
}

// A Hugging Face BitNet checkpoint directory (config.json, tokenizer.json, model.safetensors with
// F32 master weights): hidden 128, ffn 256, 1 layer, 2 heads, 8 tokens.
inline void make_hf(const std::string& dir) {
  const std::uint64_t H = 128, F = 256, V = 8;
  robust::write_file(dir + "/config.json",
                     "{\"architectures\": [\"BitNetForCausalLM\"], \"hidden_act\": \"relu2\", \"hidden_size\": 128,"
                     " \"intermediate_size\": 256, \"num_hidden_layers\": 1, \"num_attention_heads\": 2,"
                     " \"num_key_value_heads\": 2, \"max_position_embeddings\": 64, \"rms_norm_eps\": 1e-05,"
                     " \"tie_word_embeddings\": true, \"vocab_size\": 8}\n");
  robust::write_file(dir + "/tokenizer.json",
                     "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"c\": 2, \"d\": 3, \"e\": 4, \"f\": 5,"
                     " \"g\": 6, \"<|endoftext|>\": 7}, \"merges\": []}, \"pre_tokenizer\": {\"type\": \"ByteLevel\"},"
                     " \"decoder\": {\"type\": \"ByteLevel\"}}\n");
  struct t {
    std::string name;
    std::vector<std::uint64_t> shape;
  };
  std::vector<t> ts = {{"model.embed_tokens.weight", {V, H}}, {"model.norm.weight", {H}}};
  const std::string l = "model.layers.0.";
  for (const char* n : {"input_layernorm", "post_attention_layernorm", "self_attn.attn_sub_norm"})
    ts.push_back({l + n + ".weight", {H}});
  ts.push_back({l + "mlp.ffn_sub_norm.weight", {F}});
  for (const char* n : {"q_proj", "k_proj", "v_proj", "o_proj"}) ts.push_back({l + "self_attn." + n + ".weight", {H, H}});
  ts.push_back({l + "mlp.gate_proj.weight", {F, H}});
  ts.push_back({l + "mlp.up_proj.weight", {F, H}});
  ts.push_back({l + "mlp.down_proj.weight", {H, F}});
  std::string header = "{", data;
  for (const t& x : ts) {
    std::uint64_t n = 1;
    for (std::uint64_t d : x.shape) n *= d;
    const std::size_t off = data.size();
    for (std::uint64_t i = 0; i < n; ++i) append_f32(data, 0.25f * float(int(i % 5) - 2));
    if (header.size() > 1) header += ",";
    header += "\"" + x.name + "\":{\"dtype\":\"F32\",\"shape\":[";
    for (std::size_t i = 0; i < x.shape.size(); ++i) header += (i ? "," : "") + std::to_string(x.shape[i]);
    header += "],\"data_offsets\":[" + std::to_string(off) + "," + std::to_string(data.size()) + "]}";
  }
  header += "}";
  while (header.size() % 8) header += ' ';
  std::string file;
  append_u32(file, static_cast<std::uint32_t>(header.size()));
  append_u32(file, 0);
  robust::write_file(dir + "/model.safetensors", file + header + data);
}

}  // namespace files_util
