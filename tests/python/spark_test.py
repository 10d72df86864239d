"""Tests of somas.spark (Spark's soma API over somas pools), run with Debian's
python3 and python3-numpy against an install into a temporary prefix
(tests/install_test.sh). Spark and JAX are not needed, and must not be
imported: the light payload classes are used throughout."""

import copy
import dataclasses
import os
import subprocess
import sys
import unittest
import warnings

import numpy as np

os.environ["SOMAS_SPARK_PAYLOADS"] = "light"
import somas  # noqa: E402
import somas.spark as sp  # noqa: E402

# Written from the seed (shared/seeds/spark-somas-api.rst: names, bases,
# fields) and Spark's source (defaults): class -> (parent, own fields with
# their defaults). Every config also has seed, dtype and dt.
SEED = {
    "LeakySoma": (None, {"potential_rest": -60.0, "potential_reset": -50.0, "potential_tau": 20.0,
                         "resistance": 0.1, "threshold": -40.0}),
    "RefractoryLeakySoma": ("LeakySoma", {"cooldown": 2.0}),
    "StrictRefractoryLeakySoma": ("RefractoryLeakySoma", {}),
    "AdaptiveLeakySoma": ("RefractoryLeakySoma", {"threshold_tau": 20.0, "threshold_delta": 100.0}),
    "ExponentialSoma": (None, {"potential_rest": -70.0, "potential_reset": -51.0,
                               "potential_tau": 5.0, "resistance": 0.5, "threshold": -30.0,
                               "rheobase_threshold": -50.0, "spike_slope": 2.0}),
    "RefractoryExponentialSoma": ("ExponentialSoma", {"cooldown": 2.0}),
    "AdaptiveExponentialSoma": ("ExponentialSoma", {"adaptation_tau": 100.0,
                                                    "adaptation_delta": 7.0,
                                                    "adaptation_subthreshold": 0.5}),
    "SimplifiedAdaptiveExponentialSoma": ("RefractoryExponentialSoma",
                                          {"threshold_tau": 20.0, "threshold_delta": 100.0}),
    # potential_floor: the engine's extension, not in the seed.
    "IzhikevichSoma": (None, {"potential_rest": -65.0, "potential_reset": -65.0,
                              "resistance": 0.1, "threshold": 30.0, "recovery_timescale": 0.02,
                              "recovery_sensitivity": 0.2, "recovery_update": 2.0,
                              "potential_floor": -100.0}),
}
EXPORTS = {"Soma", "SomaOutput", "SomaConfig", "CurrentArray", "SpikeArray", "PotentialArray",
           "ConstantInitializer", "UniformInitializer", "UnsupportedSparkFeature",
           "SparkCompatibilityWarning", "differences", "set_compat", "payload_classes"}
REFRACTORY = {"RefractoryLeakySoma", "StrictRefractoryLeakySoma", "AdaptiveLeakySoma",
              "RefractoryExponentialSoma", "SimplifiedAdaptiveExponentialSoma"}


def all_fields(name):
    parent, own = SEED[name]
    fields = dict(all_fields(parent)) if parent else {}
    fields.update(own)
    return fields


def quiet():
    """A context in which compatibility warnings are recorded, not shown."""
    context = warnings.catch_warnings(record=True)
    return context


