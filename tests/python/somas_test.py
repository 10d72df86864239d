"""Tests of the somas Python module, run with Debian's python3 and python3-numpy
against an install into a temporary prefix (tests/install_test.sh)."""

import copy
import ctypes
import multiprocessing
import os
import pickle
import re
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

    def test_copies_are_clones_and_pickling_is_refused(self):
        pool = somas.Pool("LeakySoma", 4, params={"threshold": [-45.0, -44.0, -43.0, -42.0]})
        pool.step(np.full(4, 300.0, dtype=np.float32))
        for copied in (copy.copy(pool), copy.deepcopy(pool), copy.deepcopy([pool])[0]):
            self.assertIsNot(copied, pool)
            self.assertNotEqual(copied._handle.value, pool._handle.value)
            np.testing.assert_array_equal(copied.potentials(), pool.potentials())
            np.testing.assert_array_equal(copied.param("threshold"), pool.param("threshold"))
            copied.step(np.full(4, 900.0, dtype=np.float32))  # the original does not move
            self.assertFalse(np.array_equal(copied.potentials(), pool.potentials()))
            del copied  # (a shared engine pool would be freed here)
        pool.step(np.full(4, 300.0, dtype=np.float32))
        with self.assertRaisesRegex(TypeError, "cannot be pickled; pool.save"):
            pickle.dumps(pool)

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

    def test_pool_groups_step_as_pools_alone(self):
        sizes = [32, 1024, 48, 20]
        kwargs = [dict(model="RefractoryLeakySoma", size=n, name="p%d" % i)
                  for i, n in enumerate(sizes)]
        kwargs[2]["params"] = {"threshold": np.linspace(-45, -40, 48)}
        group = somas.pool_group(kwargs)
        alone = [somas.Pool(**k) for k in kwargs]
        self.assertEqual([p.size for p in group], sizes)
        np.testing.assert_array_equal(group[2].param("threshold"), alone[2].param("threshold"))
        rng = np.random.default_rng(4)
        for _ in range(30):
            current = rng.uniform(0, 900, sum(sizes)).astype(np.float32)
            slices = np.split(current, np.cumsum(sizes)[:-1])  # (views: consecutive slices)
            together = somas.step_pools(list(zip(group, slices)))
            for pool, own, c, spikes in zip(group, alone, slices, together):
                np.testing.assert_array_equal(spikes, own.step(c))
                np.testing.assert_array_equal(pool.potentials(), own.potentials())
        bad = current.copy()
        bad[32 + 1024 + 7] = np.nan  # (member 2, neuron 7)
        with self.assertRaisesRegex(somas.SomasError, 'pool "p2".*1 non-finite .*neuron 7'):
            somas.step_pools(list(zip(group, np.split(bad, np.cumsum(sizes)[:-1]))))
        with self.assertRaisesRegex(somas.SomasError, "needs a 1-D array of 48 values"):
            somas.step_pools([(group[2], bad[:47])])
        self.assertEqual(somas.step_pools([]), [])
        del group[0]  # (the others keep the shared arrays)
        group[0].step(np.zeros(1024, dtype=np.float32))
        with self.assertRaisesRegex(somas.SomasError, "entry 1: IzhikevichSoma, float32: .*share one model"):
            somas.pool_group([dict(model="LeakySoma", size=3), dict(model="IzhikevichSoma", size=3)])
        with self.assertRaisesRegex(TypeError, "pool_group: entry 1: .*unexpected keyword"):
            somas.pool_group([dict(model="LeakySoma", size=3), dict(model="LeakySoma", sise=3)])
        with self.assertRaisesRegex(TypeError, "pool_group: entry 0 must be a dict"):
            somas.pool_group([("LeakySoma", 3)])
        with self.assertRaisesRegex(somas.SomasError, "a group needs at least one pool"):
            somas.pool_group([])

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


