"""somas.spark: the soma API of Spark (spark.nn.components.somas) on somas pools.

A Spark user moves a soma by changing an import:

    from somas.spark import LeakySoma, LeakySomaConfig, CurrentArray
    soma = LeakySoma(LeakySomaConfig(potential_tau=15.0, dtype=np.float32))
    out = soma(CurrentArray(x))          # x: currents in pA, any shape
    out['spikes'].spikes                 # bool, shape of x
    out['potential'].value               # mV relative to potential_rest

Pure Python over the somas module: it imports neither JAX nor Spark (if Spark
is importable, its own payload classes are returned; see `payload_classes`).
Where somas deliberately differs from Spark's code, the first build of each
class warns once (`differences(name)` has the text, `set_compat` switches);
what cannot work raises UnsupportedSparkFeature, naming the alternative.
docs/spark.md is the porting guide.
"""

import copy
import dataclasses
import difflib
import math
import numbers
import os
import sys
import typing
import warnings

import numpy as np

import somas as _somas

__all__ = [
    "Soma", "SomaOutput", "SomaConfig",
    "LeakySoma", "LeakySomaConfig", "RefractoryLeakySoma", "RefractoryLeakySomaConfig",
    "StrictRefractoryLeakySoma", "StrictRefractoryLeakySomaConfig",
    "AdaptiveLeakySoma", "AdaptiveLeakySomaConfig",
    "ExponentialSoma", "ExponentialSomaConfig",
    "RefractoryExponentialSoma", "RefractoryExponentialSomaConfig",
    "AdaptiveExponentialSoma", "AdaptiveExponentialSomaConfig",
    "SimplifiedAdaptiveExponentialSoma", "SimplifiedAdaptiveExponentialSomaConfig",
    "IzhikevichSoma", "IzhikevichSomaConfig",
    "CurrentArray", "SpikeArray", "PotentialArray",
    "ConstantInitializer", "UniformInitializer",
    "UnsupportedSparkFeature", "SparkCompatibilityWarning",
    "differences", "set_compat", "payload_classes",
]


class UnsupportedSparkFeature(NotImplementedError):
    """A Spark feature somas cannot offer; the message names the alternative."""


class SparkCompatibilityWarning(UserWarning):
    """somas runs this differently from Spark's code, on purpose (docs/models.md)."""


# ---------------------------------------------------------------- differences

_REFRACTORY_TIMING = (
    "refractory timing: every neuron is ready on step 0 and a spike blocks it for exactly "
    "round(cooldown/dt) steps (Spark's code: not ready on step 0, blocks round(cooldown/dt)+1 "
    "steps, and its uint16 counter wraps after 65,535 silent steps)")
_REFRACTORY_COUNTER = (
    "refractory counter: somas counts the steps left (pool state 'refractory_steps', 0 = ready); "
    "Spark's 'refractory' counts up from the last spike and cannot be rebuilt, so the attribute "
    "is refused (use is_ready)")
_EXPONENTIAL_CAP = (
    "exponential term: exp((min(v, threshold) - rheobase_threshold) / spike_slope), capped at "
    "the threshold (Spark's code has no cap)")
_EXPONENTIAL_HOLD = (
    "a neuron that crosses the threshold while refractory is held at the threshold (Spark's "
    "code lets it run away)")
_IZHIKEVICH = (
    "equations: the paper's (two half steps of v, v clamped to [potential_floor, 1e4], u starts "
    "at recovery_sensitivity * potential_rest, resistance not applied to u); Spark's code "
    "evaluates the quadratic at v_rel - potential_reset, takes one Euler step, scales u by "
    "resistance and starts u at 0, so trajectories differ completely")
_DRAWS = (
    "random draws: initializers draw from somas's documented streams (seed, pool name, "
    "parameter, neuron; docs/configuration.md), never JAX's keys: the same distribution, "
    "other values")
_FLOAT16 = (
    "float16: states are stored in float16 and each step is computed in float32, then rounded "
    "(docs/models.md, 'float16 storage'); Spark computes in float16, so results differ at "
    "float16 rounding, more so at small dt")
_VALIDATION = (
    "validation: somas refuses configurations Spark runs (threshold <= potential_reset, "
    "unstable forward Euler steps, exponential overflow, unknown fields); each refusal is a "
    "ValueError or TypeError naming the field")

