#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the benchmark report and its plot from one run of scripts/bench.sh.

    scripts/bench_report.py RESULTS_DIR REPORT.md

scripts/bench.sh runs it as `scripts/bench_report.py bench/results docs/benchmarks.md`; the plot goes
next to the report (docs/benchmarks_tps_vs_size.svg).

Inputs, all in RESULTS_DIR (what scripts/bench.sh writes there):
  kernels.json  tritlut-bench output (Google Benchmark JSON, --benchmark_report_aggregates_only):
                the median aggregate of every case is used
  e2e.md        tritlut-run bench tables, one per model and run
  models.tsv    config, parameters, file bytes, general.name of each dummy model
  machine.txt   "key: value" lines
Everything in the report comes from these files.

Three steps: parse the files into records (parse_*), render the report one section at a time from
the records (render_*: each returns its lines; the prose is in PROSE, the tables are built from the
records), write. Python 3 standard library only.
"""
import json
import math
import os
import re
import string
import sys
from collections import defaultdict, namedtuple

ISA_ORDER = ["scalar", "sse41", "avx2", "avx512", "avx512_vnni", "neon", "neon_dotprod"]
X86_ISAS, ARM_ISAS = ISA_ORDER[1:5], ISA_ORDER[5:]
FORMATS = ["i2s", "tl1", "tl2"]
SHAPES_2B4T = [(2560, 2560), (640, 2560), (6912, 2560), (2560, 6912)]  # the every-ISA table
MACHINE_ROWS = ["cpu", "flags", "cores", "memory", "llc", "kernel", "compiler", "tritlut", "date"]

# ---------------------------------------------------------------------------------------- records

# One kernel case of tritlut-bench: <fmt>/<m>x<k>/b<batch>/t<threads>/<regime>/<isa>.
Case = namedtuple("Case", "fmt m k batch threads regime isa")
# Its median: us per call, weights/s, packed weight bytes/s, MAC/s (batches), roofline fraction,
# bytes of the DRAM rotation (dram cases).
Timing = namedtuple("Timing", "us wps bps macs roof rot")
# One row of tritlut-run bench. kernel names the column: the base kernel, plus "+<head>" for a
# non-F16 lm_head and "+no-mmap" for weights copied to memory ("tl2+q8+no-mmap").
E2E = namedtuple("E2E", "model size kernel base head mmap isa threads test tps sd")
Model = namedtuple("Model", "config params file_bytes name")


class Results:
    """Everything one bench.sh run measured."""

    def __init__(self, machine, kernels, ceilings, alu, other, e2e, models):
        self.machine = machine      # key -> value (machine.txt)
        self.kernels = kernels      # Case -> Timing, in file order
        self.ceilings = ceilings    # (regime "dram"|"cache", threads) -> bytes/s
        self.alu = alu              # "vpaddw" -> uops/s, "madd_paddw" -> MAC/s
        self.other = other          # name -> us, every other case (quantizer, LUT builds)
        self.e2e = e2e              # [E2E] in file order
        self.models = models        # [Model] in run order
        self.model_of_name = {m.name: m for m in models}
        isas = []
        for c in kernels:
            if c.isa not in isas:
                isas.append(c.isa)
        self.isas = sorted(isas, key=isa_rank)  # ISAs that ran, in tier order

    def best_isa(self):
        """The deepest ISA with batched cases (bench_kernels.cpp runs every batch on it)."""
        deep = [i for i in self.isas if any(c.isa == i and c.batch > 1 for c in self.kernels)]
        return deep[-1] if deep else (self.isas[-1] if self.isas else "?")

    def llc_bytes(self):
        llc = self.machine.get("llc", "")
        return int(re.sub(r"\D", "", llc) or 0) * (1024 if "K" in llc else 1)


def isa_rank(isa):
    return ISA_ORDER.index(isa) if isa in ISA_ORDER else 99


# ---------------------------------------------------------------------------------------- parse

CASE_RE = re.compile(r"^(i2s|tl1|tl2)/(\d+)x(\d+)/b(\d+)/t(\d+)/(llc|mem|dram)/(\w+)/real_time$")
CEILING_RE = re.compile(r"^ceiling/read_(dram|cache)_\w+/t(\d+)/real_time$")
ALU_RE = re.compile(r"^ceiling/alu_avx2/(vpaddw|madd_paddw)/real_time$")
US_PER_UNIT = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}


def parse_machine(text):
    machine = {}
    for line in text.splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            machine[k.strip()] = v.strip()
    return machine


def parse_kernels(doc):
    """Google Benchmark JSON -> (kernels, ceilings, alu, other); medians only."""
    kernels, ceilings, alu, other = {}, {}, {}, {}
    for b in doc["benchmarks"]:
        if b.get("aggregate_name") != "median" or b.get("error_occurred"):
            continue
        name = b["run_name"]
        us = float(b["real_time"]) * US_PER_UNIT[b.get("time_unit", "ns")]
        m = CASE_RE.match(name)
        if m:
            f, M, K, B, T, reg, isa = m.groups()
            kernels[Case(f, int(M), int(K), int(B), int(T), reg, isa)] = Timing(
                us, b.get("weights/s", 0.0), b.get("wbytes/s", 0.0), b.get("MAC/s", 0.0), b.get("roofline", 0.0),
                b.get("rotation_bytes"))
        elif CEILING_RE.match(name):
            m = CEILING_RE.match(name)
            ceilings[(m.group(1), int(m.group(2)))] = float(b.get("bytes_per_second", 0.0))
        elif ALU_RE.match(name):
            unit = ALU_RE.match(name).group(1)
            alu[unit] = float(b.get("uops/s" if unit == "vpaddw" else "MAC/s", 0.0))
        else:
            other[name] = us
    return kernels, ceilings, alu, other


def parse_e2e(text):
    """tritlut-run bench tables: | model | size | kernel | lm_head | mmap | ISA | threads | test | t/s |."""
    rows = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 9 or cells[0] == "model" or cells[0].startswith("---"):
            continue
        m = re.match(r"([\d.]+)\s*±\s*([\d.]+)", cells[8])
        if not m:
            continue
        base, head, mmap = cells[2], cells[3], cells[4] == "yes"
        kernel = base + ("" if head == "f16" else f"+{head}") + ("" if mmap else "+no-mmap")
        rows.append(E2E(cells[0], cells[1], kernel, base, head, mmap, cells[5], int(cells[6]), cells[7],
                        float(m.group(1)), float(m.group(2))))
    return rows


def parse_models(text):
    models = []
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) == 4:
            models.append(Model(parts[0], int(parts[1]), int(parts[2]), parts[3]))
    return models


def load(res_dir):
    def read(name):
        with open(os.path.join(res_dir, name), encoding="utf-8") as f:
            return f.read()

    kernels, ceilings, alu, other = parse_kernels(json.loads(read("kernels.json")))
    return Results(parse_machine(read("machine.txt")), kernels, ceilings, alu, other, parse_e2e(read("e2e.md")),
                   parse_models(read("models.tsv")))


# ---------------------------------------------------------------------------------------- prose

T = string.Template
PROSE = {
    "title": T("""\
