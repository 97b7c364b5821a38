// SPDX-License-Identifier: MIT
// tests/examples/robustness/test_files.cpp - issue 16 §1: no conversion destroys or corrupts a file. Every
// converter output goes through one mechanism (examples/common/atomic_file.*): these tests hold each
// converter to the property "the output path holds nothing, the previous file or a whole new one;
// no input changes; no temporary file is left", through links, failures, signals and a second
// writer. All inputs are built here.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <thread>

#include "catch.hpp"
#include "child.hpp"
#include "models.hpp"

using Catch::Matchers::Contains;
using tt::convert_exe;
using tt::list_dir;

namespace {

// Digest of every file in dir and one level below (the HF checkpoint directory).
std::map<std::string, std::string> snapshot(const std::string& dir) {
  std::map<std::string, std::string> m;
  for (const std::string& n : list_dir(dir)) {
    const std::string p = dir + "/" + n;
    struct stat st {};
    if (::lstat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      for (const std::string& k : list_dir(p)) m[n + "/" + k] = tt::file_digest(p + "/" + k);
    } else {
      m[n] = tt::file_digest(p);
    }
  }
  return m;
}

std::string mode_of(const std::string& p) {
  struct stat st {};
  if (::lstat(p.c_str(), &st) != 0) return "absent";
  if (S_ISDIR(st.st_mode)) return "directory";
  if (S_ISFIFO(st.st_mode)) return "fifo";
  if (S_ISCHR(st.st_mode)) return "chardev";
  if (S_ISLNK(st.st_mode)) return "symlink";
  return "regular";
}

// Whether the directory's file system gives nameless files (O_TMPFILE): then even SIGKILL leaves
// no temporary file behind.
#ifdef O_TMPFILE
bool tmpfile_supported(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_TMPFILE | O_WRONLY, 0600);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}
#else
bool tmpfile_supported(const std::string&) { return false; }
#endif

struct conversion {
  std::string name;
  std::vector<std::string> args;    // without -o
  std::vector<std::string> inputs;  // the files it reads
};

// One conversion per converter, reading files of dir (built here).
std::vector<conversion> conversions(const std::string& dir) {
  tt::make_tiny(dir + "/m.gguf");
  tt::make_llama2c(dir + "/l2c.bin", dir + "/tok.bin");
  REQUIRE((::mkdir((dir + "/hf").c_str(), 0755) == 0 || errno == EEXIST));
  tt::make_hf(dir + "/hf");
  return {
      {"repack", {convert_exe(), "repack", dir + "/m.gguf", "--format", "tq2_0", "--quiet"}, {"m.gguf"}},
      {"dummy", {convert_exe(), "dummy", "--config", "tiny", "--vocab", dir + "/m.gguf", "--quiet"}, {"m.gguf"}},
      {"llama2c-bitnet", {convert_exe(), "llama2c-bitnet", dir + "/l2c.bin", dir + "/tok.bin", "--quiet"},
       {"l2c.bin", "tok.bin"}},
      {"hf", {convert_exe(), "hf", dir + "/hf", "--quiet"},
       {"hf/config.json", "hf/tokenizer.json", "hf/model.safetensors"}},
  };
}

tt::child_result convert_to(const conversion& c, const std::string& out, double timeout_s = 60) {
  std::vector<std::string> a = c.args;
  a.push_back("-o");
  a.push_back(out);
  tt::child_options o;
  o.timeout_s = timeout_s;
  return tt::run_child(a, o);
}

}  // namespace

