#!/usr/bin/python3
"""Cycles per 16 neurons of a step kernel's hot loop, by llvm-mca.

These VMs have no performance counters, so this is the evidence of what a
kernel's instructions cost on a given core model: it disassembles the -c opt
object of a model family, takes the largest loop of the kernel for one
target (the one that steps neurons; on AVX3 it holds two 16-neuron blocks),
and runs llvm-mca (Debian's llvm) on it.

    tools/bazel build -c opt //benchmarks:step_benchmark
    /usr/bin/python3 benchmarks/peers/kernel_mca.py AdaptiveExponentialStep AVX3
    /usr/bin/python3 benchmarks/peers/kernel_mca.py LeakyStep AVX2 --mcpu haswell

It prints the loop's instruction count, llvm-mca's throughput bound (Block
RThroughput: cycles per iteration if only execution ports limited it) and
its simulated cycles per iteration (which also counts dependency chains),
each per 16 neurons.
"""

import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FILES = {"Leaky": "leaky", "Exponential": "exponential", "Izhikevich": "izhikevich"}
CPUS = {"AVX3": "skylake-avx512", "AVX2": "haswell", "SSE4": "nehalem", "SSSE3": "core2",
        "SCALAR": "nehalem"}
LANES = {"AVX3": 16, "AVX2": 8, "SSE4": 4, "SSSE3": 4, "SCALAR": 1}


# A 16-bit store: the spike word of a block of 16 neurons.
SPIKE_WORD = re.compile(r"(kmovw\s+%k\d+|movw?\s+%(r\d+w|[abcd]x|[sd]i)),\(")


def object_for(kernel):
    for key, name in FILES.items():
        if key in kernel:
            found = glob.glob(os.path.join(ROOT, "bazel-out/k8-opt/bin/models/_objs/builtin",
                                           name + ".o"))
            if found:
                return found[0]
    sys.exit(f"no -c opt object for {kernel}: build with "
             "`tools/bazel build -c opt //benchmarks:step_benchmark`")


def hot_loop(obj, kernel, target):
    """The instructions of the largest loop (a backward jump) in the function."""
    dump = subprocess.run(["objdump", "-d", "-C", "--no-show-raw-insn", obj], check=True,
                          capture_output=True, text=True).stdout
    start = f"<somas::N_{target}::{kernel}(somas::KernelArgs const&, somas::KernelResult*)>:"
    lines = dump.splitlines()
    try:
        first = next(i for i, l in enumerate(lines) if l.endswith(start))
    except StopIteration:
        sys.exit(f"{kernel} for {target} not found in {obj}")
    body = []
    for line in lines[first + 1:]:
        if not line.strip():
            break
        m = re.match(r"\s*([0-9a-f]+):\s+(.*)", line)
        if m:
            body.append((int(m.group(1), 16), re.sub(r"\s*(#.*|<[^>]*>)", "", m.group(2))))
    # The hot loop: innermost, no calls inside (the rare non-finite path calls
    # out), and the most 16-bit spike-word stores per instruction.
    best = None
    for index, (address, text) in enumerate(body):
        jump = re.match(r"j\w+\s+([0-9a-f]+)$", text)
        if jump and int(jump.group(1), 16) < address:
            top = next(i for i, (a, _) in enumerate(body) if a >= int(jump.group(1), 16))
            segment = [t for _, t in body[top:index + 1]]
            words = sum(1 for t in segment if SPIKE_WORD.match(t))
            inner = any(re.match(r"j\w+\s+([0-9a-f]+)$", t) and
                        body[top][0] <= int(t.split()[-1], 16) < a
                        for a, t in body[top:index])
            if words == 0 or inner or any(t.startswith("call") for t in segment):
                continue
            score = words / len(segment)
            if best is None or score > best[2]:
                best = (top, index, score)
    if best is None:
        sys.exit("no loop found")
    # Branches out of the loop (the rare paths) are left out: llvm-mca
    # models straight-line code, and predicted branches cost next to nothing.
    return [t for _, t in body[best[0]:best[1]] if not t.startswith("j")]


def llvm_mca():
    """The newest llvm-mca installed (Debian's llvm-19 models Zen 4 and Zen 5)."""
    found = sorted(glob.glob("/usr/bin/llvm-mca-[0-9]*"), key=lambda p: int(p.rsplit("-", 1)[1]))
    if not found:
        sys.exit("llvm-mca not found: apt-get install llvm (or llvm-19 for -mcpu=znver5)")
    return found[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("kernel", help="e.g. LeakyStep, AdaptiveExponentialStep, IzhikevichStep")
    parser.add_argument("target", choices=sorted(CPUS), help="Highway target")
    parser.add_argument("--mcpu", help="llvm-mca core model (default: one with the target's ISA)")
    args = parser.parse_args()
    loop = hot_loop(object_for(args.kernel), args.kernel, args.target)
    mcpu = args.mcpu or CPUS[args.target]
    with tempfile.NamedTemporaryFile("w", suffix=".s") as f:
        f.write("\n".join(l.replace("0x0(%rip)", "constant(%rip)") for l in loop) + "\n")
        f.flush()
        out = subprocess.run([llvm_mca(), f"-mcpu={mcpu}", "-iterations=200", f.name],
                             check=True, capture_output=True, text=True).stdout
    cycles = int(re.search(r"Total Cycles:\s+(\d+)", out).group(1)) / 200
    bound = float(re.search(r"Block RThroughput:\s+([\d.]+)", out).group(1))
    # How many neurons one iteration steps: vector stores of the potential
    # are one per vector; count the 16-bit spike-word stores instead.
    words = max(1, sum(1 for l in loop if SPIKE_WORD.match(l)))
    print(f"{args.kernel} on {args.target} (llvm-mca -mcpu={mcpu}): loop of {len(loop)} "
          f"instructions for {16 * words} neurons; per 16 neurons: "
          f"{len(loop) / words:.1f} instructions, throughput bound {bound / words:.1f} cycles, "
          f"simulated {cycles / words:.1f} cycles")


if __name__ == "__main__":
    main()
