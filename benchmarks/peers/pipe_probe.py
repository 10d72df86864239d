#!/usr/bin/python3
"""What this core's vector pipes really do, measured (x86 with AVX-512).

These VMs have no performance counters, and the pipe assignments in vendor
guides and in llvm-mca's models are not always this core's. Two probes,
each a loop of inline assembly timed against a chain of dependent integer
adds (one per cycle), on one CPU (taskset -c 1):

    /usr/bin/python3 benchmarks/peers/pipe_probe.py ops
        each instruction kind alone (instructions per cycle, 24 independent
        ones an iteration), then beside 24 FMAs, 24 adds and 24 mask
        compares: cycles an iteration, against 12 for each of those alone.
        Two kinds share pipes when together they take longer than the
        slower of the two alone.

    /usr/bin/python3 benchmarks/peers/pipe_probe.py loop KERNEL TARGET
        a kernel's hot loop (the instructions kernel_mca.py finds), its
        memory operands moved to a 4 KiB buffer (L1), run twice: as
        compiled (its own dependency chains) and with every chain cut
        (each destination a fresh register, every source a fixed one):
        cycles per 16 neurons. The second is the loop's throughput bound on
        this core, measured; the gap between them is latency.

Needs g++ and an AVX-512 CPU. Prints cycles at the clock the add chain
measures.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kernel_mca  # noqa: E402  (the loop extraction)

# One instruction of each kind: {d} a destination vector register, {k} a
# destination mask register; sources zmm28 and zmm29, mask k1.
OPS = {
    "vfmadd231ps": "vfmadd231ps %zmm28, %zmm29, %zmm{d}",
    "vmulps": "vmulps %zmm28, %zmm29, %zmm{d}",
    "vaddps": "vaddps %zmm28, %zmm29, %zmm{d}",
    "vsubps": "vsubps %zmm28, %zmm29, %zmm{d}",
    "vminps": "vminps %zmm28, %zmm29, %zmm{d}",
    "vmaxps": "vmaxps %zmm28, %zmm29, %zmm{d}",
    "vrangeps": "vrangeps $2, %zmm28, %zmm29, %zmm{d}",
    "vrndscaleps": "vrndscaleps $8, %zmm29, %zmm{d}",
    "vscalefps": "vscalefps %zmm28, %zmm29, %zmm{d}",
    "vgetexpps": "vgetexpps %zmm29, %zmm{d}",
    "vcvtps2dq": "vcvtps2dq %zmm29, %zmm{d}",
    "vpslld": "vpslld $23, %zmm29, %zmm{d}",
    "vpsrad": "vpsrad $31, %zmm29, %zmm{d}",
    "vpaddd": "vpaddd %zmm28, %zmm29, %zmm{d}",
    "vpmaxud": "vpmaxud %zmm28, %zmm29, %zmm{d}",
    "vandps": "vandps %zmm28, %zmm29, %zmm{d}",
    "vpternlogd": "vpternlogd $0x96, %zmm28, %zmm29, %zmm{d}",
    "vxorps{k}": "vxorps %zmm28, %zmm29, %zmm{d}{{%k1}}",
    "vmovaps{k}": "vmovaps %zmm28, %zmm{d}{{%k1}}",
    "vmovaps": "vmovaps %zmm28, %zmm{d}",
    "vpmovm2d": "vpmovm2d %k1, %zmm{d}",
    "vcmpps": "vcmpps $14, %zmm28, %zmm29, %k{k}",
    "vpcmpd": "vpcmpd $6, %zmm28, %zmm29, %k{k}",
    "vpcmpud": "vpcmpud $2, %zmm28, %zmm29, %k{k}",
    "vptestmd": "vptestmd %zmm28, %zmm29, %k{k}",
    "vpmovd2m": "vpmovd2m %zmm29, %k{k}",
    "vfpclassps": "vfpclassps $0x22, %zmm29, %k{k}",
    "kandw": "kandw %k1, %k2, %k{k}",
}

PROGRAM = r"""
#include <chrono>
#include <cstdio>
#include <cstdint>
static double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
alignas(64) static float buffer[64 * 16];  // 64 slots of 64 bytes
int main() {
  // Seconds per cycle: a chain of dependent integer adds.
  uint64_t x = 1;
  double t = Now();
  for (long i = 0; i < 100000000; ++i) {
    asm volatile("add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0" : "+r"(x));
  }
  const double cycle = (Now() - t) / 4e8;
  for (float& f : buffer) f = 1.0f;
  // Subnormals flushed and read as zero: the probe's operands are whatever
  // bits the loop's own integer operations leave, and a subnormal would
  // time the core's assist for it, not the loop.
  unsigned csr = 0;
  asm volatile("stmxcsr %0" : "=m"(csr));
  csr |= (1u << 15) | (1u << 6);
  asm volatile("ldmxcsr %0" : : "m"(csr));
  double best = 1e30;
  for (int rep = 0; rep < 5; ++rep) {
    t = Now();
    asm volatile(
        "vbroadcastss (%%rdi), %%zmm28\n\tvbroadcastss 4(%%rdi), %%zmm29\n\t"
        "vbroadcastss (%%rdi), %%zmm30\n\tvbroadcastss 4(%%rdi), %%zmm31\n\t"
        "vbroadcastss (%%rdi), %%ymm12\n\tvbroadcastss 4(%%rdi), %%ymm13\n\t"
        "vbroadcastss (%%rdi), %%ymm14\n\tvbroadcastss 4(%%rdi), %%ymm15\n\t"
        "kxnorw %%k1, %%k1, %%k1\n\tkxnorw %%k2, %%k2, %%k2\n\t"
        "mov $ITERATIONS, %%rcx\n"
        "1:\n\t"
BODY
        "dec %%rcx\n\tjnz 1b\n\t"
        :
        : "D"(buffer)
        : "rax", "rbx", "rcx", "rdx", "rsi", "r8", "r9", "r10", "r11", "r12", "r13", "r14",
          "r15", "memory", "cc");
    const double dt = Now() - t;
    if (dt < best) best = dt;
  }
  std::printf("%.4f\n", best / ITERATIONS / cycle);
}
"""


def run_body(lines, iterations=1000000):
    """Cycles per iteration of a loop whose body is `lines` (AT&T)."""
    body = "\n".join('        "' + escape(l) + '\\n\\t"' for l in lines)
    source = PROGRAM.replace("BODY", body).replace("ITERATIONS", str(iterations))
    with tempfile.TemporaryDirectory() as tmp:
        cc, exe = os.path.join(tmp, "p.cc"), os.path.join(tmp, "p")
        with open(cc, "w") as f:
            f.write(source)
        subprocess.run(["g++", "-O2", "-o", exe, cc], check=True)
        out = subprocess.run(["taskset", "-c", "1", exe], check=True, capture_output=True,
                             text=True).stdout
    return float(out)


def escape(line):
    """An instruction for extended asm: % doubled, braces escaped."""
    return line.replace("%", "%%").replace("{", "%{").replace("}", "%}").replace('"', '\\"')


def kind(op, count, start=0):
    return [OPS[op].format(d=(start + i) % 24, k=2 + (start + i) % 6) for i in range(count)]


def probe_ops():
    print("24 independent instructions an iteration; alone: per cycle; beside 24 of another "
          "kind: cycles an iteration (each of those alone: 12)")
    print(f"{'kind':12s} {'alone':>7s} {'+vfmadd231ps':>13s} {'+vaddps':>8s} {'+vpcmpd':>8s}")
    for op in OPS:
        alone = run_body(kind(op, 24))
        beside = [run_body(kind(other, 24) + kind(op, 24, 24))
                  for other in ("vfmadd231ps", "vaddps", "vpcmpd")]
        print(f"{op:12s} {24 / alone:7.2f} {beside[0]:13.1f} {beside[1]:8.1f} {beside[2]:8.1f}",
              flush=True)


MEMORY = re.compile(r"(-?\w*(?:\.\w+)?)?\((%\w+)?(?:,\s*%\w+)?(?:,\s*\d+)?\)")


def in_buffer(line, slots):
    """`line` with each memory operand moved into the buffer (%rdi): one
    64-byte slot per distinct operand, stores apart from loads (in the
    kernel a store and a load of the same operand text are different
    neurons from one iteration to the next: no chain through memory)."""
    last = line.rstrip().rsplit(",", 1)[-1] if "," in line else ""

    def slot(m):
        key = (m.group(0) in last and line.split()[0].startswith(("vmov", "kmov", "mov")),
               m.group(0))
        if key not in slots:
            slots[key] = len(slots)
        return f"{slots[key] * 64}(%rdi)"
    return MEMORY.sub(slot, line)


def independent(line, counter):
    """`line` with its chains cut: a fresh destination register (vector or
    mask; `counter` holds the rotations), fixed sources (zmm28-31, k1),
    memory kept."""
    op, _, rest = line.partition(" ")
    rest = rest.strip()
    operands = [o.strip() for o in re.split(r",(?![^(]*\))", rest)] if rest else []
    if not operands or not op.startswith(("v", "k")):
        return line
    dest = operands[-1]
    sources = operands[:-1]
    # (registers 16-31 need EVEX encoding: a VEX instruction gets sources
    # 12-15 and destinations 0-11, an EVEX one sources 28-31 and 0-23)
    evex = "zmm" in line or "{" in line
    fixed = iter([28, 29, 30, 31] if evex else [12, 13, 14, 15])

    def source(o):
        if re.fullmatch(r"%[xyz]mm\d+", o):
            return re.sub(r"%([xyz])mm\d+", lambda m: f"%{m.group(1)}mm{next(fixed)}", o)
        if re.fullmatch(r"%k\d", o):
            return "%k1"
        return o
    sources = [source(o) for o in sources]
    if re.match(r"%[xyz]mm\d+", dest):
        # (a store's destination is memory.) An instruction that also reads
        # its destination (a multiply-add, a merge under a mask, a ternary
        # logic op) takes the next of a few registers kept for such
        # instructions only, so that it waits on nothing but its own kind a
        # few of them back; the others any other register.
        reads_dest = (re.match(r"v(f(n)?m(add|sub)|pternlog|fixupimm|perm[it]2)", op)
                      or ("{%k" in dest and "{z}" not in dest))
        pool = ((0, 16) if reads_dest else (16, 24)) if evex else ((0, 8) if reads_dest else (8, 12))
        n = counter.setdefault(pool, 0)
        counter[pool] = n + 1
        number = pool[0] + n % (pool[1] - pool[0])
        dest = re.sub(r"%([xyz])mm\d+", lambda m: f"%{m.group(1)}mm{number}", dest)
        dest = re.sub(r"\{%k\d\}", "{%k1}", dest)
    elif re.fullmatch(r"%k\d", dest):
        n = counter.setdefault("k", 0)
        counter["k"] = n + 1
        dest = f"%k{2 + n % 6}"
    return f"{op} " + ", ".join(sources + [dest])


def probe_loop(kernel, target):
    region, loop, neurons = kernel_mca.hot_loop(kernel, target)
    slots = {}
    # Branches go (the path is fixed); scalar instructions stay, but not
    # ones that would write %rdi or %rcx (the probe's own).
    kept = [in_buffer(l, slots) for l in loop if not re.match(r"j\w+\s", l)]
    kept = [l for l in kept if not re.search(r"%(rdi|edi|rcx|ecx)\s*$", l)]
    compiled = run_body(kept)
    counter = {}
    cut = run_body([independent(l, counter) for l in kept])
    words = neurons / 16
    print(f"{kernel} on {target}, {region} loop: {len(kept)} instructions for {neurons} neurons;"
          f" per 16 neurons, in L1: as compiled {compiled / words:.2f} cycles, every chain cut "
          f"{cut / words:.2f} cycles (this core's throughput bound for the loop)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    sub.add_parser("ops")
    loop = sub.add_parser("loop")
    loop.add_argument("kernel")
    loop.add_argument("target", choices=["AVX3", "AVX2"])
    args = parser.parse_args()
    if "avx512f" not in open("/proc/cpuinfo").read():
        sys.exit("pipe_probe needs an AVX-512 CPU")
    if args.what == "ops":
        probe_ops()
    else:
        probe_loop(args.kernel, args.target)


if __name__ == "__main__":
    main()
