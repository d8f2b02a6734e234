"""Reductions and orderings: sums, means, extremes, their positions, sorting.

A reduction over ``axis`` (an int, a tuple, or ``None`` for all axes) removes those axes
from the shape, or keeps them with size 1 when ``keepdims=True``.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from pellucid.ops.core import array_args

Axis = int | tuple[int, ...] | None


def _float_compute(x: jax.Array) -> tuple[jax.Array, Any]:
    """Integers and booleans are reduced in float32, as Keras's mean/var do."""
    if jnp.issubdtype(x.dtype, jnp.floating):
        return x, x.dtype
    return x.astype(jnp.float32), jnp.float32


@array_args
def sum(x: Any, axis: Axis = None, keepdims: bool = False) -> jax.Array:
    """``sum_i x_i`` over ``axis``."""
    return jnp.sum(x, axis=axis, keepdims=keepdims)


@array_args
def prod(x: Any, axis: Axis = None, keepdims: bool = False, dtype: Any = None) -> jax.Array:
    """``prod_i x_i`` over ``axis``."""
    return jnp.prod(x, axis=axis, keepdims=keepdims, dtype=dtype)


@array_args
def mean(x: Any, axis: Axis = None, keepdims: bool = False) -> jax.Array:
    """``sum_i x_i / n`` over ``axis``; integer input gives float32."""
    x, dtype = _float_compute(jnp.asarray(x))
    return jnp.mean(x, axis=axis, keepdims=keepdims).astype(dtype)


@array_args
def var(x: Any, axis: Axis = None, keepdims: bool = False) -> jax.Array:
    """Population variance ``mean((x - mean(x))**2)`` over ``axis``."""
    x, dtype = _float_compute(jnp.asarray(x))
    return jnp.var(x, axis=axis, keepdims=keepdims).astype(dtype)


@array_args
def std(x: Any, axis: Axis = None, keepdims: bool = False) -> jax.Array:
    """Population standard deviation ``sqrt(var(x))`` over ``axis``."""
    x, dtype = _float_compute(jnp.asarray(x))
    return jnp.std(x, axis=axis, keepdims=keepdims).astype(dtype)


@array_args
def max(x: Any, axis: Axis = None, keepdims: bool = False, initial: Any = None) -> jax.Array:
    """Largest element over ``axis`` (at least ``initial`` if given)."""
    return jnp.max(x, axis=axis, keepdims=keepdims, initial=initial)


@array_args
def min(x: Any, axis: Axis = None, keepdims: bool = False, initial: Any = None) -> jax.Array:
    """Smallest element over ``axis`` (at most ``initial`` if given)."""
    return jnp.min(x, axis=axis, keepdims=keepdims, initial=initial)


amax = max
amin = min


@array_args
def argmax(x: Any, axis: int | None = None, keepdims: bool = False) -> jax.Array:
    """Index of the first largest element along ``axis`` (of the flattened array if None)."""
    return jnp.argmax(x, axis=axis, keepdims=keepdims)


@array_args
def argmin(x: Any, axis: int | None = None, keepdims: bool = False) -> jax.Array:
    """Index of the first smallest element along ``axis`` (of the flattened array if None)."""
    return jnp.argmin(x, axis=axis, keepdims=keepdims)


@array_args
def any(x: Any, axis: Axis = None, keepdims: bool = False) -> jax.Array:
    """Whether any element over ``axis`` is true (non-zero)."""
    return jnp.any(x, axis=axis, keepdims=keepdims)


@array_args
def all(x: Any, axis: Axis = None, keepdims: bool = False) -> jax.Array:
    """Whether every element over ``axis`` is true (non-zero)."""
    return jnp.all(x, axis=axis, keepdims=keepdims)


@array_args
def count_nonzero(x: Any, axis: Axis = None) -> jax.Array:
    """The number of non-zero elements over ``axis``."""
    return jnp.count_nonzero(x, axis=axis)


@array_args
def cumsum(x: Any, axis: int | None = None, dtype: Any = None) -> jax.Array:
    """Running sum along ``axis`` (of the flattened array if None); same length as the axis."""
    return jnp.cumsum(x, axis=axis, dtype=dtype)


@array_args
def cumprod(x: Any, axis: int | None = None, dtype: Any = None) -> jax.Array:
    """Running product along ``axis`` (of the flattened array if None)."""
    return jnp.cumprod(x, axis=axis, dtype=dtype)


@array_args
def logsumexp(x: Any, axis: Axis = None, keepdims: bool = False) -> jax.Array:
    """``log(sum(exp(x)))`` over ``axis``, computed stably."""
    return jax.nn.logsumexp(x, axis=axis, keepdims=keepdims)


@array_args
def sort(x: Any, axis: int = -1) -> jax.Array:
    """``x`` sorted ascending along ``axis``."""
    return jnp.sort(x, axis=axis)


@array_args
def argsort(x: Any, axis: int = -1) -> jax.Array:
    """Indices that sort ``x`` ascending along ``axis``."""
    return jnp.argsort(x, axis=axis)


@array_args
def top_k(x: Any, k: int, sorted: bool = True) -> tuple[jax.Array, jax.Array]:
    """``(values, indices)`` of the ``k`` largest entries of the last axis, largest first.

    Shapes: ``x.shape[:-1] + (k,)`` for both.
    """
    return jax.lax.top_k(x, k)


@array_args
def median(x: Any, axis: Axis = None, keepdims: bool = False) -> jax.Array:
    """Median over ``axis``; integer input gives float32."""
    x, _ = _float_compute(jnp.asarray(x))
    return jnp.median(x, axis=axis, keepdims=keepdims)


@array_args
def average(x: Any, axis: int | None = None, weights: Any = None) -> jax.Array:
    """``sum(w * x) / sum(w)`` over ``axis`` (plain mean when ``weights`` is None)."""
    x, _ = _float_compute(jnp.asarray(x))
    return jnp.average(x, axis=axis, weights=weights)


def _segment_count(num_segments: int | None) -> int:
    if num_segments is None:
        raise ValueError("Argument `num_segments` must be set (JAX needs static output shapes).")
    return num_segments


@array_args
def segment_sum(data: Any, segment_ids: Any, num_segments: int | None = None,
                sorted: bool = False) -> jax.Array:
    """``out[s] = sum of data[i] with segment_ids[i] == s``; shape ``(num_segments, ...)``."""
    return jax.ops.segment_sum(data, segment_ids, _segment_count(num_segments),
                               indices_are_sorted=sorted)


@array_args
def segment_max(data: Any, segment_ids: Any, num_segments: int | None = None,
                sorted: bool = False) -> jax.Array:
    """``out[s] = max of data[i] with segment_ids[i] == s``; shape ``(num_segments, ...)``."""
    return jax.ops.segment_max(data, segment_ids, _segment_count(num_segments),
                               indices_are_sorted=sorted)
