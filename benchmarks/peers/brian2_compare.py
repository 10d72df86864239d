#!/usr/bin/python3
"""somas against Brian2 (cpp_standalone), one core, side by side.

For each pool size, Brian2 2.5 in C++ standalone mode (Debian's python3-brian,
its default compiler flags, one thread) runs LIF, AdEx and Izhikevich networks
written to match docs/models.md, and somas's step_benchmark runs all nine
models on one thread at the same size, alternately, in one window. Both are
driven by a constant current per neuron drawn uniformly from 0.5x to 1.5x the
model's drive current (docs/benchmarks.md), with dt = 1 ms and the default
parameters. The script prints the table of neuron-updates/s and ratios, writes
it as JSON, and draws the plot (python3-matplotlib).

    /usr/bin/python3 benchmarks/peers/brian2_compare.py --out /tmp/peers
    /usr/bin/python3 benchmarks/peers/brian2_compare.py --sizes 1000000 --out /tmp/peers

Brian2 is timed by its own clock around the simulation loop (compilation and
start-up excluded); somas by Google Benchmark around Pool::Step (pool creation
excluded). Differences from docs/models.md in the Brian2 versions, none of
which changes the work per step: AdEx updates w from the potential before the
step (Brian2's Euler) rather than after it; Izhikevich's two half steps also
advance u by halves, and its floor and ceiling clamps are left out.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODELS = ["LeakySoma", "RefractoryLeakySoma", "StrictRefractoryLeakySoma", "AdaptiveLeakySoma",
          "ExponentialSoma", "RefractoryExponentialSoma", "AdaptiveExponentialSoma",
          "SimplifiedAdaptiveExponentialSoma", "IzhikevichSoma"]
# The Brian2 peer of each compared somas model.
PEERS = {"LIF": "LeakySoma", "AdEx": "AdaptiveExponentialSoma", "Izhikevich": "IzhikevichSoma"}


def steps_for(n):
    """About 1e9 neuron-updates per Brian2 run, between 100 and 1000 steps."""
    return max(100, min(1000, int(1e9 // n)))


def brian2_rate(kind, n, workdir):
    """Neuron-updates/s of Brian2 cpp_standalone for `kind` at n neurons."""
    import numpy as np
    import brian2 as b2
    from brian2 import ms, mV, pA, nS, Gohm

    b2.set_device("cpp_standalone", build_on_run=False)
    b2.device.reinit()
    b2.device.activate(build_on_run=False)
    b2.defaultclock.dt = 1 * ms
    rng = np.random.default_rng(11)
    steps = steps_for(n)
    if kind == "LIF":  # LeakySoma, relative to rest: theta 20 mV, reset 10 mV
        eqs = """dv/dt = (-v + R*I) / tau : volt
                 I : amp (constant)"""
        g = b2.NeuronGroup(n, eqs, threshold="v > 20*mV", reset="v = 10*mV", method="exact",
                           namespace={"R": 0.1 * Gohm, "tau": 20 * ms})
        g.I = rng.uniform(0.5, 1.5, n) * 300 * pA
    elif kind == "AdEx":  # AdaptiveExponentialSoma, relative to rest
        eqs = """dv/dt = (-v + D*exp((clip(v, -inf*mV, theta) - VT)/D) - R*w + R*I) / tau : volt
                 dw/dt = (-w + a*v) / tau_w : amp
                 I : amp (constant)"""
        g = b2.NeuronGroup(n, eqs, threshold="v > theta", reset="v = v_reset; w += b",
                           method="euler",
                           namespace={"D": 2 * mV, "theta": 40 * mV, "VT": 20 * mV, "R": 0.5 * Gohm,
                                      "tau": 5 * ms, "a": 0.5 * nS, "tau_w": 100 * ms,
                                      "v_reset": 19 * mV, "b": 7 * pA})
        g.I = rng.uniform(0.5, 1.5, n) * 52 * pA
    else:  # Izhikevich, absolute mV as plain numbers, two half steps
        half_steps = b2.ExplicitStateUpdater("x_half = x + 0.5*dt*f(x, t)\n"
                                             "x_new = x_half + 0.5*dt*f(x_half, t)")
        eqs = """dv/dt = (0.04*v**2 + 5*v + 140 - u + RI) / ms : 1
                 du/dt = 0.02 * (0.2*v - u) / ms : 1
                 RI : 1 (constant)"""
        g = b2.NeuronGroup(n, eqs, threshold="v > 30", reset="v = -65; u += 2",
                           method=half_steps)
        g.v = -65
        g.u = 0.2 * -65
        g.RI = rng.uniform(0.5, 1.5, n) * 10.0
    net = b2.Network(g)
    net.run(steps * ms)
    directory = os.path.join(workdir, f"{kind}_{n}")
    b2.device.build(directory=directory, compile=True, run=True, debug=False)
    seconds = b2.device._last_run_time
    return n * steps / seconds


def somas_rates(binary, n, min_time):
    """({model: (neuron-updates/s, ceiling neuron-updates/s, target)} for float32
    pools, the same for float16 pools with float16 input) from step_benchmark."""
    out = subprocess.run(
        [binary, f"--sizes={n}", "--target=auto", f"--benchmark_min_time={min_time}",
         f"--benchmark_filter=^Step(F16)?/[A-Za-z]+/{n}/shared/auto", "--benchmark_format=json"],
        check=True, capture_output=True, text=True).stdout
    rates, half = {}, {}
    for b in json.loads(out)["benchmarks"]:
        family, model = b["name"].split("/")[:2]
        (half if family == "StepF16" else rates)[model] = (
            b["neuron_updates_per_s"], b["ceiling_updates_per_s"], b["label"])
    return rates, half


def plot(results, path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    sizes = sorted(int(n) for n in results)
    fig, ax = plt.subplots(figsize=(9, 6))
    for model in MODELS:
        line, = ax.plot(sizes, [results[str(n)]["somas"][model][0] for n in sizes], marker="o",
                        label=f"somas {model}")
        if "somas_float16" in results[str(sizes[0])]:
            ax.plot(sizes, [results[str(n)]["somas_float16"][model][0] for n in sizes],
                    marker="^", ls="-.", color=line.get_color(),
                    label=f"somas {model}, float16 states and input")
    ax.plot(sizes, [results[str(n)]["somas"]["LeakySoma"][1] for n in sizes], "k--", lw=2,
            label="in-place ceiling (LeakySoma's bytes)")
    for kind in PEERS:
        ax.plot(sizes, [results[str(n)]["brian2"][kind] for n in sizes], marker="s", ls=":",
                lw=2, label=f"Brian2 {kind}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("neurons in the pool")
    ax.set_ylabel("neuron-updates per second, one core")
    ax.set_title(title, fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def cpu_name():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000,4000000,16000000",
                        help="comma-separated pool sizes")
    parser.add_argument("--out", required=True, help="directory for results.json and the plot")
    parser.add_argument("--benchmark", default=os.path.join(ROOT, "bazel-bin/benchmarks/step_benchmark"),
                        help="step_benchmark built with -c opt")
    parser.add_argument("--min-time", type=float, default=1.0,
                        help="seconds of stepping per somas case")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if not os.access(args.benchmark, os.X_OK):
        sys.exit(f"{args.benchmark} not found: build it with "
                 "`tools/bazel build -c opt //benchmarks:step_benchmark`")
    os.makedirs(args.out, exist_ok=True)
    results = {}
    with tempfile.TemporaryDirectory() as work:
        for n in sizes:
            entry = {"brian2": {}, "somas": {}}
            for kind in PEERS:  # alternate: Brian2, then somas, per size
                entry["brian2"][kind] = brian2_rate(kind, n, work)
                print(f"n={n:>9}  Brian2 {kind:<11} {entry['brian2'][kind]:.3g} updates/s",
                      flush=True)
            entry["somas"], entry["somas_float16"] = somas_rates(args.benchmark, n, args.min_time)
            results[str(n)] = entry
            for kind, model in PEERS.items():
                rate, ceiling, target = entry["somas"][model]
                print(f"n={n:>9}  somas {model:<24} {rate:.3g} updates/s ({target}; "
                      f"{rate / ceiling:.0%} of ceiling)  = {rate / entry['brian2'][kind]:.1f}x "
                      f"Brian2 {kind}", flush=True)
                half, half_ceiling, _ = entry["somas_float16"][model]
                print(f"n={n:>9}  somas {model:<24} {half:.3g} updates/s float16 "
                      f"({half / half_ceiling:.0%} of its ceiling)  = "
                      f"{half / entry['brian2'][kind]:.1f}x Brian2 {kind}", flush=True)
    machine = f"{cpu_name()}, {os.cpu_count()} cores, SIMD target {results[str(sizes[0])]['somas']['LeakySoma'][2]}"
    stamp = time.strftime("%Y-%m-%d")
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump({"date": stamp, "machine": machine, "results": results}, f, indent=1)
    print(f"\n{stamp}, {machine}; one thread each, dt = 1 ms, neuron-updates/s")
    print("| neurons | model | Brian2 | somas | somas / Brian2 | somas / ceiling | ceiling / Brian2 "
          "| somas float16 | float16 / Brian2 | float16 / its ceiling |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for n in sizes:
        e = results[str(n)]
        for kind, model in PEERS.items():
            rate, ceiling, _ = e["somas"][model]
            # The last column is the most any kernel moving somas's bytes could
            # reach against this Brian2 run: the in-run memory ceiling.
            half, half_ceiling, _ = e["somas_float16"][model]
            print(f"| {n:,} | {kind} / {model} | {e['brian2'][kind]:.3g} | {rate:.3g} | "
                  f"{rate / e['brian2'][kind]:.1f}x | {rate / ceiling:.0%} | "
                  f"{ceiling / e['brian2'][kind]:.1f}x | {half:.3g} | "
                  f"{half / e['brian2'][kind]:.1f}x | {half / half_ceiling:.0%} |")
    if len(sizes) > 1:
        path = os.path.join(args.out, "somas_vs_brian2.png")
        plot(results, path, f"somas vs Brian2 2.5 cpp_standalone, one core, {stamp}\n{machine}")
        print(f"plot: {path}")


if __name__ == "__main__":
    main()
