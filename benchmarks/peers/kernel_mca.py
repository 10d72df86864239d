#!/usr/bin/python3
"""Cycles per 16 neurons of a step kernel's hot loop, by llvm-mca.

These VMs have no performance counters, so this is the evidence of what a
kernel's instructions cost on a given core model. It compiles the model
family's file by itself (g++, the library's flags) with -DSOMAS_MCA_MARKERS,
which marks the body of each steady-state loop of the kernels as an llvm-mca
region and keeps only the benchmarks' headline layout (float32 states and
input, shared constants; engine/kernel-inl.h), then walks the chosen
region of the kernel for one target from its start to its end (jumps
followed; the branches to the rare paths leave the loop and are not the
way) and runs llvm-mca (Debian's llvm) on those instructions.

    /usr/bin/python3 benchmarks/peers/kernel_mca.py AdaptiveExponentialStep AVX3
    /usr/bin/python3 benchmarks/peers/kernel_mca.py LeakyStep AVX2 --mcpu znver5

The loop is the one that steps most neurons: the two-stage pipeline
("staged") of the kernels that have one, else four blocks at a time
("in_flight", AVX3), else a block at a time ("blocks"); --region picks
another. It prints the loop's instruction count, llvm-mca's throughput
bound (Block RThroughput: cycles per iteration if only execution ports
limited it) and its simulated cycles per iteration (which also counts
dependency chains), each per 16 neurons.
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
REGIONS = ["staged", "in_flight", "blocks"]
# models/BUILD's copts for the kernels (SOMAS_COPTS and the scheduling flags).
FLAGS = ["-std=c++17", "-O2", "-ffp-contract=off", "-fschedule-insns", "-fsched-pressure"]

LABEL = re.compile(r"^(\.?[A-Za-z_$.][\w$.]*):")


def assembly(kernel):
    """The model family's file compiled to assembly with the markers."""
    for key, name in FILES.items():
        if key in kernel:
            source = os.path.join(ROOT, "models", name + ".cc")
            out = subprocess.run(["g++", *FLAGS, "-DSOMAS_MCA_MARKERS", "-I", ROOT, "-S", "-o",
                                  "-", source], check=True, capture_output=True, text=True)
            return out.stdout.splitlines()
    sys.exit(f"no model file for {kernel}: the kernel's name says its family "
             f"({', '.join(FILES)})")


def function_lines(lines, kernel, target):
    """The lines of somas::N_<target>::<kernel>(KernelArgs const&, KernelResult*)."""
    name = f"_ZN5somas{len('N_' + target)}N_{target}{len(kernel)}{kernel}E"
    first = next((i for i, l in enumerate(lines) if l.startswith(name) and l.endswith(":")
                  and ".cold" not in l), None)
    if first is None:
        sys.exit(f"{kernel} for {target} not found (targets: {', '.join(CPUS)})")
    last = next(i for i in range(first, len(lines)) if lines[i].strip() == ".cfi_endproc")
    return lines[first:last + 1]


def hot_path(body, region):
    """The instructions of `region`'s loop body: the path from its BEGIN
    marker to its END marker that does not pass the BEGIN marker again
    (jumps followed; at a conditional branch the fall-through is tried
    first). Branches that leave the body (a bad input's group ends the run
    of groups) do not reach the END marker without starting over, so the
    path found is the steady-state body."""
    labels = {}
    for i, line in enumerate(body):
        m = LABEL.match(line)
        if m:
            labels[m.group(1)] = i
    begin = next((i for i, l in enumerate(body) if l.strip() == f"# LLVM-MCA-BEGIN {region}"),
                 None)
    if begin is None:
        return None
    end_marker = f"# LLVM-MCA-END {region}"

    def instruction(i):
        line = body[i].strip()
        return "" if line.startswith("#") else line.split("#")[0].strip()

    # Depth-first over the lines, one frame per branch taken: (line, path
    # so far, lines visited on it).
    stack = [(begin + 1, [], set())]
    while stack:
        i, path, seen = stack.pop()
        while i < len(body):
            if i in seen or i == begin:
                break
            seen.add(i)
            if body[i].strip() == end_marker:
                return path
            text = instruction(i)
            i += 1
            if not text or text.startswith(".") or LABEL.match(text):
                continue
            jump = re.match(r"(j\w+)\s+(\.?\w+)$", text)
            if jump:
                target = labels.get(jump.group(2))
                if jump.group(1) == "jmp":
                    if target is None:
                        break
                    i = target
                    continue
                if target is not None:
                    stack.append((target, path + [text], set(seen)))
                path = path + [text]  # (the fall-through goes on here)
                continue
            if text.startswith(("call", "ret")):
                break  # (a rare path calls out; the body does not)
            path = path + [text]
    sys.exit(f"no path from the start of the {region} loop to its end")