_MODEL_DIFFERENCES = {
    "LeakySoma": [],
    "RefractoryLeakySoma": [_REFRACTORY_TIMING, _REFRACTORY_COUNTER],
    "StrictRefractoryLeakySoma": [_REFRACTORY_COUNTER],
    "AdaptiveLeakySoma": [_REFRACTORY_TIMING, _REFRACTORY_COUNTER],
    "ExponentialSoma": [_EXPONENTIAL_CAP],
    "RefractoryExponentialSoma": [_EXPONENTIAL_CAP, _EXPONENTIAL_HOLD, _REFRACTORY_TIMING,
                                  _REFRACTORY_COUNTER],
    "AdaptiveExponentialSoma": [_EXPONENTIAL_CAP],
    "SimplifiedAdaptiveExponentialSoma": [_EXPONENTIAL_CAP, _EXPONENTIAL_HOLD,
                                          _REFRACTORY_TIMING, _REFRACTORY_COUNTER],
    "IzhikevichSoma": [_IZHIKEVICH],
}


def _model_of(name):
    if isinstance(name, type) and issubclass(name, Soma):
        name = name.model
    if name not in _MODEL_DIFFERENCES:
        raise ValueError("differences: unknown soma %r; one of %s"
                         % (name, ", ".join(sorted(_MODEL_DIFFERENCES))))
    return name


def differences(name):
    """Where somas runs soma `name` (a class name, or the class) differently
    from Spark's code, one item per line. The first lines are the model's own;
    the last three apply to every model (initializers, float16, validation)."""
    items = _MODEL_DIFFERENCES[_model_of(name)] + [_DRAWS, _FLOAT16, _VALIDATION]
    return "\n".join("- " + item for item in items)


_compat = "warn"
_warned = set()  # classes whose first build has warned


def set_compat(mode):
    """What a build does where somas differs from Spark: "warn" (the default:
    one SparkCompatibilityWarning per class per process), "error" (raise the
    SparkCompatibilityWarning as an exception, before building) or "ignore".
    Returns the previous mode."""
    global _compat
    if mode not in ("warn", "error", "ignore"):
        raise ValueError("set_compat: mode must be 'warn', 'error' or 'ignore', got %r" % (mode,))
    previous, _compat = _compat, mode
    return previous


def _announce(soma):
    """At a build: one SparkCompatibilityWarning per class (or the error), naming
    the differences that apply to this configuration."""
    cls = type(soma)
    if _compat == "ignore" or cls in _warned:
        return
    items = list(_MODEL_DIFFERENCES[cls.model])
    config = soma.config
    def draws(value):
        if isinstance(value, dict):
            return value.get("kind") != "constant"
        return (isinstance(value, UniformInitializer) or
                _spark_initializer_name(value) == "UniformInitializer")

    if any(draws(getattr(config, f)) for f in config._param_names()):
        items.append(_DRAWS)
    if config.dtype == np.float16:
        items.append(_FLOAT16)
    if not items:
        return
    text = ("somas.spark.%s runs differently from Spark's %s (somas.spark.differences(%r); "
            "somas.spark.set_compat('ignore') silences this):\n%s"
            % (cls.__name__, cls.model, cls.model, "\n".join("- " + i for i in items)))
    if _compat == "error":
        raise SparkCompatibilityWarning(text)
    _warned.add(cls)
    # (attributed to the user's line: the first frame outside this module)
    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_globals.get("__name__") == __name__:
        frame, level = frame.f_back, level + 1
    warnings.warn(SparkCompatibilityWarning(text), stacklevel=level)


# ------------------------------------------------------------------ payloads


class _Value:
    """A payload holding one array, `.value` (Spark's CurrentArray, PotentialArray)."""

    def __init__(self, value):
        self.value = value

    @property
    def shape(self):
        return np.shape(self.value)

    @property
    def dtype(self):
        return np.asarray(self.value).dtype

    def __array__(self, dtype=None, copy=None):
        a = np.asarray(self.value)
        return a if dtype is None else a.astype(dtype)

    def __repr__(self):
        return "%s(value=%r)" % (type(self).__name__, self.value)


class CurrentArray(_Value):
    """Input currents (pA), Spark's payload of the same name."""


class PotentialArray(_Value):
    """Membrane potentials (mV, relative to potential_rest), Spark's payload of the same name."""


