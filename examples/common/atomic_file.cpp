// SPDX-License-Identifier: MIT
// examples/common/atomic_file.cpp
#include "common/atomic_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "common/error.hpp"
#include "common/file_checks.hpp"

namespace trex {

namespace {

// ---------------------------------------------------------------------------------------------
// Temporary names removed by SIGINT/SIGTERM/SIGHUP. The handler only loads lock-free atomics and
// calls unlink(2) and raise(3), both async-signal-safe.

constexpr int k_temp_slots = 16;        // atomic_files alive at once; more still work, unguarded
constexpr std::size_t k_max_path = 4096;  // PATH_MAX on Linux

struct temp_slot {
  std::atomic<int> state{0};  // 0 free, 1 being filled, 2 holds a name to remove
  char path[k_max_path] = {};
};
temp_slot g_temps[k_temp_slots];
constexpr int k_signals[] = {SIGINT, SIGTERM, SIGHUP};

void on_terminating_signal(int sig) {
  const int saved = errno;
  remove_temporary_files();
  errno = saved;
  ::raise(sig);  // SA_RESETHAND | SA_NODEFER: the default action now, so the parent sees the signal
}

void install_cleanup_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (int sig : k_signals) {
      struct sigaction old {};
      if (::sigaction(sig, nullptr, &old) != 0) continue;
      // An ignored signal (nohup) stays ignored; a handler of the host program stays in charge.
      if ((old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_DFL) continue;
      struct sigaction sa {};
      sa.sa_handler = on_terminating_signal;
      sa.sa_flags = SA_RESETHAND | SA_NODEFER;
      sigemptyset(&sa.sa_mask);
      ::sigaction(sig, &sa, nullptr);
    }
  });
}

int register_temp(const std::string& path) {
  if (path.size() >= k_max_path) return -1;
  for (int i = 0; i < k_temp_slots; ++i) {
    int expected = 0;
    if (!g_temps[i].state.compare_exchange_strong(expected, 1, std::memory_order_acquire)) continue;
    std::memcpy(g_temps[i].path, path.c_str(), path.size() + 1);
    g_temps[i].state.store(2, std::memory_order_release);
    return i;
  }
  return -1;
}

void unregister_temp(int slot) {
  if (slot >= 0) g_temps[slot].state.store(0, std::memory_order_release);
}

std::string temp_name(const std::string& dir, const std::string& base) {
  static std::atomic<unsigned> counter{0};
  const auto t = static_cast<unsigned long long>(std::chrono::steady_clock::now().time_since_epoch().count());
  char tail[96];
  std::snprintf(tail, sizeof tail, ".tmp.%ld.%u.%llx", static_cast<long>(::getpid()), counter.fetch_add(1),
                t & 0xffffffffull);
  return dir + "/." + base + tail;
}

void write_all(int fd, const char* p, std::size_t n, const std::string& path) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      throw error("writing " + path + " failed: " + std::strerror(errno));
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

#ifdef O_TMPFILE
// A nameless file in dir, or -1: the data stays nameless until commit() links it (through
// /proc/self/fd, which needs no privilege, unlike linkat's AT_EMPTY_PATH), so even SIGKILL leaves
// nothing behind. TRITLUT_NO_O_TMPFILE=1 takes the named route (tests; a file system whose
// O_TMPFILE misbehaves).
int open_nameless(const std::string& dir) {
  const char* no_tmpfile = std::getenv("TRITLUT_NO_O_TMPFILE");
  if ((no_tmpfile && *no_tmpfile == '1') || ::access("/proc/self/fd", X_OK) != 0) return -1;
  return ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
}
#else
// No O_TMPFILE on this system: always the named route.
int open_nameless(const std::string&) { return -1; }
#endif

}  // namespace

void remove_temporary_files() noexcept {
  for (temp_slot& t : g_temps)
    if (t.state.load(std::memory_order_acquire) == 2) ::unlink(t.path);
}

void check_output_path(const std::string& out, const std::vector<std::string>& inputs) {
  if (out.empty()) throw error("the output path is empty");
  struct stat so {};
  if (::stat(out.c_str(), &so) != 0) {
    struct stat sl {};
    if (errno == ENOENT && ::lstat(out.c_str(), &sl) == 0 && S_ISLNK(sl.st_mode))
      throw error("the output " + out + " is a symbolic link to a missing file");
    return;  // nothing there (or not reachable: creating the temporary file reports it)
  }
  if (!S_ISREG(so.st_mode))
    throw error("the output " + out + " is " + file_kind(so.st_mode) +
                ", not a regular file: name a new file or a regular file to replace");
  for (const std::string& in : inputs) {
    struct stat si {};
    if (::stat(in.c_str(), &si) == 0 && si.st_dev == so.st_dev && si.st_ino == so.st_ino)
      throw error("the output " + out + " is the same file as the input " + in +
                  ": writing it would destroy the input; choose another output path");
  }
}