def _step_in_child(queue):
    # A forked child steps on several threads and on one (it used to hang).
    pool = somas.Pool("LeakySoma", 100000)
    current = np.full(100000, 700.0, dtype=np.float32)
    for _ in range(5):
        pool.step(current)
    somas.set_threads(1)
    pool.step(current)
    queue.put(float(pool.potentials().sum()))


class Float16Test(unittest.TestCase):
    def test_dtype_names_and_numpy_types(self):
        for dtype in ("float16", np.float16, np.dtype(np.float16)):
            self.assertEqual(somas.Pool("LeakySoma", 3, dtype=dtype).dtype, np.float16)
        for dtype in ("float32", np.float32):
            self.assertEqual(somas.Pool("LeakySoma", 3, dtype=dtype).dtype, np.float32)
        self.assertEqual(somas.Pool("LeakySoma", 3).dtype, np.float32)
        for bad in ("float64", np.int16, "half-ish", None):
            with self.assertRaisesRegex(ValueError, "dtype must be float32 or float16"):
                somas.Pool("LeakySoma", 3, dtype=bad)

    def test_float16_pool_and_input_match_the_float32_step_rounded(self):
        n = 1000
        rng = np.random.default_rng(2)
        half = somas.Pool("IzhikevichSoma", n, dtype="float16")
        twin = somas.Pool("IzhikevichSoma", n, dtype=np.float16)
        for _ in range(50):
            current = rng.uniform(50, 150, n).astype(np.float16)
            spikes = half.step(current)  # float16 in, no conversion:
            self.assertIs(half._last_current, current)  # (a converted copy is not kept)
            self.assertEqual(list(spikes), list(twin.step(current.astype(np.float32))))
        np.testing.assert_array_equal(half.potentials(), twin.potentials())
        self.assertGreater(len(spikes) + sum(len(half.step(current)) for _ in range(20)), 0)
        # Potentials read as float32 absolute mV, stored as float16 relative to rest.
        v = half.potentials()
        self.assertEqual(v.dtype, np.float32)
        rel = (v + 65.0).astype(np.float16).astype(np.float32) - 65.0
        np.testing.assert_array_equal(rel, v)

    def test_float16_step_refuses_a_wrong_shape_and_reports_bad_input(self):
        pool = somas.Pool("LeakySoma", 4, dtype="float16")
        with self.assertRaisesRegex(somas.SomasError, "step needs a 1-D array of 4 values"):
            pool.step(np.zeros(5, dtype=np.float16))
        with self.assertRaisesRegex(somas.SomasError, "first at neuron 2 \\(inf pA\\)"):
            pool.step(np.array([0, 0, np.inf, 0], dtype=np.float16))

    def test_checkpoints_keep_the_dtype(self):
        pool = somas.Pool("AdaptiveLeakySoma", 5, dtype="float16")
        pool.step(np.full(5, 500, dtype=np.float16))
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "p.ckpt")
            pool.save(path)
            loaded = somas.Pool.load(path)
            self.assertEqual(loaded.dtype, np.float16)
            np.testing.assert_array_equal(loaded.potentials(), pool.potentials())
            with self.assertRaisesRegex(somas.SomasError, "holds a float16 pool, this pool is float32"):
                somas.Pool("AdaptiveLeakySoma", 5).restore(path)
        self.assertEqual(pool.clone().dtype, np.float16)


