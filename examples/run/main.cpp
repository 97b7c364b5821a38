// SPDX-License-Identifier: MIT
// examples/run/main.cpp - tritlut-run: generate text, chat, or benchmark a BitNet b1.58 GGUF model.
// Only generated text goes to stdout; everything else (load info, timings, errors) to stderr.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <tritlut/tritlut.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__linux__)
#include <sched.h>
#endif

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/file_checks.hpp"
#include "engine/generate.hpp"
#include "engine/model.hpp"
#include "engine/sampler.hpp"
#include "tokenizer/hf_vocab.hpp"
#include "tokenizer/tokenizer.hpp"

namespace {

using namespace trex;

// stdout is a pipe whose reader has gone (as in `| head`): the program ends quietly with status 0,
// like other command-line tools (SIGPIPE is ignored so that this is seen as EPIPE).
struct output_closed {};

// Every write to stdout ends with this: a full disk or a failing device is an error (status 1),
// never text silently lost.
void flush_stdout() {
  errno = 0;
  if (std::fflush(stdout) == 0 && !std::ferror(stdout)) return;
  if (errno == EPIPE) throw output_closed{};
  throw error(std::string("cannot write the output: ") + (errno ? std::strerror(errno) : "write error"));
}

// @ARCHS@ and @ISAS@ are filled in by usage() from the architecture table (engine/arch.hpp) and
// the library's ISA list.
const char* k_usage =
    "usage:\n"
    "  tritlut-run -m MODEL.gguf [-p PROMPT | -f FILE] [options]   generate text\n"
    "  tritlut-run -m MODEL.gguf -cnv [options]                     chat (the model's chat template)\n"
    "  tritlut-run bench -m MODEL.gguf [-p 128] [-n 64] [-t 1,2] [-r 5] [--kernel i2s,tl2]\n"
    "  tritlut-run tokenize (-m MODEL.gguf | --vocab FILE) (-p TEXT | -f FILE) [--pieces]\n"
    "                       [--add-special] [--parse-special]      text -> token ids\n"
    "\n"
    "options:\n"
    "  -m, --model FILE       GGUF model (arch @ARCHS@)\n"
    "  -p, --prompt TEXT      prompt (\"\" = start from BOS)\n"
    "  -f, --file FILE        read the prompt from a file (at most 16 MiB)\n"
    "  -n, --n-predict N      tokens to generate (default -1: until end of text or full context)\n"
    "  -t, --threads N        threads (default: physical cores; at most the CPUs available)\n"
    "  -c, --ctx-size N       context length (default: the model's)\n"
    "  -b, --batch-size N     prompt tokens per batch (default 128)\n"
    "  --temp T               temperature (default 0.8; 0 = greedy)\n"
    "  --top-k N              top-k (default 40; 0 = off)\n"
    "  --top-p P              top-p in [0, 1] (default 0.95; 1 = off)\n"
    "  --min-p P              min-p in [0, 1] (default 0.05; 0 = off)\n"
    "  --repeat-penalty R     repetition penalty over the last 64 tokens (default 1.0 = off)\n"
    "  --seed N               sampling seed (default: from the clock)\n"
    "  -cnv, --conversation   interactive chat\n"
    "  --isa NAME             force a kernel ISA (@ISAS@);\n"
    "                         wins over TRITLUT_ISA in the environment\n"
    "  --kernel K             ternary kernel: i2s, tl1, tl2 or auto (default i2s)\n"
    "  --lm-head H            output projection: f16 (as in the file) or q8 (int8 per row, built at load)\n"
    "  --kv-type T            KV cache: f16 (default) or f32\n"
    "  --no-mmap              copy I2_S weights and an F16 lm_head into memory (huge pages) instead of\n"
    "                         reading them in place from the file: slower load, faster decoding\n"
    "  --verbose              print model details and per-phase timings\n"
    "  -h, --help             this help\n"
    "\n"
    "tokenize options (the ids go to stdout on one line, separated by spaces):\n"
    "  --vocab FILE           a vocabulary: a GGUF file (vocab-only or a model) or a tokenizer.json\n"
    "  --pieces               one token a line: id -> 'piece'\n"
    "  --add-special          add BOS/EOS as the vocabulary asks (default: none)\n"
    "  --parse-special        turn the text of special tokens (e.g. <|im_end|>) into their ids\n";

std::string usage() {
  std::string u = k_usage;
  for (const auto& [key, value] : {std::pair<std::string, std::string>{"@ARCHS@", supported_archs()},
                                   std::pair<std::string, std::string>{"@ISAS@", tritlut::isa_name_list()}})
    u.replace(u.find(key), key.size(), value);
  return u;
}

struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

long parse_int(const std::string& opt, const std::string& v, long lo, long hi) {
  char* end = nullptr;
  errno = 0;
  const long x = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || errno != 0 || x < lo || x > hi)
    throw usage_error(opt + " expects an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got '" +
                      v + "'");
  return x;
}
float parse_float(const std::string& opt, const std::string& v) {
  char* end = nullptr;
  const float x = std::strtof(v.c_str(), &end);
  if (v.empty() || *end != '\0' || !std::isfinite(x) || x < 0) throw usage_error(opt + " expects a number >= 0, got '" + v + "'");
  return x;
}
// A probability: --top-p 2 or --min-p 5 would silently turn the cut-off off or into greedy.
float parse_probability(const std::string& opt, const std::string& v) {
  const float x = parse_float(opt, v);
  if (x > 1.0f) throw usage_error(opt + " expects a probability in [0, 1], got '" + v + "'");
  return x;
}
std::vector<long> parse_int_list(const std::string& opt, const std::string& v, long lo, long hi) {
  std::vector<long> out;
  std::stringstream ss(v);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(parse_int(opt, item, lo, hi));
  if (out.empty()) throw usage_error(opt + " expects a comma-separated list");
  return out;
}