class SpikeArray:
    """Spikes, Spark's payload of the same name: `.spikes` (bool), the
    `.inhibition_mask` (bool) and `.value` (float16: +1 for a spike, -1 for a
    spike of an inhibitory neuron, 0 otherwise)."""

    def __init__(self, spikes, inhibition_mask=False, async_spikes=False):
        self._spikes = np.asarray(spikes, dtype=np.bool_)
        self._inhibition = inhibition_mask
        self.async_spikes = async_spikes

    @property
    def spikes(self):
        return self._spikes

    @property
    def inhibition_mask(self):
        return np.broadcast_to(np.asarray(self._inhibition, dtype=np.bool_), self._spikes.shape)

    @property
    def value(self):
        sign = np.where(self.inhibition_mask, np.float16(-1), np.float16(1))
        return sign * self._spikes

    @property
    def shape(self):
        return self._spikes.shape

    @property
    def dtype(self):
        return np.dtype(np.float16)

    def __array__(self, dtype=None, copy=None):
        return self.value.astype(dtype if dtype is not None else np.float16)

    def __repr__(self):
        return "SpikeArray(spikes=%r)" % (self._spikes,)


# {'spikes': SpikeArray, 'potential': PotentialArray}, as the seed's SomaOutput.
SomaOutput = typing.TypedDict("SomaOutput", {"spikes": object, "potential": object})


_chosen = None  # payload_classes' explicit choice: None (automatic), "light" or "spark"
_LIGHT_BY_DEFAULT = os.environ.get("SOMAS_SPARK_PAYLOADS", "") == "light"  # (read at import)


def payload_classes(which=None):
    """The payload classes calls return, as (CurrentArray, SpikeArray,
    PotentialArray). Automatically: Spark's own (spark.core.payloads) when the
    process has already imported Spark, else this module's light classes of
    the same names and fields; somas.spark itself never imports Spark or JAX.
    which="spark" imports Spark's classes and uses them from then on,
    which="light" the light ones, which="auto" goes back to choosing;
    SOMAS_SPARK_PAYLOADS=light in the environment (when somas.spark is
    imported) makes "light" the default."""
    global _chosen
    light = (CurrentArray, SpikeArray, PotentialArray)
    if which not in (None, "light", "spark", "auto"):
        raise ValueError("payload_classes: which must be 'light', 'spark', 'auto' or None, got "
                         "%r" % (which,))
    if which is not None:
        _chosen = None if which == "auto" else which
    if _chosen == "light" or (_chosen is None and _LIGHT_BY_DEFAULT):
        return light
    payloads = sys.modules.get("spark.core.payloads")
    if _chosen == "spark" and payloads is None:
        try:
            from spark.core import payloads  # imports JAX, as Spark itself does
        except Exception as e:  # (a Spark that fails to import, e.g. on an older Python)
            _chosen = None
            raise UnsupportedSparkFeature(
                "payload_classes('spark'): Spark is not importable (%s: %s); the light classes "
                "somas.spark.SpikeArray etc. have the same fields" % (type(e).__name__, e)) from e
    if payloads is None:
        return light
    return (payloads.CurrentArray, payloads.SpikeArray, payloads.PotentialArray)


# --------------------------------------------------------------- initializers


class _Initializer:
    _fields = ()

    def __init__(self, **kwargs):
        for key in kwargs:
            if key not in self._fields:
                raise TypeError("%s has no field %r; its fields are %s"
                                % (type(self).__name__, key, ", ".join(self._fields)))
        for key in self._fields:
            setattr(self, key, kwargs.get(key, self._defaults[key]))

    def __repr__(self):
        return "%s(%s)" % (type(self).__name__,
                           ", ".join("%s=%r" % (k, getattr(self, k)) for k in self._fields))

    def __eq__(self, other):
        return type(self) is type(other) and all(
            getattr(self, k) == getattr(other, k) for k in self._fields)


class ConstantInitializer(_Initializer):
    """Spark's ConstantInitializer: every neuron gets `scale`."""
    _fields = ("scale", "dtype")
    _defaults = {"scale": 1, "dtype": None}


class UniformInitializer(_Initializer):
    """Spark's UniformInitializer: clip(scale * U[0, 1), min_value, max_value).
    somas draws it from its own streams (the same distribution, other values);
    a clip that cuts into the range cannot be mapped and is refused."""
    _fields = ("scale", "min_value", "max_value", "dtype")
    _defaults = {"scale": 1, "min_value": None, "max_value": None, "dtype": None}


