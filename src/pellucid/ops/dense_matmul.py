"""``inputs @ kernel`` for layers with a weight matrix, its kernel gradient made for CPUs.

The gradient of ``y = x @ W`` in ``W`` is ``x^T @ dy``: a product that contracts the
rows of ``x`` (``(rows, features)``). XLA's CPU compiler hands a dot to YNNPACK only
when its left operand is contracted along its last axis, so ``x^T @ dy`` runs on XLA's
own (Eigen) kernel instead. Here the derivative is written out (a ``custom_jvp``): the
kernel term multiplies a transposed copy of ``x``, made in the forward pass behind an
``optimization_barrier`` so that XLA keeps it, which YNNPACK then takes as a plain
row-major product. The values are the same (the same products summed in the same
order: bit for bit in the measurements below) and forward mode works as before.

Measured on the 2-core CPU (two threads): ``x^T @ dy`` for B3's Dense 9216 -> 512 at
batch 128 took 10.2-10.4 ms on XLA's kernel and 8.8 ms on YNNPACK's, the transposed copy
0.3-0.5 ms. ``bench.worker`` runs alternating (samples/s, without / with): B0 (MLP
784 -> 512 -> 10) 46.5-51.1k / 50.3-57.5k, B3 1,731-1,898 / 1,839-1,973 (a busy hour; a
first version of the same derivative, an hour earlier: B0 60.4-65.4k / 75.2-78.9k, B3
1,814-1,899 / 1,842-1,968). On accelerators
the product is ``jnp.matmul``'s own (their BLAS takes transposed operands as they are).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.custom_derivatives import SymbolicZero

from pellucid.backend.device import on_accelerator

__all__ = ["dense_matmul"]


def dense_matmul(inputs: jax.Array, kernel: jax.Array) -> jax.Array:
    """``inputs @ kernel``: ``(..., features) @ (features, units) -> (..., units)``."""
    if inputs.ndim < 2 or kernel.ndim != 2 or on_accelerator():
        return jnp.matmul(inputs, kernel)
    return _rows_times_kernel(inputs, kernel)


@jax.custom_jvp
def _rows_times_kernel(inputs: jax.Array, kernel: jax.Array) -> jax.Array:
    return jnp.matmul(inputs, kernel)


def _rows_times_kernel_jvp(primals: tuple, tangents: tuple) -> tuple[jax.Array, jax.Array]:
    inputs, kernel = primals
    d_inputs, d_kernel = tangents
    out = jnp.matmul(inputs, kernel)
    terms = []
    if not isinstance(d_inputs, SymbolicZero):
        terms.append(jnp.matmul(d_inputs, kernel))
    if not isinstance(d_kernel, SymbolicZero):
        rows = inputs.reshape(-1, inputs.shape[-1])
        # Reverse mode transposes this product into (rows^T) @ d_out; with the copy
        # below, rows^T is a row-major array of its own, the operand YNNPACK takes.
        transposed = jax.lax.optimization_barrier(rows.T)
        terms.append(jnp.matmul(transposed.T, d_kernel).reshape(out.shape))
    if not terms:
        return out, jnp.zeros_like(out)
    return out, terms[0] if len(terms) == 1 else terms[0] + terms[1]


_rows_times_kernel.defjvp(_rows_times_kernel_jvp, symbolic_zeros=True)
