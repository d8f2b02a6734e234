"""Products and linear algebra: matmul, einsum, norms, decompositions, solves."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from pellucid.ops.core import array_args


@array_args
def matmul(x1: Any, x2: Any) -> jax.Array:
    """Matrix product over the last two axes, batch axes broadcast: ``(.., n, k) @ (.., k, m)``."""
    return jnp.matmul(x1, x2)


@array_args
def dot(x1: Any, x2: Any) -> jax.Array:
    """NumPy ``dot``: sum over the last axis of ``x1`` and the second-to-last of ``x2``."""
    return jnp.dot(x1, x2)


@array_args
def tensordot(x1: Any, x2: Any, axes: Any = 2) -> jax.Array:
    """Sum of products over ``axes`` (the last/first ``axes`` axes when an int)."""
    return jnp.tensordot(x1, x2, axes=axes)


@array_args
def einsum(subscripts: str, *operands: Any, **kwargs: Any) -> jax.Array:
    """Einstein summation, e.g. ``einsum("bij,bjk->bik", a, b)``."""
    return jnp.einsum(subscripts, *operands, **kwargs)


@array_args
def outer(x1: Any, x2: Any) -> jax.Array:
    """``out[i, j] = x1.flat[i] * x2.flat[j]``."""
    return jnp.outer(x1, x2)


@array_args
def inner(x1: Any, x2: Any) -> jax.Array:
    """Sum of products over the last axes of ``x1`` and ``x2``."""
    return jnp.inner(x1, x2)


@array_args
def vdot(x1: Any, x2: Any) -> jax.Array:
    """``sum(conj(x1.flat) * x2.flat)``."""
    return jnp.vdot(x1, x2)


@array_args
def kron(x1: Any, x2: Any) -> jax.Array:
    """Kronecker product: blocks ``x1[i, j] * x2``."""
    return jnp.kron(x1, x2)


@array_args
def cross(x1: Any, x2: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1,
          axis: int | None = None) -> jax.Array:
    """Cross product of 3-vectors (or 2-vectors) along the given axes."""
    return jnp.cross(x1, x2, axisa=axisa, axisb=axisb, axisc=axisc, axis=axis)


@array_args
def trace(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> jax.Array:
    """Sum of the ``offset`` diagonal of the ``(axis1, axis2)`` planes."""
    return jnp.trace(x, offset=offset, axis1=axis1, axis2=axis2)


@array_args
def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> jax.Array:
    """Vector norm (``axis`` an int) or matrix norm (a pair); Frobenius/2-norm by default."""
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        x = x.astype(jnp.float32)
    return jnp.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)


@array_args
def qr(x: Any, mode: str = "reduced") -> tuple[jax.Array, jax.Array]:
    """``q, r`` with ``x = q @ r``, ``q`` orthonormal columns, ``r`` upper triangular."""
    if mode not in ("reduced", "complete"):
        raise ValueError(f"`mode` must be 'reduced' or 'complete', got {mode!r}.")
    return jnp.linalg.qr(x, mode=mode)


@array_args
def inv(x: Any) -> jax.Array:
    """Matrix inverse over the last two axes."""
    return jnp.linalg.inv(x)


@array_args
def det(x: Any) -> jax.Array:
    """Determinant over the last two axes."""
    return jnp.linalg.det(x)


@array_args
def solve(a: Any, b: Any) -> jax.Array:
    """``x`` with ``a @ x = b``."""
    return jnp.linalg.solve(a, b)


@array_args
def cholesky(x: Any, upper: bool = False) -> jax.Array:
    """Triangular ``L`` with ``x = L @ L^T`` (``U`` with ``x = U^T @ U`` if ``upper``)."""
    lower = jnp.linalg.cholesky(x)
    return jnp.swapaxes(lower, -1, -2).conj() if upper else lower