#if defined(__linux__)
// CPUs in this process's affinity mask; 0 if unknown.
unsigned affinity_cpus() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return static_cast<unsigned>(CPU_COUNT(&set));
  return 0;
}
#else
// No affinity query off Linux: unknown.
unsigned affinity_cpus() { return 0; }
#endif

// CPUs this process may run on (its affinity mask), else the hardware threads.
unsigned usable_cpus() {
  const unsigned n = affinity_cpus();
  return n > 0 ? n : tritlut::thread_pool::default_threads();
}

// Physical cores (distinct core ids of package 0.. from sysfs); hardware threads if unknown.
unsigned physical_cores() {
  std::set<std::pair<std::string, std::string>> cores;
  for (unsigned cpu = 0; cpu < 4096; ++cpu) {
    const std::string d = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
    std::ifstream core(d + "core_id"), pkg(d + "physical_package_id");
    if (!core) break;
    std::string c, p;
    core >> c;
    pkg >> p;
    cores.insert({p, c});
  }
  // Not more than the CPUs of the affinity mask (a container may see the host's whole topology).
  if (!cores.empty()) return std::min(static_cast<unsigned>(cores.size()), usable_cpus());
  return usable_cpus();
}

// More threads than CPUs only wait for one another at every barrier (-t 1000 on 2 CPUs made the
// prompt about 1000x slower): clamped, with a warning, for generation and bench alike.
long clamp_threads(long t) {
  const long cpus = static_cast<long>(usable_cpus());
  if (t <= cpus) return t;
  std::fprintf(stderr, "tritlut-run: warning: -t %ld is more than the %ld CPUs this process can run on; using %ld threads\n",
               t, cpus, cpus);
  return cpus;
}

struct options {
  std::string model, prompt, prompt_file;
  bool have_prompt = false, chat = false, verbose = false, bench = false, no_mmap = false;
  long n_predict = -1, threads = 0, ctx = 0, batch = 128, repetitions = 5;
  std::vector<long> bench_p{128}, bench_n{64}, bench_t;
  std::vector<std::string> kernels{"i2s"};
  std::string isa, lm_head = "f16", kv = "f16";
  sampler_params sp;
  bool have_seed = false;
};

