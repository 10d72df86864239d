"""What the Python module adds to a step: Pool.step and Pool.run on a
1,024-neuron LeakySoma pool, one thread, against somas_pool_run called
directly (the C cost of the same steps).

    tools/bazel run //:install -- /tmp/somas_prefix
    PYTHONPATH=/tmp/somas_prefix/lib/python /usr/bin/python3 benchmarks/python_overhead.py
"""
import ctypes
import timeit

import numpy as np
import somas


def best(fn, number):
    return min(timeit.repeat(fn, number=number, repeat=3)) / number


def main():
    somas.set_threads(1)
    pool = somas.Pool("LeakySoma", 1024)
    current = np.full(1024, 100.0, dtype=np.float32)
    steps = 1000
    currents = np.full((steps, 1024), 100.0, dtype=np.float32)
    same = best(lambda: pool.step(current), 20000)
    fresh = best(lambda: pool.step(currents[0]), 20000)  # a new view object each call
    run = best(lambda: pool.run(currents), 5) / steps
    bits = np.zeros((steps, 128), np.uint8)
    done = ctypes.c_size_t()
    c_run = best(lambda: somas._lib.somas_pool_run(
        pool._handle, currents.ctypes.data_as(somas._f32_p), steps, 1024,
        bits.ctypes.data_as(ctypes.POINTER(ctypes.c_uint8)), None, ctypes.byref(done)), 5) / steps
    print("Pool.step, same array:      %.2f us" % (same * 1e6))
    print("Pool.step, new array:       %.2f us" % (fresh * 1e6))
    print("Pool.run, per step:         %.3f us" % (run * 1e6))
    print("somas_pool_run, per step:   %.3f us (Python / C = %.2f)" % (c_run * 1e6, run / c_run))


if __name__ == "__main__":
    main()
