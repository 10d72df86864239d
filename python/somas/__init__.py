"""somas: fast stepping of spiking-neuron soma populations, from Python.

A thin ctypes layer over the C ABI (somas/somas_c.h); arrays are numpy
arrays. Every engine error raises SomasError carrying the engine's message.

    import numpy as np, somas
    pool = somas.Pool("LeakySoma", 1000, dt=1.0, params={"threshold": -45.0})
    spikes = pool.step(np.full(1000, 250.0, dtype=np.float32))  # indices, uint32
    v = pool.potentials()                                          # absolute mV

The shared library is found at $SOMAS_LIBRARY if set, else next to this
package as installed by `tools/bazel run //:install -- PREFIX`
(PREFIX/lib/libsomas.so with the module in PREFIX/lib/python).
"""

import ctypes
import json
import math
import numbers
import os

import numpy as np

__all__ = ["Pool", "SomasError", "available_targets", "models", "set_threads", "set_simd_target", "simd_target", "step_pools", "threads",
           "version"]

_OK = 0
_NONFINITE = 2


def _load_library():
    path = os.environ.get("SOMAS_LIBRARY")
    if not path:
        here = os.path.dirname(os.path.abspath(__file__))
        path = os.path.join(here, os.pardir, os.pardir, "libsomas.so")
    try:
        return ctypes.CDLL(os.path.normpath(path))
    except OSError as e:
        raise ImportError(
            "somas: cannot load the shared library %s (%s); set SOMAS_LIBRARY "
            "or install with `tools/bazel run //:install -- PREFIX`" % (path, e)) from e


_lib = _load_library()
_c = ctypes
_pool_p = _c.c_void_p
_f32_p = _c.POINTER(_c.c_float)
_f64_p = _c.POINTER(_c.c_double)
_u32_p = _c.POINTER(_c.c_uint32)
_size_p = _c.POINTER(_c.c_size_t)

