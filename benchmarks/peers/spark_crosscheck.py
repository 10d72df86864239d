"""somas.spark against Spark itself: the same somas, configs and currents,
spike for spike and potential for potential (docs/spark.md, "Checked
against Spark").

Spark (spark-snn) needs Python >= 3.12 and JAX, which Debian 12 does not
have; with a Python that has them (e.g. pyenv's 3.12 and `pip install
spark-snn numpy`):

    tools/bazel run -c opt //:install -- /tmp/somas_prefix
    SOMAS_LIBRARY=/tmp/somas_prefix/lib/libsomas.so PYTHONPATH=/tmp/somas_prefix/lib/python \\
        python3.12 benchmarks/peers/spark_crosscheck.py

Spark 1.2.2 keeps LeakySoma and ExponentialSoma of the seed's API (the
refractory variants were reorganised), so those two are compared, at dt 1
and 0.1 ms, in float32 and float16: 1,000 neurons, 500 steps of uniform
random currents.
"""
import numpy as np
import jax.numpy as jnp
from spark.core.payloads import CurrentArray as SparkCurrent
from spark.nn.components import somas as spark_somas

import somas.spark as sp


def main():
    sp.set_compat("ignore")
    sp.payload_classes("light")
    n, steps = 1000, 500
    rng = np.random.default_rng(1)
    for name, scale in (("LeakySoma", 400.0), ("ExponentialSoma", 60.0)):
        spark_class = getattr(spark_somas, name)
        spark_config = getattr(spark_somas, name + "Config")
        for dt in (1.0, 0.1):
            for dtype in (np.float32, np.float16):
                x = rng.uniform(0, scale, size=(steps, n)).astype(np.float32)
                theirs = spark_class(spark_config(dtype=jnp.dtype(dtype), seed=1, dt=dt))
                ours = getattr(sp, name)(dtype=dtype, seed=1, dt=dt)
                spikes_a, spikes_b, v_a, v_b = [], [], [], []
                for t in range(steps):
                    out = theirs(current=SparkCurrent(jnp.asarray(x[t]).astype(dtype)))
                    spikes_a.append(np.asarray(out["spikes"].spikes))
                    v_a.append(np.asarray(theirs.potential.value, dtype=np.float64))
                    mine = ours(x[t])
                    spikes_b.append(mine["spikes"].spikes)
                    v_b.append(mine["potential"].value.astype(np.float64))
                a, b = np.array(spikes_a), np.array(spikes_b)
                dv = np.abs(np.array(v_a) - np.array(v_b))
                print("%-16s dt %.1f %-7s spikes: Spark %5d, somas %5d, decisions differing %4d "
                      "of %d; |v difference| max %.3g mV, mean %.3g mV"
                      % (name, dt, np.dtype(dtype).name, a.sum(), b.sum(), (a != b).sum(), a.size,
                         dv.max(), dv.mean()))


if __name__ == "__main__":
    main()
