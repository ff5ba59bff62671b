#!/usr/bin/env python3
"""Turns JMH's JSON (-rf json) and AllocationProbe's JSON into the markdown benchmark report of Kiln vs its peers.

Writes the report to --out and, with --readme, between the markers <!-- bench:start --> and <!-- bench:end --> of
that file (appending a "Benchmarks" section with the markers if it has none). Run by benchmarks/run.sh.
"""
import argparse
import datetime
import json
import os
import re
import sys

START = "<!-- bench:start -->"
END = "<!-- bench:end -->"

LIBS = [
    ("kiln", "Kiln"),
    ("kilnvec", "Kiln + Vector API"),
    ("kilntuned", "Kiln, tuned JVM"),
    ("ort", "ONNX Runtime"),
    ("dl4j", "DL4J"),
    ("djl", "PyTorch (DJL)"),
]
CLASS_LIB = {"KilnBench": "kiln", "KilnLatencyBench": "kiln", "KilnVectorBench": "kilnvec",
             "KilnVectorLatencyBench": "kilnvec", "OrtBench": "ort", "Dl4jBench": "dl4j", "DjlBench": "djl",
             "KilnFoldBench": "kilnfold", "KilnTunedBench": "kilntuned", "KilnTunedLatencyBench": "kilntuned"}
# The peers Kiln is compared with (ratio columns, targets).
PEERS = [(lib, name) for lib, name in LIBS if not lib.startswith("kiln")]
# Kiln's configurations: the default (plain JDK 17, no flags), the opt-in Vector API kernels, and the default
# kernels in a JVM with two HotSpot flags (KilnTunedBench); with the short name of their ratio columns.
KILNS = [("kiln", "Kiln"), ("kilnvec", "Kiln + Vector API"), ("kilntuned", "Kiln, tuned JVM")]
RATIO_PREFIX = {"kiln": "Kiln", "kilnvec": "VA", "kilntuned": "TJ"}
# The peers the opt-in configurations are compared with (the default is compared with every peer).
OPT_IN_PEERS = ("ort", "djl")
NETS = [("mlp", "MLP 784-256-128-10"), ("lenet5", "LeNet-5")]
OPS = [
    ("latency", "latency, batch 1", "µs"),
    # Kiln's one call shared with a second thread (ParallelInference); its 2-thread row beside the peers' 2-thread
    # latency, which is one call on two intra-op threads too.
    ("latencySplit", "latency, batch 1, one call", "µs"),
    ("throughput", "throughput, batch 64", "images/s"),
    ("train", "training step, batch 64", "ms/step"),
]
METHOD_OP = {"latencyBatch1": "latency", "latencyBatch1TwoCallers": "latency", "latencyBatch1TwoThreads": "latencySplit",
             "throughputBatch64": "throughput",
             "trainStepBatch64": "train"}

TO_US = {"s/op": 1e6, "ms/op": 1e3, "us/op": 1.0, "ns/op": 1e-3}
# HostProbe's cross-core read cost at or above which an iteration counts as run in the host's slow state: the probe
# read 1.26-1.7 in the fast state and 2.2-3.1 in the slow one on the Zen 4 host, 1.59-1.81 and 2.49-4.8 on the Zen 5
# (see HostProbe's javadoc). On the Zen 2 host it read 4.7-5.9 in every iteration of a full run: there the "slow
# state" may be the host's only one, so the targets' table gives the probe's median beside the count.
HOST_SLOW = 2.1


def load_runs(path):
    """JMH's JSON (-rf json): one entry per benchmark and parameter set."""
    with open(path) as f:
        return json.load(f)