options parse_args(int argc, char** argv) {
  options o;
  int i = 1;
  if (argc > 1 && std::string(argv[1]) == "bench") {
    o.bench = true;
    i = 2;
  }
  for (; i < argc; ++i) {
    const std::string s = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw usage_error("option " + s + " needs a value");
      return argv[++i];
    };
    if (s == "-h" || s == "--help") {
      std::fputs(usage().c_str(), stdout);
      flush_stdout();
      std::exit(0);
    } else if (s == "-m" || s == "--model") {
      o.model = value();
    } else if (s == "-p" || s == "--prompt") {
      if (o.bench) o.bench_p = parse_int_list(s, value(), 1, 1 << 20);
      else {
        o.prompt = value();
        o.have_prompt = true;
      }
    } else if (s == "-f" || s == "--file") {
      o.prompt_file = value();
    } else if (s == "-n" || s == "--n-predict") {
      if (o.bench) o.bench_n = parse_int_list(s, value(), 1, 1 << 20);
      else o.n_predict = parse_int(s, value(), -1, 1L << 30);
    } else if (s == "-t" || s == "--threads") {
      if (o.bench) o.bench_t = parse_int_list(s, value(), 1, 1024);
      else o.threads = parse_int(s, value(), 1, 1024);
    } else if (s == "-r" || s == "--repetitions") {
      o.repetitions = parse_int(s, value(), 1, 1000);
    } else if (s == "-c" || s == "--ctx-size") {
      o.ctx = parse_int(s, value(), 0, 1L << 40);  // what the KV cache can hold is checked when it is made
    } else if (s == "-b" || s == "--batch-size") {
      o.batch = parse_int(s, value(), 1, 4096);
    } else if (s == "--temp") {
      o.sp.temp = parse_float(s, value());
    } else if (s == "--top-k") {
      o.sp.top_k = static_cast<int>(parse_int(s, value(), 0, 1 << 30));
    } else if (s == "--top-p") {
      o.sp.top_p = parse_probability(s, value());
    } else if (s == "--min-p") {
      o.sp.min_p = parse_probability(s, value());
    } else if (s == "--repeat-penalty") {
      o.sp.repeat_penalty = parse_float(s, value());
      if (o.sp.repeat_penalty <= 0) throw usage_error("--repeat-penalty must be > 0");
    } else if (s == "--seed") {
      o.sp.seed = static_cast<std::uint64_t>(parse_int(s, value(), 0, 0x7fffffffffffffffL));
      o.have_seed = true;
    } else if (s == "-cnv" || s == "--conversation") {
      o.chat = true;
    } else if (s == "--isa") {
      o.isa = value();
    } else if (s == "--kernel") {
      o.kernels.clear();
      std::stringstream ss(value());
      std::string k;
      while (std::getline(ss, k, ',')) o.kernels.push_back(k);
      if (o.kernels.empty()) throw usage_error("--kernel needs a value");
    } else if (s == "--lm-head") {
      o.lm_head = value();
    } else if (s == "--kv-type") {
      o.kv = value();
    } else if (s == "--no-mmap") {
      o.no_mmap = true;
    } else if (s == "--verbose" || s == "-v") {
      o.verbose = true;
    } else {
      throw usage_error("unknown option '" + s + "' (see --help)");
    }
  }
  if (o.model.empty()) throw usage_error("missing -m MODEL.gguf (see --help)");
  if (!o.bench && o.kernels.size() != 1) throw usage_error("--kernel takes one kernel outside bench");
  for (const auto& k : o.kernels) {
    kernel_kind kk;
    if (k != "auto" && !parse_kernel(k, kk)) throw usage_error("unknown kernel '" + k + "' (i2s, tl1, tl2, auto)");
  }
  lm_head_kind hk;
  if (!parse_lm_head(o.lm_head, hk)) throw usage_error("unknown --lm-head '" + o.lm_head + "' (f16, q8)");
  kv_type kt;
  if (!parse_kv_type(o.kv, kt)) throw usage_error("unknown --kv-type '" + o.kv + "' (f16, f32)");
  if (!o.prompt_file.empty() && o.have_prompt) throw usage_error("give -p or -f, not both");
  if (o.threads > 0) o.threads = clamp_threads(o.threads);
  for (long& t : o.bench_t) t = clamp_threads(t);
  o.bench_t.erase(std::unique(o.bench_t.begin(), o.bench_t.end()), o.bench_t.end());
  return o;
}


kernel_kind resolve_kernel(const std::string& k) {
  kernel_kind kk = kernel_kind::i2s;
  if (k == "auto") return kk;  // measured at load (load_options::auto_kernel)
  parse_kernel(k, kk);
  if (!kernel_available(kk)) throw error(std::string("kernel ") + k + " is not available in this build (use --kernel i2s)");
  return kk;
}

