// SPDX-License-Identifier: MIT
// tests/examples/robustness/child.hpp - run tritlut-run / tritlut-convert as a child process and
// observe it: exit status or signal, stdout/stderr, peak RSS (wait4's rusage), a wall-clock limit
// (a hang is a failure, not a stuck ctest), resource limits, and a test-driven mode (a tick called
// while the child runs: stdin lines, closing its stdout pipe, signals, a look at its open files).
// Plus scratch directories for the files around it.
//
// TRITLUT_ROBUST_RUN_EXE / TRITLUT_ROBUST_CONVERT_EXE in the environment replace the programs under
// test (how the tests are shown to fail on binaries built from an older tree).
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace tt {

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

// What the test sees and does while the child runs (child_options::tick).
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

struct child_options {
  // stdin: with a tick, a pipe the tick writes to (child_ctl::send) and closes, closed at the end
  // at the latest; else the file stdin_path, else stdin_text through a pipe, else /dev/null.
  std::string stdin_path;
  std::string stdin_text;          // small inputs only (a pipe holds 64 KiB): tests feed a few lines
  std::string stdout_path;         // non-empty: the child's stdout is this file (e.g. /dev/full)
  double timeout_s = 120;          // SIGKILL after this long
  int signal_after_ms = -1;        // send `signal` this long after the start (-1: never)
  int signal = SIGTERM;
  std::vector<std::string> env;    // NAME=VALUE added to (or replacing in) the environment
  std::vector<std::string> unset_env;
  long max_address_space_mb = 0;   // RLIMIT_AS for the child (0: none)
  long max_file_bytes = 0;         // RLIMIT_FSIZE of the child, SIGXFSZ ignored: a write past it
                                   // fails with EFBIG, as a full disk fails with ENOSPC (0: none)
  // Called every 10 ms and whenever output arrives. Setting stdout_closed closes the test's end of
  // the child's stdout pipe (the child's next write gets EPIPE).
  std::function<void(child_ctl&)> tick;
};

// The programs under test.
inline std::string exe_or_env(const char* env, const char* built) {
  const char* e = std::getenv(env);
  return e && *e ? e : built;
}
inline std::string run_exe() { return exe_or_env("TRITLUT_ROBUST_RUN_EXE", TRITLUT_RUN_EXE); }
inline std::string convert_exe() { return exe_or_env("TRITLUT_ROBUST_CONVERT_EXE", TRITLUT_CONVERT_EXE); }

inline child_result run_child(const std::vector<std::string>& args, const child_options& opt = {}) {
  std::vector<std::string> argv;
  const std::string emu = TRITLUT_TEST_EMULATOR;
  if (!emu.empty()) argv.push_back(emu);
  argv.insert(argv.end(), args.begin(), args.end());
  const bool held = static_cast<bool>(opt.tick);
  const bool feed = !held && opt.stdin_path.empty() && !opt.stdin_text.empty();
  int out_pipe[2], err_pipe[2], in_pipe[2] = {-1, -1};
  if (::pipe(out_pipe) != 0 || ::pipe(err_pipe) != 0) throw std::runtime_error("pipe failed");
  if ((held || feed) && ::pipe(in_pipe) != 0) throw std::runtime_error("pipe failed");
  if (held) ::signal(SIGPIPE, SIG_IGN);  // the test writes to stdin of a child that may be gone
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int in_fd = held || feed ? in_pipe[0]
                                   : ::open(opt.stdin_path.empty() ? "/dev/null" : opt.stdin_path.c_str(), O_RDONLY);
    if (in_fd < 0) ::_exit(126);
    ::dup2(in_fd, 0);
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
    for (const auto& e : opt.env) ::putenv(const_cast<char*>(e.c_str()));
    for (const auto& e : opt.unset_env) ::unsetenv(e.c_str());
    if (opt.max_address_space_mb > 0) {
      rlimit r{};
      r.rlim_cur = r.rlim_max = static_cast<rlim_t>(opt.max_address_space_mb) << 20;
      ::setrlimit(RLIMIT_AS, &r);
    }
    if (opt.max_file_bytes > 0) {
      ::signal(SIGXFSZ, SIG_IGN);  // kept across exec
      rlimit r{};
      r.rlim_cur = r.rlim_max = static_cast<rlim_t>(opt.max_file_bytes);
      ::setrlimit(RLIMIT_FSIZE, &r);
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
  child_ctl ctl;
  ctl.pid = pid;
  if (held || feed) {
    ::close(in_pipe[0]);
    ctl.stdin_fd = in_pipe[1];
  }
  if (feed) {
    ::signal(SIGPIPE, SIG_IGN);
    ctl.send(opt.stdin_text);
    ctl.close_stdin();
  }
  child_result r;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  bool signalled = false;
  char buf[65536];
  const auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  while (open_fds > 0) {
    ctl.elapsed_s = elapsed();
    if (opt.signal_after_ms >= 0 && !signalled && ctl.elapsed_s * 1000 >= opt.signal_after_ms) {
      ::kill(pid, opt.signal);
      signalled = true;
    }
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
        if (elapsed() > opt.timeout_s) {
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
  r.out = std::move(ctl.out);
  r.err = std::move(ctl.err);
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

// A directory for a test's files, unique per process (ctest runs test cases in parallel).
inline std::string scratch_dir(const std::string& name) {
  const std::string dir = std::string(TRITLUT_ROBUST_SCRATCH) + "/scratch-" + name + "-" + std::to_string(::getpid());
  std::string cmd = "rm -rf '" + dir + "' && mkdir -p '" + dir + "'";
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("cannot make " + dir);
  return dir;
}

inline std::string canonical(const std::string& p) {
  char* r = ::realpath(p.c_str(), nullptr);
  if (!r) throw std::runtime_error("realpath failed: " + p);
  std::string s = r;
  std::free(r);
  return s;
}

// A scratch directory (scratch_dir, its canonical path: /proc/<pid>/fd shows canonical paths)
// removed with everything in it at the end of the test.
struct scratch {
  std::string dir;
  explicit scratch(const std::string& name) : dir(canonical(scratch_dir(name))) {}
  ~scratch() {
    const std::string cmd = "rm -rf '" + dir + "'";
    if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "cannot remove %s\n", dir.c_str());
  }
  scratch(const scratch&) = delete;
  scratch& operator=(const scratch&) = delete;
};

}  // namespace tt
