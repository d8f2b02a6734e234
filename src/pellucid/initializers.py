"""Weight initializers with Keras names, defaults, fan rules and random streams.

An initializer is called as ``init(shape, dtype="float32") -> jax.Array``.

Seeding follows Keras 3 on JAX exactly, so that equal seeds give bit-identical weights:
an initializer built with ``seed=None`` draws one integer ``random.randint(1, 10**9)``
from Python's ``random`` when it is constructed (so ``set_random_seed`` plus the same
construction order reproduces a model); an integer seed ``s`` is used directly as the raw
JAX key ``uint32[s, 0]``. Every call of one initializer therefore returns the same values.
"""

from __future__ import annotations

import functools
import math
import random as py_random
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from pellucid.backend import compilation_cache, random_draws
from pellucid.backend.device import host_zeros
from pellucid.backend.random import SeedGenerator
from pellucid.registry import lookup

Shape = Sequence[int]

# Standard deviation of a unit normal truncated to [-2, 2]; dividing by it gives the
# truncated draw the intended variance.
TRUNCATED_NORMAL_STDDEV = 0.87962566103423978


def _dtype(dtype: Any) -> Any:
    return jnp.dtype(dtype or "float32")


def compute_fans(shape: Shape, input_axes: Sequence[int] | None = None,
                 output_axes: Sequence[int] | None = None) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of ``shape``.

    Given axes: products of those dimensions. Otherwise scalars give ``(1, 1)``, vectors
    ``(n, n)``, matrices ``(rows, cols)``, and conv kernels ``(*window, in, out)`` give
    ``(in * prod(window), out * prod(window))``.
    """
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        return (int(math.prod(shape[a] for a in input_axes)),
                int(math.prod(shape[a] for a in output_axes)))
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return int(shape[0]), int(shape[0])
    receptive_field = math.prod(shape[:-2])
    return int(shape[-2] * receptive_field), int(shape[-1] * receptive_field)


class Initializer:
    """Base class: ``__call__(shape, dtype)`` returns the initial array."""

    def __call__(self, shape: Shape, dtype: Any = "float32") -> jax.Array:
        raise NotImplementedError(f"{type(self).__name__} must implement __call__.")

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Initializer:
        return cls(**config)

    def clone(self) -> Initializer:
        return type(self).from_config(self.get_config())

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


# --- constants ---------------------------------------------------------------------------
class Zeros(Initializer):
    """All zeros."""

    def __call__(self, shape: Shape, dtype: Any = "float32") -> jax.Array:
        return host_zeros(tuple(shape), _dtype(dtype))


class Ones(Initializer):
    """All ones."""

    def __call__(self, shape: Shape, dtype: Any = "float32") -> jax.Array:
        return jax.device_put(np.ones(tuple(shape), _dtype(dtype)))


class Constant(Initializer):
    """Every element equal to ``value``."""

    def __init__(self, value: Any = 0.0):
        self.value = value

    def __call__(self, shape: Shape, dtype: Any = "float32") -> jax.Array:
        dtype = _dtype(dtype)
        return jnp.asarray(self.value).astype(dtype) * jnp.ones(shape, dtype)

    def get_config(self) -> dict:
        value = self.value.tolist() if isinstance(self.value, np.ndarray) else self.value
        return {"value": value}


class Identity(Initializer):
    """``gain * I`` for a 2-D shape (ones on the main diagonal of a possibly non-square matrix)."""

    def __init__(self, gain: float = 1.0):
        self.gain = gain

    def __call__(self, shape: Shape, dtype: Any = "float32") -> jax.Array:
        if len(shape) != 2:
            raise ValueError(
                "Identity matrix initializer can only be used for 2D matrices. "
                f"Received: shape={tuple(shape)} of rank {len(shape)}."
            )
        return self.gain * jnp.eye(*shape, dtype=_dtype(dtype))

    def get_config(self) -> dict:
        return {"gain": self.gain}


# --- random ------------------------------------------------------------------------------
class RandomInitializer(Initializer):
    """An initializer drawing from a fixed key; see the module docstring for seeding."""

    def __init__(self, seed: int | SeedGenerator | None = None):
        if seed is not None and not isinstance(seed, (int, SeedGenerator)):
            raise ValueError(
                f"`seed` should be an integer or a SeedGenerator. Received: seed={seed!r}"
            )
        self._init_seed = seed
        self.seed = py_random.randint(1, int(1e9)) if seed is None else seed

    def key(self) -> Any:
        """The key of the next draw: Keras's raw ``uint32[seed, 0]`` key (a host array,
        so making it compiles nothing)."""
        if isinstance(self.seed, SeedGenerator):
            return self.seed.next()
        return np.array([self.seed & 0xFFFFFFFF, 0], dtype=np.uint32)

    # float32 draws come from fixed-size programs compiled once per process (see
    # backend/random_draws.py); other dtypes use jax.random, which compiles per shape.
    def normal(self, shape: Shape, dtype: Any, mean: float, stddev: float,
               key: Any = None) -> jax.Array:
        key = self.key() if key is None else key
        sample = _host_normal(key, shape, dtype, mean, stddev)
        if sample is not None:
            return jax.device_put(sample)
        return jax.random.normal(key, shape=tuple(shape), dtype=dtype) * stddev + mean

    def truncated_normal(self, shape: Shape, dtype: Any, mean: float, stddev: float) -> jax.Array:
        key = self.key()
        sample = _host_normal(key, shape, dtype, mean, stddev, truncated=True)
        if sample is not None:
            return jax.device_put(sample)
        sample = jax.random.truncated_normal(
            key, lower=-2.0, upper=2.0, shape=tuple(shape), dtype=dtype
        )
        return sample * stddev + mean

    def uniform(self, shape: Shape, dtype: Any, minval: float, maxval: float) -> jax.Array:
        return random_draws.sample("uniform", self.key(), shape, dtype, minval, maxval)

    def get_config(self) -> dict:
        return {"seed": self._init_seed if isinstance(self._init_seed, int) else None}


class RandomNormal(RandomInitializer):
    """Samples of ``N(mean, stddev^2)``."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: Any = None):
        self.mean, self.stddev = mean, stddev
        super().__init__(seed)

    def __call__(self, shape: Shape, dtype: Any = "float32") -> jax.Array:
        return self.normal(shape, _dtype(dtype), self.mean, self.stddev)

    def get_config(self) -> dict:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class TruncatedNormal(RandomInitializer):
    """``mean + stddev * z`` with ``z`` a unit normal truncated to ``[-2, 2]``."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: Any = None):
        self.mean, self.stddev = mean, stddev
        super().__init__(seed)

    def __call__(self, shape: Shape, dtype: Any = "float32") -> jax.Array:
        return self.truncated_normal(shape, _dtype(dtype), self.mean, self.stddev)

    def get_config(self) -> dict:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class RandomUniform(RandomInitializer):
    """Samples of ``U[minval, maxval)``."""

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: Any = None):
        self.minval, self.maxval = minval, maxval
        super().__init__(seed)

    def __call__(self, shape: Shape, dtype: Any = "float32") -> jax.Array:
        return self.uniform(shape, _dtype(dtype), self.minval, self.maxval)

    def get_config(self) -> dict:
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


class VarianceScaling(RandomInitializer):
    """Samples with variance ``scale / n``, ``n`` = fan_in, fan_out or their mean (``mode``).

    ``distribution``: ``"truncated_normal"`` (stddev ``sqrt(scale/n) / 0.8796...``, ``"normal"``
    means this), ``"untruncated_normal"`` (stddev ``sqrt(scale/n)``) or ``"uniform"``
    (limits ``+-sqrt(3 scale / n)``). ``n`` is at least 1.
    """

    def __init__(self, scale: float = 1.0, mode: str = "fan_in",
                 distribution: str = "truncated_normal", seed: Any = None,
                 input_axes: Sequence[int] | None = None,
                 output_axes: Sequence[int] | None = None):
        if scale <= 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale}")
        modes = {"fan_in", "fan_out", "fan_avg"}
        if mode not in modes:
            raise ValueError(f"Invalid `mode` argument: {mode!r}. Use one of {sorted(modes)}.")
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        distributions = {"uniform", "truncated_normal", "untruncated_normal"}
        if distribution not in distributions:
            raise ValueError(
                f"Invalid `distribution` argument: {distribution!r}. "
                f"Use one of {sorted(distributions)}."
            )
        self.scale, self.mode, self.distribution = scale, mode, distribution
        self.input_axes, self.output_axes = input_axes, output_axes
        super().__init__(seed)

    def __call__(self, shape: Shape, dtype: Any = "float32") -> jax.Array:
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}
        scale = self.scale / max(1.0, fan[self.mode])
        dtype = _dtype(dtype)
        if self.distribution == "truncated_normal":
            return self.truncated_normal(
                shape, dtype, 0.0, math.sqrt(scale) / TRUNCATED_NORMAL_STDDEV
            )
        if self.distribution == "untruncated_normal":
            return self.normal(shape, dtype, 0.0, math.sqrt(scale))
        limit = math.sqrt(3.0 * scale)
        return self.uniform(shape, dtype, -limit, limit)

    def get_config(self) -> dict:
        return {
            **super().get_config(), "scale": self.scale, "mode": self.mode,
            "distribution": self.distribution, "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


class _VarianceScalingPreset(VarianceScaling):
    """A named VarianceScaling whose ``(scale, mode, distribution)`` are fixed."""

    settings: tuple[float, str, str]

    def __init__(self, seed: Any = None, input_axes: Sequence[int] | None = None,
                 output_axes: Sequence[int] | None = None):
        super().__init__(*self.settings, seed=seed, input_axes=input_axes,
                         output_axes=output_axes)

    def get_config(self) -> dict:
        return {"seed": RandomInitializer.get_config(self)["seed"],
                "input_axes": self.input_axes, "output_axes": self.output_axes}


class GlorotUniform(_VarianceScalingPreset):
    """``U[-l, l]``, ``l = sqrt(6 / (fan_in + fan_out))``."""

    settings = (1.0, "fan_avg", "uniform")


class GlorotNormal(_VarianceScalingPreset):
    """Truncated normal, stddev ``sqrt(2 / (fan_in + fan_out)) / 0.8796``."""

    settings = (1.0, "fan_avg", "truncated_normal")


class HeNormal(_VarianceScalingPreset):
    """Truncated normal, stddev ``sqrt(2 / fan_in) / 0.8796``."""

    settings = (2.0, "fan_in", "truncated_normal")


class HeUniform(_VarianceScalingPreset):
    """``U[-l, l]``, ``l = sqrt(6 / fan_in)``."""

    settings = (2.0, "fan_in", "uniform")


class LecunNormal(_VarianceScalingPreset):
    """Truncated normal, stddev ``sqrt(1 / fan_in) / 0.8796``."""

    settings = (1.0, "fan_in", "truncated_normal")


class LecunUniform(_VarianceScalingPreset):
    """``U[-l, l]``, ``l = sqrt(3 / fan_in)``."""

    settings = (1.0, "fan_in", "uniform")


class Orthogonal(RandomInitializer):
    """``gain * Q`` with orthonormal rows or columns, from the QR of a normal matrix.

    The shape is flattened to ``(prod(shape[:-1]), shape[-1])``; ``Q`` comes from the QR
    of a ``(max, min)`` normal sample, signs fixed by ``sign(diag(R))``, transposed when
    there are fewer rows than columns.
    """

    def __init__(self, gain: float = 1.0, seed: Any = None):
        self.gain = gain
        super().__init__(seed)

    def __call__(self, shape: Shape, dtype: Any = "float32") -> jax.Array:
        if len(shape) < 2:
            raise ValueError(
                "The tensor to initialize must be at least two-dimensional. "
                f"Received: shape={tuple(shape)} of rank {len(shape)}."
            )
        rows, cols = math.prod(shape[:-1]), shape[-1]
        sample_shape, dtype = (max(rows, cols), min(rows, cols)), _dtype(dtype)
        transpose, shape, key = rows < cols, tuple(shape), self.key()
        if dtype == jnp.float32 and jax.default_backend() == "cpu":
            host_sample = _host_normal(key, sample_shape, dtype, 0.0, 1.0)
            if host_sample is not None:
                return jax.device_put(_orthonormalize_on_host(host_sample, transpose,
                                                              self.gain, shape))
        sample = self.normal(sample_shape, dtype, 0.0, 1.0, key=key)
        if isinstance(sample, jax.core.Tracer):
            return _orthonormalize(sample, transpose, self.gain, shape)
        aval = (tuple(sample.shape), sample.dtype)
        return _orthonormalize_program(aval, transpose, self.gain, shape)(sample)

    def get_config(self) -> dict:
        return {**super().get_config(), "gain": self.gain}


def _orthonormalize(sample: jax.Array, transpose: bool, gain: float,
                    shape: tuple[int, ...]) -> jax.Array:
    q, r = jnp.linalg.qr(sample)
    q = q * jnp.sign(jnp.diag(r))
    if transpose:
        q = q.T
    return gain * jnp.reshape(q, shape)


def _orthonormalize_on_host(sample: np.ndarray, transpose: bool, gain: float,
                            shape: tuple[int, ...]) -> np.ndarray:
    """:func:`_orthonormalize` of a float32 sample with the LAPACK routines that JAX's
    CPU QR calls (SciPy's ``sgeqrf`` and ``sorgqr`` with the optimal workspace), so the
    values are the same bits without compiling or loading a program per shape."""
    from scipy.linalg import lapack  # noqa: PLC0415 (a 0.1 s import only RNNs need)

    columns = sample.shape[1]
    factored, tau, _, info = lapack.sgeqrf(
        sample, lwork=max(1, int(lapack.sgeqrf(sample, lwork=-1)[2][0])))
    if info == 0:
        reflectors = factored[:, :columns]
        lwork = max(1, int(lapack.sorgqr(reflectors, tau, lwork=-1)[1][0]))
        q, _, info = lapack.sorgqr(reflectors, tau, lwork=lwork)
    if info != 0:
        raise FloatingPointError(f"LAPACK's QR failed (info={info}) for a sample of "
                                 f"shape {sample.shape}.")
    q = q * np.sign(np.diagonal(factored)[:columns])
    if transpose:
        q = q.T
    return np.float32(gain) * np.reshape(q, shape)


def _host_normal(key: Any, shape: Shape, dtype: Any, mean: float, stddev: float,
                 truncated: bool = False) -> np.ndarray | None:
    """``jax.random.normal(key, shape) * stddev + mean`` (``truncated_normal`` to [-2, 2]
    with ``truncated``) computed without a program per shape, or None where only
    ``jax.random`` gives those values (see random_draws)."""
    if not random_draws.can_draw(key, dtype):
        return None
    if truncated:
        sample = random_draws.draw("truncated_normal", key, shape, -2.0, 2.0)
    else:
        sample = random_draws.draw("normal", key, shape)
    return random_draws.affine(sample, stddev, mean)


@functools.lru_cache(maxsize=64)
def _orthonormalize_program(aval: tuple, transpose: bool, gain: float,
                            shape: tuple[int, ...]) -> Any:
    # One program per weight shape instead of one per eager operation (QR, diag, sign,
    # product, transpose, scale); compiled ahead of time, so it also runs on concrete
    # arrays while a trace is active (a layer built under jit).
    compilation_cache.enable()
    program = jax.jit(functools.partial(_orthonormalize, transpose=transpose, gain=gain,
                                        shape=shape))
    return program.lower(jax.ShapeDtypeStruct(*aval)).compile()


INITIALIZERS: dict[str, type[Initializer]] = {}
for _cls in (Zeros, Ones, Constant, Identity, RandomNormal, TruncatedNormal, RandomUniform,
             VarianceScaling, GlorotUniform, GlorotNormal, HeNormal, HeUniform, LecunNormal,
             LecunUniform, Orthogonal):
    INITIALIZERS[_cls.__name__] = _cls
INITIALIZERS.update({
    "zeros": Zeros, "zero": Zeros, "ones": Ones, "one": Ones, "constant": Constant,
    "identity": Identity, "IdentityInitializer": Identity,
    "random_normal": RandomNormal, "normal": RandomNormal,
    "truncated_normal": TruncatedNormal,
    "random_uniform": RandomUniform, "uniform": RandomUniform,
    "variance_scaling": VarianceScaling,
    "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal,
    "he_normal": HeNormal, "he_uniform": HeUniform,
    "lecun_normal": LecunNormal, "lecun_uniform": LecunUniform,
    "orthogonal": Orthogonal, "OrthogonalInitializer": Orthogonal,
})

# Snake-case aliases, exported as in ``keras.initializers``.
zeros, ones, constant, identity = Zeros, Ones, Constant, Identity
random_normal, truncated_normal, random_uniform = RandomNormal, TruncatedNormal, RandomUniform
variance_scaling, orthogonal = VarianceScaling, Orthogonal
glorot_uniform, glorot_normal = GlorotUniform, GlorotNormal
he_normal, he_uniform, lecun_normal, lecun_uniform = HeNormal, HeUniform, LecunNormal, LecunUniform


def serialize(initializer: Initializer) -> dict:
    """Keras's serialized form ``{"module", "class_name", "config", "registered_name"}``."""
    return {"module": "keras.initializers", "class_name": type(initializer).__name__,
            "config": initializer.get_config(), "registered_name": None}


def deserialize(config: dict, custom_objects: dict[str, Any] | None = None) -> Initializer:
    """An initializer from ``{"class_name": ..., "config": {...}}`` (a Keras config)."""
    table = {**INITIALIZERS, **(custom_objects or {})}
    cls = lookup("initializer", config["class_name"], table)
    return cls.from_config(dict(config.get("config") or {}))


def get(identifier: Any) -> Callable | None:
    """The initializer for ``identifier``: None, a name (``"glorot_uniform"``), a Keras
    config dict, a class (instantiated), an instance or callable (returned), or an array
    (returned as the weight, shape-checked)."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return lookup("initializer", identifier, INITIALIZERS)()
    if isinstance(identifier, (np.ndarray, np.generic, jax.Array)):
        return _from_array(identifier)
    if isinstance(identifier, type):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}")


def _from_array(value: Any) -> Callable:
    def initialize(shape: Shape, dtype: Any = "float32") -> jax.Array:
        if tuple(shape) != tuple(value.shape):
            raise ValueError(
                f"Expected `shape` to be {tuple(value.shape)} for an array used as an "
                f"initializer. Received shape={tuple(shape)}."
            )
        return jnp.asarray(value).astype(_dtype(dtype))

    return initialize
