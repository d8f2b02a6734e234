"""Turning Keras-style inputs into arrays, and the ops that are about arrays themselves.

Every op in :mod:`pellucid.ops` accepts pellucid ``Variable`` objects, NumPy arrays,
Python scalars and (nested) lists of them. JAX will not call ``__jax_array__`` while
tracing, so variables are unwrapped here, explicitly, before any ``jnp`` call.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from pellucid.backend.variables import Variable

# The ops of Keras's ``ops.core`` family; the other functions here are internal helpers.
__all__ = [
    "cast", "cond", "convert_to_numpy", "convert_to_tensor", "dtype", "fori_loop", "is_tensor",
    "map", "ndim", "scan", "shape", "size", "slice", "slice_update", "stop_gradient",
    "vectorized_map", "while_loop",
]

_FLOATX = "float32"


def unwrap_all(x: Any) -> Any:
    """Replace every Variable in ``x`` (a value, list, tuple or dict) by its current array."""
    if isinstance(x, Variable):
        return x.value
    if isinstance(x, (list, tuple)):
        return type(x)(unwrap_all(v) for v in x)
    if isinstance(x, dict):
        return {k: unwrap_all(v) for k, v in x.items()}
    return x


def array_args(fn: Callable) -> Callable:
    """Decorate an op so that Variables among its arguments arrive as arrays."""

    @functools.wraps(fn)
    def op(*args: Any, **kwargs: Any) -> Any:
        return fn(*unwrap_all(args), **unwrap_all(kwargs))

    return op


def standardize_dtype(dtype: Any) -> str | None:
    """Keras dtype names: ``None`` stays ``None``; ``np.float32``/``"float32"`` -> ``"float32"``."""
    if dtype is None:
        return None
    if hasattr(dtype, "name") and not isinstance(dtype, str):
        return dtype.name
    return jnp.dtype(dtype).name


def convert_to_tensor(
    x: Any, dtype: Any = None, sparse: Any = None, ragged: Any = None
) -> jax.Array:
    """``x`` as a ``jax.Array`` (of ``dtype`` if given). Python floats become float32."""
    if sparse or ragged:
        raise NotImplementedError("pellucid has no sparse or ragged tensors.")
    x = unwrap_all(x)
    if dtype is None and isinstance(x, float):
        dtype = _FLOATX
    return jnp.asarray(x, dtype=standardize_dtype(dtype))


def convert_to_numpy(x: Any) -> np.ndarray:
    """``x`` as a NumPy array (copies device memory to the host)."""
    return np.asarray(unwrap_all(x))


def is_tensor(x: Any) -> bool:
    """Whether ``x`` is a backend array (a ``jax.Array``, traced or concrete)."""
    return isinstance(x, jax.Array)


@array_args
def cast(x: Any, dtype: Any) -> jax.Array:
    """``x`` converted elementwise to ``dtype``."""
    return jnp.asarray(x).astype(standardize_dtype(dtype))


@array_args
def shape(x: Any) -> tuple[int, ...]:
    """The static shape of ``x`` as a tuple of ints."""
    return tuple(jnp.shape(x))


@array_args
def dtype(x: Any) -> str:
    """The Keras name of ``x``'s dtype, e.g. ``"float32"``."""
    return standardize_dtype(jnp.asarray(x).dtype)


@array_args
def ndim(x: Any) -> int:
    """The number of axes of ``x``."""
    return jnp.ndim(x)


@array_args
def size(x: Any) -> int:
    """The number of elements of ``x``."""
    return jnp.size(x)


@array_args
def stop_gradient(variable: Any) -> jax.Array:
    """``variable`` unchanged in value, but with a zero gradient."""
    return jax.lax.stop_gradient(variable)


@array_args
def cond(pred: Any, true_fn: Callable, false_fn: Callable) -> Any:
    """``true_fn()`` if ``pred`` else ``false_fn()``, traceable when ``pred`` is an array."""
    return jax.lax.cond(pred, true_fn, false_fn)


@array_args
def scan(
    f: Callable, init: Any, xs: Any = None, length: int | None = None,
    reverse: bool = False, unroll: int = 1,
) -> tuple[Any, Any]:
    """``carry, y = f(carry, x)`` over the leading axis of ``xs``; returns ``(carry, ys)``."""
    return jax.lax.scan(f, init, xs=xs, length=length, reverse=reverse, unroll=unroll)


@array_args
def fori_loop(lower: int, upper: int, body_fun: Callable, init_val: Any) -> Any:
    """``val = body_fun(i, val)`` for ``i`` in ``range(lower, upper)``."""
    return jax.lax.fori_loop(lower, upper, body_fun, init_val)


@array_args
def while_loop(
    cond: Callable, body: Callable, loop_vars: Any, maximum_iterations: int | None = None
) -> Any:
    """``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` holds (bounded by
    ``maximum_iterations`` when given)."""
    is_tuple = isinstance(loop_vars, (list, tuple))
    state = tuple(loop_vars) if is_tuple else (loop_vars,)

    def call(fn: Callable, args: tuple) -> Any:
        return fn(*args) if is_tuple else fn(args[0])

    def as_tuple(out: Any) -> tuple:
        return tuple(out) if is_tuple else (out,)

    if maximum_iterations is None:
        out = jax.lax.while_loop(lambda s: call(cond, s), lambda s: as_tuple(call(body, s)), state)
    else:
        # The step count rides along so the limit is part of the traced condition.
        def limited_cond(s: tuple) -> Any:
            return jnp.logical_and(s[0] < maximum_iterations, call(cond, s[1]))

        def limited_body(s: tuple) -> tuple:
            return s[0] + 1, as_tuple(call(body, s[1]))

        out = jax.lax.while_loop(limited_cond, limited_body, (0, state))[1]
    return type(loop_vars)(out) if is_tuple else out[0]


@array_args
def vectorized_map(function: Callable, elements: Any) -> Any:
    """``function`` applied to each slice of ``elements`` along axis 0, vectorised."""
    return jax.vmap(function)(elements)


@array_args
def map(f: Callable, xs: Any) -> Any:
    """``f`` applied to each slice of ``xs`` along axis 0, one after another."""
    return jax.lax.map(f, xs)


@array_args
def slice(inputs: Any, start_indices: Any, shape: Any) -> jax.Array:
    """The block of ``inputs`` starting at ``start_indices`` with size ``shape``."""
    return jax.lax.dynamic_slice(inputs, start_indices, shape)


@array_args
def slice_update(inputs: Any, start_indices: Any, updates: Any) -> jax.Array:
    """``inputs`` with the block at ``start_indices`` replaced by ``updates``."""
    return jax.lax.dynamic_update_slice(inputs, jnp.asarray(updates, inputs.dtype), start_indices)
