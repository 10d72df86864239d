#!/usr/bin/python3
"""Raster and population rate of a CUBA run: OUT/raster.png from OUT/spikes.csv.

    /usr/bin/python3 examples/cuba/plot_raster.py OUT [--neurons 1000]

Shows the first N neurons' spikes (excitatory below the line, inhibitory
above when they are among them) over the whole run, and under it the
population rate of all recorded neurons in 1 ms bins.
"""
import argparse
import json
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", help="directory with spikes.csv and summary.json")
    parser.add_argument("--neurons", type=int, default=1000, help="neurons in the raster")
    args = parser.parse_args()
    with open(os.path.join(args.out, "summary.json")) as f:
        summary = json.load(f)
    spikes = np.loadtxt(os.path.join(args.out, "spikes.csv"), delimiter=",", skiprows=1,
                        dtype=np.int64, ndmin=2)
    dt, n = summary["dt_ms"], summary["neurons"]
    steps = spikes[:, 0] if len(spikes) else np.zeros(0)
    cells = spikes[:, 1] if len(spikes) else np.zeros(0)
    t = steps * dt
    shown = cells < args.neurons
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 6), sharex=True,
                                      gridspec_kw={"height_ratios": [3, 1]})
    top.plot(t[shown], cells[shown], ",k")
    top.set_ylabel(f"neuron (first {min(args.neurons, n)})")
    top.set_title(f"CUBA on somas: {n:,} neurons, {summary['ranks']} rank(s); "
                  f"E {summary['rate_excitatory_hz']:.1f} Hz, I {summary['rate_inhibitory_hz']:.1f} Hz, "
                  f"mean CV {summary['mean_cv_isi']:.2f}", fontsize=10)
    recorded = max(1, min(n, int(cells.max()) + 1 if len(cells) else 1))
    bins = np.arange(0, summary["duration_ms"] + 1, 1.0)
    counts, _ = np.histogram(t, bins=bins)
    bottom.plot(bins[:-1], counts / recorded / 1e-3, "k", lw=0.8)
    bottom.set_ylabel("rate (Hz)")
    bottom.set_xlabel("time (ms)")
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "raster.png"), dpi=100)


if __name__ == "__main__":
    main()