# tritlut benchmarks

Generated by `scripts/bench.sh` from the measurements of one run (`bench/results/`); \
nothing here is edited by hand. Compare two runs with `scripts/bench-compare.sh OLD.json NEW.json`.
"""),
    "method": T("""\
## Method

- **Kernels** (`tritlut-bench`, Google Benchmark, one binary, runtime dispatch): each case is run \
$repetitions times (`--benchmark_repetitions`) and the **median** of the repetitions is reported, in \
**real (wall-clock) time** (`UseRealTime`: with a thread pool, CPU time of the calling thread would hide \
the workers). Activations are pre-quantized; TL lookup tables are built before the timed loop (once per \
token and input, shared by Q/K/V and gate/up; their cost is listed separately). Every case checks its \
output against the scalar I2_S kernel bit for bit after the timed loop.
- **Regimes**: `llc` = one matrix that fits the last-level cache; `mem` = one matrix larger than it; \
`dram` = distinct copies in rotation totalling at least 4× the LLC and 1 GiB, so every pass streams from \
DRAM (the regime decoding lives in).
- **Ceilings**: the same binary measures read bandwidth with a SIMD sum over a 1 GiB buffer (DRAM) and an \
8 MiB buffer (cache) at 1 and N threads (best of several passes; each thread reads its part as four \
interleaved streams with software prefetch, which reads DRAM faster here than one plain stream); \
`roofline` = packed weight bytes/s ÷ the ceiling of the same regime and thread count.
- **End to end** (`tritlut-run bench`): dummy BitNet models with random ternary weights made by \
`tritlut-convert dummy` for the paper's configurations (vocabulary 32002 like the paper's dummy models, \
except `2b4t`, the exact BitNet b1.58 2B4T shape with its 128256-token F16 tied embedding). pp = prompt \
processing through the batched GEMM path, tg = generation one token at a time; mean ± stddev over \
$e2e_reps repetitions after a warm-up. Threads are not pinned (the VM exposes 2 vCPUs).
- Machines are noisy 2-vCPU VMs: compare ratios measured in one run, not absolute numbers across runs.