class NamesTest(unittest.TestCase):
    def test_exports_are_the_seeds_names(self):
        expected = EXPORTS | set(SEED) | {n + "Config" for n in SEED}
        self.assertEqual(set(sp.__all__), expected)
        for name in expected:
            self.assertTrue(hasattr(sp, name), name)

    def test_inheritance_follows_spark(self):
        for name, (parent, _) in SEED.items():
            soma, config = getattr(sp, name), getattr(sp, name + "Config")
            self.assertEqual(soma.__name__, name)
            base = getattr(sp, parent) if parent else sp.Soma
            base_config = getattr(sp, parent + "Config") if parent else sp.SomaConfig
            self.assertIn(base, soma.__mro__[1:3], name)
            self.assertIs(config.__mro__[1], base_config, name)
            self.assertIs(soma.config_class, config)
            self.assertEqual(soma.model, name)
        self.assertFalse(issubclass(sp.IzhikevichSoma, sp.LeakySoma))
        self.assertFalse(issubclass(sp.AdaptiveExponentialSomaConfig,
                                    sp.RefractoryExponentialSomaConfig))

    def test_fields_defaults_and_units(self):
        schemas = {m["name"]: m for m in somas.models()}
        for name in SEED:
            config_class = getattr(sp, name + "Config")
            fields = {f.name: f for f in dataclasses.fields(config_class)}
            expected = all_fields(name)
            self.assertEqual(set(fields), set(expected) | {"seed", "dtype", "dt"}, name)
            config = config_class(dtype="float32")
            for field, default in expected.items():
                self.assertEqual(getattr(config, field), default, "%s.%s" % (name, field))
                meta = fields[field].metadata
                param = next(p for p in schemas[name]["parameters"] if p["name"] == field)
                self.assertEqual(meta["units"], param["unit"])  # one source: the engine
                self.assertEqual(meta["description"], param["description"])
                self.assertEqual(meta["extension"], field == "potential_floor")
            self.assertEqual(fields["dt"].metadata["units"], "ms")
        self.assertEqual(sp.LeakySomaConfig().dtype, np.float16)  # Spark's default
        self.assertEqual(sp.LeakySomaConfig().dt, 1.0)


class ConfigTest(unittest.TestCase):
    def test_seed_is_random_and_kept(self):
        seeds = {sp.LeakySomaConfig().seed for _ in range(8)}
        self.assertGreater(len(seeds), 1)
        config = sp.LeakySomaConfig(dtype=np.float32,
                                    threshold={"kind": "uniform", "min": -45, "max": -40})
        with quiet():
            a = sp.LeakySoma(config)
            a.build({"current": (30,)})
            b = sp.LeakySoma(config)
            b.build({"current": (30,)})
        self.assertEqual(a.config.seed, config.seed)
        np.testing.assert_array_equal(a.pool.param("threshold"), b.pool.param("threshold"))

    def test_unknown_fields_are_type_errors_with_a_suggestion(self):
        with self.assertRaisesRegex(TypeError, "LeakySomaConfig has no field 'potential_tua'; "
                                    "did you mean 'potential_tau'"):
            sp.LeakySomaConfig(potential_tua=3.0)
        with self.assertRaisesRegex(TypeError, "has no field 'cooldown'"):
            sp.AdaptiveExponentialSomaConfig(cooldown=2.0)  # (the seed's prose lists it)
        with self.assertRaisesRegex(TypeError, "has no field 'zzz'; its fields are seed, dtype"):
            sp.LeakySomaConfig(zzz=1)

    def test_shared_keys_are_stripped_and_plain_keys_win(self):
        config = sp.LeakySomaConfig(_s_dt=0.5, _s_potential_tau=7.0, potential_tau=9.0)
        self.assertEqual((config.dt, config.potential_tau), (0.5, 9.0))
        with self.assertRaisesRegex(TypeError, "no field 'nope'"):
            sp.LeakySomaConfig(_s_nope=1)

    def test_validation_reports_dt_rules_at_config_time(self):
        with self.assertRaisesRegex(ValueError, "threshold must be greater than potential_reset"):
            sp.LeakySomaConfig(threshold=-55.0)
        with self.assertRaisesRegex(ValueError, "cooldown = 70 ms.*dt = 0.001"):
            sp.RefractoryLeakySomaConfig(cooldown=70.0, dt=0.001)
        with self.assertRaisesRegex(ValueError, "dt = -1.0 ms: must be finite and > 0"):
            sp.LeakySomaConfig(dt=-1.0)
        with self.assertRaisesRegex(TypeError, "seed must be an integer"):
            sp.LeakySomaConfig(seed=1.5)
        with self.assertRaisesRegex(ValueError, "dtype must be float32 or float16"):
            sp.LeakySomaConfig(dtype=np.float64)
        with self.assertRaisesRegex(TypeError, "threshold must be a number, an array or an "
                                    "initializer, got 'x'"):
            sp.LeakySomaConfig(threshold="x")
        with self.assertRaisesRegex(TypeError, "threshold must be a number"):
            sp.LeakySomaConfig(threshold=True)
        # Skipped validation builds the config; the build refuses it.
        config = sp.LeakySomaConfig(__skip_validation__=True, threshold=-55.0)
        with self.assertRaisesRegex(ValueError, "threshold must be greater"):
            config.validate()
        with self.assertRaises(somas.SomasError):
            sp.LeakySoma(config, units=(3,))
        # Per-neuron values: the first at config time, all of them at build.
        config = sp.LeakySomaConfig(threshold=np.array([-40.0, -55.0]))
        with self.assertRaisesRegex(ValueError, "at neuron 1"):
            sp.LeakySoma(config)(np.zeros(2))

    def test_merge_equality_and_dtypes(self):
        config = sp.LeakySomaConfig(seed=5, dtype="float32")
        other = copy.deepcopy(config)
        self.assertEqual(config, other)
        other.merge({"potential_tau": 12.0}, _s_dt=0.5)
        self.assertEqual((other.potential_tau, other.dt), (12.0, 0.5))
        self.assertNotEqual(config, other)
        with self.assertRaisesRegex(ValueError, "threshold must be greater"):
            other.merge({"threshold": -60.0})
        other.merge({"threshold": -60.0}, __skip_validation__=True)
        arrays = sp.LeakySomaConfig(seed=1, threshold=np.array([-40.0, -41.0]))
        self.assertEqual(arrays, sp.LeakySomaConfig(seed=1, threshold=[-40.0, -41.0]))
        self.assertNotEqual(arrays, sp.LeakySomaConfig(seed=1, threshold=[-40.0, -42.0]))
        self.assertEqual(sp.LeakySomaConfig(dtype=np.dtype("float32")).dtype, np.float32)
        self.assertIn("potential_tau=12.0", repr(other))