# Every C function the module calls, with its ctypes signature; the tests
# check each against somas_c.h as installed.
_SIGNATURES = [
    ("somas_version", _c.c_char_p, []),
    ("somas_last_error", _c.c_char_p, []),
    ("somas_models_json", _c.c_char_p, []),
    ("somas_simd_target", _c.c_char_p, []),
    ("somas_available_targets", _c.c_char_p, []),
    ("somas_set_simd_target", _c.c_int, [_c.c_char_p]),
    ("somas_set_threads", _c.c_int, [_c.c_size_t]),
    ("somas_threads", _c.c_size_t, []),
    ("somas_step_pools", _c.c_int, [_c.POINTER(_pool_p), _c.POINTER(_f32_p), _size_p, _c.c_size_t]),
    ("somas_pool_create", _c.c_int, [_c.c_char_p, _c.POINTER(_pool_p)]),
    ("somas_pool_create_group", _c.c_int, [_c.POINTER(_c.c_char_p), _c.c_size_t, _c.POINTER(_pool_p)]),
    ("somas_pool_create_from_checkpoint", _c.c_int, [_c.c_char_p, _c.POINTER(_pool_p)]),
    ("somas_pool_clone", _c.c_int, [_pool_p, _c.POINTER(_pool_p)]),
    ("somas_pool_destroy", None, [_pool_p]),
    ("somas_pool_size", _c.c_size_t, [_pool_p]),
    ("somas_pool_model", _c.c_char_p, [_pool_p]),
    ("somas_pool_dt", _c.c_double, [_pool_p]),
    ("somas_pool_dtype", _c.c_int, [_pool_p]),
    ("somas_pool_step", _c.c_int, [_pool_p, _f32_p, _c.c_size_t]),
    ("somas_pool_step_f16", _c.c_int, [_pool_p, _c.POINTER(_c.c_uint16), _c.c_size_t]),
    ("somas_pool_reset", _c.c_int, [_pool_p]),
    ("somas_pool_spike_indices", _c.c_int, [_pool_p, _u32_p, _c.c_size_t, _size_p]),
    ("somas_pool_spike_count", _c.c_int, [_pool_p, _size_p]),
    ("somas_pool_spike_bits", _c.POINTER(_c.c_uint8), [_pool_p]),
    ("somas_pool_spikes_dense", _c.c_int, [_pool_p, _c.POINTER(_c.c_uint8), _c.c_size_t]),
    ("somas_pool_potentials", _c.c_int, [_pool_p, _f32_p, _c.c_size_t]),
    ("somas_pool_set_potentials", _c.c_int, [_pool_p, _f32_p, _c.c_size_t]),
    ("somas_pool_relative_potentials", _c.c_int, [_pool_p, _f32_p, _c.c_size_t]),
    ("somas_pool_relative_potentials_f16", _c.c_int, [_pool_p, _c.POINTER(_c.c_uint16),
                                                      _c.c_size_t]),
    ("somas_pool_get_state", _c.c_int, [_pool_p, _c.c_char_p, _f32_p, _c.c_size_t]),
    ("somas_pool_set_state", _c.c_int, [_pool_p, _c.c_char_p, _f32_p, _c.c_size_t]),
    ("somas_pool_get_param", _c.c_int, [_pool_p, _c.c_char_p, _f32_p, _c.c_size_t]),
    ("somas_pool_set_param", _c.c_int, [_pool_p, _c.c_char_p, _c.c_double]),
    ("somas_pool_set_param_values", _c.c_int, [_pool_p, _c.c_char_p, _f64_p, _c.c_size_t]),
    ("somas_pool_run", _c.c_int, [_pool_p, _f32_p, _c.c_size_t, _c.c_size_t,
                                  _c.POINTER(_c.c_uint8), _f32_p, _c.POINTER(_c.c_size_t)]),
    ("somas_pool_run_relative", _c.c_int, [_pool_p, _f32_p, _c.c_size_t, _c.c_size_t,
                                           _c.POINTER(_c.c_uint8), _f32_p,
                                           _c.POINTER(_c.c_size_t)]),
    ("somas_pool_run_relative_f16", _c.c_int, [_pool_p, _f32_p, _c.c_size_t, _c.c_size_t,
                                               _c.POINTER(_c.c_uint8), _c.POINTER(_c.c_uint16),
                                               _c.POINTER(_c.c_size_t)]),
    ("somas_pool_set_params", _c.c_int, [_pool_p, _c.POINTER(_c.c_char_p), _c.POINTER(_f64_p),
                                         _c.POINTER(_c.c_size_t), _c.c_size_t]),
    ("somas_pool_save", _c.c_int, [_pool_p, _c.c_char_p]),
    ("somas_pool_load", _c.c_int, [_pool_p, _c.c_char_p]),
]
for _name, _res, _args in _SIGNATURES:
    _fn = getattr(_lib, _name)
    _fn.restype = _res
    _fn.argtypes = _args

# Pool.step's hot path: the same two C functions through a second handle,
# taking addresses as plain integers (void*), which spares building a ctypes
# pointer object per call (about 1 us each). Same C signatures as above.
_fast = _c.CDLL(_lib._name)
_fast_step = _fast.somas_pool_step
_fast_step.restype = _c.c_int
_fast_step.argtypes = [_c.c_void_p, _c.c_void_p, _c.c_size_t]
_fast_step_f16 = _fast.somas_pool_step_f16
_fast_step_f16.restype = _c.c_int
_fast_step_f16.argtypes = [_c.c_void_p, _c.c_void_p, _c.c_size_t]
_fast_spike_indices = _fast.somas_pool_spike_indices
_fast_spike_indices.restype = _c.c_int
_fast_spike_indices.argtypes = [_c.c_void_p, _c.c_void_p, _c.c_size_t, _c.c_void_p]
_fast_spikes_dense = _fast.somas_pool_spikes_dense
_fast_spikes_dense.restype = _c.c_int
_fast_spikes_dense.argtypes = [_c.c_void_p, _c.c_void_p, _c.c_size_t]
_fast_step_pools = _fast.somas_step_pools
_fast_step_pools.restype = _c.c_int
_fast_step_pools.argtypes = [_c.c_void_p, _c.c_void_p, _c.c_void_p, _c.c_size_t]
# (somas.spark's per-call path: one step, its spike bits and relative potentials)
_fast_run_relative = {}
for _dtype, _fn in ((np.dtype(np.float32), _fast.somas_pool_run_relative),
                    (np.dtype(np.float16), _fast.somas_pool_run_relative_f16)):
    _fn.restype = _c.c_int
    _fn.argtypes = [_c.c_void_p, _c.c_void_p, _c.c_size_t, _c.c_size_t, _c.c_void_p, _c.c_void_p,
                    _c.c_void_p]
    _fast_run_relative[_dtype] = _fn


