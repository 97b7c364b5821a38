// SPDX-License-Identifier: MIT
// examples/common/atomic_file.hpp - the one way the example library writes a file (every converter
// output, write_safetensors): a temporary file in the destination's directory, renamed over the
// destination only once it is complete and on disk. docs/convert.md "Output files".
//
// Guarantees, for any failure, signal or concurrent writer:
// - a reader of the destination sees the previous file or the whole new one, never a part;
// - the destination is never truncated, rewritten or unlinked before the rename (an existing file
//   is replaced: other hard links to it keep the old contents);
// - an output that is an input (same st_dev and st_ino, through any path, symlink or hard link) or
//   an existing non-regular file (directory, FIFO, device, socket) is refused before anything is
//   written;
// - the temporary file is gone after an error (destructor), SIGINT, SIGTERM or SIGHUP (handler),
//   and, where the file system supports O_TMPFILE (ext4, xfs, btrfs, tmpfs), after SIGKILL too: the
//   data has no name until the final link-and-rename (TRITLUT_NO_O_TMPFILE=1 in the environment
//   forces a named temporary file);
// - two writers of one path each write their own temporary file: the last rename wins, whole.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace trex {

// Throws a clear error when `out` names an existing non-regular file or the same file as one of
// `inputs` (inputs that do not exist are skipped: their readers report them).
void check_output_path(const std::string& out, const std::vector<std::string>& inputs);

// Removes the temporary files of every atomic_file alive (async-signal-safe: for handlers that end
// the process, such as the SIGBUS handler of file_checks.hpp).
void remove_temporary_files() noexcept;

class atomic_file {
 public:
  // Checks `path` against `inputs` (check_output_path), then creates the temporary file. A
  // symbolic link at `path` is followed: its target is replaced, the link stays.
  explicit atomic_file(const std::string& path, const std::vector<std::string>& inputs = {});
  ~atomic_file();  // without commit(): the temporary file is removed, `path` untouched
  atomic_file(const atomic_file&) = delete;
  atomic_file& operator=(const atomic_file&) = delete;

  void write(const void* data, std::size_t n);  // buffered; throws naming the path and errno
  // Writes the buffer, fsyncs, checks the destination again and renames the file into place, then
  // fsyncs the directory. Throws (and removes the temporary file) on any failure.
  void commit();
  const std::string& path() const { return path_; }

 private:
  void flush();
  void discard() noexcept;
  std::string path_;    // as given (messages)
  std::string target_;  // where the rename goes (a symlink at path_ resolved)
  std::string dir_;
  std::string tmp_;     // the temporary file's name, while it has one
  std::vector<std::string> inputs_;
  int fd_ = -1;
  int slot_ = -1;       // signal-cleanup slot holding tmp_
  bool anonymous_ = false;  // O_TMPFILE: no name until commit()
  std::vector<char> buf_;
  std::size_t used_ = 0;
};

}  // namespace trex