def load_jmh(runs):
    """{(lib, net, op, threads): {"us": time per op in µs, "err": error in µs, "alloc": B/op or None}}"""
    results = {}
    for run in runs:
        cls, method = run["benchmark"].split(".")[-2:]
        lib, op = CLASS_LIB.get(cls), METHOD_OP.get(method)
        if lib is None or op is None:
            continue
        params = run.get("params", {})
        net = params.get("net")
        if method in ("latencyBatch1TwoCallers", "latencyBatch1TwoThreads"):
            threads = 2
        elif method == "latencyBatch1" and cls in ("KilnLatencyBench", "KilnVectorLatencyBench",
                                                   "KilnTunedLatencyBench"):
            threads = 1
        else:
            threads = int(params.get("threads", run.get("threads", 1)))
        metric = run["primaryMetric"]
        unit = metric["scoreUnit"]
        if unit not in TO_US:
            sys.exit(f"report.py: unexpected unit {unit} in {run['benchmark']} (run the suite in AverageTime mode)")
        err = metric.get("scoreError")
        alloc = run.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score")
        results[(lib, net, op, threads)] = {
            "us": metric["score"] * TO_US[unit],
            "err": err * TO_US[unit] if isinstance(err, (int, float)) and err == err else None,
            "alloc": alloc,
            # Each measured iteration's time, forks one after another.
            "iters": [v * TO_US[unit] for fork in metric.get("rawData", []) for v in fork],
            # HostProbeProfiler's readings before and after each measured iteration, where it ran.
            "host": host_readings(run.get("secondaryMetrics", {})),
        }
    return results


def host_readings(secondary):
    """[(before, after) per measured iteration] from HostProbeProfiler's secondary results, or None."""
    before = secondary.get("host.crossCoreRead.before", {}).get("rawData")
    after = secondary.get("host.crossCoreRead.after", {}).get("rawData")
    if not before or not after:
        return None
    return list(zip([v for fork in before for v in fork], [v for fork in after for v in fork]))


def host_split(r):
    """(iterations in the slow state, iterations, mean time of the others in µs or None), or None without data."""
    probe = r and r.get("host")
    if not probe or len(probe) != len(r["iters"]):
        return None
    others = [us for us, (before, after) in zip(r["iters"], probe) if max(before, after) < HOST_SLOW]
    slow = len(probe) - len(others)
    return slow, len(probe), (sum(others) / len(others) if others else None)


def probe_median(r):
    """The median over the iterations of the higher of HostProbe's two readings, or None without data."""
    probe = r and r.get("host")
    if not probe:
        return None
    highs = sorted(max(before, after) for before, after in probe)
    mid = len(highs) // 2
    return highs[mid] if len(highs) % 2 else (highs[mid - 1] + highs[mid]) / 2


def host_section(get):
    """The host probe's figures beside each 2-thread Kiln cell, or "" when no probe ran."""
    rows = ["**The host during Kiln's 2-thread cells** (`HostProbeProfiler`, before and after each measured iteration: the "
            "time for one thread to read a buffer the other has just written over the time to read its own, about "
            f"1.3-1.8 when the host's two virtual CPUs are close and 2.2-6.4 when it has placed them apart). An iteration "
            f"counts as slow-state when either figure is {HOST_SLOW} or more; the training step's data-parallel "
            "passes move data between the threads every step, and ran up to 1.7 times as long in that state.", "",
            "| configuration | net | operation | iterations: time (probe before / after) | slow-state iterations "
            "| mean of the others |", "|---|---|---|---|---:|---:|"]
    for kiln_lib, kiln_name in KILNS:
        for net, net_name in NETS:
            for op, op_name, unit in OPS:
                r = get(kiln_lib, net, op, 2)
                split = host_split(r)
                if split is None:
                    continue
                probe = r["host"]
                slow, total, others = split
                iters = ", ".join(f"{shown(op, us)} ({b:.2f} / {a:.2f})" for us, (b, a) in zip(r["iters"], probe))
                rows.append(f"| {kiln_name} | {net_name} | {op_name} ({unit}) | {iters} | {slow} of {total} "
                            f"| {'—' if others is None else shown(op, others)} |")
    return "\n".join(rows) if len(rows) > 4 else ""