def reference(model, n, params, seed, dtype, name):
    """The somas module's pool for what a front-end soma builds."""
    return somas.Pool(model, n, params=params, seed=seed, dtype=dtype, name=name)


class EquivalenceTest(unittest.TestCase):
    """For each model, the front end's outputs are the somas module's on the same input."""

    def setUp(self):
        self.previous = sp.set_compat("ignore")

    def tearDown(self):
        sp.set_compat(self.previous)

    def check(self, name, dtype, units=(3, 4, 5)):
        rng = np.random.default_rng(11)
        n = int(np.prod(units))
        threshold = np.full(units[-1], SEED[name][1].get("threshold", all_fields(name)["threshold"]))
        threshold[0] += 3.0  # per-neuron, broadcast along the last axis
        soma_class = getattr(sp, name)
        soma = soma_class(seed=9, dtype=dtype, threshold=threshold)
        pool = reference(name, n, {"threshold": np.broadcast_to(threshold, units).reshape(n)}, 9,
                         np.dtype(dtype).name, name)
        rest = pool.param("potential_rest")
        drive = 400.0 if name != "IzhikevichSoma" else 30.0
        for step in range(40):
            x = rng.uniform(0, drive, size=units).astype(np.float32)
            out = soma(sp.CurrentArray(x) if step % 2 else x)
            indices = pool.step(x.reshape(n))
            self.assertEqual(set(out), {"spikes", "potential"})
            spikes = out["spikes"].spikes
            self.assertEqual(spikes.shape, units)
            self.assertEqual(spikes.dtype, np.bool_)
            np.testing.assert_array_equal(np.flatnonzero(spikes.reshape(n)), indices)
            v = out["potential"].value
            self.assertEqual(v.shape, units)
            self.assertEqual(v.dtype, np.dtype(dtype))
            expected = pool.relative_potentials().reshape(units)
            self.assertEqual(expected.dtype, np.dtype(dtype))
            np.testing.assert_array_equal(v, expected)
            # (relative to each neuron's rest, to within the rounding of the
            # absolute value and the dtype)
            np.testing.assert_allclose(v.astype(np.float64).reshape(n), pool.potentials() - rest,
                                       rtol=2e-3 if dtype == np.float16 else 1e-6, atol=1e-3)
            np.testing.assert_array_equal(soma.potential.value, expected)
        self.assertGreater(pool.spike_count() + int(spikes.sum()) + 1, 0)
        return soma, pool

    def test_every_model_float32_and_float16(self):
        for name in SEED:
            for dtype in (np.float32, np.float16):
                with self.subTest(model=name, dtype=dtype):
                    self.check(name, dtype)

    def test_one_dimensional_and_scalar_units(self):
        self.check("LeakySoma", np.float32, units=(1,))
        self.check("AdaptiveExponentialSoma", np.float32, units=(9,))

    def test_state_attributes_have_sparks_names(self):
        for name in SEED:
            soma, pool = self.check(name, np.float32, units=(2, 3))
            rest = pool.param("potential_rest").reshape(2, 3)
            states = {s["name"] for s in next(m for m in somas.models()
                                              if m["name"] == name)["states"]}
            if name in REFRACTORY:
                np.testing.assert_array_equal(soma.is_ready.value,
                                              (pool.state("refractory_steps") == 0).reshape(2, 3))
                with self.assertRaisesRegex(sp.UnsupportedSparkFeature, "is_ready"):
                    soma.refractory
            else:
                self.assertFalse(hasattr(soma, "is_ready"))
            threshold = (pool.state("adaptive_threshold") if "adaptive_threshold" in states
                         else pool.param("threshold")).reshape(2, 3)
            np.testing.assert_array_equal(soma.threshold.value, threshold - rest)
            if "adaptation" in states:
                np.testing.assert_array_equal(soma.adaptation.value,
                                              pool.state("adaptation").reshape(2, 3))
            if "recovery" in states:
                np.testing.assert_array_equal(soma.recovery.value,
                                              pool.state("recovery").reshape(2, 3))
            np.testing.assert_array_equal(soma.potential_absolute,
                                          pool.potentials().reshape(2, 3))

    def test_reset_and_run(self):
        soma = sp.AdaptiveLeakySoma(seed=1, dtype=np.float32)
        currents = np.random.default_rng(2).uniform(0, 500, size=(25, 4, 2)).astype(np.float32)
        steps = [soma(c) for c in currents]
        soma.reset()
        np.testing.assert_array_equal(soma.potential.value, np.zeros((4, 2), np.float32))
        out = soma.run(sp.CurrentArray(currents))
        self.assertEqual(out["spikes"].spikes.shape, (25, 4, 2))
        np.testing.assert_array_equal(out["spikes"].spikes, [s["spikes"].spikes for s in steps])
        np.testing.assert_array_equal(out["potential"].value, [s["potential"].value for s in steps])
        self.assertGreater(out["spikes"].spikes.sum(), 0)
        fresh = sp.AdaptiveLeakySoma(seed=1, dtype=np.float16)
        half = fresh.run(currents)  # builds from currents.shape[1:]
        self.assertEqual(half["potential"].value.dtype, np.float16)
        self.assertEqual(fresh.units, (4, 2))
        with self.assertRaisesRegex(ValueError, r"currents of shape \(25, 4, 3\).*\(4, 2\).*"
                                    "leading steps axis"):
            soma.run(np.zeros((25, 4, 3)))
        with self.assertRaisesRegex(ValueError, "need a leading steps axis"):
            sp.LeakySoma().run(np.zeros(3))

    def test_a_deep_copy_is_an_independent_soma(self):
        soma = sp.RefractoryLeakySoma(dtype=np.float32, units=(3,))
        soma(np.full(3, 500.0))
        twin = copy.deepcopy(soma)
        self.assertIsNot(twin.pool, soma.pool)
        self.assertEqual(twin.config, soma.config)
        x = np.array([500.0, 700.0, 900.0])
        a, b = soma(x), twin(x)  # the same state: the same step
        np.testing.assert_array_equal(a["potential"].value, b["potential"].value)
        np.testing.assert_array_equal(a["spikes"].spikes, b["spikes"].spikes)
        twin(np.full(3, 2000.0))  # the original does not move with it
        np.testing.assert_array_equal(soma.potential.value, a["potential"].value)
        unbuilt = copy.deepcopy(sp.LeakySoma(dtype=np.float32, potential_tau=7.0))
        self.assertIsNone(unbuilt.pool)
        self.assertEqual(unbuilt.config.potential_tau, 7.0)
        self.assertEqual(unbuilt(np.zeros(2))["potential"].value.shape, (2,))

    def test_state_and_checkpoint_extensions(self):
        soma = sp.LeakySoma(dtype=np.float32, units=(2, 2))
        soma.set_state("potential", -50.0)
        np.testing.assert_array_equal(soma.potential.value, np.full((2, 2), 10.0, np.float32))
        path = os.path.join(os.environ.get("TEST_TMPDIR", "/tmp"), "spark_test.ckpt")
        soma.save(path)
        soma(np.full((2, 2), 100.0))
        soma.restore(path)
        np.testing.assert_array_equal(soma.state("potential"), np.full((2, 2), -50.0))


