// SPDX-License-Identifier: MIT
// examples/common/file_checks.cpp
#include "common/file_checks.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <mutex>

#include "common/atomic_file.hpp"
#include "common/error.hpp"

namespace trex {

const char* file_kind(mode_t mode) {
  if (S_ISREG(mode)) return "a regular file";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "not a file";
}

int open_regular_file(const std::string& path, const std::string& what, struct stat* st_out) {
  const std::string name = what.empty() ? path : what + " " + path;
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) throw error("cannot open " + name + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int e = errno;
    ::close(fd);
    throw error("cannot stat " + name + ": " + std::strerror(e));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw error(name + " is " + file_kind(st.st_mode) + ", not a regular file");
  }
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  if (st_out) *st_out = st;
  return fd;
}

std::string read_regular_file(const std::string& path, const std::string& what) {
  struct stat st {};
  const int fd = open_regular_file(path, what, &st);
  std::string s;
  try {
    s.reserve(static_cast<std::size_t>(st.st_size));
    char buf[1 << 16];
    for (;;) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n == 0) break;
      if (n < 0) {
        if (errno == EINTR) continue;
        throw error("cannot read " + (what.empty() ? path : what + " " + path) + ": " + std::strerror(errno));
      }
      s.append(buf, static_cast<std::size_t>(n));
    }
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  return s;
}

// ---------------------------------------------------------------------------------------------
// SIGBUS on a truncated mapping. The handler reads the table below with plain loads of lock-free
// atomics and writes with write(2), then _exit(1)s: nothing it calls takes a lock or allocates.

namespace {

constexpr std::size_t k_max_mappings = 64;
constexpr std::size_t k_max_path = 1024;  // longer paths are cut in the message only

struct mapping_slot {
  std::atomic<int> state{0};  // 0 free, 1 being filled, 2 guarded
  std::atomic<std::uintptr_t> begin{0}, end{0};
  char path[k_max_path] = {};
};
mapping_slot g_maps[k_max_mappings];
char g_program[64] = "error";

void put(const char* s) {
  std::size_t n = std::strlen(s);
  while (n > 0) {
    const ssize_t w = ::write(2, s, n);
    if (w <= 0) {
      if (w < 0 && errno == EINTR) continue;
      return;
    }
    s += w;
    n -= static_cast<std::size_t>(w);
  }
}

void on_sigbus(int sig, siginfo_t* si, void*) {
  const auto a = reinterpret_cast<std::uintptr_t>(si ? si->si_addr : nullptr);
  for (const mapping_slot& m : g_maps) {
    if (m.state.load(std::memory_order_acquire) != 2) continue;
    if (a < m.begin.load(std::memory_order_relaxed) || a >= m.end.load(std::memory_order_relaxed)) continue;
    put("\n");
    put(g_program);
    put(": error: ");
    put(m.path);
    put(" was truncated or overwritten while in use (it is memory-mapped, and the part it needed is gone). "
        "Replace a model file by writing a new file and renaming it over the old one, as tritlut-convert "
        "does; never truncate or rewrite a file that a running program has open.\n");
    remove_temporary_files();  // a conversion reading a truncated input leaves no temporary file
    ::_exit(1);
  }
  // Not one of ours: the default action. A fault re-executes the access and dies of it; a SIGBUS
  // sent with kill() is raised again (blocked until this handler returns).
  ::signal(sig, SIG_DFL);
  if (!si || si->si_code <= 0) ::raise(sig);
}

}  // namespace

void register_mapping(const void* p, std::size_t n, const std::string& path) {
  if (!p || n == 0) return;
  for (mapping_slot& m : g_maps) {
    int expected = 0;
    if (!m.state.compare_exchange_strong(expected, 1, std::memory_order_acquire)) continue;
    const std::size_t len = std::min(path.size(), k_max_path - 1);
    std::memcpy(m.path, path.data(), len);
    m.path[len] = '\0';
    m.begin.store(reinterpret_cast<std::uintptr_t>(p), std::memory_order_relaxed);
    m.end.store(reinterpret_cast<std::uintptr_t>(p) + n, std::memory_order_relaxed);
    m.state.store(2, std::memory_order_release);
    return;
  }
}

void unregister_mapping(const void* p) {
  if (!p) return;
  for (mapping_slot& m : g_maps) {
    if (m.state.load(std::memory_order_acquire) == 2 &&
        m.begin.load(std::memory_order_relaxed) == reinterpret_cast<std::uintptr_t>(p)) {
      m.state.store(0, std::memory_order_release);
      return;
    }
  }
}

void guard_mapped_files(const char* program) {
  static std::once_flag once;
  std::call_once(once, [program] {
    std::strncpy(g_program, program, sizeof g_program - 1);
    struct sigaction sa {};
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGBUS, &sa, nullptr);
  });
}

std::string read_file(const std::string& path) {
  return read_regular_file(path, "");  // refuses FIFOs, directories and devices without blocking
}

}  // namespace trex