def folding(get):
    """The section on batch norm folded into the convolutions, or "" when KilnFoldBench did not run."""
    fold = {(net, op): r["us"] for net in ("lenet5", "lenet5bn", "lenet5bn-unfolded") for op, _, _ in OPS
            for r in [get("kilnfold", net, op, 1)] if r}
    if not fold:
        return ""
    rows = ["**Batch norm folded into the convolution at inference** (Kiln, 1 thread, `KilnFoldBench`): LeNet-5, "
            "LeNet-5 with a batch norm after each convolution (`Kiln_LeNet5Bn`, folded by default) and the same "
            "with folding off (`-Dkiln.fold=false`).", "",
            "| operation | LeNet-5 | LeNet-5 + BN, folded | LeNet-5 + BN, unfolded | folded ÷ unfolded (speed) "
            "| folded BN net's time ÷ plain LeNet-5's |",
            "|---|---:|---:|---:|---:|---:|"]
    for op, op_name, unit in OPS:
        plain, folded, unfolded = (fold.get((net, op)) for net in ("lenet5", "lenet5bn", "lenet5bn-unfolded"))
        if plain is None and folded is None and unfolded is None:
            continue
        cell = lambda us: "—" if us is None else shown(op, us)
        rows.append(f"| {op_name} ({unit}) | {cell(plain)} | {cell(folded)} | {cell(unfolded)} "
                    f"| {ratio(unfolded / folded) if folded and unfolded else '—'} "
                    f"| {ratio(folded / plain) if folded and plain else '—'} |")
    return "\n".join(rows)


# RowUpdateBench: each benchmark's multiply-adds per operation (16 weight rows; see its javadoc) and its loop's name.
ROW_UPDATES = [
    ("eightIntoOne256", 16 * 256, "eight weight rows into one accumulator row", 256),
    ("twoIntoFour256", 4 * 16 * 256, "two weight rows into four accumulator rows", 256),
    ("eightIntoOne100", 16 * 100, "eight weight rows into one accumulator row", 100),
    ("twoIntoFour100", 4 * 16 * 100, "two weight rows into four accumulator rows", 100),
]
# Multiply-adds per image of the reference nets: the MLP's three layers; LeNet-5's two convolutions (6 filters of 25
# taps at 28 x 28 positions, 16 of 150 at 10 x 10) and three dense layers.
NET_MACS = {"mlp": 784 * 256 + 256 * 128 + 128 * 10,
            "lenet5": 6 * 25 * 28 * 28 + 16 * 150 * 10 * 10 + 400 * 120 + 120 * 84 + 84 * 10}


def load_row_updates(runs):
    """{(method, shift): picoseconds per multiply-add} from RowUpdateBench's runs in JMH's JSON."""
    macs = {name: m for name, m, _, _ in ROW_UPDATES}
    out = {}
    for run in runs:
        cls, method = run["benchmark"].split(".")[-2:]
        if cls != "RowUpdateBench" or method not in macs:
            continue
        metric = run["primaryMetric"]
        ns = metric["score"] * TO_US[metric["scoreUnit"]] * 1000
        out[(method, int(run.get("params", {}).get("shift", 0)))] = 1000 * ns / macs[method]
    return out


def ceiling(get, row_updates):
    """The section on the default build's loops alone beside whole networks, or "" when RowUpdateBench did not run."""
    if not row_updates:
        return ""
    shifts = sorted({shift for _, shift in row_updates})
    rows = ["**The default build's loops alone** (`RowUpdateBench`: C2's vectorised row updates in the two shapes the "
            "generated kernels use, every row in L1; picoseconds per multiply-add, lower is better). Shift: bytes "
            "between where the weight rows and the accumulator rows start within a 64-byte cache line (0: on the "
            "same place, as far as plain Java can arrange it; see the benchmark's javadoc).", "",
            "| loop | row length | " + " | ".join(f"shift {s}" for s in shifts) + " |",
            "|---|---:|" + "---:|" * len(shifts)]
    for method, _, name, length in ROW_UPDATES:
        cells = [row_updates.get((method, s)) for s in shifts]
        if all(c is None for c in cells):
            continue
        rows.append(f"| {name} | {length} | " + " | ".join("—" if c is None else f"{c:.1f}" for c in cells) + " |")
    whole = []
    for net, net_name in NETS:
        cells = []
        for lib, lib_name in LIBS:
            r = get(lib, net, "throughput", 1)
            if r:
                cells.append(f"{lib_name} {1e6 * r['us'] / (64 * NET_MACS[net]):.1f}")
        if cells:
            whole.append(f"{net_name} ({NET_MACS[net]:,} a sample): " + ", ".join(cells))
    if whole:
        rows += ["", "Whole networks at batch 64 on one thread, in picoseconds per multiply-add (the time of a batch "
                 "over 64 times the net's multiply-adds; everything else a pass does counts too): "
                 + "; ".join(whole) + "."]
    return "\n".join(rows)


