#!/usr/bin/python3
"""The CUBA network on somas and on Brian2 (cpp_standalone), side by side.

For each seed, the somas example writes its network (every neuron's 80
inputs and initial potential, --write-network) and its spikes; Brian2 2.5
(Debian's python3-brian, default flags) then simulates that same network with
the model of Brette et al. (2007), benchmark 2: exact linear integration,
dt = 0.1 ms, 5 ms refractoriness, zero synaptic delay. Spike trains are not
expected to match (float32 against float64 arithmetic, chaos); population
rates and the CV of interspike intervals are, within the tolerance printed.

    tools/bazel build -c opt //examples/cuba
    /usr/bin/python3 examples/cuba/brian2_cuba.py --neurons 4000 --seeds 1,2,3 --threads 1
    /usr/bin/python3 examples/cuba/brian2_cuba.py --neurons 100000 --seeds 1 --threads 2

Wall time: somas's is its stepping loop (soma, synapses, spike recording;
setup excluded), Brian2's is its own clock around the run (compilation and
network construction excluded).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def stats(counts, trains, n_exc, duration_s):
    rates_e = counts[:n_exc].sum() / n_exc / duration_s
    rates_i = counts[n_exc:].sum() / (len(counts) - n_exc) / duration_s
    cvs = []
    for t in trains:
        if len(t) >= 3:
            isi = np.diff(t)
            cvs.append(isi.std() / isi.mean())
    return rates_e, rates_i, float(np.mean(cvs)) if cvs else 0.0


def run_somas(binary, n, duration, seed, threads, out):
    subprocess.run([binary, "--neurons", str(n), "--duration", str(duration), "--seed", str(seed),
                    "--threads", str(threads), "--out", out, "--write-network", "--no-plot"],
                   check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "summary.json")) as f:
        summary = json.load(f)
    spikes = np.loadtxt(os.path.join(out, "spikes.csv"), delimiter=",", skiprows=1,
                        dtype=np.int64, ndmin=2)
    counts = np.bincount(spikes[:, 1], minlength=n)
    order = np.argsort(spikes[:, 1], kind="stable")
    trains = np.split(spikes[order, 0] * 0.1, np.cumsum(counts)[:-1])
    r = stats(counts, trains, summary["excitatory"], duration / 1000)
    return r, summary["seconds_loop"]


def run_brian2(n, duration, threads, network_dir, work):
    import brian2 as b2
    from brian2 import ms, mV

    b2.set_device("cpp_standalone", build_on_run=False)
    b2.device.reinit()
    b2.device.activate(build_on_run=False)
    b2.prefs.devices.cpp_standalone.openmp_threads = threads if threads > 1 else 0
    b2.defaultclock.dt = 0.1 * ms
    eqs = """dv/dt = (ge + gi - (v - El)) / taum : volt (unless refractory)
             dge/dt = -ge / taue : volt
             dgi/dt = -gi / taui : volt"""
    ns = {"taum": 20 * ms, "taue": 5 * ms, "taui": 10 * ms, "El": -49 * mV, "Vt": -50 * mV,
          "Vr": -60 * mV, "we": 1.62 * mV, "wi": -9 * mV}
    group = b2.NeuronGroup(n, eqs, threshold="v > Vt", reset="v = Vr", refractory=5 * ms,
                           method="exact", namespace=ns)
    group.v = np.fromfile(os.path.join(network_dir, "v0.f64")) * mV
    sources = np.fromfile(os.path.join(network_dir, "sources.u32"),
                          dtype=np.uint32).astype(np.int64).reshape(n, 80)
    exc = b2.Synapses(group, group, on_pre="ge += we", namespace=ns)
    exc.connect(i=sources[:, :64].ravel(), j=np.repeat(np.arange(n), 64))
    inh = b2.Synapses(group, group, on_pre="gi += wi", namespace=ns)
    inh.connect(i=sources[:, 64:].ravel(), j=np.repeat(np.arange(n), 16))
    monitor = b2.SpikeMonitor(group)
    b2.run(duration * ms)
    b2.device.build(directory=os.path.join(work, f"brian2_{n}_{threads}"), compile=True, run=True)
    counts = np.asarray(monitor.count)
    trains = [np.asarray(t / ms) for t in monitor.spike_trains().values()]
    return stats(counts, trains, int(0.8 * n + 0.5), duration / 1000), b2.device._last_run_time


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--neurons", type=int, default=4000)
    parser.add_argument("--duration", type=float, default=1000, help="ms")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--threads", type=int, default=1, help="threads for both")
    parser.add_argument("--binary", default=os.path.join(ROOT, "bazel-bin/examples/cuba/cuba"))
    args = parser.parse_args()
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"{args.binary} missing: tools/bazel build -c opt //examples/cuba")
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for seed in [int(s) for s in args.seeds.split(",")]:
            out = os.path.join(work, f"somas_{seed}")
            somas_stats, somas_time = run_somas(args.binary, args.neurons, args.duration, seed,
                                                args.threads, out)
            brian_stats, brian_time = run_brian2(args.neurons, args.duration, args.threads, out,
                                                 work)
            rows.append((seed, somas_stats, brian_stats, somas_time, brian_time))
            print(f"seed {seed}: somas E {somas_stats[0]:.2f} Hz I {somas_stats[1]:.2f} Hz "
                  f"CV {somas_stats[2]:.3f} in {somas_time:.2f} s | Brian2 E {brian_stats[0]:.2f} Hz "
                  f"I {brian_stats[1]:.2f} Hz CV {brian_stats[2]:.3f} in {brian_time:.2f} s",
                  flush=True)
    s = np.array([r[1] for r in rows])
    b = np.array([r[2] for r in rows])
    print(f"\n{args.neurons:,} neurons, {args.duration:g} ms, {args.threads} thread(s), "
          f"{len(rows)} seed(s); mean (sd) over seeds")
    print("| | somas | Brian2 | somas - Brian2 |")
    print("| --- | --- | --- | --- |")
    for k, name in enumerate(["excitatory rate (Hz)", "inhibitory rate (Hz)", "mean CV of ISIs"]):
        print(f"| {name} | {s[:, k].mean():.3f} ({s[:, k].std():.3f}) | "
              f"{b[:, k].mean():.3f} ({b[:, k].std():.3f}) | {s[:, k].mean() - b[:, k].mean():+.3f} |")
    st = np.mean([r[3] for r in rows])
    bt = np.mean([r[4] for r in rows])
    print(f"| wall time of the run (s) | {st:.3f} | {bt:.3f} | Brian2 / somas = {bt / st:.2f}x |")


if __name__ == "__main__":
    main()