class ArgumentTest(unittest.TestCase):
    def tearDown(self):
        somas.set_threads(0)

    def test_sizes_seeds_and_thread_counts_must_be_whole_numbers(self):
        for bad in (1.5, "12", True, None, 12.0):
            with self.assertRaisesRegex(TypeError, "size must be an integer"):
                somas.Pool("LeakySoma", bad)
        with self.assertRaisesRegex(ValueError, "size must be >= 1, got 0"):
            somas.Pool("LeakySoma", 0)
        self.assertEqual(somas.Pool("LeakySoma", np.int64(7)).size, 7)
        for bad in (1.9, "3", False):
            with self.assertRaisesRegex(TypeError, "seed must be an integer"):
                somas.Pool("LeakySoma", 3, seed=bad)
        with self.assertRaisesRegex(ValueError, "seed must be >= 0"):
            somas.Pool("LeakySoma", 3, seed=-1)
        with self.assertRaisesRegex(ValueError, "seed must be < 2\\*\\*64"):
            somas.Pool("LeakySoma", 3, seed=1 << 64)
        with self.assertRaisesRegex(TypeError, "dt must be a number"):
            somas.Pool("LeakySoma", 3, dt="0.5")
        with self.assertRaisesRegex(TypeError, "model must be a model name"):
            somas.Pool(3, 3)
        somas.set_threads(2)
        for bad in (2.7, "2", True):
            with self.assertRaisesRegex(TypeError, "set_threads: n must be an integer"):
                somas.set_threads(bad)
        with self.assertRaisesRegex(ValueError, "set_threads: n must be >= 0, got -1"):
            somas.set_threads(-1)
        with self.assertRaisesRegex(somas.SomasError, "0 \\(one per usable CPU\\) to 1024"):
            somas.set_threads(1025)
        self.assertEqual(somas.threads(), 2)

    def test_parameters_are_named_when_json_cannot_carry_them(self):
        with self.assertRaisesRegex(ValueError, "LeakySoma: parameter threshold = nan: must be "
                                                "a finite number"):
            somas.Pool("LeakySoma", 3, params={"threshold": float("nan")})
        with self.assertRaisesRegex(ValueError, "parameter potential_rest = -inf at neuron 2"):
            somas.Pool("LeakySoma", 3, params={"potential_rest": [-60.0, -60.0, -np.inf]})
        with self.assertRaisesRegex(ValueError, "threshold: per-neuron values must be a 1-D "
                                                "array, got shape \\(2, 2\\)"):
            somas.Pool("LeakySoma", 4, params={"threshold": np.full((2, 2), -40.0)})
        with self.assertRaisesRegex(ValueError, "initializer max = inf"):
            somas.Pool("LeakySoma", 4, params={"threshold": {"kind": "uniform", "min": -45,
                                                              "max": float("inf")}})
        with self.assertRaisesRegex(TypeError, "threshold must be a number"):
            somas.Pool("LeakySoma", 4, params={"threshold": "-40"})
        pool = somas.Pool("LeakySoma", 4)
        with self.assertRaisesRegex(somas.SomasError, "1-D array of numbers, got shape \\(2, 2\\)"):
            pool.set_param("threshold", np.full((2, 2), -40.0))
        with self.assertRaisesRegex(TypeError, "set_param: threshold must be a number"):
            pool.set_param("threshold", "-40")
        with self.assertRaisesRegex(somas.SomasError, "threshold = nan mV"):
            pool.set_param("threshold", float("nan"))

    def test_set_params_validates_together_and_arrays_go_in_as_binary(self):
        # Neuron 0 moves down (reset must go first), neuron 1 up (threshold
        # first): no order of set_param calls is accepted, set_params is.
        pool = somas.Pool("LeakySoma", 2)
        threshold, reset = np.array([-55.0, -30.0]), np.array([-58.0, -35.0])
        with self.assertRaises(somas.SomasError):
            pool.set_param("threshold", threshold)
        with self.assertRaises(somas.SomasError):
            pool.set_param("potential_reset", reset)
        pool.set_params({"threshold": threshold, "potential_reset": reset, "potential_tau": 15})
        np.testing.assert_array_equal(pool.param("threshold"), threshold.astype(np.float32))
        np.testing.assert_array_equal(pool.param("potential_tau"), np.float32([15, 15]))
        with self.assertRaisesRegex(somas.SomasError, "at neuron 1"):
            pool.set_params({"threshold": [-55.0, -80.0], "potential_reset": -60.0})
        np.testing.assert_array_equal(pool.param("threshold"), threshold.astype(np.float32))
        with self.assertRaisesRegex(TypeError, "set_params: threshold must be a number"):
            pool.set_params({"threshold": "x"})
        with self.assertRaisesRegex(TypeError, "wants a dict"):
            pool.set_params([("threshold", 1.0)])
        # The constructor passes arrays as binary data: the same pool as
        # given them afterwards and reset, each neuron starting at its rest.
        rest = np.linspace(-70.0, -60.0, 1000)
        made = somas.Pool("LeakySoma", 1000, params={
            "potential_rest": rest, "threshold": rest + 12.0, "potential_reset": rest + 5.0,
            "resistance": 2})
        later = somas.Pool("LeakySoma", 1000, params={"resistance": 2})
        later.set_params({"potential_rest": rest, "threshold": rest + 12.0,
                          "potential_reset": rest + 5.0})
        later.reset()
        for name in ("potential_rest", "threshold", "potential_reset", "resistance"):
            np.testing.assert_array_equal(made.param(name), later.param(name))
        np.testing.assert_array_equal(made.potentials(), rest.astype(np.float32))
        np.testing.assert_array_equal(made.potentials(), later.potentials())
        with self.assertRaisesRegex(somas.SomasError, "parameter threshold needs 1000 values"):
            somas.Pool("LeakySoma", 1000, params={"threshold": rest[:999]})
        with self.assertRaisesRegex(somas.SomasError, "threshold"):
            somas.Pool("LeakySoma", 2, params={"threshold": [-40.0, -90.0]})

    def test_step_reads_the_array_as_it_is_now(self):
        # step() keeps the last array's address: the same array changed in
        # place, reshaped, or another array must all be read afresh.
        a, b = somas.Pool("LeakySoma", 64), somas.Pool("LeakySoma", 64)
        current = np.full(64, 200.0, dtype=np.float32)
        other = np.linspace(0.0, 400.0, 64).astype(np.float32)
        for t in range(12):
            if t % 3 == 2:
                current *= 1.5  # in place
                current[t] = 900.0
            x = other if t % 4 == 3 else current
            spikes = a.step(x)
            np.testing.assert_array_equal(spikes, b.step(np.array(x, copy=True)))
            np.testing.assert_array_equal(a.potentials(), b.potentials())
        strided = np.full(128, 300.0)[::2]  # float64, not contiguous: converted
        np.testing.assert_array_equal(a.step(strided), b.step(np.full(64, 300.0, np.float32)))
        a.step(current)
        current.shape = (8, 8)  # the cached array, reshaped in place
        with self.assertRaisesRegex(somas.SomasError, "step needs a 1-D array of 64 values"):
            a.step(current)
        with self.assertRaisesRegex(somas.SomasError, "step needs a 1-D array of 64 values"):
            a.step(np.zeros(63, np.float32))

    def test_run_steps_many_times_in_one_call(self):
        a, b = somas.Pool("IzhikevichSoma", 37), somas.Pool("IzhikevichSoma", 37)
        currents = np.random.default_rng(4).uniform(0, 300, (50, 37)).astype(np.float32)
        spikes, v = a.run(currents, potentials=True)
        self.assertEqual(spikes.shape, (50, 37))
        self.assertEqual(spikes.dtype, np.bool_)
        for t in range(50):
            indices = b.step(currents[t])
            np.testing.assert_array_equal(np.flatnonzero(spikes[t]), indices)
            np.testing.assert_array_equal(v[t], b.potentials())
        self.assertGreater(spikes.sum(), 10)
        np.testing.assert_array_equal(a.run(currents[:3]), b.run(currents[:3]))
        self.assertEqual(a.run(np.zeros((0, 37), np.float32)).shape, (0, 37))
        # A non-finite current in step 2: steps 0..2 taken, the error names it.
        bad = currents[:5].copy()
        bad[2, 7] = np.nan
        with self.assertRaisesRegex(somas.SomasError, "first at neuron 7.*in step 2 of the run"):
            a.run(bad)
        for t in range(3):  # the same three steps, one by one
            try:
                b.step(bad[t])
            except somas.SomasError:
                self.assertEqual(t, 2)
        np.testing.assert_array_equal(a.potentials(), b.potentials())
        with self.assertRaisesRegex(somas.SomasError, "run needs a 2-D array \\[steps, 37\\]"):
            a.run(np.zeros((4, 36), np.float32))

    def test_the_seed_reaches_the_initializers(self):
        init = {"threshold": {"kind": "uniform", "min": -45.0, "max": -40.0}}
        a = somas.Pool("LeakySoma", 50, params=init, seed=1).param("threshold")
        b = somas.Pool("LeakySoma", 50, params=init, seed=2).param("threshold")
        c = somas.Pool("LeakySoma", 50, params=init, seed=2).param("threshold")
        self.assertFalse(np.array_equal(a, b))
        np.testing.assert_array_equal(b, c)

    def test_the_pool_name_keys_the_draws_and_names_errors(self):
        init = {"threshold": {"kind": "uniform", "min": -45.0, "max": -40.0}}
        a = somas.Pool("LeakySoma", 50, params=init, seed=7, name="exc").param("threshold")
        b = somas.Pool("LeakySoma", 50, params=init, seed=7, name="inh").param("threshold")
        c = somas.Pool("RefractoryLeakySoma", 50, params=init, seed=7, name="exc").param("threshold")
        unnamed = somas.Pool("LeakySoma", 50, params=init, seed=7).param("threshold")
        self.assertFalse(np.array_equal(a, b))
        self.assertFalse(np.array_equal(a, unnamed))
        np.testing.assert_array_equal(a, c)  # the name and parameter key the stream, not the model
        with self.assertRaisesRegex(somas.SomasError, 'pool "exc".*potential_tau'):
            somas.Pool("LeakySoma", 2, params={"potential_tau": -1.0}, name="exc")
        for bad in ("", 3):
            with self.assertRaisesRegex(TypeError, "name must be a non-empty string"):
                somas.Pool("LeakySoma", 2, name=bad)

    def test_spike_mask_and_count_read_the_spike_bits(self):
        # 1..17 neurons cross byte boundaries; neuron i spikes when i % 3 == 0.
        for n in (1, 7, 8, 9, 17):
            pool = somas.Pool("LeakySoma", n, params={"threshold": -59.0, "potential_reset": -70.0})
            drive = np.where(np.arange(n) % 3 == 0, 1000.0, 0.0).astype(np.float32)
            self.assertEqual(pool.spike_count(), 0)
            indices = pool.step(drive)
            mask = pool.spike_mask()
            self.assertEqual(mask.dtype, np.bool_)
            self.assertEqual(mask.shape, (n,))
            np.testing.assert_array_equal(np.flatnonzero(mask), indices)
            np.testing.assert_array_equal(mask, np.arange(n) % 3 == 0)
            self.assertEqual(pool.spike_count(), (n + 2) // 3)
            pool.step(np.zeros(n, dtype=np.float32))  # the mask was a copy
            self.assertTrue(mask[0])
            self.assertFalse(pool.spike_mask().any())

    def test_relative_potentials_in_the_pools_dtype(self):
        currents = np.random.default_rng(4).uniform(0, 600, size=(6, 9)).astype(np.float32)
        for dtype in ("float32", "float16"):
            rest = np.linspace(-70, -60, 9)
            pool = somas.Pool("ExponentialSoma", 9, params={"potential_rest": rest}, dtype=dtype)
            twin = pool.clone()
            spikes, relative = pool.run(currents, potentials="relative")
            self.assertEqual(relative.dtype, np.dtype(dtype))
            for t in range(6):
                np.testing.assert_array_equal(np.flatnonzero(spikes[t]), twin.step(currents[t]))
                rel = twin.relative_potentials()
                self.assertEqual(rel.dtype, np.dtype(dtype))
                np.testing.assert_array_equal(relative[t], rel)
                np.testing.assert_allclose(rel.astype(np.float64), twin.potentials() - rest,
                                           rtol=2e-3, atol=1e-3)
            bits = twin.spike_bits()
            self.assertEqual(bits.shape, (2,))
            np.testing.assert_array_equal(
                np.unpackbits(bits, count=9, bitorder="little").astype(bool), twin.spike_mask())
            _, absolute = twin.clone().run(currents[:1], potentials="absolute")
            self.assertEqual(absolute.dtype, np.float32)
        with self.assertRaisesRegex(ValueError, "potentials must be False, True, 'absolute' or "
                                    "'relative', got 'rel'"):
            pool.run(currents, potentials="rel")

    def test_engine_errors_are_value_errors(self):
        self.assertTrue(issubclass(somas.SomasError, ValueError))
        with self.assertRaises(ValueError):
            somas.Pool("LeakySoma", 2, params={"potential_tau": -1.0})
        with self.assertRaisesRegex(TypeError, "got the shape \\(2, 3\\); a pool is 1-D"):
            somas.Pool("LeakySoma", (2, 3))

    def test_results_are_the_callers_not_a_buffer_the_next_step_reuses(self):
        pool = somas.Pool("LeakySoma", 3, params={"threshold": [-59.0, -59.0, -40.0],
                                                  "potential_reset": -70.0})
        first = pool.step(np.float32([1000, 0, 0]))
        read = pool.spikes()
        v = pool.potentials()
        second = pool.step(np.float32([0, 1000, 0]))  # a different neuron spikes
        self.assertEqual(first.tolist(), [0])
        self.assertEqual(read.tolist(), [0])
        self.assertEqual(second.tolist(), [1])
        fresh = somas.Pool("LeakySoma", 3, params={"threshold": [-59.0, -59.0, -40.0],
                                                   "potential_reset": -70.0})
        [listed] = somas.step_pools([(fresh, np.float32([1000, 0, 0]))])
        self.assertEqual(fresh.step(np.float32([0, 1000, 0])).tolist(), [1])
        self.assertEqual(listed.tolist(), [0])
        self.assertEqual(v[0], np.float32(-70.0))
        self.assertNotEqual(pool.potentials()[0], v[0])

    def test_a_forked_child_steps_and_exits(self):
        somas.set_threads(2)
        pool = somas.Pool("LeakySoma", 100000)
        pool.step(np.full(100000, 700.0, dtype=np.float32))  # the workers are running
        context = multiprocessing.get_context("fork")
        queue = context.Queue()
        child = context.Process(target=_step_in_child, args=(queue,))
        child.start()
        child.join(60)
        if child.is_alive():
            child.kill()
            self.fail("the forked child hung")
        self.assertEqual(child.exitcode, 0)
        self.assertTrue(np.isfinite(queue.get(timeout=5)))
        pool.step(np.full(100000, 700.0, dtype=np.float32))  # the parent's workers still work



class HeaderTest(unittest.TestCase):
    """The module's ctypes table is one of three copies of the C signatures
    (header, c_api.cc, here): it must match somas_c.h, parsed as installed."""

    C_TYPES = {
        "void": None, "int": ctypes.c_int, "size_t": ctypes.c_size_t, "double": ctypes.c_double,
        "float": ctypes.c_float, "const char*": ctypes.c_char_p,
        "somas_pool*": ctypes.c_void_p,
        "somas_pool**": ctypes.POINTER(ctypes.c_void_p),
        "somas_pool* const*": ctypes.POINTER(ctypes.c_void_p),
        "float*": ctypes.POINTER(ctypes.c_float), "const float*": ctypes.POINTER(ctypes.c_float),
        "const float* const*": ctypes.POINTER(ctypes.POINTER(ctypes.c_float)),
        "const double*": ctypes.POINTER(ctypes.c_double),
        "uint32_t*": ctypes.POINTER(ctypes.c_uint32), "size_t*": ctypes.POINTER(ctypes.c_size_t),
        "const size_t*": ctypes.POINTER(ctypes.c_size_t),
        "uint8_t*": ctypes.POINTER(ctypes.c_uint8), "const uint8_t*": ctypes.POINTER(ctypes.c_uint8),
        "const somas_pool*": ctypes.c_void_p,
        "const uint16_t*": ctypes.POINTER(ctypes.c_uint16), "uint16_t*": ctypes.POINTER(ctypes.c_uint16),
        "const char* const*": ctypes.POINTER(ctypes.c_char_p),
        "const double* const*": ctypes.POINTER(ctypes.POINTER(ctypes.c_double)),
    }
    # Declared in the header, deliberately not wrapped by the module.
    # The step hooks are for C and C++ embedders (their code runs on somas's
    # threads); Python steps whole pools.
    UNWRAPPED = {"somas_pool_set_state_at",
                 "somas_pool_set_param_at", "somas_pool_step_hooked", "somas_step_pools_hooked",
                 "somas_pool_get_state_range"}

    @classmethod
    def setUpClass(cls):
        # PREFIX/lib/python/somas/__init__.py
        prefix = os.path.abspath(os.path.join(os.path.dirname(somas.__file__), *[os.pardir] * 3))
        with open(os.path.join(prefix, "include", "somas", "somas_c.h")) as f:
            text = f.read()
        cls.defines = {m.group(1): int(m.group(2)) for m in
                       re.finditer(r"#define (SOMAS_\w+)\s+(?:\\\s*)?(\d+)", text)}
        text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
        text = re.sub(r"^#(?:.*\\\n)*.*$", " ", text, flags=re.M)  # preprocessor lines
        cls.declared = {}
        for m in re.finditer(r"([\w\s\*]+?)\b(somas_\w+)\s*\(([^)]*)\);", text):
            args = [] if m.group(3).strip() == "void" else [
                re.sub(r"\s*\*", "*", re.sub(r"\s+", " ", a.strip())).rsplit(" ", 1)[0]
                if not a.strip().endswith("*") else a.strip() for a in m.group(3).split(",")]
            cls.declared[m.group(2)] = (re.sub(r"\s*\*", "*", " ".join(m.group(1).split())), args)

    def ctype(self, c):
        c = re.sub(r"\s*\*", "*", c).replace("*const", "* const").strip()
        self.assertIn(c, self.C_TYPES, "no ctypes mapping for C type %r" % c)
        return self.C_TYPES[c]

    def test_every_signature_matches_the_header(self):
        self.assertGreaterEqual(len(self.declared), 30)
        wrapped = set()
        for name, result, args in somas._SIGNATURES:
            wrapped.add(name)
            self.assertIn(name, self.declared, "%s is not in somas_c.h" % name)
            c_result, c_args = self.declared[name]
            self.assertEqual(self.ctype(c_result), result, name + ": return type")
            self.assertEqual(len(c_args), len(args), name + ": argument count")
            for i, (c, py) in enumerate(zip(c_args, args)):
                self.assertEqual(self.ctype(c), py, "%s: argument %d (%s)" % (name, i, c))
        self.assertEqual(set(self.declared) - wrapped, self.UNWRAPPED,
                         "somas_c.h functions the module neither wraps nor lists as unwrapped")

    def test_codes_match_the_header(self):
        self.assertEqual(self.defines["SOMAS_OK"], somas._OK)
        self.assertEqual(self.defines["SOMAS_ERR_NONFINITE"], somas._NONFINITE)
        self.assertEqual(len([k for k in self.defines if k.startswith("SOMAS_ERR_")]), 9)


if __name__ == "__main__":
    unittest.main()