def load_alloc(path):
    if not path or not os.path.exists(path):
        return {}
    with open(path) as f:
        rows = json.load(f)
    out = {}
    for row in rows:
        op = METHOD_OP[row["benchmark"].split(".")[-1]]
        out[(row["net"], op, row["threads"])] = row["bytesPerOp"]
    return out


def shown(op, us):
    """A time per op in µs as the row's unit."""
    if op.startswith("latency"):
        return f"{us:,.1f}" if us < 1000 else f"{us:,.0f}"
    if op == "throughput":
        return f"{64e6 / us:,.0f}"
    return f"{us / 1000:,.2f}"


def with_spread(op, r):
    """A cell: the figure, then JMH's error (99.9% confidence half-width) as a share of it, where JMH gives one."""
    if r["err"] is None:
        return shown(op, r["us"])
    return f"{shown(op, r['us'])} ±{100 * r['err'] / r['us']:.0f}%"


def ratio(x):
    return "—" if x is None else (f"{x:.2f}×" if x < 10 else f"{x:.1f}×")


def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} logical CPUs"


def busiest_load(*loads):
    """The larger 1-minute load average of "1.23 4.56 7.89"-style strings, or None."""
    values = []
    for load in loads:
        try:
            values.append(float(load.split()[0]))
        except (AttributeError, IndexError, ValueError):
            pass
    return max(values) if values else None


def load_epochs(path):
    """FitEpochs' JSON: the one-epoch target's run (LeNet-5, 2 threads), or None where it did not run."""
    if not path:
        return None
    with open(path) as f:
        return json.load(f)


# The one-epoch target: LeNet-5, batch 64, Adam, 2 threads, the 60,000 Fashion-MNIST training images.
EPOCH_LIMIT_S = 6.0


