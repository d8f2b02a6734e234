"""Ops that create arrays from shapes and ranges. Float arrays default to float32."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp

from pellucid.ops.core import array_args, standardize_dtype

Shape = Sequence[int] | int


def zeros(shape: Shape, dtype: Any = None) -> jax.Array:
    """An array of ``shape`` filled with 0."""
    return jnp.zeros(shape, dtype=standardize_dtype(dtype) or "float32")


def ones(shape: Shape, dtype: Any = None) -> jax.Array:
    """An array of ``shape`` filled with 1."""
    return jnp.ones(shape, dtype=standardize_dtype(dtype) or "float32")


def empty(shape: Shape, dtype: Any = None) -> jax.Array:
    """An array of ``shape`` (zero-filled: XLA has no uninitialised memory)."""
    return zeros(shape, dtype)


@array_args
def full(shape: Shape, fill_value: Any, dtype: Any = None) -> jax.Array:
    """An array of ``shape`` filled with ``fill_value``."""
    return jnp.full(shape, fill_value, dtype=standardize_dtype(dtype) or "float32")


@array_args
def zeros_like(x: Any, dtype: Any = None) -> jax.Array:
    """Zeros with ``x``'s shape (and dtype unless given)."""
    return jnp.zeros_like(x, dtype=standardize_dtype(dtype))


@array_args
def ones_like(x: Any, dtype: Any = None) -> jax.Array:
    """Ones with ``x``'s shape (and dtype unless given)."""
    return jnp.ones_like(x, dtype=standardize_dtype(dtype))


@array_args
def full_like(x: Any, fill_value: Any, dtype: Any = None) -> jax.Array:
    """``fill_value`` with ``x``'s shape (and dtype unless given)."""
    return jnp.full_like(x, fill_value, dtype=standardize_dtype(dtype))


def eye(N: int, M: int | None = None, k: int = 0, dtype: Any = None) -> jax.Array:
    """An ``(N, M or N)`` array with ones on the ``k``-th diagonal, zeros elsewhere."""
    return jnp.eye(N, M=M, k=k, dtype=standardize_dtype(dtype) or "float32")


def identity(n: int, dtype: Any = None) -> jax.Array:
    """The ``(n, n)`` identity matrix."""
    return eye(n, dtype=dtype)


@array_args
def arange(start: Any, stop: Any = None, step: Any = None, dtype: Any = None) -> jax.Array:
    """``start, start + step, ...`` below ``stop`` (``0 .. start-1`` when only ``start``).

    The dtype follows the arguments (int32 for ints, float32 if any is a float).
    """
    if dtype is None:
        given = [v for v in (start, stop, step) if v is not None]
        dtype = jnp.result_type(*[getattr(v, "dtype", type(v)) for v in given])
    return jnp.arange(start, stop, step=step, dtype=standardize_dtype(dtype))


@array_args
def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True,
             retstep: bool = False, dtype: Any = None, axis: int = 0) -> Any:
    """``num`` evenly spaced values from ``start`` to ``stop`` (inclusive if ``endpoint``)."""
    return jnp.linspace(start, stop, num=num, endpoint=endpoint, retstep=retstep,
                        dtype=standardize_dtype(dtype), axis=axis)


@array_args
def meshgrid(*x: Any, indexing: str = "xy") -> list[jax.Array]:
    """Coordinate arrays from 1-D coordinate vectors (``"xy"`` or ``"ij"`` indexing)."""
    return jnp.meshgrid(*x, indexing=indexing)