class SomasError(ValueError):
    """An error reported by the engine; `code` is the C ABI's SOMAS_ERR_* value.

    A ValueError: the engine refuses values (a parameter, a size, a name, a
    non-finite current), so code that catches ValueError catches it too."""

    def __init__(self, message, code):
        super().__init__(message)
        self.code = code


def _check(code):
    if code != _OK:
        raise SomasError(_lib.somas_last_error().decode(), code)


def _path(path):
    return os.fsencode(path)


def version():
    return _lib.somas_version().decode()


def simd_target():
    """The SIMD target the next step will use, e.g. "AVX2"."""
    return _lib.somas_simd_target().decode()


def available_targets():
    """The SIMD targets this build has that the CPU runs, best first, e.g. ["AVX2", "SSE4", "SCALAR"]."""
    return _lib.somas_available_targets().decode().split(",")


def set_simd_target(name):
    """Runs every later step on target `name` (one of available_targets()), or the best one for "auto"."""
    _check(_lib.somas_set_simd_target(str(name).encode()))


def set_threads(n):
    """Threads every step uses: 0 = one per usable CPU (the default), 1 = the
    calling thread, at most 1024. A larger count raises SomasError; nothing changes."""
    _check(_lib.somas_set_threads(_count(n, "set_threads: n")))


def threads():
    return _lib.somas_threads()


def step_pools(pools_and_currents):
    """Steps several pools, each with its own current, in one parallel region.

    Takes [(pool, current), ...]; returns the spike indices of each pool.
    Consecutive members of one pool_group given consecutive slices of one
    float32 array are stepped as one pool."""
    items = list(pools_and_currents)
    k = len(items)
    # The C call's three arrays (handles, current addresses, sizes) as rows
    # of one table of integers: no ctypes object per pool.
    table = np.empty((3, k), dtype=np.uint64)
    arrays = []  # (keeps converted currents alive through the call)
    for i, (pool, current) in enumerate(items):
        a = _floats(current, pool.size, "step_pools")
        arrays.append(a)
        table[0, i] = pool._address
        table[1, i] = a.ctypes.data
        table[2, i] = pool.size
    address = table.ctypes.data
    code = _fast_step_pools(address, address + 8 * k, address + 16 * k, k)
    if code != _OK:
        _check(code)
    return [pool.spikes() for pool, _ in items]


def models():
    """Every model's schema: a list of dicts (name, parameters, rules, states)."""
    return json.loads(_lib.somas_models_json().decode())["models"]


def _count(value, what, lowest=0):
    """A whole number >= lowest: an int or numpy integer, never a bool, float or string."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError("%s must be an integer, got %r (%s)" % (what, value, type(value).__name__))
    value = int(value)
    if value < lowest:
        raise ValueError("%s must be >= %d, got %d" % (what, lowest, value))
    return value


def _real(value, what):
    """A finite real number: int, float or numpy scalar, never a bool or string."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError("%s must be a number, got %r (%s)" % (what, value, type(value).__name__))
    value = float(value)
    if not math.isfinite(value):
        raise ValueError("%s = %r: must be a finite number" % (what, value))
    return value


def _floats(values, n, what):
    a = np.ascontiguousarray(values, dtype=np.float32)  # no copy if already so
    if a.ndim != 1 or a.shape[0] != n:
        raise SomasError("%s needs a 1-D array of %d values, got shape %s" % (what, n, a.shape), 1)
    return a