def _spark_initializer_name(value):
    """The class name of a Spark initializer object, else None (no Spark import)."""
    for klass in type(value).__mro__:
        if klass.__module__.startswith("spark.") and klass.__name__ == "Initializer":
            return type(value).__name__
    return None


def _initializer_fields(value):
    """(kind, {field: value}) of a Spark or somas.spark initializer."""
    if isinstance(value, _Initializer):
        return type(value).__name__, {k: getattr(value, k) for k in value._fields}
    config = getattr(value, "config", None)
    return _spark_initializer_name(value), {
        k: getattr(config, k, None) for k in ("scale", "min_value", "max_value")}


def _map_initializer(value, where):
    """A Spark initializer as a somas parameter value (a number or an
    initializer dict), or UnsupportedSparkFeature naming why not."""
    kind, f = _initializer_fields(value)
    scale = f.get("scale")
    if isinstance(scale, bool) or not isinstance(scale, numbers.Real):
        raise TypeError("%s: %s scale must be a number, got %r" % (where, kind, scale))
    if kind == "ConstantInitializer":
        return float(scale)
    if kind == "UniformInitializer":
        low, high = min(0.0, float(scale)), max(0.0, float(scale))
        lo, hi = f.get("min_value"), f.get("max_value")
        if (lo is not None and lo > low) or (hi is not None and hi < high):
            raise UnsupportedSparkFeature(
                "%s: UniformInitializer(scale=%r, min_value=%r, max_value=%r) clips into its "
                "range [%g, %g), which somas's uniform initializer does not do; pass an array "
                "you draw yourself, or {'kind': 'normal', 'mean': m, 'std': s, 'min': a, "
                "'max': b}" % (where, scale, lo, hi, low, high))
        return {"kind": "uniform", "min": low, "max": high}
    raise UnsupportedSparkFeature(
        "%s: Spark's %s has no somas equivalent; pass a number, an array, "
        "ConstantInitializer, UniformInitializer or a somas initializer dict "
        "({'kind': 'uniform' | 'normal' | 'constant', ...}; docs/configuration.md)"
        % (where, kind))


# -------------------------------------------------------------------- configs


def _is_tracer(value):
    return any(k.__module__.startswith("jax") and "Tracer" in k.__name__
               for k in type(value).__mro__)


def _refuse_tracer(value, where):
    if _is_tracer(value) or _is_tracer(getattr(value, "value", None)):
        raise UnsupportedSparkFeature(
            "%s: a JAX tracer; somas runs on the host: call it outside jax.jit, lax.scan, vmap "
            "and grad; for many steps use soma.run(currents)" % where)


def _dtype_of(value):
    """np.float16 or np.float32 from a name, a numpy or a JAX dtype (the somas
    module's rule); else ValueError."""
    return np.dtype(_somas._dtype_name(value)).type


def _field_value(value, where):
    """A field value as kept by a config: a float, a float64 array, a somas
    initializer dict, or an initializer object (mapped at build)."""
    _refuse_tracer(value, where)
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, _Initializer) or _spark_initializer_name(value):
        _map_initializer(value, where)  # refuses now what cannot be mapped
        return value
    if isinstance(value, (bool, np.bool_)):
        raise TypeError("%s must be a number, an array or an initializer, got %r" % (where, value))
    if isinstance(value, numbers.Real):
        return float(value)
    if hasattr(value, "__array__") or isinstance(value, (list, tuple)):
        a = np.asarray(value)
        if a.dtype.kind not in "iuf":
            raise TypeError("%s: an array of numbers is needed, got dtype %s" % (where, a.dtype))
        if a.ndim == 0:
            return float(a)
        return a.astype(np.float64)
    raise TypeError("%s must be a number, an array or an initializer, got %r (%s)"
                    % (where, value, type(value).__name__))


_SHARED_PREFIX = "_s_"