load_options make_load_options(const options& o, const std::string& kernel) {
  load_options lo;
  lo.kernel = resolve_kernel(kernel);
  lo.auto_kernel = kernel == "auto";
  parse_lm_head(o.lm_head, lo.head);
  lo.mmap_weights = !o.no_mmap;
  return lo;
}

std::string human_bytes(double b) {
  char buf[32];
  if (b >= 1e9) std::snprintf(buf, sizeof buf, "%.2f GB", b / 1e9);
  else std::snprintf(buf, sizeof buf, "%.1f MB", b / 1e6);
  return buf;
}

void print_model(const model& m, double load_s, unsigned threads) {
  const hparams& h = m.hp();
  std::fprintf(stderr,
               "tritlut-run: %s: arch %s, %u layers, dim %u, ffn %u, heads %u/%u, vocab %u, ctx %u\n"
               "tritlut-run: kernel %s, ISA %s, lm_head %s (%s), ternary %s, %u threads, loaded in %.2f s\n",
               m.file().path().c_str(), h.arch_name.c_str(), h.n_layers, h.dim, h.ffn, h.n_heads, h.n_kv_heads,
               h.n_vocab, h.n_ctx_train, to_string(m.kernel()), std::string(tritlut::active_isa_name()).c_str(),
               const_cast<model&>(m).head().type_name(), human_bytes(double(const_cast<model&>(m).head().bytes())).c_str(),
               human_bytes(double(m.ternary_bytes())).c_str(), threads, load_s);
}

int run_bench(const options& o) {
  std::vector<long> threads = o.bench_t;
  if (threads.empty()) threads.push_back(physical_cores());
  std::printf("| model | size | kernel | lm_head | mmap | ISA | threads | test | t/s |\n");
  std::printf("| --- | ---: | --- | --- | --- | --- | ---: | ---: | ---: |\n");
  flush_stdout();
  for (const std::string& kname : o.kernels) {
    const long max_t = *std::max_element(threads.begin(), threads.end());
    tritlut::thread_pool load_pool(static_cast<unsigned>(max_t));
    const double t0 = now_s();
    auto m = model::load(o.model, make_load_options(o, kname), load_pool);
    std::fprintf(stderr, "tritlut-run bench: loaded %s (%s) in %.2f s\n", o.model.c_str(), to_string(m->kernel()),
                 now_s() - t0);
    const std::string name = m->file().get_string("general.name", m->hp().arch_name);
    const std::string size = human_bytes(double(m->file().file_size()));
    long max_len = 1;
    for (long p : o.bench_p) max_len = std::max(max_len, p);
    for (long n : o.bench_n) max_len = std::max(max_len, n + 1);
    for (long nt : threads) {
      tritlut::thread_pool pool(static_cast<unsigned>(nt));
      session_options so;
      so.n_ctx = static_cast<std::size_t>(std::max<long>(max_len, o.ctx));
      so.n_batch = static_cast<std::size_t>(o.batch);
      parse_kv_type(o.kv, so.kv);
      session s(*m, pool, so);
      const std::int32_t n_vocab = static_cast<std::int32_t>(m->hp().n_vocab);
      auto run_test = [&](const std::string& test, long n_tokens, bool prompt) {
        std::vector<double> tps;
        for (long rep = -1; rep < o.repetitions; ++rep) {  // rep -1: warm-up
          std::vector<std::int32_t> toks(static_cast<std::size_t>(n_tokens));
          for (long i = 0; i < n_tokens; ++i) toks[static_cast<std::size_t>(i)] = static_cast<std::int32_t>((i * 7919 + (rep + 1) * 31 + 1) % n_vocab);
          s.reset();
          double t = 0;
          if (prompt) {
            const double a = now_s();
            s.eval(toks);
            t = now_s() - a;
          } else {
            s.eval(toks.data(), 1);
            const double a = now_s();
            std::int32_t id = argmax(s.logits(), s.n_vocab());
            for (long i = 0; i < n_tokens; ++i) {
              s.eval(&id, 1);
              id = argmax(s.logits(), s.n_vocab());
            }
            t = now_s() - a;
          }
          if (rep >= 0) tps.push_back(double(n_tokens) / t);
        }
        double mean = 0, var = 0;
        for (double v : tps) mean += v;
        mean /= double(tps.size());
        for (double v : tps) var += (v - mean) * (v - mean);
        const double sd = tps.size() > 1 ? std::sqrt(var / double(tps.size() - 1)) : 0.0;
        std::printf("| %s | %s | %s | %s | %s | %s | %ld | %s | %.2f ± %.2f |\n", name.c_str(), size.c_str(),
                    to_string(m->kernel()), m->head().type_name(), o.no_mmap ? "no" : "yes",
                    std::string(tritlut::active_isa_name()).c_str(), nt, test.c_str(), mean, sd);
        flush_stdout();
      };
      for (long p : o.bench_p) run_test("pp" + std::to_string(p), p, true);
      for (long n : o.bench_n) run_test("tg" + std::to_string(n), n, false);
    }
  }
  return 0;
}

