"""Compiler options every somas target carries, whatever the consumer's flags.

The language standard is the library's own, and the engine is always built
optimised: a consumer who builds with Bazel's default fastbuild (-O0) or with
-c dbg still gets the same code, the same speed and bit-identical results as
-c opt. Target copts come after --copt and the -c mode's own flags, so they win.
No -march and no -ffast-math: Highway chooses the SIMD target at run time.
-ffp-contract=off: GCC would otherwise fuse a separate multiply and add into
one FMA at -O2 (not at -O0) inside FMA targets, so results would depend on the
build mode (docs/models.md, determinism); kernels write MulAdd where they mean it.
"""

SOMAS_COPTS = [
    "-std=c++17",
    "-O2",
    "-ffp-contract=off",
    "-Wall",
]