Reproduce: `scripts/bench.sh` (about 20-30 minutes on 2 cores; `scripts/bench.sh --quick` for a short \
run). To compare with another engine on the same machine, run its own benchmark tool on the same \
shapes/model configuration right after (for example `llama-bench -m model.gguf -p 128 -n 64 -t 1,2`) and \
compare ratios.
"""),
    "ceilings": T("## The machine's ceilings (read bandwidth)\n"),
    "alu": T("""\
Vector ALU, AVX2, 1 thread, register-only loops (`ceiling/alu_avx2/*`): independent `vpaddw` \
$vpaddw G uops/s; `vpmaddubsw` + `vpaddw` pairs $madd_paddw G MAC/s, the most an AVX2 int8 kernel can \
multiply-accumulate here (read the AVX2 G MAC/s figures against it).
"""),
    "e2e_tg": T("## Generation (tg), tokens/s — the form of the paper's table 4\n"),
    "e2e_pp": T("## Prompt processing (pp), tokens/s — the form of the paper's table 5\n"),
    "e2e_footer": T("lm_head: $heads; ISA: $isas.\n"),
    "variants": T("""\
## $config: lm_head and weight placement

`--lm-head q8` quantizes the F16 output matrix to int8 at load; `--no-mmap` copies the I2_S weights and \
the F16 head into (huge-page) memory instead of using the mapped file in place (TL1/TL2 weights are \
always repacked into memory). tokens/s, mean ± sd.
"""),
    "plot": T("![tg tokens/s against model size, per kernel and thread count]($path)\n"),
    "isa_table": T("""\
## Kernels: every ISA, 2B4T shapes, GEMV, 1 thread, matrix in cache

µs per GEMV (G weights/s). Weights/s per core is the figure to compare across machines.
"""),
    "isa_missing": T("ISAs not available on this CPU (not run): $missing. Built for $arch, so $foreign are not in "
                     "this binary.\n"),
    "isa_detail": T("""\
## Kernels on $isa: every shape and batch, matrix in cache or memory

µs per call; G weights/s for GEMV (b1), G MAC/s for batches; roofline = fraction of the read ceiling.
"""),
    "threads": T("**$threads thread$s**\n"),
    "dram": T("""\
## DRAM-bound GEMV on $isa (matrices in rotation), thread scaling