void print_timings(const generate_stats& st, double load_s) {
  std::fprintf(stderr, "\ntritlut-run: load %.2f s | prompt %zu tokens, %.2f s, %.2f t/s | generated %zu tokens, %.2f s, %.2f t/s\n",
               load_s, st.n_prompt, st.prompt_s, st.prompt_s > 0 ? double(st.n_prompt) / st.prompt_s : 0.0, st.n_gen,
               st.gen_s, st.gen_s > 0 ? double(st.n_gen) / st.gen_s : 0.0);
}

// A prompt (file or chat line) longer than this is refused before it is held in memory: 16 MiB
// is about 4 million tokens at 4 bytes a token, four times a context of 2^20 tokens (whose KV
// cache alone takes 80 GB for 2B4T).
constexpr std::size_t k_max_prompt_bytes = std::size_t(16) << 20;

std::string read_prompt_file(const std::string& path) {
  struct stat st {};
  // A regular file only, opened without blocking: a FIFO would wait for a writer, a directory
  // read as an empty prompt, a device such as /dev/zero never end (file_checks.hpp).
  const int fd = open_regular_file(path, "prompt file", &st);
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(::fdopen(fd, "rb"), &std::fclose);
  if (!f) {
    ::close(fd);
    throw error("cannot open prompt file " + path);
  }
  if (static_cast<std::uint64_t>(st.st_size) > k_max_prompt_bytes)
    throw error("prompt file " + path + " has " + std::to_string(st.st_size) + " bytes, more than the limit of " +
                std::to_string(k_max_prompt_bytes) + " (16 MiB)");
  std::string s;
  char buf[1 << 16];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) {  // the file may grow after the check
    s.append(buf, n);
    if (s.size() > k_max_prompt_bytes)
      throw error("prompt file " + path + " is longer than the limit of " + std::to_string(k_max_prompt_bytes) +
                  " bytes (16 MiB)");
  }
  if (std::ferror(f.get())) throw error("cannot read prompt file " + path);
  return s;
}

// One chat line from stdin, at most k_max_prompt_bytes (the rest of a longer line is read and
// dropped; too_long tells). False at the end of the input.
bool read_chat_line(std::string& line, bool& too_long) {
  line.clear();
  too_long = false;
  int c;
  while ((c = std::getchar()) != EOF && c != '\n') {
    if (line.size() < k_max_prompt_bytes) line += static_cast<char>(c);
    else too_long = true;
  }
  return c != EOF || !line.empty() || too_long;
}

