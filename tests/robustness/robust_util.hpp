// SPDX-License-Identifier: MIT
// tests/robustness/robust_util.hpp - run tritlut-run / tritlut-convert as a child process and
// observe it: exit status or signal, stdout/stderr, peak RSS (wait4's rusage), a wall-clock limit
// (a hang is a failure, not a stuck ctest), and digests of the files around it.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace robust {

struct child_result {
  int exit_code = -1;      // exit status when the child exited, else -1
  int term_signal = 0;     // the signal that ended it, else 0
  bool timed_out = false;  // killed by the wall-clock limit
  long peak_rss_kb = 0;    // ru_maxrss of the child
  std::string out, err;
  bool exited(int code) const { return term_signal == 0 && !timed_out && exit_code == code; }
  std::string describe() const {
    std::ostringstream s;
    s << "exit=" << exit_code << " signal=" << term_signal << " timed_out=" << timed_out
      << " peak_rss_kb=" << peak_rss_kb << "\nstdout: " << out.substr(0, 2000) << "\nstderr: " << err.substr(0, 2000);
    return s.str();
  }
};

struct child_options {
  std::string stdin_path;          // empty: /dev/null
  std::string stdin_text;          // used when stdin_path is empty and this is not
  double timeout_s = 120;          // SIGKILL after this long
  int signal_after_ms = -1;        // send `signal` this long after the start (-1: never)
  int signal = SIGTERM;
  std::vector<std::string> env;    // NAME=VALUE added to (or replacing in) the environment
  std::vector<std::string> unset_env;
  long max_address_space_mb = 0;   // RLIMIT_AS for the child (0: none)
};

// The programs under test; TRITLUT_ROBUST_RUN_EXE / TRITLUT_ROBUST_CONVERT_EXE point the same
// tests at other binaries (how the tests are shown to fail on the code before a fix).
inline std::string exe_or_env(const char* env, const char* built) {
  const char* e = std::getenv(env);
  return e && *e ? e : built;
}
inline std::string run_exe() { return exe_or_env("TRITLUT_ROBUST_RUN_EXE", TRITLUT_RUN_EXE); }
inline std::string convert_exe() { return exe_or_env("TRITLUT_ROBUST_CONVERT_EXE", TRITLUT_CONVERT_EXE); }
// A directory for a test's files, unique per process (ctest runs test cases in parallel).
inline std::string scratch_dir(const std::string& name) {
  const std::string dir = std::string(TRITLUT_ROBUST_SCRATCH) + "/scratch-" + name + "-" + std::to_string(::getpid());
  std::string cmd = "rm -rf '" + dir + "' && mkdir -p '" + dir + "'";
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("cannot make " + dir);
  return dir;
}

inline child_result run_child(const std::vector<std::string>& args, const child_options& opt = {}) {
  std::vector<std::string> argv;
  const std::string emu = TRITLUT_TEST_EMULATOR;
  if (!emu.empty()) argv.push_back(emu);
  argv.insert(argv.end(), args.begin(), args.end());
  int out_pipe[2], err_pipe[2], in_pipe[2] = {-1, -1};
  if (::pipe(out_pipe) != 0 || ::pipe(err_pipe) != 0) throw std::runtime_error("pipe failed");
  const bool feed = opt.stdin_path.empty() && !opt.stdin_text.empty();
  if (feed && ::pipe(in_pipe) != 0) throw std::runtime_error("pipe failed");
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int in_fd = feed ? in_pipe[0] : ::open(opt.stdin_path.empty() ? "/dev/null" : opt.stdin_path.c_str(), O_RDONLY);
    if (in_fd < 0) ::_exit(126);
    ::dup2(in_fd, 0);
    ::dup2(out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1], in_pipe[0], in_pipe[1]})
      if (fd > 2) ::close(fd);
    for (const auto& e : opt.env) ::putenv(const_cast<char*>(e.c_str()));
    for (const auto& e : opt.unset_env) ::unsetenv(e.c_str());
    if (opt.max_address_space_mb > 0) {
      rlimit r{};
      r.rlim_cur = r.rlim_max = static_cast<rlim_t>(opt.max_address_space_mb) << 20;
      ::setrlimit(RLIMIT_AS, &r);
    }
    ::signal(SIGPIPE, SIG_DFL);
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (feed) {
    ::close(in_pipe[0]);
    // Small inputs only (a pipe holds 64 KiB): tests feed a few lines.
    const auto* p = opt.stdin_text.data();
    size_t left = opt.stdin_text.size();
    ::signal(SIGPIPE, SIG_IGN);
    while (left > 0) {
      const ssize_t n = ::write(in_pipe[1], p, left);
      if (n <= 0) break;
      p += n;
      left -= static_cast<size_t>(n);
    }
    ::close(in_pipe[1]);
  }
  child_result r;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  bool signalled = false;
  char buf[65536];
  while (open_fds > 0) {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (opt.signal_after_ms >= 0 && !signalled && elapsed * 1000 >= opt.signal_after_ms) {
      ::kill(pid, opt.signal);
      signalled = true;
    }
    if (elapsed > opt.timeout_s) {
      ::kill(pid, SIGKILL);
      r.timed_out = true;
      break;
    }
    if (::poll(fds, 2, 20) < 0) break;
    for (auto& f : fds) {
      if (f.fd < 0 || !(f.revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = ::read(f.fd, buf, sizeof buf);
      if (n <= 0) {
        ::close(f.fd);
        f.fd = -1;
        --open_fds;
      } else {
        (f.fd == out_pipe[0] ? r.out : r.err).append(buf, static_cast<size_t>(n));
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) ::close(f.fd);
  int status = 0;
  rusage ru{};
  while (::wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
  }
  r.peak_rss_kb = ru.ru_maxrss;
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.term_signal = WTERMSIG(status);
  return r;
}

// FNV-1a over the file's bytes, or "absent" / "not a regular file".
inline std::string file_digest(const std::string& path) {
  struct stat st{};
  if (::lstat(path.c_str(), &st) != 0) return "absent";
  if (!S_ISREG(st.st_mode)) return "not a regular file";
  std::ifstream f(path, std::ios::binary);
  std::uint64_t h = 1469598103934665603ull;
  char buf[65536];
  while (f.read(buf, sizeof buf) || f.gcount() > 0) {
    for (std::streamsize i = 0; i < f.gcount(); ++i) h = (h ^ static_cast<unsigned char>(buf[i])) * 1099511628211ull;
  }
  return std::to_string(h) + ":" + std::to_string(st.st_size);
}

inline void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!f) throw std::runtime_error("cannot write " + path);
}

inline std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

}  // namespace robust