GB/s of packed weights (fraction of the DRAM read ceiling at that thread count).
"""),
    "dram_best": T("Best DRAM-bound GEMV at $threads threads: $fmt $shape at $percent% of the measured read "
                   "bandwidth."),
    "dram_unreliable": T("Not reliable DRAM figures ($shapes): their rotation (at most 64 copies in runs before "
                         "rotation_bytes was recorded) was smaller than twice the reported last-level cache, so it "
                         "may have stayed partly cache-resident."),
    "costs": T("## Per-token costs: activation quantization and LUT construction\n"),
}


def prose(key, **values):
    """The lines of a prose block; each block ends with an empty line."""
    return PROSE[key].substitute(values).split("\n")


# ---------------------------------------------------------------------------------------- tables


def giga(x):
    return f"{x / 1e9:.1f}"


def plural(n):
    return "s" if n > 1 else ""


def table(header, align, rows):
    """A Markdown table: header cells, alignment row cells ("---", "---:"), rows of cells."""
    return (["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"] +
            ["| " + " | ".join(r) + " |" for r in rows] + [""])


def area(s):
    return s[0] * s[1]


def by_size(shapes):
    """Distinct (M, K) by M*K. Ties (M×K against K×M) come in the set's order, as in every report so far."""
    return sorted(set(shapes), key=area)


def shape(m, k):
    return f"{m}×{k}"


def mean_sd(r):
    return f"{r.tps:.2f} ± {r.sd:.2f}" if r else "—"


# ---------------------------------------------------------------------------------------- sections


def render_header(res):
    rows = [f"| {k} | {res.machine[k]} |" for k in MACHINE_ROWS if k in res.machine]
    return (prose("title") + ["## Machine", "", "| | |", "|---|---|"] + rows + [""] +
            prose("method", repetitions=res.machine.get("repetitions", "3"), e2e_reps=res.machine.get("e2e_reps", "3")))


def render_ceilings(res):
    ts = sorted({t for (_, t) in res.ceilings})
    header = ["buffer", "1 thread"] + [f"{t} threads" for t in ts if t > 1]
    rows = []
    for reg, label in (("dram", "DRAM (1 GiB)"), ("cache", "cache (8 MiB)")):
        rows.append([label] + [f"{giga(res.ceilings[(reg, t)])} GB/s" for t in ts if (reg, t) in res.ceilings])
    out = prose("ceilings") + table(header, ["---", "---:"] + ["---:"] * len([t for t in ts if t > 1]), rows)
    if res.alu:
        out += prose("alu", vpaddw=giga(res.alu.get("vpaddw", 0)), madd_paddw=giga(res.alu.get("madd_paddw", 0)))
    return out


def render_e2e(res):
    """The tg and pp tables of the default runs (F16 head, weights mapped), one row per model."""
    columns = []  # kernels of the default runs, in run order
    for r in res.e2e:
        if r.kernel not in columns and r.head == "f16" and r.mmap:
            columns.append(r.kernel)
    cell = {(r.model, r.kernel, r.threads, r.test[:2]): r for r in res.e2e}
    ts = sorted({r.threads for r in res.e2e})
    out = []
    for kind in ("tg", "pp"):
        rows = []
        for model in res.models:
            tests = [r.test for r in res.e2e if r.model == model.name and r.test.startswith(kind)]
            if tests:
                rows.append([model.config, f"{model.params / 1e9:.2f} B", f"{model.file_bytes / 2**30:.2f} GiB",
                             tests[0]] +
                            [mean_sd(cell.get((model.name, k, t, kind))) for k in columns for t in ts])
        header = ["model", "params", "file", "test"] + [f"{k} {t}T" for k in columns for t in ts]
        align = ["---", "---:", "---:", "---"] + ["---:"] * (len(columns) * len(ts))
        out += prose("e2e_" + kind) + table(header, align, rows)
    return out + prose("e2e_footer", heads=", ".join(sorted({r.head for r in res.e2e})),
                       isas=", ".join(sorted({r.isa for r in res.e2e})))