TEST_CASE("converters refuse an output that is one of their inputs, by any path or link", "[robustness][files]") {
  const tt::scratch scratch("same-file");
  const std::string& dir = scratch.dir;
  const std::string up = dir + "/../" + dir.substr(dir.rfind('/') + 1);
  const std::vector<conversion> cs = conversions(dir);
  const auto pristine = snapshot(dir);
  // Each case starts from intact inputs, even after a case that destroyed one (the old code did).
  auto restore = [&] {
    if (snapshot(dir) == pristine) return;
    REQUIRE(std::system(("rm -rf '" + dir + "' && mkdir '" + dir + "'").c_str()) == 0);
    conversions(dir);
    REQUIRE(snapshot(dir) == pristine);
  };
  for (const conversion& c : cs) {
    INFO(c.name);
    {  // the inputs are valid: the same command with a new output converts
      restore();
      const tt::child_result r = convert_to(c, dir + "/fresh.gguf");
      INFO(r.describe());
      REQUIRE(r.exited(0));
      ::unlink((dir + "/fresh.gguf").c_str());
    }
    for (const std::string& in : c.inputs) {
      const std::string p = dir + "/" + in, sym = dir + "/sym", hard = dir + "/hard";
      std::vector<std::string> aliases = {p, dir + "/./" + in, up + "/" + in, sym, hard};
      const std::size_t slash = in.find('/');
      if (slash != std::string::npos) aliases.push_back(dir + "/" + in.substr(0, slash) + "/../" + in);
      for (const std::string& alias : aliases) {
        INFO("input " << in << ", -o " << alias);
        restore();
        if (alias == sym) REQUIRE(::symlink(p.c_str(), sym.c_str()) == 0);
        if (alias == hard) REQUIRE(::link(p.c_str(), hard.c_str()) == 0);
        const auto before = snapshot(dir);
        const tt::child_result r = convert_to(c, alias);
        INFO(r.describe());
        CHECK(r.exited(1));
        CHECK_THAT(r.err, Contains("is the same file as the input"));
        CHECK(snapshot(dir) == before);  // every input intact, nothing added
        ::unlink(sym.c_str());
        ::unlink(hard.c_str());
      }
    }
  }
}

TEST_CASE("converters refuse a directory, FIFO or device as output and leave it as it was", "[robustness][files]") {
  const tt::scratch scratch("non-regular-out");
  const std::string& dir = scratch.dir;
  const std::vector<conversion> cs = conversions(dir);
  REQUIRE(::mkdir((dir + "/adir").c_str(), 0755) == 0);
  REQUIRE(::mkfifo((dir + "/afifo").c_str(), 0644) == 0);
  const std::pair<std::string, std::string> outs[] = {
      {dir + "/adir", "is a directory, not a regular file"},
      {dir + "/afifo", "is a FIFO (named pipe), not a regular file"},
      {"/dev/null", "is a character device, not a regular file"}};
  for (const conversion& c : cs) {
    for (const auto& o : outs) {
      INFO(c.name << " -o " << o.first);
      const std::string kind = mode_of(o.first);
      const auto before = snapshot(dir);
      // An old writer opened a FIFO for writing and waited for a reader forever: 20 s is a hang.
      const tt::child_result r = convert_to(c, o.first, 20);
      INFO(r.describe());
      CHECK_FALSE(r.timed_out);
      CHECK(r.exited(1));
      CHECK_THAT(r.err, Contains(o.second));
      CHECK(mode_of(o.first) == kind);
      CHECK(snapshot(dir) == before);
    }
  }
}

TEST_CASE("a conversion that fails midway leaves the previous output and no temporary file", "[robustness][files]") {
  const tt::scratch scratch("fail-midway");
  const std::string& dir = scratch.dir;
  const std::string out = dir + "/out.gguf";
  for (const conversion& c : conversions(dir)) {
    for (const char* env : {"TRITLUT_NO_O_TMPFILE=0", "TRITLUT_NO_O_TMPFILE=1"}) {  // nameless, named temporary
      INFO(c.name << ", " << env);
      tt::make_tiny(out, "9");  // the previous output, each case on its own
      const auto before = snapshot(dir);
      // Writes beyond 4 KiB fail (EFBIG), after the output was opened and its header written: the
      // failure a full disk or an I/O error causes, for every converter alike. Every output here is
      // larger (the smallest, llama2c-bitnet's, is about 14 KB).
      tt::child_options o;
      o.env = {env};
      o.max_file_bytes = 4096;
      o.timeout_s = 60;
      std::vector<std::string> args = c.args;
      args.push_back("-o");
      args.push_back(out);
      const tt::child_result r = tt::run_child(args, o);
      INFO(r.describe());
      CHECK(r.exited(1));
      CHECK_THAT(r.err, Contains("File too large"));
      CHECK(snapshot(dir) == before);  // out.gguf as it was, the inputs unchanged, no temporary file
    }
  }
}

