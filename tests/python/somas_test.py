"""Tests of the somas Python module, run with Debian's python3 and python3-numpy
against an install into a temporary prefix (tests/install_test.sh)."""

import os
import tempfile
import unittest

import numpy as np

import somas


class ModuleTest(unittest.TestCase):
    def test_models_lists_the_nine_with_their_schemas(self):
        models = somas.models()
        self.assertEqual(len(models), 9)
        leaky = next(m for m in models if m["name"] == "LeakySoma")
        tau = next(p for p in leaky["parameters"] if p["name"] == "potential_tau")
        self.assertEqual((tau["unit"], tau["default"]), ("ms", 20.0))

    def test_version_and_target(self):
        self.assertRegex(somas.version(), r"^\d+\.\d+\.\d+$")
        self.assertIn(somas.simd_target(), {"AVX3", "AVX3_DL", "AVX2", "SSE4", "SSSE3", "EMU128", "SCALAR"})

    def test_target_can_be_listed_limited_and_restored(self):
        names = somas.available_targets()
        self.assertEqual(names[0], somas.simd_target())
        somas.set_simd_target(names[-1].lower())
        try:
            self.assertEqual(somas.simd_target(), names[-1])
            pool = somas.Pool("LeakySoma", 20)
            pool.step(np.full(20, 500.0, dtype=np.float32))
            with self.assertRaisesRegex(somas.SomasError, "'AVX9'.*" + names[0]):
                somas.set_simd_target("AVX9")
            self.assertEqual(somas.simd_target(), names[-1])
        finally:
            somas.set_simd_target("auto")
        self.assertEqual(somas.simd_target(), names[0])


class PoolTest(unittest.TestCase):
    def test_leaky_neuron_charges_as_the_closed_form_says(self):
        # R I = 0.1 GOhm * 150 pA = 15 mV, below threshold: v_n = -60 + 15 (1 - e^(-n/20)).
        pool = somas.Pool("LeakySoma", 3)
        for n in range(1, 31):
            spikes = pool.step(np.full(3, 150.0, dtype=np.float32))
            self.assertEqual(spikes.size, 0)
        expected = -60.0 + 15.0 * (1.0 - np.exp(-30.0 / 20.0))
        np.testing.assert_allclose(pool.potentials(), expected, atol=1e-4)

    def test_step_returns_spike_indices(self):
        # One step of R I = 100 mV lifts v by 100 (1 - e^(-1/20)) = 4.9 mV, above -59 mV.
        pool = somas.Pool("LeakySoma", 5, params={"threshold": [-59.0, -40.0, -59.0, -40.0, -40.0],
                                                  "potential_reset": -70.0})
        spikes = pool.step(np.array([1000, 0, 1000, 0, 0], dtype=np.float32))
        self.assertEqual(spikes.dtype, np.uint32)
        self.assertEqual(spikes.tolist(), [0, 2])

    def test_accepts_any_float_array_layout(self):
        pool = somas.Pool("IzhikevichSoma", 4, dt=0.5)
        pool.step(np.arange(8, dtype=np.float64)[::2])  # strided doubles are converted
        self.assertEqual(pool.potentials().shape, (4,))

    def test_set_potentials_and_params(self):
        pool = somas.Pool("AdaptiveLeakySoma", 4)
        pool.set_potentials([-55.0, -50.0, -45.0, -41.0])
        np.testing.assert_array_equal(pool.potentials(), np.float32([-55, -50, -45, -41]))
        pool.set_param("threshold", [-42.0, -40.0, -40.0, -40.0])
        np.testing.assert_array_equal(pool.param("threshold"), np.float32([-42, -40, -40, -40]))
        # potentials keep their absolute values when potential_rest moves
        pool.set_param("potential_rest", -65.0)
        np.testing.assert_allclose(pool.potentials(), [-55, -50, -45, -41], atol=1e-5)
        self.assertEqual(pool.state("refractory_steps").tolist(), [0, 0, 0, 0])

    def test_checkpoint_round_trip_is_bit_identical(self):
        rng = np.random.default_rng(1)
        pool = somas.Pool("AdaptiveExponentialSoma", 33, params={"adaptation_delta": 20.0})
        for _ in range(50):
            pool.step(rng.uniform(300, 900, 33).astype(np.float32))
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "pool.ckpt")
            pool.save(path)
            twin = somas.Pool.load(path)
        self.assertEqual((twin.model, twin.size, twin.dt), (pool.model, pool.size, pool.dt))
        for _ in range(50):
            current = rng.uniform(300, 900, 33).astype(np.float32)
            np.testing.assert_array_equal(pool.step(current), twin.step(current))
            np.testing.assert_array_equal(pool.potentials(), twin.potentials())
            np.testing.assert_array_equal(pool.state("adaptation"), twin.state("adaptation"))

    def test_clone_is_independent(self):
        pool = somas.Pool("LeakySoma", 2)
        copy = pool.clone()
        pool.step(np.float32([100, 100]))
        self.assertEqual(copy.potentials().tolist(), [-60.0, -60.0])

    def test_threads_and_step_pools_give_the_same_bits(self):
        rng = np.random.default_rng(3)
        currents = [rng.uniform(0, 900, 50000).astype(np.float32) for _ in range(5)]
        results = []
        for n in (1, 2):
            somas.set_threads(n)
            self.assertEqual(somas.threads(), n)
            a = somas.Pool("AdaptiveExponentialSoma", 50000)
            b = somas.Pool("IzhikevichSoma", 3, dt=0.5)
            for c in currents:
                spikes_a, spikes_b = somas.step_pools([(a, c), (b, c[:3])])
            results.append((spikes_a, a.potentials(), b.potentials()))
        somas.set_threads(0)
        self.assertGreaterEqual(somas.threads(), 1)
        for x, y in zip(results[0], results[1]):
            np.testing.assert_array_equal(x, y)

    def test_errors_carry_the_engines_message(self):
        with self.assertRaisesRegex(somas.SomasError, 'unknown model "LeakSoma".*LeakySoma'):
            somas.Pool("LeakSoma", 10)
        with self.assertRaisesRegex(somas.SomasError, "potential_tau = -1 ms.*must be > 0"):
            somas.Pool("LeakySoma", 10, params={"potential_tau": -1})
        pool = somas.Pool("LeakySoma", 3)
        with self.assertRaisesRegex(somas.SomasError, "needs a 1-D array of 3"):
            pool.step(np.zeros(4, dtype=np.float32))
        with self.assertRaises(somas.SomasError) as e:
            pool.step(np.float32([0, np.nan, 0]))
        self.assertEqual(e.exception.code, 2)
        self.assertIn("first at neuron 1", str(e.exception))
        before = pool.param("threshold")
        with self.assertRaisesRegex(somas.SomasError, "threshold must be greater than potential_reset"):
            pool.set_param("threshold", -70.0)
        np.testing.assert_array_equal(pool.param("threshold"), before)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "bad.ckpt")
            with open(path, "wb") as f:
                f.write(b"not a checkpoint")
            with self.assertRaisesRegex(somas.SomasError, "SOMASCKP"):
                pool.restore(path)
            with self.assertRaisesRegex(somas.SomasError, "cannot open"):
                somas.Pool.load(os.path.join(d, "missing.ckpt"))


if __name__ == "__main__":
    unittest.main()