int run_generate(const options& o) {
  const unsigned nt = o.threads > 0 ? static_cast<unsigned>(o.threads) : physical_cores();
  tritlut::thread_pool pool(nt);
  const double t0 = now_s();
  auto m = model::load(o.model, make_load_options(o, o.kernels[0]), pool);
  tokenizer tok = tokenizer::from_gguf(m->file());
  if (tok.vocab_size() < m->hp().n_vocab)
    std::fprintf(stderr,
                 "tritlut-run: warning: the tokenizer has %zu tokens but the model's output has %u rows; only ids "
                 "below %zu are sampled\n",
                 tok.vocab_size(), m->hp().n_vocab, tok.vocab_size());
  const double load_s = now_s() - t0;
  if (o.verbose) print_model(*m, load_s, nt);
  session_options so;
  so.n_ctx = static_cast<std::size_t>(o.ctx);
  so.n_batch = static_cast<std::size_t>(o.batch);
  parse_kv_type(o.kv, so.kv);
  session s(*m, pool, so);
  sampler_params sp = o.sp;
  if (!o.have_seed) sp.seed = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  sampler smp(sp);
  auto emit = [](const std::string& t) {
    std::fwrite(t.data(), 1, t.size(), stdout);
    flush_stdout();
  };

  if (o.chat) {
    bool first = true;
    std::string line;
    bool too_long = false;
    for (;;) {
      std::fputs("\n> ", stderr);
      std::fflush(stderr);
      if (!read_chat_line(line, too_long)) break;
      // An over-long turn is refused on its own; the conversation goes on.
      if (too_long) {
        std::fprintf(stderr, "tritlut-run: this message is longer than %zu bytes; it was not sent\n", k_max_prompt_bytes);
        continue;
      }
      if (line.empty()) continue;
      const std::string text = tok.apply_chat_template({{"user", line}});
      std::vector<std::int32_t> ids = tok.encode(text, first && tok.add_bos(), /*parse_special=*/true);
      if (s.pos() + ids.size() > s.n_ctx()) {
        std::fprintf(stderr,
                     "tritlut-run: this message is %zu tokens but the context has room for %zu more; it was not "
                     "sent (use -c to enlarge the context)\n",
                     ids.size(), s.n_ctx() - s.pos());
        continue;
      }
      first = false;
      generate_stats st = generate(s, tok, ids, o.n_predict, smp, emit);
      std::fputc('\n', stdout);
      flush_stdout();
      if (st.stopped_eog && s.pos() < s.n_ctx()) {
        const std::int32_t end = tok.eot() >= 0 ? tok.eot() : tok.eos();
        if (end >= 0) s.eval(&end, 1);  // the end of the assistant's turn is part of the history
      }
      if (st.context_full || s.pos() >= s.n_ctx()) {
        std::fputs("tritlut-run: the context is full; ending the conversation (use -c to enlarge it)\n", stderr);
        break;
      }
      if (o.verbose) print_timings(st, load_s);
    }
    return 0;
  }

  std::string prompt = o.prompt;
  if (!o.prompt_file.empty()) prompt = read_prompt_file(o.prompt_file);
  std::vector<std::int32_t> ids = tok.encode(prompt, tok.add_bos() || prompt.empty(), false);
  if (ids.empty()) throw error("the prompt is empty and the vocabulary has no BOS token");
  if (ids.size() > s.n_ctx())
    throw error("the prompt has " + std::to_string(ids.size()) + " tokens, longer than the context of " +
                std::to_string(s.n_ctx()) + " (use -c to enlarge it)");
  const generate_stats st = generate(s, tok, ids, o.n_predict, smp, emit);
  std::fputc('\n', stdout);
  flush_stdout();
  if (st.context_full) std::fprintf(stderr, "tritlut-run: stopped: the context of %zu tokens is full\n", s.n_ctx());
  print_timings(st, load_s);
  return 0;
}

// tritlut-run tokenize: text -> ids, like llama.cpp's llama-tokenize.
struct tokenize_options {
  std::string model, vocab, prompt, prompt_file;
  bool have_prompt = false, pieces = false, add_special = false, parse_special = false;
};

tokenize_options parse_tokenize_args(int argc, char** argv) {
  tokenize_options o;
  for (int i = 2; i < argc; ++i) {
    const std::string s = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw usage_error("option " + s + " needs a value");
      return argv[++i];
    };
    if (s == "-h" || s == "--help") {
      std::fputs(usage().c_str(), stdout);
      flush_stdout();
      std::exit(0);
    } else if (s == "-m" || s == "--model") {
      o.model = value();
    } else if (s == "--vocab") {
      o.vocab = value();
    } else if (s == "-p" || s == "--prompt") {
      o.prompt = value();
      o.have_prompt = true;
    } else if (s == "-f" || s == "--file") {
      o.prompt_file = value();
    } else if (s == "--pieces") {
      o.pieces = true;
    } else if (s == "--add-special") {
      o.add_special = true;
    } else if (s == "--parse-special") {
      o.parse_special = true;
    } else {
      throw usage_error("unknown option '" + s + "' for tokenize (see --help)");
    }
  }
  if (o.model.empty() && o.vocab.empty()) throw usage_error("tokenize needs -m MODEL.gguf or --vocab FILE (see --help)");
  if (!o.model.empty() && !o.vocab.empty()) throw usage_error("give -m or --vocab, not both");
  if (!o.have_prompt && o.prompt_file.empty()) throw usage_error("tokenize needs -p TEXT or -f FILE (see --help)");
  if (o.have_prompt && !o.prompt_file.empty()) throw usage_error("give -p or -f, not both");
  return o;
}