atomic_file::atomic_file(const std::string& path, const std::vector<std::string>& inputs)
    : path_(path), target_(path), inputs_(inputs) {
  check_output_path(path, inputs);
  install_cleanup_handlers();
  bool existing = false;
  mode_t mode = 0;
  struct stat sl {};
  if (::lstat(path.c_str(), &sl) == 0) {
    if (S_ISLNK(sl.st_mode)) {
      char* real = ::realpath(path.c_str(), nullptr);
      if (!real) throw error("cannot resolve the output " + path + ": " + std::strerror(errno));
      target_ = real;
      std::free(real);
    }
    struct stat st {};
    if (::stat(target_.c_str(), &st) == 0) {
      existing = true;
      mode = st.st_mode & 07777;
    }
  }
  const std::size_t slash = target_.rfind('/');
  dir_ = slash == std::string::npos ? "." : (slash == 0 ? "/" : target_.substr(0, slash));
  const std::string base = slash == std::string::npos ? target_ : target_.substr(slash + 1);
  fd_ = open_nameless(dir_);
  anonymous_ = fd_ >= 0;
  for (int attempt = 0; fd_ < 0; ++attempt) {
    tmp_ = temp_name(dir_, base);
    slot_ = register_temp(tmp_);  // before the file exists: no moment where a signal would leave it
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ >= 0) break;
    const int e = errno;
    unregister_temp(slot_);
    slot_ = -1;
    tmp_.clear();
    if (e != EEXIST || attempt >= 100)
      throw error("cannot create a temporary file for " + path + " in " + dir_ + ": " + std::strerror(e));
  }
  if (existing) ::fchmod(fd_, mode);  // the replacement keeps the permissions of the file it replaces
  buf_.resize(std::size_t(1) << 22);   // 4 MiB: a few hundred write(2) calls per GB
}

atomic_file::~atomic_file() { discard(); }

void atomic_file::discard() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!tmp_.empty()) ::unlink(tmp_.c_str());
  tmp_.clear();
  unregister_temp(slot_);
  slot_ = -1;
}

void atomic_file::flush() {
  write_all(fd_, buf_.data(), used_, path_);
  used_ = 0;
}

void atomic_file::write(const void* data, std::size_t n) {
  if (fd_ < 0) throw error("atomic_file: write after commit of " + path_);
  const char* p = static_cast<const char*>(data);
  if (used_ + n > buf_.size()) {
    flush();
    if (n >= buf_.size()) {
      write_all(fd_, p, n, path_);
      return;
    }
  }
  std::memcpy(buf_.data() + used_, p, n);
  used_ += n;
}

void atomic_file::commit() {
  if (fd_ < 0) throw error("atomic_file: commit twice of " + path_);
  try {
    flush();
    if (::fsync(fd_) != 0 && errno != EINVAL) throw error("writing " + path_ + " failed: " + std::strerror(errno));
    check_output_path(path_, inputs_);  // the destination may have changed during a long conversion
    if (anonymous_) {
      const std::string proc = "/proc/self/fd/" + std::to_string(fd_);
      const std::size_t slash = target_.rfind('/');
      const std::string base = slash == std::string::npos ? target_ : target_.substr(slash + 1);
      for (int attempt = 0;; ++attempt) {
        tmp_ = temp_name(dir_, base);
        slot_ = register_temp(tmp_);
        if (::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, tmp_.c_str(), AT_SYMLINK_FOLLOW) == 0) break;
        const int e = errno;
        unregister_temp(slot_);
        slot_ = -1;
        tmp_.clear();
        if (e != EEXIST || attempt >= 100)
          throw error("cannot name the new " + path_ + " in " + dir_ + ": " + std::strerror(e));
      }
    }
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) throw error("writing " + path_ + " failed: " + std::strerror(errno));
    if (::rename(tmp_.c_str(), target_.c_str()) != 0)
      throw error("cannot move the new file into place as " + path_ + ": " + std::strerror(errno));
    tmp_.clear();
    unregister_temp(slot_);
    slot_ = -1;
  } catch (...) {
    discard();
    throw;
  }
  // The rename itself reaches the disk with the directory.
  const int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace trex