# Zen 5's four vector pipes as benchmarks/peers/pipe_probe.py measures them
# (docs/benchmarks.md, "Pipes, measured"): FMAs and multiplies on two;
# adds, subtractions, min/max, vrangeps, rounding, conversions and shifts
# on the other two, where vscalefps and vreduceps take both for a cycle;
# logic, integer adds and min/max, blends and masked moves on all four;
# compares and tests into a mask register, mask logic and shuffles two a
# cycle, taking pipe slots from both pairs.
MULTIPLY_PIPES = re.compile(r"^v(f(n)?m(add|sub)\w*p[sd]|mulp[sd])$")
ADD_PIPES = re.compile(r"^v(addp[sd]|subp[sd]|minp[sd]|maxp[sd]|rangep[sd]|rndscalep[sd]|roundp[sd]|"
                       r"getexpp[sd]|cvt\w+|ps[lr][la]\w+)$")
DOUBLE_ADD = re.compile(r"^v(scalefp[sd]|reducep[sd])$")
MASK_OR_SHUFFLE = re.compile(r"^(v(cmp\w*p[sd]|pcmp\w+|ptestn?m\w|pmov\w2m|fpclassp[sd]|pshufb|"
                             r"perm\w+|pack\w+|shuf\w+|unpck\w+|punpck\w+)|k(and|or|xor|andn|not)\w)$")


def pipe_counts(loop):
    """The loop's vector operations by the pipes that run them: (slots on
    the two multiply pipes, on the two add pipes, mask and shuffle
    operations, operations on any pipe). Plain loads, stores and register
    moves are left out (moves are eliminated at rename); a move under a mask
    is a blend and counts."""
    multiply = add = mask = other = 0
    for text in loop:
        op = text.split()[0]
        if not op.startswith(("v", "k")) or op.startswith(("kmov", "kortest")):
            continue
        if op.startswith(("vmov", "vbroadcast", "vpbroadcast", "vzero")) and "{%k" not in text:
            continue
        if MULTIPLY_PIPES.match(op):
            multiply += 1
        elif ADD_PIPES.match(op):
            add += 1
        elif DOUBLE_ADD.match(op):
            add += 2
        elif MASK_OR_SHUFFLE.match(op):
            mask += 1
        else:
            other += 1
    return multiply, add, mask, other


def hot_loop(kernel, target, regions=REGIONS):
    """(region, instructions, neurons per iteration) of the kernel's hot
    loop on `target`: the first of `regions` it has."""
    body = function_lines(assembly(kernel), kernel, target)
    for region in regions:
        loop = hot_path(body, region)
        if loop:
            break
    else:
        sys.exit(f"{kernel} on {target} has no marked loop: was engine/kernel-inl.h "
                 "compiled with -DSOMAS_MCA_MARKERS?")
    # Neurons per iteration (engine/kernel-inl.h): a group of four vectors,
    # four one-vector blocks, or one block of 16.
    return region, loop, {"staged": 4 * LANES[target], "in_flight": 64, "blocks": 16}[region]


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
    parser.add_argument("--region", choices=REGIONS, help="the loop (default: the first of "
                        + ", ".join(REGIONS) + " the kernel has)")
    args = parser.parse_args()
    region, loop, neurons = hot_loop(args.kernel, args.target,
                                     [args.region] if args.region else REGIONS)
    words = neurons / 16
    mcpu = args.mcpu or CPUS[args.target]
    with tempfile.NamedTemporaryFile("w", suffix=".s") as f:
        f.write("\n".join(loop) + "\n")
        f.flush()
        out = subprocess.run([llvm_mca(), f"-mcpu={mcpu}", "-iterations=200", f.name],
                             check=True, capture_output=True, text=True).stdout
    cycles = int(re.search(r"Total Cycles:\s+(\d+)", out).group(1)) / 200
    bound = float(re.search(r"Block RThroughput:\s+([\d.]+)", out).group(1))
    print(f"{args.kernel} on {args.target}, {region} loop (llvm-mca -mcpu={mcpu}): "
          f"{len(loop)} instructions for {neurons} neurons; per 16 neurons: "
          f"{len(loop) / words:.1f} instructions, throughput bound {bound / words:.1f} cycles, "
          f"simulated {cycles / words:.1f} cycles")
    # Zen 5's own bound, by the measured pipes above (it runs 512-bit
    # operations whole; llvm-19's model splits them in two).
    multiply, add, mask, other = (c / words for c in pipe_counts(loop))
    zen = max(multiply / 2, add / 2, mask / 2, (multiply + add + mask + other) / 4)
    print(f"  vector pipe slots per 16 neurons: {multiply:.2f} on the two multiply pipes, "
          f"{add:.2f} on the two add pipes, {mask:.2f} mask and shuffle, {other:.2f} on any; "
          f"Zen 5 pipe bound {zen:.2f} cycles (benchmarks/peers/pipe_probe.py measures the "
          f"loop's own)")


if __name__ == "__main__":
    main()