// --vocab FILE: a GGUF file (by its magic) or a tokenizer.json (a JSON object); anything else is
// named as such rather than reported as a JSON syntax error or a bad GGUF magic.
tokenizer load_vocab_file(const std::string& path) {
  std::string head;
  {
    const int fd = open_regular_file(path, "vocabulary file");  // no FIFO, directory or device
    char buf[64];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    ::close(fd);
    if (n < 0) throw error("cannot read vocabulary file " + path + ": " + std::strerror(errno));
    head.assign(buf, static_cast<std::size_t>(n));
  }
  if (head.compare(0, 4, "GGUF") == 0) return tokenizer::from_gguf(gguf_reader::open(path));
  const std::size_t first = head.find_first_not_of(" \t\r\n");
  if (first == std::string::npos || head[first] != '{')
    throw error(path + " is neither a GGUF file nor a tokenizer.json");
  return tokenizer(vocab_from_hf(parse_json_file(path)));
}

int run_tokenize(int argc, char** argv) {
  const tokenize_options o = parse_tokenize_args(argc, argv);
  const tokenizer tok =
      o.model.empty() ? load_vocab_file(o.vocab) : tokenizer::from_gguf(gguf_reader::open(o.model));
  const std::string text = o.prompt_file.empty() ? o.prompt : read_prompt_file(o.prompt_file);
  std::vector<std::int32_t> ids = tok.encode(text, o.add_special && tok.add_bos(), o.parse_special);
  if (o.add_special && tok.add_eos()) ids.push_back(tok.eos());
  std::string out;
  if (o.pieces) {
    for (std::int32_t id : ids) {
      char num[16];
      std::snprintf(num, sizeof num, "%6d", id);
      out += std::string(num) + " -> '" + tok.token_to_piece(id, /*render_special=*/true) + "'\n";
    }
  } else {
    for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? " " : "") + std::to_string(ids[i]);
    out += '\n';
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  flush_stdout();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  guard_mapped_files("tritlut-run");  // the model file truncated while mapped: a message, not SIGBUS
  ::signal(SIGPIPE, SIG_IGN);         // a closed stdout is seen as EPIPE (flush_stdout)
  try {
    if (argc > 1 && std::string(argv[1]) == "tokenize") return run_tokenize(argc, argv);
    const options o = parse_args(argc, argv);
    if (!o.isa.empty()) {
      tritlut::isa_id id;
      if (!tritlut::parse_isa_name(o.isa, id)) throw usage_error("unknown ISA '" + o.isa + "'");
      // The command line wins over the environment: TRITLUT_ISA is dropped before the first
      // kernel-table lookup would read it (and fail on a name this CPU lacks).
      if (const char* env = std::getenv("TRITLUT_ISA"); env && *env) {
        std::fprintf(stderr, "tritlut-run: --isa %s overrides TRITLUT_ISA=%s\n", o.isa.c_str(), env);
        ::unsetenv("TRITLUT_ISA");
      }
      static tritlut::scoped_isa pin(o.isa);  // throws a clear error when the CPU lacks it
    }
    const int rc = o.bench ? run_bench(o) : run_generate(o);
    flush_stdout();
    return rc;
  } catch (const output_closed&) {
    return 0;
  } catch (const usage_error& e) {
    std::fprintf(stderr, "tritlut-run: error: %s\n", e.what());
    return 2;
  } catch (const std::bad_alloc&) {
    std::fputs("tritlut-run: error: out of memory (a smaller -c context or a smaller model needs less)\n", stderr);
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tritlut-run: error: %s\n", e.what());
    return 1;
  }
}