class BuildTest(unittest.TestCase):
    def setUp(self):
        self.previous = sp.set_compat("ignore")

    def tearDown(self):
        sp.set_compat(self.previous)

    def test_lazy_build_from_the_first_input_and_public_build(self):
        soma = sp.LeakySoma()
        self.assertIsNone(soma.units)
        with self.assertRaisesRegex(AttributeError, "not built yet"):
            soma.potential
        soma(np.zeros((2, 5)))
        self.assertEqual((soma.units, soma.pool.size), ((2, 5), 10))

        class Specs:  # a Spark PortSpecs-like object
            shape = (3, 1, 2)
        soma = sp.LeakySoma()
        soma.build({"current": Specs()})
        self.assertEqual(soma.units, (3, 1, 2))
        with self.assertRaisesRegex(ValueError, r"currents of shape \(6,\), but the soma's units "
                                    r"are \(3, 1, 2\)"):
            soma(np.zeros(6))
        for bad in ((), (0, 2), (2, -1)):
            with self.assertRaisesRegex(ValueError, "non-empty shape of positive sizes"):
                sp.LeakySoma().build({"current": bad})
        with self.assertRaisesRegex(TypeError, "currents must be numbers"):
            sp.LeakySoma()(np.array(["a"]))
        self.assertEqual(sp.LeakySoma(units=4).units, (4,))
        self.assertEqual(sp.LeakySoma(_s_units=(2, 2)).units, (2, 2))

    def test_field_values_broadcast_to_units(self):
        units = (4, 3)
        soma = sp.LeakySoma(dtype=np.float32,
                            threshold=np.array([[-40.0], [-41.0], [-42.0], [-43.0]]),  # (4, 1)
                            potential_tau=np.array([10.0]),                              # (1,)
                            resistance=np.array([0.1, 0.2, 0.3]),                        # (3,)
                            potential_rest=-61)
        soma.build({"current": units})
        np.testing.assert_array_equal(soma.pool.param("threshold").reshape(units),
                                      np.repeat([[-40.0], [-41.0], [-42.0], [-43.0]], 3, axis=1))
        np.testing.assert_array_equal(soma.pool.param("potential_tau"), np.full(12, 10.0))
        np.testing.assert_array_equal(soma.pool.param("resistance").reshape(units),
                                      np.tile(np.float32([0.1, 0.2, 0.3]), (4, 1)))
        np.testing.assert_array_equal(soma.pool.param("potential_rest"), np.full(12, -61.0))
        with self.assertRaisesRegex(ValueError, r"threshold: an array of shape \(2,\) does not "
                                    r"broadcast to the units \(4, 3\)"):
            sp.LeakySoma(threshold=np.array([-40.0, -41.0])).build({"current": units})
        # A per-neuron rest: potentials are relative to each neuron's own.
        soma = sp.LeakySoma(dtype=np.float32, potential_rest=np.array([-60.0, -65.0]),
                            potential_reset=-70.0)
        out = soma(np.zeros(2))
        np.testing.assert_array_equal(out["potential"].value, np.zeros(2, np.float32))

    def test_initializers_map_exactly_or_are_refused(self):
        soma = sp.LeakySoma(seed=4, dtype=np.float32, units=(100,),
                            resistance=sp.ConstantInitializer(scale=0.25),
                            potential_tau=sp.UniformInitializer(scale=30.0, min_value=0.0),
                            threshold={"kind": "normal", "mean": -40, "std": 1})
        np.testing.assert_array_equal(soma.pool.param("resistance"), np.full(100, 0.25, np.float32))
        expected = somas.Pool("LeakySoma", 100, seed=4, name="LeakySoma", params={
            "potential_tau": {"kind": "uniform", "min": 0.0, "max": 30.0},
            "threshold": {"kind": "normal", "mean": -40, "std": 1}})
        for field in ("potential_tau", "threshold"):
            np.testing.assert_array_equal(soma.pool.param(field), expected.param(field))
        negative = sp.LeakySoma(units=(50,), dtype=np.float32,
                                threshold=sp.UniformInitializer(scale=-45.0, max_value=0.0))
        self.assertTrue(((negative.pool.param("threshold") >= -45) &
                         (negative.pool.param("threshold") <= 0)).all())
        with self.assertRaisesRegex(sp.UnsupportedSparkFeature, r"clips into its range "
                                    r"\[0, 30\).*pass an array"):
            sp.LeakySomaConfig(potential_tau=sp.UniformInitializer(scale=30.0, min_value=5.0))
        with self.assertRaisesRegex(sp.UnsupportedSparkFeature, "clips"):
            sp.LeakySomaConfig(potential_tau=sp.UniformInitializer(scale=30.0, max_value=20.0))
        with self.assertRaisesRegex(TypeError, "UniformInitializer has no field 'low'"):
            sp.UniformInitializer(low=1)
        with self.assertRaisesRegex(TypeError, "scale must be a number"):
            sp.LeakySomaConfig(resistance=sp.ConstantInitializer(scale="x"))

        # Spark's own initializer objects, recognised by their class tree
        # (no Spark import): Constant and Uniform map, the others are refused.
        base = type("Initializer", (), {"__module__": "spark.nn.initializers.base"})

        def spark_init(kind, **fields):
            cls = type(kind, (base,), {"__module__": "spark.nn.initializers.common"})
            obj = cls()
            obj.config = type("Config", (), dict({"scale": 1, "min_value": None,
                                                  "max_value": None}, **fields))()
            return obj
        soma = sp.LeakySoma(units=(5,), dtype=np.float32,
                            resistance=spark_init("ConstantInitializer", scale=0.5))
        np.testing.assert_array_equal(soma.pool.param("resistance"), np.full(5, 0.5, np.float32))
        with self.assertRaisesRegex(sp.UnsupportedSparkFeature, "Spark's SparseUniformInitializer "
                                    "has no somas equivalent"):
            sp.LeakySomaConfig(threshold=spark_init("SparseUniformInitializer"))
        self.assertTrue(issubclass(sp.UnsupportedSparkFeature, NotImplementedError))

    def test_config_classes_must_match_the_soma(self):
        with self.assertRaisesRegex(TypeError, "LeakySoma takes a LeakySomaConfig, got "
                                    "RefractoryLeakySomaConfig"):
            sp.LeakySoma(sp.RefractoryLeakySomaConfig())
        with self.assertRaisesRegex(TypeError, "Soma is abstract"):
            sp.Soma()
        config = sp.LeakySomaConfig(dtype=np.float32)
        soma = sp.LeakySoma(config, potential_tau=11.0)  # a copy, merged
        self.assertEqual((soma.config.potential_tau, config.potential_tau), (11.0, 20.0))
        with self.assertRaisesRegex(TypeError, "name must be a non-empty string"):
            sp.LeakySoma(name="")

    def test_names_key_the_draws(self):
        init = {"kind": "uniform", "min": -45, "max": -40}
        a = sp.LeakySoma(seed=3, threshold=init, units=(20,))
        b = sp.LeakySoma(seed=3, threshold=init, units=(20,), name="other")
        c = sp.RefractoryLeakySoma(seed=3, threshold=init, units=(20,))
        self.assertFalse(np.array_equal(a.pool.param("threshold"), b.pool.param("threshold")))
        self.assertFalse(np.array_equal(a.pool.param("threshold"), c.pool.param("threshold")))

    def test_inhibition_mask_passes_through(self):
        soma = sp.LeakySoma(threshold=-59.0, potential_reset=-70.0, dtype=np.float32)
        out = soma(np.array([1000.0, 1000.0, 0.0]), inhibition_mask=np.array([False, True, True]))
        np.testing.assert_array_equal(out["spikes"].spikes, [True, True, False])
        np.testing.assert_array_equal(out["spikes"].inhibition_mask, [False, True, True])
        np.testing.assert_array_equal(out["spikes"].value, np.float16([1, -1, 0]))
        self.assertEqual(out["spikes"].value.dtype, np.float16)
        np.testing.assert_array_equal(np.asarray(out["spikes"]), np.float16([1, -1, 0]))
        plain = soma(np.zeros(3))
        self.assertFalse(plain["spikes"].inhibition_mask.any())

    def test_bad_currents_raise_value_errors(self):
        soma = sp.LeakySoma(dtype=np.float32)
        soma(np.zeros(3))
        with self.assertRaisesRegex(ValueError, "first at neuron 1") as e:
            soma(np.array([0.0, np.nan, 0.0]))
        self.assertIsInstance(e.exception, somas.SomasError)