def render_variants(res):
    """Per model with lm_head or placement variants (2b4t): every kernel x head x placement run."""
    out = []
    for name in sorted({r.model for r in res.e2e if not (r.head == "f16" and r.mmap)}):
        runs = [r for r in res.e2e if r.model == name]
        ts = sorted({r.threads for r in runs})
        tests, combos = [], []
        for r in runs:
            if r.test not in tests:
                tests.append(r.test)
            if (r.base, r.head, r.mmap) not in combos:
                combos.append((r.base, r.head, r.mmap))
        rows = []
        for (k, head, mm) in sorted(combos, key=lambda c: (c[0], c[1], not c[2])):
            hits = [[r for r in runs if (r.base, r.head, r.mmap, r.test, r.threads) == (k, head, mm, te, t)]
                    for te in tests for t in ts]
            rows.append([k, head, "yes" if mm else "no"] + [mean_sd(h[0] if h else None) for h in hits])
        config = res.model_of_name[name].config if name in res.model_of_name else name
        out += prose("variants", config=config) + table(
            ["kernel", "lm_head", "mmap"] + [f"{te} {t}T" for te in tests for t in ts],
            ["---", "---", "---"] + ["---:"] * (len(tests) * len(ts)), rows)
    return out


def plot_series(res):
    """tg tokens/s against parameters of the default runs: (kernel, threads) -> [(params, tok/s)]."""
    series = defaultdict(list)
    for r in res.e2e:
        if r.test.startswith("tg") and r.model in res.model_of_name and r.head == "f16" and r.mmap:
            series[(r.kernel, r.threads)].append((res.model_of_name[r.model].params, r.tps))
    return series


SVG_W, SVG_H, SVG_L, SVG_R, SVG_T, SVG_B = 760, 440, 70, 170, 30, 50  # size and margins
SVG_COLORS = {"i2s": "#1f77b4", "tl1": "#2ca02c", "tl2": "#d62728", "auto": "#9467bd"}
SVG_FRAME = T("""\
<svg xmlns="http://www.w3.org/2000/svg" width="$W" height="$H" font-family="sans-serif" font-size="12">
<rect width="$W" height="$H" fill="white"/>
<text x="$mid_x" y="18" text-anchor="middle" font-size="14">tritlut-run tg tokens/s vs model size ($cpu)</text>
<line x1="$L" y1="$y_axis" x2="$x_end" y2="$y_axis" stroke="black"/>
<line x1="$L" y1="$T" x2="$L" y2="$y_axis" stroke="black"/>
<text x="$label_x" y="$label_y" text-anchor="middle">parameters (log scale)</text>
<text x="16" y="$mid_y" text-anchor="middle" transform="rotate(-90 16 $mid_y)">tokens/s (log scale)</text>""")


def render_svg(res, series):
    """Log-log plot of the series: one line per kernel (colour) and thread count (dashed above 1)."""
    W, H, L, R, T, B = SVG_W, SVG_H, SVG_L, SVG_R, SVG_T, SVG_B
    xs = [p for v in series.values() for p, _ in v]
    ys = [y for v in series.values() for _, y in v]
    x0, x1 = math.log10(min(xs)) - 0.05, math.log10(max(xs)) + 0.05
    y0, y1 = math.log10(max(min(ys) * 0.8, 1e-3)), math.log10(max(ys) * 1.25)

    def X(v):
        return L + (math.log10(v) - x0) / (x1 - x0) * (W - L - R)

    def Y(v):
        return H - B - (math.log10(v) - y0) / (y1 - y0) * (H - T - B)

    s = SVG_FRAME.substitute(W=W, H=H, L=L, T=T, mid_x=W / 2, cpu=res.machine.get("cpu", ""), y_axis=H - B,
                             x_end=W - R, label_x=(L + W - R) / 2, label_y=H - 10, mid_y=(T + H - B) / 2).split("\n")
    for m in res.models:  # x ticks at the models
        s.append(f'<line x1="{X(m.params):.1f}" y1="{H - B}" x2="{X(m.params):.1f}" y2="{H - B + 5}" stroke="black"/>')
        s.append(f'<text x="{X(m.params):.1f}" y="{H - B + 18}" text-anchor="middle" font-size="10">'
                 f'{m.params / 1e9:.2g}B</text>')
    e = math.floor(y0)
    while e <= y1:  # y grid at 1, 2, 5 x 10^e
        for mant in (1, 2, 5):
            v = mant * 10 ** e
            if y0 <= math.log10(v) <= y1:
                s.append(f'<line x1="{L - 4}" y1="{Y(v):.1f}" x2="{W - R}" y2="{Y(v):.1f}" stroke="#ddd"/>')
                s.append(f'<text x="{L - 6}" y="{Y(v) + 4:.1f}" text-anchor="end" font-size="10">{v:g}</text>')
        e += 1
    for i, ((kernel, t), v) in enumerate(sorted(series.items())):
        v.sort()
        col = SVG_COLORS.get(kernel, "#555")
        dash = "" if t == 1 else ' stroke-dasharray="6,3"'
        s.append(f'<polyline fill="none" stroke="{col}" stroke-width="2"{dash} points="' +
                 " ".join(f"{X(p):.1f},{Y(y):.1f}" for p, y in v) + '"/>')
        for p, y in v:
            s.append(f'<circle cx="{X(p):.1f}" cy="{Y(y):.1f}" r="3" fill="{col}"/>')
        ly = T + 20 + 18 * i  # legend entry
        s.append(f'<line x1="{W - R + 15}" y1="{ly}" x2="{W - R + 45}" y2="{ly}" stroke="{col}" '
                 f'stroke-width="2"{dash}/>')
        s.append(f'<text x="{W - R + 52}" y="{ly + 4}">{kernel}, {t} thread{plural(t)}</text>')
    s.append("</svg>")
    return "\n".join(s) + "\n"