TEST_CASE("SIGINT, SIGTERM, SIGHUP or SIGKILL mid-conversion leave the previous output or nothing", "[robustness][files]") {
  const tt::scratch scratch("signal-mid");
  const std::string& dir = scratch.dir;
  const bool nameless_supported = tmpfile_supported(dir);
  const std::string out = dir + "/out.gguf";
  for (bool named : {false, true}) {
    for (bool previous : {false, true}) {
      for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGKILL}) {
        INFO("signal " << sig << (previous ? ", replacing a file" : ", new file")
                       << (named ? ", named temporary file" : ", O_TMPFILE where supported"));
        for (const std::string& n : list_dir(dir)) ::unlink((dir + "/" + n).c_str());  // each case on its own
        if (previous) tt::make_tiny(out);
        const auto before = snapshot(dir);
        bool sent = false, saw_named_temp = false;
        tt::child_options o;
        o.env = {named ? "TRITLUT_NO_O_TMPFILE=1" : "TRITLUT_NO_O_TMPFILE=0"};
        // The 125M config writes 28 MB in 4 MiB blocks (0.4 s here): the signal comes once the first
        // block is written, so the conversion is surely midway.
        o.tick = [&](tt::child_ctl& c) {
          if (!sent && tt::open_file_size_under(c.pid, dir) > (1 << 20)) {
            for (const std::string& n : list_dir(dir))
              if (n.rfind(".out.gguf.tmp.", 0) == 0) saw_named_temp = true;
            ::kill(c.pid, sig);
            sent = true;
          }
        };
        const tt::child_result r = tt::run_child(
            {convert_exe(), "dummy", "--config", "125M", "--vocab-size", "1000", "-o", out, "--quiet"}, o);
        INFO(r.describe());
        REQUIRE(sent);
        CHECK(r.term_signal == sig);  // ended by the signal, as the shell expects (handlers re-raise it)
        if (named) CHECK(saw_named_temp);
        if (sig == SIGKILL && (named || !nameless_supported)) {
          // No handler runs on SIGKILL: a named temporary file stays, but the output path must
          // still be untouched.
          CHECK(tt::file_digest(out) == (before.count("out.gguf") ? before.at("out.gguf") : "absent"));
          if (!named) WARN("no O_TMPFILE in " << dir << ": a SIGKILLed conversion leaves its temporary file");
        } else {
          CHECK(snapshot(dir) == before);
        }
      }
    }
  }
}

TEST_CASE("two conversions to one path at once leave one whole file", "[robustness][files]") {
  const tt::scratch scratch("concurrent");
  const std::string& dir = scratch.dir;
  auto dummy = [&](const std::string& seed, const std::string& out, const std::string& env = "") {
    tt::child_options o;
    if (!env.empty()) o.env = {env};
    return tt::run_child(
        {convert_exe(), "dummy", "--config", "125M", "--vocab-size", "1000", "--seed", seed, "-o", out, "--quiet"}, o);
  };
  REQUIRE(dummy("1", dir + "/ref1.gguf").exited(0));
  REQUIRE(dummy("2", dir + "/ref2.gguf").exited(0));
  const std::string d1 = tt::file_digest(dir + "/ref1.gguf"), d2 = tt::file_digest(dir + "/ref2.gguf");
  REQUIRE(d1 != d2);
  for (int round = 0; round < 4; ++round) {
    const std::string env = round % 2 ? "TRITLUT_NO_O_TMPFILE=1" : "TRITLUT_NO_O_TMPFILE=0";
    INFO("round " << round << ", " << env);
    tt::child_result r1, r2;
    std::thread t1([&] { r1 = dummy("1", dir + "/out.gguf", env); });
    std::thread t2([&] { r2 = dummy("2", dir + "/out.gguf", env); });
    t1.join();
    t2.join();
    INFO(r1.describe() << "\n" << r2.describe());
    CHECK(r1.exited(0));
    CHECK(r2.exited(0));
    const std::string d = tt::file_digest(dir + "/out.gguf");
    CHECK((d == d1 || d == d2));  // byte for byte one writer's file, never a mix
    CHECK(list_dir(dir) == std::set<std::string>{"out.gguf", "ref1.gguf", "ref2.gguf"});
  }
}