class RefusalTest(unittest.TestCase):
    def test_jax_tracers_are_refused(self):
        tracer_class = type("DynamicJaxprTracer", (), {"__module__": "jax._src.interpreters"})
        soma = sp.LeakySoma()
        for value in (tracer_class(), sp.CurrentArray(tracer_class())):
            with self.assertRaisesRegex(sp.UnsupportedSparkFeature, "outside jax.jit.*soma.run"):
                soma(value)
        with self.assertRaisesRegex(sp.UnsupportedSparkFeature, "JAX tracer"):
            sp.LeakySomaConfig(threshold=tracer_class())
        self.assertIsNone(soma.units)  # nothing was built

    def test_subclasses_overriding_the_update_are_refused(self):
        for method in ("_update_states", "_compute_spikes"):
            with self.assertRaisesRegex(sp.UnsupportedSparkFeature, "overrides %s.*C\\+\\+ model.*"
                                        "docs/embedding.md" % method):
                type("Mine", (sp.LeakySoma,), {method: lambda self, *a: None})

        class Wrapped(sp.RefractoryLeakySoma):  # other overrides are fine
            def __call__(self, current, inhibition_mask=None):
                return super().__call__(current, inhibition_mask)
        with quiet():
            out = Wrapped(dtype=np.float32)(np.full(2, 500.0))
        self.assertEqual(out["spikes"].shape, (2,))
        self.assertTrue(isinstance(Wrapped(), sp.LeakySoma))