def render_isa_table(res):
    """Every ISA on the 2B4T shapes: GEMV, 1 thread, in cache."""
    rows = []
    for (M, K) in SHAPES_2B4T:
        for f in FORMATS:
            cells = []
            for isa in res.isas:
                r = res.kernels.get(Case(f, M, K, 1, 1, "llc", isa)) or res.kernels.get(Case(f, M, K, 1, 1, "mem", isa))
                cells.append(f"{r.us:.1f} ({giga(r.wps)})" if r else "—")
            rows.append([shape(M, K), f] + cells)
    arm = any(i.startswith("neon") for i in res.isas)
    family, foreign = (ARM_ISAS, X86_ISAS) if arm else (X86_ISAS, ARM_ISAS)
    missing = [i for i in family if i not in res.isas]
    align = ["---", "---"] + ["---:"] * len(res.isas)
    return (prose("isa_table") + table(["shape", "format"] + res.isas, align, rows) +
            prose("isa_missing", missing=", ".join(missing) if missing else "none",
                  arch="AArch64" if arm else "x86-64", foreign=", ".join(foreign)))


def render_isa_detail(res, isa):
    """One ISA: every shape x format x batch, per thread count, in cache or memory."""
    cases = [c for c in res.kernels if c.isa == isa]
    shapes = by_size((c.m, c.k) for c in cases if c.batch > 1)
    bs = sorted({c.batch for c in cases})
    out = prose("isa_detail", isa=isa)
    for t in sorted({c.threads for c in cases if c.regime != "dram"}):
        rows = []
        for (M, K) in shapes:
            for f in FORMATS:
                cells, roof, reg = [], "", ""
                for b in bs:
                    found = [(rg, res.kernels[Case(f, M, K, b, t, rg, isa)]) for rg in ("llc", "mem")
                             if Case(f, M, K, b, t, rg, isa) in res.kernels]
                    if not found:
                        cells.append("—")
                        continue
                    r, reg = found[0][1], found[-1][0]
                    if b == 1:
                        cells.append(f"{r.us:.0f} ({giga(r.wps)} Gw/s)")
                        roof = f"{100 * r.roof:.0f}%"
                    else:
                        cells.append(f"{r.us:.0f} ({giga(r.macs)} GMAC/s)")
                rows.append([shape(M, K), reg, f] + cells + [roof])
        out += prose("threads", threads=t, s=plural(t)) + table(
            ["shape", "regime", "format"] + [f"b{b}" for b in bs] + ["b1 roofline"],
            ["---", "---", "---"] + ["---:"] * (len(bs) + 1), rows)
    return out


