// SPDX-License-Identifier: MIT
// tests/examples/robustness/test_signals.cpp - issue 16 §4: never hang, never die of a signal the program
// can prevent. Every file input of both programs refuses FIFOs, directories and devices without
// blocking (examples/common/file_checks.*); a model file truncated while tritlut-run has it mapped
// ends the run with a message (SIGBUS handler); output errors are reported, a closed pipe ends
// quietly. All inputs are built here.
#include <sys/stat.h>
#include <unistd.h>

#include "catch.hpp"
#include "child.hpp"
#include "models.hpp"

using Catch::Matchers::Contains;
using tt::convert_exe;
using tt::run_exe;

namespace {

std::size_t count_prompts(const std::string& err) {
  std::size_t n = 0;
  for (std::size_t p = err.find("> "); p != std::string::npos; p = err.find("> ", p + 1)) ++n;
  return n;
}

// A greedy chat of two turns; `between` runs after the first answer, before the second line.
tt::child_result two_turns(const std::vector<std::string>& extra, const std::string& model,
                           const std::function<void(tt::child_ctl&)>& between, double timeout_s = 60) {
  tt::child_options o;
  o.timeout_s = timeout_s;
  int turn = 0;
  o.tick = [&](tt::child_ctl& c) {
    const std::size_t prompts = count_prompts(c.err);
    if (turn == 0 && prompts >= 1) {
      c.send("hello there\n");
      turn = 1;
    } else if (turn == 1 && prompts >= 2) {
      between(c);
      c.send("tell me more\n");
      c.close_stdin();
      turn = 2;
    }
  };
  std::vector<std::string> args = {run_exe(), "-m", model, "-cnv", "--temp", "0", "-n", "24", "-t", "1"};
  args.insert(args.end(), extra.begin(), extra.end());
  return tt::run_child(args, o);
}

}  // namespace

TEST_CASE("every file input refuses a FIFO, a directory or a device without blocking", "[robustness][signals]") {
  const tt::scratch scratch("non-regular-in");
  const std::string& dir = scratch.dir;
  tt::make_tiny(dir + "/m.gguf");
  tt::make_llama2c(dir + "/l2c.bin", dir + "/tok.bin");
  REQUIRE(::mkfifo((dir + "/fifo").c_str(), 0644) == 0);
  REQUIRE(::mkdir((dir + "/adir").c_str(), 0755) == 0);
  REQUIRE(::mkfifo((dir + "/fifo.json").c_str(), 0644) == 0);  // dummy --vocab reads *.json as tokenizer.json
  REQUIRE(::mkdir((dir + "/adir.json").c_str(), 0755) == 0);
  // HF checkpoints whose config.json / tokenizer.json are a FIFO or a directory.
  for (const char* which : {"config.json", "tokenizer.json"})
    for (const char* kind : {"fifo", "dir"}) {
      const std::string d = dir + "/hf-" + which + "-" + kind;
      REQUIRE(::mkdir(d.c_str(), 0755) == 0);
      tt::make_hf(d);
      REQUIRE(::unlink((d + "/" + which).c_str()) == 0);
      REQUIRE((std::string(kind) == "fifo" ? ::mkfifo((d + "/" + which).c_str(), 0644)
                                            : ::mkdir((d + "/" + which).c_str(), 0755)) == 0);
    }
  const std::string m = dir + "/m.gguf", out = dir + "/out.gguf";
  struct probe {
    std::string path, json, kind;  // json: the same kind of file named *.json ("" if none)
  };
  const probe probes[] = {{dir + "/fifo", dir + "/fifo.json", "is a FIFO (named pipe), not a regular file"},
                          {dir + "/adir", dir + "/adir.json", "is a directory, not a regular file"},
                          {"/dev/zero", "", "is a character device, not a regular file"}};
  for (const probe& p : probes) {
    std::vector<std::pair<std::vector<std::string>, std::string>> commands = {  // command, the path named
        {{run_exe(), "-m", p.path, "-p", "hi", "-n", "4"}, p.path},
        {{run_exe(), "-m", m, "-f", p.path, "-n", "4"}, p.path},
        {{run_exe(), "-m", p.path, "-cnv"}, p.path},
        {{convert_exe(), "repack", p.path, "-o", out, "--format", "tq2_0"}, p.path},
        {{convert_exe(), "dummy", "--config", "tiny", "--vocab", p.path, "-o", out}, p.path},
        {{convert_exe(), "llama2c-bitnet", p.path, dir + "/tok.bin", "-o", out}, p.path},
        {{convert_exe(), "llama2c-bitnet", dir + "/l2c.bin", p.path, "-o", out}, p.path},
    };
    if (!p.json.empty())  // read as a tokenizer.json
      commands.push_back({{convert_exe(), "dummy", "--config", "tiny", "--vocab", p.json, "-o", out}, p.json});
    for (const auto& cmd : commands) {
      std::string line;
      for (const auto& a : cmd.first) line += a + " ";
      INFO(line);
      tt::child_options o;
      o.timeout_s = 10;  // each finishes in milliseconds; the old code waited on a FIFO forever
      const tt::child_result r = tt::run_child(cmd.first, o);
      INFO(r.describe());
      CHECK_FALSE(r.timed_out);
      CHECK(r.exited(1));
      CHECK_THAT(r.err, Contains(cmd.second + " " + p.kind));
      CHECK(tt::file_digest(out) == "absent");
    }
  }
  for (const char* which : {"config.json", "tokenizer.json"})
    for (const char* kind : {"fifo", "dir"}) {
      const std::string d = dir + "/hf-" + which + "-" + kind;
      INFO(d);
      tt::child_options o;
      o.timeout_s = 10;
      const tt::child_result r = tt::run_child({convert_exe(), "hf", d, "-o", out}, o);
      INFO(r.describe());
      CHECK_FALSE(r.timed_out);
      CHECK(r.exited(1));
      CHECK_THAT(r.err, Contains(d + "/" + which + " is a"));
      CHECK_THAT(r.err, Contains("not a regular file"));
    }
}