class CompatTest(unittest.TestCase):
    def setUp(self):
        self.previous = sp.set_compat("warn")
        sp._warned.clear()

    def tearDown(self):
        sp.set_compat(self.previous)

    def builds(self, cls, **kwargs):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            cls(dtype=np.float32, **kwargs)(np.zeros(3))
        return [w for w in caught if issubclass(w.category, sp.SparkCompatibilityWarning)]

    def test_each_class_warns_once_naming_its_differences(self):
        expected = {
            "LeakySoma": [], "StrictRefractoryLeakySoma": ["refractory counter"],
            "RefractoryLeakySoma": ["refractory timing", "refractory counter"],
            "AdaptiveLeakySoma": ["refractory timing"],
            "ExponentialSoma": ["exponential term"], "AdaptiveExponentialSoma": ["exponential term"],
            "RefractoryExponentialSoma": ["exponential term", "held at the threshold",
                                          "refractory timing"],
            "SimplifiedAdaptiveExponentialSoma": ["exponential term", "refractory timing"],
            "IzhikevichSoma": ["equations: the paper's"],
        }
        for name, parts in expected.items():
            first = self.builds(getattr(sp, name))
            self.assertEqual(len(first), 1 if parts else 0, name)
            for part in parts:
                self.assertIn(part, str(first[0].message), name)
                self.assertIn(part, sp.differences(name))
            if first:
                self.assertEqual(first[0].filename, __file__)  # the user's line
                self.assertNotIn("random draws", str(first[0].message))
                self.assertNotIn("float16", str(first[0].message))
            self.assertEqual(self.builds(getattr(sp, name)), [], name)  # once per class
        self.assertIn("random draws", sp.differences(sp.LeakySoma))
        with self.assertRaisesRegex(ValueError, "unknown soma 'Leaky'"):
            sp.differences("Leaky")

    def test_float16_and_draws_are_named_when_they_apply(self):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            sp.LeakySoma()(np.zeros(2))  # float16, Spark's default
        self.assertEqual(len(caught), 1)
        self.assertIn("float16: states are stored in float16", str(caught[0].message))
        sp._warned.clear()
        found = self.builds(sp.LeakySoma, threshold=sp.UniformInitializer(scale=-45.0))
        self.assertIn("random draws", str(found[0].message))
        sp._warned.clear()
        self.assertEqual(self.builds(sp.LeakySoma, threshold={"kind": "constant", "value": -40}), [])

    def test_error_and_ignore_modes(self):
        self.assertEqual(sp.set_compat("error"), "warn")
        with self.assertRaisesRegex(sp.SparkCompatibilityWarning, "refractory timing"):
            sp.RefractoryLeakySoma(dtype=np.float32)(np.zeros(3))
        with self.assertRaises(sp.SparkCompatibilityWarning):  # still refused: nothing was kept
            sp.RefractoryLeakySoma(dtype=np.float32)(np.zeros(3))
        sp.set_compat("ignore")
        self.assertEqual(self.builds(sp.RefractoryLeakySoma), [])
        sp.set_compat("warn")
        self.assertEqual(len(self.builds(sp.RefractoryLeakySoma)), 1)
        with self.assertRaisesRegex(ValueError, "mode must be"):
            sp.set_compat("loud")


