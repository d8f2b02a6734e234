"""Initializer draws from a few fixed-size compiled programs, bit-identical to ``jax.random``.

``jax.random.uniform(key, shape)`` compiles one XLA program per shape, and an initializer
called eagerly adds a compile per shape for each following ``* stddev + mean``. A model
with a handful of weight shapes paid seconds of compiles before its first step, in every
process: these programs compile in well under the persistent cache's threshold, so they
are never stored.

With JAX's partitionable threefry (``jax_threefry_partitionable``, the default), element
``i`` of a draw depends only on the key and ``i``. So one program per kind (uniform,
normal, truncated normal) computes elements ``offset .. offset + CHUNK - 1`` of any draw,
and a draw of any shape is its chunks concatenated, cut and reshaped. Each program
repeats ``jax.random``'s own float arithmetic; the affine ``* stddev + mean`` that callers
apply eagerly is done in NumPy float32, the same two correctly rounded operations (inside
one XLA program they would be fused and round differently). Three programs per process,
slow enough to compile that the persistent cache keeps them for the next process.

On the CPU, uniform draws skip the program while NumPy is the cheaper way
(:func:`_host_is_cheaper`): NumPy computes the same bits (:mod:`pellucid.backend.threefry`)
and the same float arithmetic, which saves loading the program (0.1-0.2 s) for the small
kernels most models have. XLA computes ``floats * (maxval - minval) + minval`` as one
fused multiply-add, rounded once; NumPy forms it in float64, which is exact when the two
terms' exponents are close (:func:`_exact_in_float64`), so one rounding to float32 gives
the same value.
"""

from __future__ import annotations

import functools
import math
import platform
import threading
import time
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.extend.random import threefry2x32_p

from pellucid.backend import compilation_cache, threefry

# Elements per program call: large enough that a big kernel takes few calls, small
# enough that a bias does not wait for a large draw it throws away.
CHUNK = 1 << 16

KINDS = ("uniform", "normal", "truncated_normal")

# NumPy makes about 18M random words a second on one core, the compiled program 100M
# once loaded (0.1-0.2 s): NumPy draws until it has spent about one load, or for any
# draw of this size or more, the program takes over. Both give the same bits.
HOST_UNIFORM_LIMIT = 1 << 20
HOST_BUDGET_S = 0.15
_host_seconds = 0.0

_compiled: dict[str, Any] = {}
_lock = threading.Lock()


def _bits(key: Any, offset: Any) -> Any:
    """``jax.random``'s 32 random bits of elements ``offset + 0 .. CHUNK - 1``."""
    low = offset + lax.iota(jnp.uint32, CHUNK)
    high = jnp.zeros((CHUNK,), jnp.uint32)  # draws stay below 2**32 elements
    bits1, bits2 = threefry2x32_p.bind(key[0], key[1], high, low)
    return bits1 ^ bits2


def _uniform(bits: Any, minval: Any, maxval: Any) -> Any:
    """``jax.random.uniform``'s float32 arithmetic on given bits."""
    float_bits = lax.shift_right_logical(bits, jnp.array(32 - 23, jnp.uint32))
    float_bits = lax.bitwise_or(float_bits,
                                jnp.asarray(np.array(1.0, np.float32).view(np.uint32)))
    floats = lax.bitcast_convert_type(float_bits, jnp.float32) - jnp.array(1.0, jnp.float32)
    return lax.max(minval, floats * (maxval - minval) + minval)


def _chunk(kind: str, key: Any, offset: Any, minval: Any, maxval: Any) -> Any:
    bits = _bits(key, offset)
    if kind == "uniform":
        return _uniform(bits, minval, maxval)
    sqrt2 = np.array(np.sqrt(2), np.float32)
    if kind == "normal":
        low = np.nextafter(np.float32(-1.0), np.float32(0.0), dtype=np.float32)
        unit = _uniform(bits, jnp.asarray(low), jnp.asarray(np.float32(1.0)))
        return lax.mul(sqrt2, lax.erf_inv(unit))
    # truncated to [-2, 2] as initializers use it; the bounds are runtime values as in
    # jax.random.truncated_normal, so XLA computes erf at run time, not by constant folding
    lower, upper = minval, maxval
    unit = _uniform(bits, lax.erf(lower / sqrt2), lax.erf(upper / sqrt2))
    out = sqrt2 * lax.erf_inv(unit)
    return jnp.clip(out, lax.nextafter(lower, np.float32(np.inf)),
                    lax.nextafter(upper, np.float32(-np.inf)))


def _program(kind: str) -> Any:
    """The compiled chunk program of ``kind``; ahead-of-time compiled, so calling it with
    concrete arrays also runs it inside a trace (a layer built under ``jit``)."""
    with _lock:
        program = _compiled.get(kind)
        if program is None:
            # Weights are made before compile() turns the cache on; these programs are
            # the ones worth reading back.
            compilation_cache.enable()
            scalar = jax.ShapeDtypeStruct((), jnp.float32)
            program = jax.jit(functools.partial(_chunk, kind)).lower(
                jax.ShapeDtypeStruct((2,), jnp.uint32), jax.ShapeDtypeStruct((), jnp.uint32),
                scalar, scalar).compile()
            _compiled[kind] = program
        return program


def can_draw(key: Any, dtype: Any) -> bool:
    """Whether :func:`draw` reproduces ``jax.random`` for this key and dtype: float32,
    a concrete raw key, and the partitionable threefry that makes chunks line up."""
    return (jnp.dtype(dtype) == jnp.float32
            and not isinstance(key, jax.core.Tracer)
            and np.shape(key) == (2,) and np.asarray(key).dtype == np.uint32
            and bool(jax.config.jax_threefry_partitionable)
            and jax.config.jax_default_prng_impl == "threefry2x32")