class SomaConfig:
    """Spark's SomaConfig: `seed`, `dtype` and `dt`, with Spark's defaults (a
    random seed, kept once drawn; float16; 1 ms). Subclasses add the model's
    fields. Keyword-only: SomaConfig(__skip_validation__=False, **fields)."""

    def __init__(self, __skip_validation__=False, **kwargs):
        self.units = None
        for f in dataclasses.fields(self):
            setattr(self, f.name, f.default_factory() if f.default is dataclasses.MISSING
                    else f.default)
        self._assign(kwargs)
        if not __skip_validation__:
            self.validate()

    @classmethod
    def _param_names(cls):
        return [f.name for f in dataclasses.fields(cls) if f.name not in ("seed", "dtype", "dt")]

    def _assign(self, kwargs):
        names = [f.name for f in dataclasses.fields(self)]
        plain = {k: v for k, v in kwargs.items() if not k.startswith(_SHARED_PREFIX)}
        for key, value in kwargs.items():  # Spark's shared keys: _s_dt= is dt= here
            if key.startswith(_SHARED_PREFIX):
                plain.setdefault(key[len(_SHARED_PREFIX):], value)
        for key, value in plain.items():
            if key == "units":
                self.units = _units(value, "%s: units" % type(self).__name__)
                continue
            if key not in names:
                close = difflib.get_close_matches(key, names, n=1)
                raise TypeError("%s has no field %r%s" % (
                    type(self).__name__, key,
                    "; did you mean %r?" % close[0] if close else
                    "; its fields are " + ", ".join(names)))
            where = "%s: %s" % (type(self).__name__, key)
            if key == "seed":
                if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) \
                        or not 0 <= int(value) < 2 ** 64:
                    raise TypeError("%s must be an integer in [0, 2**64), got %r" % (where, value))
                value = int(value)
            elif key == "dtype":
                value = _dtype_of(value)
            elif key == "dt":
                if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
                    raise TypeError("%s must be a number (ms), got %r" % (where, value))
                value = float(value)
                if not (math.isfinite(value) and value > 0):
                    raise ValueError("%s = %r ms: must be finite and > 0" % (where, value))
            else:
                value = _field_value(value, where)
            setattr(self, key, value)

    def merge(self, partial=None, __skip_validation__=False, skip_validation=False, **kwargs):
        """Sets the fields of `partial` (a dict) and `kwargs`; validates unless told not to."""
        values = dict(partial or {})
        values.update(kwargs)
        self._assign(values)
        if not (__skip_validation__ or skip_validation):
            self.validate()
        return self

    def validate(self):
        """Checks the values with the engine, as one neuron built from each
        field's first value (so rules that involve dt are reported now);
        per-neuron values are checked again, all of them, at build."""
        model = getattr(type(self), "_model", None)
        if model is not None:
            _somas.Pool(model, 1, dt=self.dt, params=self._engine_params(), seed=self.seed,
                        dtype=np.dtype(self.dtype).name)

    def _engine_params(self, units=None):
        """The fields as the somas module's params: numbers and initializer
        dicts as they are, initializer objects mapped, arrays broadcast to
        `units` and flattened in C order (or, without units, their first
        value: the one neuron validate() builds)."""
        params = {}
        for name in self._param_names():
            value = getattr(self, name)
            where = "%s: %s" % (type(self).__name__, name)
            if isinstance(value, np.ndarray):
                if units is None:
                    value = float(value.reshape(-1)[0]) if value.size else 0.0
                    params[name] = value
                    continue
                try:
                    value = np.ascontiguousarray(np.broadcast_to(value, units)).reshape(-1)
                except ValueError:
                    raise ValueError("%s: an array of shape %s does not broadcast to the units %s"
                                     % (where, value.shape, units)) from None
            elif not isinstance(value, (float, dict)):
                value = _map_initializer(value, where)
            params[name] = value
        return params

    def __eq__(self, other):
        if type(self) is not type(other):
            return NotImplemented
        for f in dataclasses.fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
                if not np.array_equal(a, b):
                    return False
            elif a != b:
                return False
        return True

    def __repr__(self):
        return "%s(%s)" % (type(self).__name__, ", ".join(
            "%s=%r" % (f.name, getattr(self, f.name)) for f in dataclasses.fields(self)))


SomaConfig.__annotations__ = {"seed": int, "dtype": type, "dt": float}
SomaConfig.seed = dataclasses.field(
    default_factory=lambda: int.from_bytes(os.urandom(4), "little"),
    metadata={"units": "", "description": "Seed of the initializers' random draws "
              "(random by default, as in Spark; the value drawn is kept)."})
SomaConfig.dtype = dataclasses.field(
    default=np.float16, metadata={"units": "", "description": "How states are stored: "
                                  "float16 (Spark's default) or float32."})
SomaConfig.dt = dataclasses.field(
    default=1.0, metadata={"units": "ms", "description": "Time step."})
SomaConfig = dataclasses.dataclass(init=False, repr=False, eq=False)(SomaConfig)