class PayloadTest(unittest.TestCase):
    def test_light_payloads_have_sparks_fields(self):
        self.assertEqual(sp.payload_classes(), (sp.CurrentArray, sp.SpikeArray, sp.PotentialArray))
        current = sp.CurrentArray(np.ones((2, 2), np.float32))
        self.assertEqual((current.shape, current.dtype), ((2, 2), np.float32))
        np.testing.assert_array_equal(np.asarray(current, dtype=np.float64), np.ones((2, 2)))
        spikes = sp.SpikeArray(np.array([True, False]))
        self.assertEqual((spikes.shape, spikes.dtype), ((2,), np.float16))
        self.assertIn("SpikeArray", repr(spikes))

    def test_sparks_classes_are_used_once_spark_is_imported(self):
        # A stand-in for spark.core.payloads, "imported" by the user.
        script = """
import sys, types, numpy as np
fake = types.ModuleType('spark.core.payloads')
class CurrentArray: pass
class SpikeArray:
    def __init__(self, spikes, inhibition_mask=False): self.spikes = spikes
class PotentialArray:
    def __init__(self, value): self.value = value
fake.CurrentArray, fake.SpikeArray, fake.PotentialArray = CurrentArray, SpikeArray, PotentialArray
import somas.spark as sp
sp.set_compat('ignore')
before = type(sp.LeakySoma()(np.zeros(2))['spikes']).__module__
sys.modules['spark.core.payloads'] = fake
out = sp.LeakySoma()(np.zeros(2))
print(before, type(out['spikes']).__module__, type(out['potential']).__name__)
sp.payload_classes('light')
print(type(sp.LeakySoma()(np.zeros(2))['spikes']).__module__)
sp.payload_classes('auto')
print(type(sp.LeakySoma()(np.zeros(2))['spikes']).__module__)
"""
        env = dict(os.environ)
        env.pop("SOMAS_SPARK_PAYLOADS")
        result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                env=env)
        self.assertEqual(result.stdout.split(),
                         ["somas.spark", "__main__", "PotentialArray", "somas.spark", "__main__"],
                         result.stderr)

    def test_spark_payloads_are_refused_by_name_when_spark_is_absent(self):
        blocked = subprocess.run(
            [sys.executable, "-c", "import sys; sys.modules['spark'] = None\n"
             "import somas.spark as sp\n"
             "try:\n    sp.payload_classes('spark')\nexcept sp.UnsupportedSparkFeature as e:\n"
             "    print(e)\n"
             "print(sp.payload_classes()[1].__module__)"],
            capture_output=True, text=True, env=dict(os.environ))
        self.assertIn("Spark is not importable", blocked.stdout, blocked.stderr)
        self.assertIn("somas.spark", blocked.stdout)
        with self.assertRaisesRegex(ValueError, "which must be"):
            sp.payload_classes("jax")


class NoJaxTest(unittest.TestCase):
    def test_the_front_end_never_imports_jax(self):
        # A child process records every attempt to find jax or spark modules,
        # and uses the whole front end.
        script = """
import importlib.abc, os, sys
attempts = []
class Recorder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('jax', 'jaxlib', 'flax'):
            attempts.append(name)
        return None
sys.meta_path.insert(0, Recorder())
os.environ.pop('SOMAS_SPARK_PAYLOADS', None)
import numpy as np
import somas.spark as sp
sp.set_compat('ignore')
for name in %r:
    soma = getattr(sp, name)(units=(2, 3))
    soma(sp.CurrentArray(np.zeros((2, 3))))
    soma.run(np.zeros((2, 2, 3)))
print('attempts', attempts, sorted(m for m in sys.modules if m.split('.')[0] in ('jax', 'spark')))
""" % (list(SEED),)
        result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
        self.assertEqual(result.stdout.strip(), "attempts [] []", result.stderr)


if __name__ == "__main__":
    unittest.main()