def epoch_target(epochs, get):
    """The targets table's row for one LeNet-5 epoch: the first epoch of a fresh JVM (the JIT's warm-up included)
    must take under six seconds; the later epochs and PyTorch's steps alone for as many batches are given beside."""
    name = "LeNet-5 epoch, 60,000 images, batch 64, Adam, 2 threads (FitEpochs; shuffling and batches included)"
    goal = f"< {EPOCH_LIMIT_S:g} s"
    if not epochs or not epochs.get("seconds"):
        return f"| {name} | — | {goal} | not measured |"
    sec = epochs["seconds"]
    first, rest = sec[0], sec[1:]
    detail = f"{first:.2f} s the first epoch (JIT warm-up included)"
    if rest:
        detail += f", {min(rest):.2f}-{max(rest):.2f} s the next {len(rest)}"
    batches = -(-epochs["images"] // epochs["batch"])
    torch = get("djl", "lenet5", "train", 2)
    if torch:
        detail += (f"; PyTorch (DJL)'s 2-thread step × {batches} batches: {torch['us'] * batches / 1e6:.1f} s "
                   "(its steps alone)")
    detail += f"; test accuracy {epochs['accuracy']:.4f}"
    return f"| {name} | {detail} | {goal} | {'met' if first < EPOCH_LIMIT_S else '**MISSED**'} |"


def build(args):
    runs = load_runs(args.jmh)
    res = load_jmh(runs)
    epochs = load_epochs(args.epochs)
    alloc = load_alloc(args.alloc)
    alloc_vector = load_alloc(args.alloc_vector)
    alloc_tuned = load_alloc(args.alloc_tuned)
    get = lambda lib, net, op, t: res.get((lib, net, op, t))
    lines = []
    w = lines.append
    when = datetime.datetime.fromtimestamp(os.path.getmtime(args.jmh)).strftime("%Y-%m-%d %H:%M")
    w(f"Measured {when} ({args.mode} run) on {machine()}; load average before/after: "
      f"{args.load_before or '?'} / {args.load_after or '?'} (the figure after counts the suite's own threads, "
      "which keep up to two CPUs busy).")
    w("")
    # Only the load before the run tells of other work: the suite itself keeps up to two CPUs busy.
    busy = busiest_load(args.load_before)
    if busy is not None and busy > 0.5 * (os.cpu_count() or 1):
        w(f"**The machine was busy (a 1-minute load average of {busy:g} on {os.cpu_count()} CPUs): other processes "
          "took CPU time from these benchmarks, the 2-thread ones most, so the figures understate every library "
          "and the ratios are unreliable. Rerun on an idle machine before quoting them.**")
        w("")
    w(f"- Java: `{args.java}`")
    w(f"- Command: `{args.command}`")
    w("- What each library runs and what \"2 threads\" means for it: `benchmarks/README.md`.")
    if args.mode == "quick":
        w("- Quick run: one 1-second iteration per benchmark, no error bars; use it to see that everything runs, "
          "not to quote. `benchmarks/run.sh full` gives 5 warm-up and 5 measured 2-second iterations.")
    w("")
    w("Each cell is JMH's average over the measured iterations, with JMH's error (the 99.9% confidence half-width "
      "over those iterations) as a share of it: how much the figure moved within the run. Latency in µs per call (lower is "
      "better), throughput in images per second (higher is better), training in ms per step (lower is better). "
      "**Kiln ÷ X** is Kiln's speed over X's (X's time ÷ Kiln's time): above 1× Kiln is faster. **Kiln** is the "
      "default build (a plain JDK 17, no flags); **Kiln + Vector API** the same code with the opt-in kernels "
      "(`--add-modules jdk.incubator.vector -Dkiln.vector=true`), whose ratios are in the **VA ÷ X** columns; "
      "**Kiln, tuned JVM** the default kernels in a JVM started with `-XX:MaxVectorSize=32 "
      "-XX:ObjectAlignmentInBytes=32` (see JVM flags in `docs/performance.md`), ratios in the **TJ ÷ X** columns.")
    w("")
    w("\"2 threads\": Kiln splits a batch of 64 into two halves on two threads (training: data-parallel, gradients "
      "summed, the Adam step split between the threads, but for the MLP's first layer, split by outputs: each thread "
      "its half of that layer's weight gradient and of its outputs for all 64 samples, the default build's from a "
      "copy of its own half of the transposed weight). At batch 1, \"latency, batch 1\" on 2 threads is two callers at once, each cell the time "
      "of one call, and \"latency, batch 1, one call\" is one caller whose call a second thread shares "
      "(`ParallelInference`: the MLP's first layer split by its inputs, LeNet-5's two convolutions by filters; with the "
      "Vector API kernels LeNet-5's call stays on the caller). ONNX Runtime and PyTorch use 2 intra-op threads, DL4J 2 OpenMP/BLAS "
      "threads, each with one caller; their cells in the one-call row are their 2-thread latency again.")
    w("")
    for net, net_name in NETS:
        w(f"**{net_name}**")
        w("")
        ratio_heads = [f"Kiln ÷ {name}" for _, name in PEERS] + [
            f"{RATIO_PREFIX[kiln_lib]} ÷ {name}" for kiln_lib, _ in KILNS[1:] for lib, name in PEERS
            if lib in OPT_IN_PEERS]
        w("| operation | threads | " + " | ".join(name for _, name in LIBS) + " | " + " | ".join(ratio_heads) + " |")
        w("|---|---:|" + "---:|" * (len(LIBS) + len(ratio_heads)))
        for op, op_name, unit in OPS:
            for t in (1, 2):
                if op == "latencySplit" and t == 1:
                    continue
                cells = []
                for lib, _ in LIBS:
                    r = cell_result(get, lib, net, op, t)
                    cells.append("—" if r is None else with_spread(op, r))
                if all(c == "—" for c in cells[:len(KILNS)]) and op == "latencySplit":
                    continue
                ratios = []
                opt_in = [p for p in PEERS if p[0] in OPT_IN_PEERS]
                for kiln_lib, peers in [("kiln", PEERS)] + [(lib, opt_in) for lib, _ in KILNS[1:]]:
                    kiln = get(kiln_lib, net, op, t)
                    for lib, _ in peers:
                        r = cell_result(get, lib, net, op, t)
                        ratios.append(ratio(r["us"] / kiln["us"]) if r and kiln else "—")
                w(f"| {op_name} ({unit}) | {t} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
        w("")
    w("— : not measured (ONNX Runtime is benchmarked for inference only), or filtered out of this run.")
    w("")
    w(targets(get, (alloc, alloc_vector, alloc_tuned), epochs))
    w("")
    host_text = host_section(get)
    if host_text:
        w(host_text)
        w("")
    fold_section = folding(get)
    if fold_section:
        w(fold_section)
        w("")
    ceiling_section = ceiling(get, load_row_updates(runs))
    if ceiling_section:
        w(ceiling_section)
        w("")
    w(allocations(res, (alloc, alloc_vector, alloc_tuned)))
    return "\n".join(lines).rstrip() + "\n"


def cell_result(get, lib, net, op, t):
    """A library's result for a table cell: the peers have no one-call row of their own (their 2-thread latency is
    one call already), so theirs is their 2-thread latency."""
    if op == "latencySplit" and not lib.startswith("kiln"):
        return get(lib, net, "latency", t)
    return get(lib, net, op, t)


def targets(get, probes, epochs=None):
    rows = []

    def check(name, value, goal, ok, detail):
        if value is None:
            rows.append(f"| {name} | — | {goal} | not measured |")
        else:
            rows.append(f"| {name} | {detail(value)} | {goal} | {'met' if ok(value) else '**MISSED**'} |")

    for (kiln_lib, kiln_name), probe in zip(KILNS, probes):
        rows.append(f"| **{kiln_name}** | | | |")
        kiln_targets(get, kiln_lib, check)
        if probe:
            worst = max(probe.items(), key=lambda kv: kv[1])
            check("Bytes allocated per operation, every Kiln benchmark (AllocationProbe)", worst[1], "0 B/op",
                  lambda v: v == 0, lambda v, worst=worst: f"{v:.2f} B/op at most ({worst[0][0]} {worst[0][1]}, "
                  f"{worst[0][2]} thread{'s' if worst[0][2] > 1 else ''})")
        else:
            rows.append("| Bytes allocated per operation, every Kiln benchmark | — | 0 B/op | not measured |")
        if kiln_lib == "kiln":
            rows.append(epoch_target(epochs, get))
    return "\n".join(["**Targets**", "", "| target | measured | goal | status |", "|---|---|---|---|"] + rows)


def kiln_targets(get, kiln_lib, check):
    """The speed targets for one of Kiln's configurations."""
    def time_ratio(net, op, t, peer):
        k, p = get(kiln_lib, net, op, t), get(peer, net, op, t)
        return k["us"] / p["us"] if k and p else None

    def one_call_ratio(net):
        # Like for like with ONNX Runtime's 2 intra-op threads: Kiln's one call shared with a second thread.
        k, p = get(kiln_lib, net, "latencySplit", 2), get("ort", net, "latency", 2)
        return k["us"] / p["us"] if k and p else None

    for t in (1, 2):
        for net, net_name, limit in (("lenet5", "LeNet-5", 0.6), ("mlp", "MLP", 0.8)):
            check(f"{net_name} batch-1 latency vs ONNX Runtime, " + ("1 thread" if t == 1 else "2 threads, one call"),
                  time_ratio(net, "latency", t, "ort") if t == 1 else one_call_ratio(net),
                  f"Kiln ≤ {limit}× ORT's latency",
                  lambda v, limit=limit: v <= limit, lambda v: f"{v:.2f}× ORT's latency")
    for t in (1, 2):
        for net, net_name, limit in (("lenet5", "LeNet-5", 1.2), ("mlp", "MLP", 0.8)):
            r = time_ratio(net, "throughput", t, "ort")
            check(f"{net_name} batch-64 throughput vs ONNX Runtime, {t} thread{'s' if t > 1 else ''}",
                  None if r is None else 1 / r, f"Kiln ≥ {limit}× ORT's images/s",
                  lambda v, limit=limit: v >= limit, lambda v: f"{v:.2f}× ORT's images/s")
    for net, net_name, limit in (("lenet5", "LeNet-5", 2.0), ("mlp", "MLP", 1.5)):
        r = time_ratio(net, "train", 1, "djl")
        check(f"{net_name} training step vs PyTorch (DJL), 1 thread", None if r is None else 1 / r,
              f"Kiln ≥ {limit}× PyTorch's steps/s", lambda v, limit=limit: v >= limit,
              lambda v: f"{v:.2f}× PyTorch's steps/s")
    for net, net_name in (("lenet5", "LeNet-5"), ("mlp", "MLP")):
        one, two = get(kiln_lib, net, "train", 1), get(kiln_lib, net, "train", 2)
        split = host_split(two)

        def detail(v, one=one, split=split, median=probe_median(two)):
            if not split or not split[0]:
                return f"{v:.2f}×"
            slow, total, others = split
            rest = f"; {one['us'] / others:.2f}× over the other iterations" if others else ""
            return (f"{v:.2f}× (host in its slow state in {slow} of {total} iterations, cross-core reads "
                    f"{median:.1f}× at the median against {HOST_SLOW}{rest})")
        check(f"{net_name} training step, Kiln 2 threads vs 1", one["us"] / two["us"] if one and two else None,
              "≥ 1.7× Kiln's 1-thread steps/s", lambda v: v >= 1.7, detail)


def allocations(res, probes):
    """The allocation table: for each of Kiln's configurations, the probe's exact count and JMH's figure."""
    names = {"kiln": "", "kilnvec": ", Vector API", "kilntuned": ", tuned JVM"}
    heads = " | ".join(f"AllocationProbe{names[lib]} (B/op) | JMH{names[lib]} (B/op)" for lib, _ in KILNS)
    rows = ["**Heap bytes allocated per operation by Kiln** (AllocationProbe: exact, every thread's allocation "
            "counter around a run of operations; JMH `-prof gc`: `gc.alloc.rate.norm`, which also spreads the "
            "harness's own few kB per iteration over that iteration's operations)", "",
            f"| operation | net | threads | {heads} |",
            "|---|---|---:|" + "---:|" * (2 * len(KILNS))]
    for op, op_name, _ in OPS:
        for net, net_name in NETS:
            for t in (1, 2):
                cells = []
                for (lib, _), probe in zip(KILNS, probes):
                    r = res.get((lib, net, op, t))
                    p = probe.get((net, op, t))
                    cells.append("—" if p is None else f"{p:.1f}")
                    cells.append("—" if r is None or r["alloc"] is None else f"{r['alloc']:.1f}")
                if all(c == "—" for c in cells):
                    continue
                rows.append(f"| {op_name} | {net_name} | {t} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def splice(readme, report):
    block = f"{START}\n{report}{END}"
    if os.path.exists(readme):
        with open(readme) as f:
            text = f.read()
    else:
        text = ""
    if START in text and END in text:
        text = re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _: block, text, count=1, flags=re.S)
    else:
        text = text.rstrip() + ("\n\n" if text.strip() else "") + "## Benchmarks\n\n" \
            "Written by `benchmarks/run.sh`; see `benchmarks/README.md` for what is measured.\n\n" + block + "\n"
    with open(readme, "w") as f:
        f.write(text)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--jmh", required=True, help="JMH result, -rf json")
    p.add_argument("--alloc", help="AllocationProbe's JSON")
    p.add_argument("--alloc-vector", help="AllocationProbe's JSON with the opt-in Vector API kernels")
    p.add_argument("--alloc-tuned", help="AllocationProbe's JSON in a JVM with KilnTunedBench's flags")
    p.add_argument("--epochs", help="FitEpochs' JSON: the one-epoch target's run")
    p.add_argument("--out", required=True, help="where to write the markdown report")
    p.add_argument("--readme", help="file whose bench markers receive the report")
    p.add_argument("--mode", default="custom")
    p.add_argument("--command", default="?")
    p.add_argument("--java", default="?")
    p.add_argument("--load-before")
    p.add_argument("--load-after")
    args = p.parse_args()
    report = build(args)
    with open(args.out, "w") as f:
        f.write(report)
    if args.readme:
        splice(args.readme, report)
    print(report)


if __name__ == "__main__":
    main()