def _dtype_name(dtype):
    """"float32" or "float16" from a name, a numpy dtype or a numpy type."""
    try:
        d = np.dtype(dtype)
    except TypeError:
        d = None
    if d == np.float32 or d == np.float16:
        return d.name
    raise ValueError("dtype must be float32 or float16 (a name or a numpy dtype), got %r"
                     % (dtype,))


def _halves(values, n):
    """A float16 array of n values as the C call reads it (contiguous)."""
    a = np.ascontiguousarray(values)
    if a.ndim != 1 or a.shape[0] != n:
        raise SomasError("step needs a 1-D array of %d values, got shape %s" % (n, a.shape), 1)
    return a


def _params_json(model, params):
    """Parameters as the engine's JSON; what JSON cannot carry is refused here,
    naming the model, the parameter and (for arrays) the neuron."""
    if not isinstance(params, dict):
        raise TypeError("params must be a dict of parameter name -> value, got %s"
                        % type(params).__name__)
    out = {}
    for name, value in params.items():
        what = "%s: parameter %s" % (model, name)
        if not isinstance(name, str):
            raise TypeError("%s: parameter names are strings, got %r" % (model, name))
        if isinstance(value, dict):  # an initializer: its numbers must be finite too
            for key, x in value.items():
                if isinstance(x, numbers.Real) and not isinstance(x, bool):
                    _real(x, "%s, initializer %s" % (what, key))
            out[name] = value
        elif np.ndim(value) == 0:
            out[name] = _real(value, what)
        else:
            a = np.asarray(value)
            if a.ndim != 1:
                raise ValueError("%s: per-neuron values must be a 1-D array, got shape %s"
                                 % (what, a.shape))
            if a.dtype.kind not in "iuf":
                raise TypeError("%s: per-neuron values must be numbers, got dtype %s"
                                % (what, a.dtype))
            a = a.astype(np.float64)
            bad = np.flatnonzero(~np.isfinite(a))
            if bad.size:
                raise ValueError("%s = %r at neuron %d: must be a finite number"
                                 % (what, a[bad[0]], bad[0]))
            # (the constructor passes the array itself as binary data; the
            # JSON carries its first value)
            out[name] = float(a[0]) if a.shape[0] else 0.0
    return out


def _pool_spec(model, size, dt=1.0, params=None, seed=0, dtype="float32", name=None):
    """A pool's JSON (as a dict) and its per-neuron parameter arrays, checked."""
    if not isinstance(model, str):
        raise TypeError("model must be a model name (str), got %r" % (model,))
    if isinstance(size, tuple):
        raise TypeError("size must be a number of neurons (an integer), got the shape %r; a "
                        "pool is 1-D (somas.spark takes shapes and flattens them)" % (size,))
    params = {} if params is None else params
    spec = {"model": model, "size": _count(size, "size", 1), "dt": _real(dt, "dt"),
            "seed": _count(seed, "seed"), "dtype": _dtype_name(dtype),
            "params": _params_json(model, params)}
    if name is not None:
        if not isinstance(name, str) or not name:
            raise TypeError("name must be a non-empty string, got %r" % (name,))
        spec["name"] = name
    if spec["seed"] >= 1 << 64:
        raise ValueError("seed must be < 2**64, got %d" % spec["seed"])
    # Per-neuron arrays go in as binary data, not JSON text: the pool is
    # built with each array's first value (rules are per neuron, so this
    # checks neuron 0's values together), then given the arrays, all
    # validated together, and reset to the initial state they imply.
    arrays = {name: np.asarray(v) for name, v in params.items()
              if not isinstance(v, dict) and np.ndim(v) != 0}
    for name, a in arrays.items():
        if a.shape[0] != spec["size"]:
            raise SomasError("%s: parameter %s needs %d values (one per neuron), got %d"
                             % (model, name, spec["size"], a.shape[0]), 1)
    return spec, arrays