def _units(shape, where):
    try:
        units = tuple(int(u) for u in (shape if isinstance(shape, (tuple, list)) else (shape,)))
    except (TypeError, ValueError):
        raise TypeError("%s must be a shape (a tuple of positive integers), got %r"
                        % (where, shape)) from None
    if not units or any(u < 1 for u in units):
        raise ValueError("%s must be a non-empty shape of positive sizes, got %r" % (where, shape))
    return units


_SCHEMAS = {m["name"]: m for m in _somas.models()}
# Engine parameters that Spark's configs do not have (somas extensions).
_EXTENSIONS = {("IzhikevichSoma", "potential_floor")}


def _make_config(model, parent):
    """The config class of `model`, its fields and metadata from the engine's
    schema: a field is declared where Spark's tree first has it (or where the
    engine's default changes)."""
    base = globals()[parent + "Config"] if parent else SomaConfig
    inherited = {f.name: f for f in dataclasses.fields(base)}
    annotations, namespace = {}, {}
    for p in _SCHEMAS[model]["parameters"]:
        old = inherited.get(p["name"])
        if old is not None and old.default == p["default"]:
            continue
        annotations[p["name"]] = object
        namespace[p["name"]] = dataclasses.field(default=p["default"], metadata={
            "units": p["unit"], "description": p["description"], "validators": p["rule"],
            "extension": (model, p["name"]) in _EXTENSIONS})
    namespace["__annotations__"] = annotations
    namespace["__doc__"] = ("%s configuration: Spark's fields and defaults, from the engine's "
                            "schema." % model)
    namespace["_model"] = model
    namespace["__module__"] = __name__
    cls = type(model + "Config", (base,), namespace)
    return dataclasses.dataclass(init=False, repr=False, eq=False)(cls)


# Spark's tree: each config with its parent's (None: SomaConfig).
LeakySomaConfig = _make_config("LeakySoma", None)
RefractoryLeakySomaConfig = _make_config("RefractoryLeakySoma", "LeakySoma")
StrictRefractoryLeakySomaConfig = _make_config("StrictRefractoryLeakySoma", "RefractoryLeakySoma")
AdaptiveLeakySomaConfig = _make_config("AdaptiveLeakySoma", "RefractoryLeakySoma")
ExponentialSomaConfig = _make_config("ExponentialSoma", None)
RefractoryExponentialSomaConfig = _make_config("RefractoryExponentialSoma", "ExponentialSoma")
AdaptiveExponentialSomaConfig = _make_config("AdaptiveExponentialSoma", "ExponentialSoma")
SimplifiedAdaptiveExponentialSomaConfig = _make_config("SimplifiedAdaptiveExponentialSoma",
                                                       "RefractoryExponentialSoma")
IzhikevichSomaConfig = _make_config("IzhikevichSoma", None)


# ---------------------------------------------------------------------- somas

_UPDATE_METHODS = ("_update_states", "_compute_spikes")


class _Constant:
    """A read-only view with `.value`, as Spark's Variable and Constant."""

    def __init__(self, value):
        self.value = value

    def __repr__(self):
        return "%s(value=%r)" % (type(self).__name__, self.value)