def render_dram(res, isa):
    """GEMV from DRAM (rotation) at 1..N threads, and which shapes' figures a cache may have held."""
    dram = {c: v for c, v in res.kernels.items() if c.regime == "dram" and c.isa == isa}
    if not dram:
        return []
    ts = sorted({c.threads for c in dram})
    shapes = by_size((c.m, c.k) for c in dram)
    rows = []
    for (M, K) in shapes:
        for f in FORMATS:
            rs = [dram.get(Case(f, M, K, 1, t, "dram", isa)) for t in ts]
            cells = [f"{giga(r.bps)} ({100 * r.roof:.0f}%)" if r else "—" for r in rs]
            speedup = f"{rs[0].us / rs[-1].us:.2f}×" if rs[0] and rs[-1] else "—"
            rows.append([shape(M, K), f] + cells + [speedup])
    out = prose("dram", isa=isa) + table(["shape", "format"] + [f"{t}T" for t in ts] + ["speed-up 1T→max"],
                                         ["---", "---"] + ["---:"] * (len(ts) + 1), rows)
    # A rotation that a cache can hold (or a rate above the DRAM ceiling) is not a DRAM figure.
    llc = res.llc_bytes()
    cached = {(c.m, c.k) for c, v in dram.items() if v.roof > 1.0 or v.rot < 2 * llc}
    real = [(v.roof, c) for c, v in dram.items() if c.threads == max(ts) and (c.m, c.k) not in cached]
    if real:
        frac, c = max(real)
        out.append(PROSE["dram_best"].substitute(threads=max(ts), fmt=c.fmt, shape=shape(c.m, c.k),
                                                 percent=f"{100 * frac:.0f}"))
    if cached:
        shapes = ", ".join(shape(m, k) for m, k in sorted(cached, key=area))
        out.append(PROSE["dram_unreliable"].substitute(shapes=shapes))
    return out + [""]


def render_costs(res):
    """Per-token work outside the GEMV: quantizer, LUT builds, TL2 GEMV with its LUT build."""
    rows = []
    for name, us in sorted(res.other.items()):
        m = re.match(r"^(tl_lut/tl[12]/k\d+|quantize/k\d+|tl2_gemv\+lut/\d+x\d+/b1/t1)/(\w+)", name)
        if m:
            rows.append((m.group(1), m.group(2), us))
    if not rows:
        return []
    cols = sorted({isa for _, isa, _ in rows}, key=isa_rank)
    body = []
    for what in sorted({w for w, _, _ in rows}):
        d = {isa: us for w, isa, us in rows if w == what}
        body.append([what] + [f"{d[c]:.2f} µs" if c in d else "—" for c in cols])
    return prose("costs") + table(["what"] + cols, ["---"] + ["---:"] * len(cols), body)


def render(res, plot_name):
    """(the report's lines, the plot's SVG text or None); the report links the plot as plot_name."""
    out, svg = render_header(res) + render_ceilings(res), None
    if res.e2e:
        out += render_e2e(res) + render_variants(res)
        series = plot_series(res)
        if series:
            svg = render_svg(res, series)
            out += prose("plot", path=plot_name)
    if res.kernels:
        out += render_isa_table(res)
        best = res.best_isa()
        for isa in ([best, "avx2"] if best != "avx2" and "avx2" in res.isas else [best]):
            out += render_isa_detail(res, isa) + render_dram(res, isa)
        out += render_costs(res)
    return out, svg


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: scripts/bench_report.py RESULTS_DIR REPORT.md")
    res_dir, doc_path = argv[1], argv[2]
    svg_path = os.path.splitext(doc_path)[0] + "_tps_vs_size.svg"  # beside the report
    lines, svg = render(load(res_dir), os.path.basename(svg_path))
    if svg:
        with open(svg_path, "w", encoding="utf-8") as f:
            f.write(svg)
    with open(doc_path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {doc_path}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv)
