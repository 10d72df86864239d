"""The step rate of a Spark-style loop through somas.spark, and what the front
end adds to the somas calls it makes (docs/spark.md, "Speed").

A loop of `out = soma(CurrentArray(x))` on 1,000,000 LeakySoma neurons, one
thread, float32 and float16, timed three ways:
  front end   the loop above, outputs as Spark returns them (a bool spike
              mask and the relative potential, shape `units`);
  somas calls the same two C calls the front end makes per step
              (somas_pool_run_relative[_f16] for one step, somas_pool_spikes_dense)
              into fresh arrays, called directly;
  run         soma.run(currents) over 100 steps, per step.
If Spark is importable (it needs Python >= 3.12: not Debian 12's python3),
Spark's own LeakySoma is timed too, one nnx.jit step per call.

    tools/bazel run -c opt //:install -- /tmp/somas_prefix
    PYTHONPATH=/tmp/somas_prefix/lib/python taskset -c 1 /usr/bin/python3 benchmarks/spark_frontend.py
"""
import argparse
import importlib.util
import platform
import timeit

import numpy as np
import somas
import somas.spark as sp


def best(fn, number, repeat=5):
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def somas_figures(n, dtype, steps):
    sp.payload_classes("light")  # (with Spark imported, its classes would be returned)
    soma = sp.LeakySoma(dtype=dtype, seed=1, units=(n,))
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 300, n).astype(np.float32)
    current = sp.CurrentArray(x)
    soma(current)
    pool = soma.pool
    run_relative = somas._fast_run_relative[pool.dtype]
    bits = np.empty((n + 7) // 8, np.uint8)
    done = np.zeros(1, np.uintp)

    def calls():
        v = np.empty(n, pool.dtype)
        run_relative(pool._address, x.ctypes.data, 1, n, bits.ctypes.data, v.ctypes.data,
                     done.ctypes.data)
        mask = np.empty(n, np.bool_)
        somas._fast_spikes_dense(pool._address, mask.ctypes.data, n)

    front = best(lambda: soma(current), steps)
    engine = best(calls, steps)
    currents = np.tile(x, (100, 1))
    run = best(lambda: soma.run(currents), 1, repeat=3) / 100
    return front, engine, run


def spark_figures(n, dtype, steps):
    import jax
    import jax.numpy as jnp
    from flax import nnx
    from spark.core.payloads import CurrentArray
    from spark.nn.components.somas import LeakySoma, LeakySomaConfig

    soma = LeakySoma(LeakySomaConfig(dtype=jnp.dtype(dtype), seed=1))
    x = jnp.asarray(np.random.default_rng(0).uniform(0, 300, n).astype(dtype))
    soma(current=CurrentArray(x))

    @nnx.jit
    def step(module, value):
        out = module(current=CurrentArray(value))
        return out["spikes"].spikes, module.potential.value

    jax.block_until_ready(step(soma, x))
    return best(lambda: jax.block_until_ready(step(soma, x)), steps)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--neurons", type=int, default=1_000_000)
    parser.add_argument("--steps", type=int, default=200, help="steps per timing")
    args = parser.parse_args()
    somas.set_threads(1)
    sp.set_compat("ignore")
    print("CPU %s, SIMD target %s, one thread, %d LeakySoma neurons"
          % (cpu_name(), somas.simd_target(), args.neurons))
    has_spark = importlib.util.find_spec("spark") is not None
    for dtype in (np.float32, np.float16):
        front, engine, run = somas_figures(args.neurons, dtype, args.steps)
        name = np.dtype(dtype).name
        print("%s: front end %.1f us/step (%.0f steps/s); somas calls %.1f us; front end's own "
              "work %.0f%% on top; run() %.1f us/step"
              % (name, front * 1e6, 1 / front, engine * 1e6, 100 * (front / engine - 1), run * 1e6))
        if has_spark:
            spark = spark_figures(args.neurons, dtype, args.steps)
            print("%s: Spark (JAX, nnx.jit step) %.1f us/step: somas.spark %.1fx faster"
                  % (name, spark * 1e6, spark / front))


if __name__ == "__main__":
    main()