TEST_CASE("an existing output is replaced by a new file: links and permissions", "[robustness][files]") {
  const tt::scratch scratch("replace");
  const std::string& dir = scratch.dir;
  tt::make_tiny(dir + "/ref.gguf", "7");
  tt::make_tiny(dir + "/out.gguf", "3");
  REQUIRE(::chmod((dir + "/out.gguf").c_str(), 0640) == 0);
  REQUIRE(::link((dir + "/out.gguf").c_str(), (dir + "/other.gguf").c_str()) == 0);
  REQUIRE(::symlink("out.gguf", (dir + "/link.gguf").c_str()) == 0);
  const std::string old_digest = tt::file_digest(dir + "/out.gguf");
  const tt::child_result r = tt::run_child({convert_exe(), "dummy", "--config", "tiny", "--vocab-size", "1000",
                                            "--seed", "7", "-o", dir + "/link.gguf", "--quiet"});
  INFO(r.describe());
  REQUIRE(r.exited(0));
  CHECK(tt::file_digest(dir + "/out.gguf") == tt::file_digest(dir + "/ref.gguf"));  // the link's target
  CHECK(mode_of(dir + "/link.gguf") == "symlink");
  // Never rewritten in place: another name of the old file keeps the old contents.
  CHECK(tt::file_digest(dir + "/other.gguf") == old_digest);
  struct stat st {};
  REQUIRE(::stat((dir + "/out.gguf").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0640);
  CHECK(list_dir(dir) == std::set<std::string>{"link.gguf", "other.gguf", "out.gguf", "ref.gguf"});
}

TEST_CASE("re-converting a model while tritlut-run uses it does not change the running model", "[robustness][files]") {
  const tt::scratch scratch("reconvert");
  const std::string& dir = scratch.dir;
  tt::make_tiny(dir + "/model.gguf", "1");
  tt::make_tiny(dir + "/orig.gguf", "1");
  const std::vector<std::string> lines = {"hello there\n", "tell me more\n"};
  // A two-turn greedy chat; between the turns `between` runs.
  auto chat = [&](const std::string& model, const std::function<void()>& between) {
    tt::child_options o;
    int turn = 0;
    o.tick = [&](tt::child_ctl& c) {
      std::size_t prompts = 0;
      for (std::size_t p = c.err.find("> "); p != std::string::npos; p = c.err.find("> ", p + 1)) ++prompts;
      if (turn == 0 && prompts >= 1) {
        c.send(lines[0]);
        turn = 1;
      } else if (turn == 1 && prompts >= 2) {
        between();
        c.send(lines[1]);
        c.close_stdin();
        turn = 2;
      }
    };
    return tt::run_child({tt::run_exe(), "-m", model, "-cnv", "--temp", "0", "-n", "24", "-t", "1"}, o);
  };
  const tt::child_result ref = chat(dir + "/orig.gguf", [] {});
  REQUIRE(ref.exited(0));
  const tt::child_result r = chat(dir + "/model.gguf", [&] {
    const tt::child_result c = tt::run_child({convert_exe(), "dummy", "--config", "tiny", "--vocab-size", "1000",
                                              "--seed", "2", "-o", dir + "/model.gguf", "--quiet"});
    REQUIRE(c.exited(0));
  });
  INFO(r.describe());
  CHECK(r.exited(0));
  // The second turn still ran on the weights it loaded (an in-place rewrite would have changed them
  // under it, or ended it with SIGBUS).
  CHECK(r.out == ref.out);
  CHECK(tt::file_digest(dir + "/model.gguf") != tt::file_digest(dir + "/orig.gguf"));
}