def pool_group(pools):
    """Pools of one model and dtype as a group: `pools` is a list of dicts of
    Pool's arguments (model, size, and optionally dt, params, seed, dtype,
    name); returns the Pools, in order. Each is an ordinary Pool; their
    states lie back to back in shared arrays, so step_pools steps
    consecutive members with one kernel call (as one pool) when each but the
    last has a multiple of 16 neurons, their parameters and dt are equal and
    their currents are consecutive slices of one float32 array
    (docs/embedding.md, "Pool groups"). On error no pool is created."""
    specs, arrays = [], []
    for i, kwargs in enumerate(pools):
        if not isinstance(kwargs, dict):
            raise TypeError("pool_group: entry %d must be a dict of Pool's arguments, got %s"
                            % (i, type(kwargs).__name__))
        try:
            spec, given = _pool_spec(**kwargs)
        except TypeError as e:
            raise TypeError("pool_group: entry %d: %s" % (i, e)) from None
        specs.append(json.dumps(spec).encode())
        arrays.append(given)
    k = len(specs)
    handles = (_pool_p * k)()
    _check(_lib.somas_pool_create_group((_c.c_char_p * k)(*specs), k, handles))
    members = [Pool._wrap(_pool_p(h)) for h in handles]
    for member, given in zip(members, arrays):
        member._give(given)
    return members


