// SPDX-License-Identifier: MIT
// examples/common/file_checks.hpp - opening input files safely, and surviving a mapped file that is
// truncated under the program (docs/run.md "Files", docs/convert.md "Output files").
#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <string>

namespace trex {

// "a directory", "a FIFO (named pipe)", "a character device", ... for messages.
const char* file_kind(mode_t mode);

// Opens `path` read-only (O_CLOEXEC) if it is a regular file; returns the descriptor (blocking
// again) and fills *st. Never blocks: the open itself uses O_NONBLOCK, because opening a FIFO that
// has no writer blocks forever. Anything but a regular file (directory, FIFO, device, socket) is
// refused before a byte is read, the message naming what it is:
//   "<what> <path> is a directory, not a regular file", "cannot open <what> <path>: <errno text>".
// `what` may be empty ("cannot open <path>: ...").
int open_regular_file(const std::string& path, const std::string& what, struct stat* st = nullptr);
// The whole contents of a regular file opened as above.
std::string read_regular_file(const std::string& path, const std::string& what);
// read_regular_file(path, ""): the whole file (throws naming the path).
std::string read_file(const std::string& path);

// A read-only mapping of `path` at [p, p + n): once guard_mapped_files() has run, a SIGBUS inside it
// (the file was truncated while mapped: its pages beyond the new end cannot be read) ends the
// process with "<program>: error: <path> was truncated or overwritten while in use ..." and exit
// status 1 instead of the signal. A SIGBUS anywhere else keeps its default action. At most 64
// mappings are guarded at once (a model and a vocabulary file at most, in practice); the rest
// still work, unguarded. Both are async-signal-safe with respect to the handler.
void register_mapping(const void* p, std::size_t n, const std::string& path);
void unregister_mapping(const void* p);
// Installs the SIGBUS handler (once). For programs (their main()), not for a library's host.
void guard_mapped_files(const char* program);

}  // namespace trex