TEST_CASE("a model truncated while tritlut-run has it mapped ends the run with a message, not SIGBUS",
          "[robustness][signals]") {
  const tt::scratch scratch("sigbus");
  const std::string& dir = scratch.dir;
  const std::string m = dir + "/m.gguf";
  for (long keep : {0L, 4096L, 500000L}) {  // nothing left, the header only, half the weights (~1 MB file)
    for (bool no_mmap : {false, true}) {
      INFO("truncated to " << keep << " bytes" << (no_mmap ? ", --no-mmap" : ""));
      tt::make_tiny(m);
      bool truncated = false;
      const tt::child_result r = two_turns(no_mmap ? std::vector<std::string>{"--no-mmap"} : std::vector<std::string>{}, m,
                                           [&](tt::child_ctl&) { truncated = ::truncate(m.c_str(), keep) == 0; });
      INFO(r.describe());
      REQUIRE(truncated);
      CHECK_FALSE(r.timed_out);
      CHECK(r.term_signal == 0);
      if (!no_mmap) {
        // The second turn reads the I2_S weights in place: the truncation is noticed.
        CHECK(r.exited(1));
        CHECK_THAT(r.err, Contains("m.gguf was truncated or overwritten while in use"));
      } else {
        // --no-mmap copies the weights; whatever still reads the mapping gets the same message.
        CHECK((r.exited(0) || (r.exit_code == 1 && r.err.find("was truncated or overwritten") != std::string::npos)));
      }
    }
  }
}

TEST_CASE("an input truncated while a conversion reads it ends the conversion with a message, not SIGBUS",
          "[robustness][signals]") {
  const tt::scratch scratch("sigbus-convert");
  const std::string& dir = scratch.dir;
  const std::string in = dir + "/in.gguf", out = dir + "/out.gguf";
  for (const char* env : {"TRITLUT_NO_O_TMPFILE=0", "TRITLUT_NO_O_TMPFILE=1"}) {  // nameless, named temporary
    INFO(env);
    for (const std::string& n : tt::list_dir(dir)) ::unlink((dir + "/" + n).c_str());
    const tt::child_result made = tt::run_child(
        {convert_exe(), "dummy", "--config", "125M", "--vocab-size", "1000", "-o", in, "--quiet"});
    REQUIRE(made.exited(0));
    bool truncated = false;
    tt::child_options o;
    o.env = {env};
    // repack maps its 28 MB input and reads it in order: once the first 4 MiB block of output is
    // written, most of the input is still to be read when it is cut to 64 KiB.
    o.tick = [&](tt::child_ctl& c) {
      if (!truncated && tt::open_file_size_under(c.pid, dir) > (1 << 20))
        truncated = ::truncate(in.c_str(), 65536) == 0;
    };
    const tt::child_result r =
        tt::run_child({convert_exe(), "repack", in, "-o", out, "--format", "tq1_0", "--quiet"}, o);
    INFO(r.describe());
    REQUIRE(truncated);
    CHECK(r.term_signal == 0);
    CHECK(r.exited(1));
    CHECK_THAT(r.err, Contains("in.gguf was truncated or overwritten while in use"));
    CHECK(tt::list_dir(dir) == std::set<std::string>{"in.gguf"});  // no output, no temporary file
  }
}

TEST_CASE("generated text written to a full device is an error, not lost with status 0", "[robustness][signals]") {
  const tt::scratch scratch("dev-full");
  const std::string& dir = scratch.dir;
  tt::make_tiny(dir + "/m.gguf");
  struct stat st {};
  REQUIRE(::stat("/dev/full", &st) == 0);  // Linux: every write fails with ENOSPC
  const std::vector<std::vector<std::string>> commands = {
      {run_exe(), "-m", dir + "/m.gguf", "-p", "hello", "-n", "8", "--temp", "0"},
      {run_exe(), "bench", "-m", dir + "/m.gguf", "-p", "4", "-n", "2", "-r", "1", "-t", "1"},
      {run_exe(), "--help"}};
  for (const auto& cmd : commands) {
    INFO(cmd[1]);
    tt::child_options o;
    o.stdout_path = "/dev/full";
    o.timeout_s = 60;
    o.tick = [](tt::child_ctl& c) { c.close_stdin(); };
    const tt::child_result r = tt::run_child(cmd, o);
    INFO(r.describe());
    CHECK(r.exited(1));
    CHECK_THAT(r.err, Contains("cannot write the output: No space left on device"));
  }
}

TEST_CASE("a closed output pipe (as in | head) ends tritlut-run quietly with status 0", "[robustness][signals]") {
  const tt::scratch scratch("epipe");
  const std::string& dir = scratch.dir;
  tt::make_tiny(dir + "/m.gguf");
  // The reader goes away after the first answer; the second answer's first write meets EPIPE.
  const tt::child_result r = two_turns({}, dir + "/m.gguf", [](tt::child_ctl& c) {
    REQUIRE(!c.out.empty());
    c.stdout_closed = true;
  });
  INFO(r.describe());
  CHECK(r.exited(0));
  CHECK(r.err.find("error") == std::string::npos);
}