class Soma:
    """Spark's abstract Soma: build(input_specs), reset(), __call__(current,
    inhibition_mask=None) -> SomaOutput. The pool is built lazily from the
    first input's shape (`units`, any tuple, flattened in C order)."""

    model = None
    config_class = SomaConfig

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__module__ != __name__:
            for method in _UPDATE_METHODS:
                if method in cls.__dict__:
                    raise UnsupportedSparkFeature(
                        "%s overrides %s: somas runs its models' dynamics in native kernels, "
                        "not in Python; custom dynamics need a C++ model (docs/embedding.md, "
                        "'Adding a model')" % (cls.__name__, method))

    def __init__(self, config=None, *, name=None, **kwargs):
        if self.model is None:
            raise TypeError("Soma is abstract: use one of the nine soma classes")
        if config is None:
            config = self.config_class(**kwargs)
        else:
            if not isinstance(config, self.config_class) or config._model != self.model:
                raise TypeError("%s takes a %s, got %s" % (
                    type(self).__name__, self.config_class.__name__, type(config).__name__))
            config = copy.deepcopy(config)
            if kwargs:
                config.merge(kwargs)
        if name is not None and (not isinstance(name, str) or not name):
            raise TypeError("name must be a non-empty string, got %r" % (name,))
        self.config = config
        self.name = name or type(self).__name__
        self.units = None
        self.pool = None
        if config.units is not None:
            self.build({"current": config.units})

    # ------------------------------------------------------------- building

    def build(self, input_specs):
        """Builds the pool for `input_specs['current']`: anything with `.shape`
        (a Spark PortSpecs, an array) or a shape tuple. Per-neuron fields are
        broadcast to that shape."""
        spec = input_specs["current"] if isinstance(input_specs, dict) else input_specs
        units = _units(getattr(spec, "shape", spec), "%s.build: shape" % type(self).__name__)
        config = self.config
        params = config._engine_params(units)
        _announce(self)
        self.pool = _somas.Pool(self.model, int(np.prod(units)), dt=config.dt, params=params,
                                seed=config.seed, dtype=np.dtype(config.dtype).name,
                                name=self.name)
        self.units = units
        self._run = _somas._fast_run_relative[self.pool.dtype]
        self._bits = np.empty((self.pool.size + 7) // 8, dtype=np.uint8)
        self._done = np.zeros(1, dtype=np.uintp)

    def __deepcopy__(self, memo):
        """An independent soma: the config copied, the pool cloned (its
        states, parameters and last spikes); copy.copy shares the pool."""
        twin = copy.copy(self)
        twin.config = copy.deepcopy(self.config, memo)
        if self.pool is not None:
            twin.pool = self.pool.clone()
            twin._bits = np.empty_like(self._bits)
            twin._done = np.zeros(1, dtype=np.uintp)
        return twin

    def _built(self):
        if self.pool is None:
            raise AttributeError("%s is not built yet: call it once, or build({'current': shape})"
                                 % type(self).__name__)
        return self.pool

    def reset(self):
        """States back to their initial values; spikes cleared."""
        self._built().reset()

    # -------------------------------------------------------------- stepping

    def _currents(self, current, leading=()):
        """The payload's values as a C-ordered float32 array of shape leading + units."""
        value = getattr(current, "value", current)
        if type(value) is not np.ndarray:
            _refuse_tracer(current, "%s: current" % type(self).__name__)
        a = np.asarray(value)
        if a.dtype.kind not in "iuf":
            raise TypeError("%s: currents must be numbers, got dtype %s"
                            % (type(self).__name__, a.dtype))
        if self.pool is None and not leading:
            self.build({"current": a.shape})
        if a.shape != leading + self.units:
            raise ValueError("%s: currents of shape %s, but the soma's units are %s%s" % (
                type(self).__name__, a.shape, self.units,
                " (a leading steps axis for run)" if leading else ""))
        return np.ascontiguousarray(a, dtype=np.float32)

    def __call__(self, current, inhibition_mask=None):
        """One step: `current` (pA) is a CurrentArray-like payload or an array of
        shape `units`. Returns {'spikes': SpikeArray, 'potential': PotentialArray}."""
        a = self._currents(current)
        pool = self.pool
        v = np.empty(self.units, dtype=pool.dtype)
        code = self._run(pool._address, a.ctypes.data, 1, pool.size, self._bits.ctypes.data,
                         v.ctypes.data, self._done.ctypes.data)
        if code != 0:
            _somas._check(code)
        spikes = np.empty(pool.size, dtype=np.bool_)
        _somas._fast_spikes_dense(pool._address, spikes.ctypes.data, pool.size)
        _, spike_array, potential_array = payload_classes()
        return SomaOutput(
            spikes=spike_array(spikes.reshape(self.units), inhibition_mask=False
                               if inhibition_mask is None else inhibition_mask),
            potential=potential_array(v))

    def run(self, currents, inhibition_mask=None):
        """len(currents) steps in one call (a fast lax.scan): currents of shape
        (T, *units). Returns SomaOutput whose arrays have a leading T axis."""
        if self.pool is None:
            a = np.asarray(getattr(currents, "value", currents))
            if a.ndim < 2:
                raise ValueError("%s.run: currents need a leading steps axis, got shape %s"
                                 % (type(self).__name__, a.shape))
            self.build({"current": a.shape[1:]})
        a = self._currents(currents, leading=(np.shape(getattr(currents, "value", currents))[:1]))
        steps = a.shape[0]
        spikes, v = self.pool.run(a.reshape(steps, self.pool.size), potentials="relative")
        _, spike_array, potential_array = payload_classes()
        return SomaOutput(
            spikes=spike_array(spikes.reshape((steps,) + self.units), inhibition_mask=False
                               if inhibition_mask is None else inhibition_mask),
            potential=potential_array(v.reshape((steps,) + self.units)))

    # ----------------------------------------------------------------- state

    def _shaped(self, values):
        return values.reshape(self.units)

    def state(self, name):
        """A state by its somas name (pool.state), shape `units`, float32."""
        return self._shaped(self._built().state(name))

    def set_state(self, name, values):
        """Sets a state by its somas name from values broadcast to `units`."""
        pool = self._built()
        values = np.broadcast_to(np.asarray(values, np.float32), self.units)
        pool.set_state(name, values.reshape(-1))

    @property
    def potential(self):
        """PotentialArray: mV relative to potential_rest, shape `units`, the config's dtype."""
        pool = self._built()
        return payload_classes()[2](pool.relative_potentials().reshape(self.units))

    @property
    def potential_absolute(self):
        """Absolute potentials (mV, float32), shape `units` (a somas extension)."""
        return self.state("potential")

    @property
    def threshold(self):
        """`.value`: the threshold relative to potential_rest (mV), shape `units`."""
        pool = self._built()
        states = [s["name"] for s in _SCHEMAS[self.model]["states"]]
        name = "adaptive_threshold" if "adaptive_threshold" in states else None
        absolute = pool.state(name) if name else pool.param("threshold")
        return _Constant(self._shaped(absolute - pool.param("potential_rest")))

    def save(self, path):
        self._built().save(path)

    def restore(self, path):
        self._built().restore(path)


class _Refractory:
    """is_ready and the refused refractory counter, for the refractory models."""

    @property
    def is_ready(self):
        """`.value`: True where the neuron may fire (no refractory steps left)."""
        return _Constant(self.state("refractory_steps") == 0)

    @property
    def refractory(self):
        raise UnsupportedSparkFeature(
            "%s.refractory: Spark's counter of steps since the last spike cannot be rebuilt from "
            "somas's counter of steps left; use is_ready, or state('refractory_steps')"
            % type(self).__name__)


def _make_soma(model, parent, mixins, doc, extra=None):
    base = globals()[parent] if parent else Soma
    namespace = {"model": model, "config_class": globals()[model + "Config"],
                 "__doc__": doc, "__module__": __name__}
    namespace.update(extra or {})
    return type(model, tuple(mixins) + (base,), namespace)


def _state_property(state, doc):
    return property(lambda self: _Constant(self.state(state)), doc=doc)


LeakySoma = _make_soma("LeakySoma", None, (), "Leaky integrate-and-fire soma (Spark's LeakySoma).")
RefractoryLeakySoma = _make_soma("RefractoryLeakySoma", "LeakySoma", (_Refractory,),
                                 "LeakySoma with a refractory period of `cooldown` ms.")
StrictRefractoryLeakySoma = _make_soma(
    "StrictRefractoryLeakySoma", "RefractoryLeakySoma", (),
    "RefractoryLeakySoma whose potential is held at the reset while refractory.")
AdaptiveLeakySoma = _make_soma("AdaptiveLeakySoma", "RefractoryLeakySoma", (),
                               "RefractoryLeakySoma with an adaptive threshold.")
ExponentialSoma = _make_soma("ExponentialSoma", None, (),
                             "Exponential integrate-and-fire soma (Spark's ExponentialSoma).")
RefractoryExponentialSoma = _make_soma("RefractoryExponentialSoma", "ExponentialSoma",
                                       (_Refractory,),
                                       "ExponentialSoma with a refractory period.")
AdaptiveExponentialSoma = _make_soma(
    "AdaptiveExponentialSoma", "ExponentialSoma", (),
    "AdEx soma (Spark's AdaptiveExponentialSoma).",
    {"adaptation": _state_property("adaptation", "`.value`: the adaptation current (pA).")})
SimplifiedAdaptiveExponentialSoma = _make_soma(
    "SimplifiedAdaptiveExponentialSoma", "RefractoryExponentialSoma", (),
    "RefractoryExponentialSoma with an adaptive threshold.")
IzhikevichSoma = _make_soma(
    "IzhikevichSoma", None, (), "Izhikevich soma (the paper's equations; docs/models.md).",
    {"recovery": _state_property("recovery",
                                 "`.value`: the recovery variable u (the paper's, mV).")})