def draw(kind: str, key: Any, shape: Sequence[int], minval: float = 0.0,
         maxval: float = 1.0) -> np.ndarray:
    """A float32 NumPy array equal to ``jax.random.<kind>(key, shape)``.

    ``uniform`` spans ``[minval, maxval)``; ``truncated_normal`` is truncated to
    ``[minval, maxval]``; ``normal`` ignores both.
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown draw kind {kind!r}; expected one of {KINDS}.")
    shape = tuple(int(d) for d in shape)
    size = math.prod(shape)
    if size >= 2**32:
        raise ValueError(f"A draw of {size} elements is too large.")
    if size == 0:
        return np.zeros(shape, np.float32)
    key = np.asarray(key, np.uint32)
    low, high = np.float32(minval), np.float32(maxval)
    if kind == "uniform" and _host_is_cheaper(size) and _host_matches(low, high):
        global _host_seconds
        start = time.perf_counter()
        sample = _uniform_on_host(threefry.random_bits(key, 0, size), low, high)
        _host_seconds += time.perf_counter() - start
        return sample.reshape(shape)
    program = _program(kind)
    parts = [np.asarray(program(key, np.uint32(offset), low, high))
             for offset in range(0, size, CHUNK)]
    flat = parts[0] if len(parts) == 1 else np.concatenate(parts)
    return flat[:size].reshape(shape)


def sample(kind: str, key: Any, shape: Sequence[int], dtype: Any, minval: float = 0.0,
           maxval: float = 1.0) -> jax.Array:
    """``jax.random.<kind>(key, shape, dtype)`` as a device array (bounds as in
    :func:`draw`): from :func:`draw` where :func:`can_draw`, else from ``jax.random``
    itself, which compiles a program per shape."""
    if can_draw(key, dtype):
        return jax.device_put(draw(kind, key, shape, minval, maxval))
    return _jax_random(kind, key, tuple(shape), dtype, minval, maxval)


def host_sample(kind: str, key: Any, shape: Sequence[int], dtype: Any, minval: float = 0.0,
                maxval: float = 1.0) -> np.ndarray:
    """:func:`sample` as a NumPy array, for callers that work on the host: no trip
    through the device where :func:`draw` computes it."""
    if can_draw(key, dtype):
        return draw(kind, key, shape, minval, maxval)
    return np.asarray(_jax_random(kind, key, tuple(shape), dtype, minval, maxval))


def _jax_random(kind: str, key: Any, shape: tuple[int, ...], dtype: Any, minval: float,
                maxval: float) -> jax.Array:
    if kind == "uniform":
        return jax.random.uniform(key, shape, dtype, minval, maxval)
    if kind == "normal":
        return jax.random.normal(key, shape, dtype)
    if kind == "truncated_normal":
        return jax.random.truncated_normal(key, minval, maxval, shape, dtype)
    raise ValueError(f"Unknown draw kind {kind!r}; expected one of {KINDS}.")


def _host_is_cheaper(size: int) -> bool:
    """Whether NumPy should draw ``size`` uniform values rather than the program."""
    if size > HOST_UNIFORM_LIMIT:
        return False
    if "uniform" in _compiled:  # loaded already: faster beyond the smallest draws
        return size <= CHUNK // 16
    return _host_seconds < HOST_BUDGET_S


def _uniform_on_host(bits: np.ndarray, low: np.float32, high: np.float32) -> np.ndarray:
    """:func:`_uniform` in NumPy, the multiply-add rounded once as XLA's fused one is."""
    float_bits = (bits >> np.uint32(32 - 23)) | np.array(1.0, np.float32).view(np.uint32)
    floats = float_bits.view(np.float32) - np.float32(1.0)
    scale = high - low
    fused = (floats.astype(np.float64) * np.float64(scale) + np.float64(low)).astype(np.float32)
    return np.maximum(low, fused)


def _host_matches(low: np.float32, high: np.float32) -> bool:
    """Whether :func:`_uniform_on_host` reproduces the program for these bounds."""
    return _fused_multiply_add() and _exact_in_float64(high - low, low)


def _exact_in_float64(scale: np.float32, shift: np.float32) -> bool:
    """Whether ``u * scale + shift`` is exact in float64 for every ``u = k * 2**-23 < 1``.

    The product has at most 47 significant bits, its lowest at ``ulp(scale) * 2**-23``;
    the sum's bits then span at most 53 when ``shift``'s exponent is at most 5 above
    ``scale``'s and at most 28 below it.
    """
    if not (np.isfinite(scale) and np.isfinite(shift)):
        return False
    tiny = np.finfo(np.float32).tiny
    if shift == 0:
        return bool(scale == 0 or abs(scale) >= tiny)
    if abs(scale) < tiny or abs(shift) < tiny:
        return False
    gap = int(np.frexp(shift)[1]) - int(np.frexp(scale)[1])
    return -28 <= gap <= 5


@functools.cache
def _fused_multiply_add() -> bool:
    """Whether XLA's CPU code fuses multiply and add here: 64-bit ARM always, x86 with the
    FMA extension. On accelerators the programs keep drawing (their rounding is the
    device's own)."""
    if jax.default_backend() != "cpu":
        return False
    machine = platform.machine().lower()
    if machine in ("arm64", "aarch64"):
        return True
    try:
        with open("/proc/cpuinfo") as info:
            return any(line.startswith("flags") and "fma" in line.split() for line in info)
    except OSError:  # not Linux: keep to the program, whose rounding is XLA's own
        return False


def affine(sample: np.ndarray, scale: float, shift: float) -> np.ndarray:
    """``sample * scale + shift`` rounded as the two eager JAX operations would be."""
    return sample * np.float32(scale) + np.float32(shift)