class Pool:
    """N neurons of one model. Not thread-safe: one thread at a time per pool."""

    def __init__(self, model, size, dt=1.0, params=None, seed=0, dtype="float32", name=None):
        """`dtype` is how the pool stores its states: "float32" (or
        numpy.float32) or "float16" (or numpy.float16); docs/models.md,
        "float16 storage". States and potentials read back as float32.
        `name` names the pool in errors and keys its initializers' random
        streams: two pools with one seed and different names draw different
        values (docs/configuration.md, "How initializers draw")."""
        spec, arrays = _pool_spec(model, size, dt, params, seed, dtype, name)
        handle = _pool_p()
        _check(_lib.somas_pool_create(json.dumps(spec).encode(), _c.byref(handle)))
        self._adopt(handle)
        self._give(arrays)

    def _give(self, arrays):
        """Per-neuron parameter arrays after creation (_pool_spec), validated
        together, then the initial state they imply."""
        if arrays:
            self.set_params(arrays)
            self.reset()

    def _adopt(self, handle):
        self._handle = handle
        self.size = _lib.somas_pool_size(handle)
        self.model = _lib.somas_pool_model(handle).decode()
        self.dt = _lib.somas_pool_dt(handle)
        self.dtype = np.dtype(np.float16 if _lib.somas_pool_dtype(handle) == 1 else np.float32)
        self._spikes = np.empty(self.size, dtype=np.uint32)
        # For step(): addresses as integers, and the last current array seen
        # with its data address (an array this object references cannot be
        # resized in place, so the address stays valid while it is cached).
        self._address = handle.value
        self._spikes_address = self._spikes.ctypes.data
        self._count = _c.c_size_t(0)
        self._count_address = _c.addressof(self._count)
        self._last_current = None
        self._last_current_address = 0
        self._last_step = _fast_step

    @classmethod
    def _wrap(cls, handle):
        pool = cls.__new__(cls)
        pool._adopt(handle)
        return pool

    @classmethod
    def load(cls, path):
        """A new pool from a checkpoint written by save()."""
        handle = _pool_p()
        _check(_lib.somas_pool_create_from_checkpoint(_path(path), _c.byref(handle)))
        return cls._wrap(handle)

    def __del__(self):
        handle = getattr(self, "_handle", None)
        if handle:
            _lib.somas_pool_destroy(handle)
            self._handle = None

    def clone(self):
        """An independent copy: parameters, states, counters and last spikes."""
        handle = _pool_p()
        _check(_lib.somas_pool_clone(self._handle, _c.byref(handle)))
        return Pool._wrap(handle)

    # copy.copy and copy.deepcopy give a clone (a copy sharing the engine's
    # pool would free it twice); pickling is refused, naming what keeps a pool.
    def __copy__(self):
        return self.clone()

    def __deepcopy__(self, memo):
        return self.clone()

    def __reduce__(self):
        raise TypeError("a somas.Pool cannot be pickled; pool.save(path) and "
                        "somas.Pool.load(path) keep it bit for bit")

    def step(self, current):
        """One step with `current` (pA, one per neuron); returns the spike indices.

        A float16 array goes in as it is (no conversion, half the bytes of
        float32); anything else as float32. Non-finite currents leave their
        neurons unchanged and raise SomasError (code 2) after the other
        neurons have advanced."""
        if current is self._last_current and current.shape == (self.size,):
            address, step = self._last_current_address, self._last_step
        else:
            half = getattr(current, "dtype", None) == np.float16
            a = _halves(current, self.size) if half else _floats(current, self.size, "step")
            address, step = a.ctypes.data, _fast_step_f16 if half else _fast_step
            if a is current:  # (a converted copy is not worth keeping)
                self._last_current, self._last_current_address = a, address
                self._last_step = step
        code = step(self._address, address, self.size)
        if code != _OK:
            _check(code)
        return self.spikes()

    def run(self, currents, potentials=False):
        """len(currents) steps in one call: currents[t] (pA, one per neuron) for
        step t. Returns the spikes as a bool array [steps, size] and, with
        potentials=True (or "absolute"), also the potentials after each step
        (float32 [steps, size], absolute mV); with potentials="relative", the
        potentials relative to potential_rest in the pool's dtype (as
        relative_potentials()). Stops at the first step that reports an error
        and raises it (the message names the step); the steps before it, and
        that one, were taken."""
        if potentials not in (False, True, "absolute", "relative"):
            raise ValueError("run: potentials must be False, True, 'absolute' or 'relative', "
                             "got %r" % (potentials,))
        a = np.ascontiguousarray(currents, dtype=np.float32)
        if a.ndim != 2 or a.shape[1] != self.size:
            raise SomasError("run needs a 2-D array [steps, %d], got shape %s"
                             % (self.size, a.shape), 1)
        steps = a.shape[0]
        bits = np.zeros((steps, (self.size + 7) // 8), dtype=np.uint8)
        done = _c.c_size_t(0)
        if potentials == "relative":
            v = np.empty((steps, self.size), dtype=self.dtype)
            code = _fast_run_relative[self.dtype](self._address, a.ctypes.data, steps, self.size,
                                                  bits.ctypes.data, v.ctypes.data,
                                                  _c.addressof(done))
        else:
            v = np.empty((steps, self.size), dtype=np.float32) if potentials else None
            code = _lib.somas_pool_run(self._handle, a.ctypes.data_as(_f32_p), steps, self.size,
                                       bits.ctypes.data_as(_c.POINTER(_c.c_uint8)),
                                       v.ctypes.data_as(_f32_p) if v is not None else None,
                                       _c.byref(done))
        _check(code)
        # (unpackbits gives 0s and 1s, which are valid bools: a view, not a copy)
        spikes = np.unpackbits(bits, axis=1, count=self.size, bitorder="little").view(np.bool_)
        return (spikes, v) if potentials else spikes

    def spike_mask(self):
        """The last step's spikes as a bool array of one value per neuron (a new
        array the engine writes from its spike bits, not through indices)."""
        out = np.empty(self.size, dtype=np.bool_)
        code = _fast_spikes_dense(self._address, out.ctypes.data, self.size)
        if code != _OK:
            _check(code)
        return out

    def spike_bits(self):
        """The last step's spike bits, a copy: bit i % 8 of byte i / 8 is neuron i
        ((size + 7) // 8 bytes; np.unpackbits(bits, bitorder="little") unpacks)."""
        bits = np.ctypeslib.as_array(_lib.somas_pool_spike_bits(self._handle),
                                     shape=((self.size + 7) // 8,))
        return bits.copy()

    def spike_count(self):
        """How many neurons spiked in the last step."""
        count = _c.c_size_t(0)
        _check(_lib.somas_pool_spike_count(self._handle, _c.byref(count)))
        return count.value

    def spikes(self):
        """Indices of the neurons that spiked in the last step (uint32, ascending)."""
        code = _fast_spike_indices(self._address, self._spikes_address, self.size,
                                   self._count_address)
        if code != _OK:
            _check(code)
        return self._spikes[:self._count.value].copy()

    def reset(self):
        _check(_lib.somas_pool_reset(self._handle))

    def potentials(self):
        """Membrane potentials, absolute mV (float32)."""
        return self.state("potential")

    def relative_potentials(self):
        """potential - potential_rest (mV), as Spark reports it, in the pool's
        dtype: float32, or float16 (a float16 pool's stored values, exactly,
        for the leaky and exponential families)."""
        out = np.empty(self.size, dtype=self.dtype)
        if self.dtype == np.float16:
            _check(_lib.somas_pool_relative_potentials_f16(
                self._handle, out.ctypes.data_as(_c.POINTER(_c.c_uint16)), self.size))
        else:
            _check(_lib.somas_pool_relative_potentials(self._handle, out.ctypes.data_as(_f32_p),
                                                       self.size))
        return out

    def set_potentials(self, v):
        a = _floats(v, self.size, "set_potentials")
        _check(_lib.somas_pool_set_potentials(self._handle, a.ctypes.data_as(_f32_p), self.size))

    def state(self, name):
        out = np.empty(self.size, dtype=np.float32)
        _check(_lib.somas_pool_get_state(self._handle, name.encode(),
                                         out.ctypes.data_as(_f32_p), self.size))
        return out

    def set_state(self, name, values):
        a = _floats(values, self.size, "set_state")
        _check(_lib.somas_pool_set_state(self._handle, name.encode(),
                                         a.ctypes.data_as(_f32_p), self.size))

    def param(self, name):
        """Parameter `name`, one value per neuron, as the kernel uses it (float32)."""
        out = np.empty(self.size, dtype=np.float32)
        _check(_lib.somas_pool_get_param(self._handle, name.encode(),
                                         out.ctypes.data_as(_f32_p), self.size))
        return out

    def set_param(self, name, value):
        """A number for every neuron, or an array of one value per neuron."""
        if np.ndim(value) == 0:
            what = "set_param: %s" % name
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
                raise TypeError("%s must be a number, got %r" % (what, value))
            _check(_lib.somas_pool_set_param(self._handle, name.encode(), float(value)))
            return
        a = np.asarray(value)
        if a.ndim != 1 or a.dtype.kind not in "iuf":
            raise SomasError("set_param: %s needs a number or a 1-D array of numbers, got "
                             "shape %s, dtype %s" % (name, a.shape, a.dtype), 1)
        a = np.ascontiguousarray(a, dtype=np.float64)
        _check(_lib.somas_pool_set_param_values(self._handle, name.encode(),
                                                a.ctypes.data_as(_f64_p), a.shape[0]))

    def set_params(self, values):
        """Several parameters at once, validated together: {name: number or 1-D
        array of one value per neuron}, passed as binary data. A coupled change
        (threshold and potential_reset moved past each other) is accepted if
        its end state is valid. On error nothing changes."""
        if not isinstance(values, dict):
            raise TypeError("set_params wants a dict of parameter name -> value, got %s"
                            % type(values).__name__)
        names, arrays = [], []
        for name, value in values.items():
            if not isinstance(name, str):
                raise TypeError("set_params: parameter names are strings, got %r" % (name,))
            what = "set_params: %s" % name
            if np.ndim(value) == 0:
                if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
                    raise TypeError("%s must be a number, got %r" % (what, value))
                a = np.array([float(value)])
            else:
                a = np.asarray(value)
                if a.ndim != 1 or a.dtype.kind not in "iuf":
                    raise SomasError("%s needs a number or a 1-D array of numbers, got shape %s, "
                                     "dtype %s" % (what, a.shape, a.dtype), 1)
                a = np.ascontiguousarray(a, dtype=np.float64)
            names.append(name.encode())
            arrays.append(a)
        count = len(names)
        c_names = (_c.c_char_p * count)(*names)
        c_values = (_f64_p * count)(*[a.ctypes.data_as(_f64_p) for a in arrays])
        c_n = (_c.c_size_t * count)(*[a.shape[0] for a in arrays])
        _check(_lib.somas_pool_set_params(self._handle, c_names, c_values, c_n, count))

    def save(self, path):
        _check(_lib.somas_pool_save(self._handle, _path(path)))

    def restore(self, path):
        """Loads a checkpoint of this pool's model and size into it; unchanged on error."""
        _check(_lib.somas_pool_load(self._handle, _path(path)))
