"""Gradient clipping as Keras applies it before every update.

- ``clip_by_norm(g, c)``: ``g * c / max(||g||, c)`` for each gradient on its own.
- ``clip_by_global_norm(gs, c)``: every ``g * c * min(1/N, 1/c)`` with ``N = sqrt(sum ||g||^2)``
  over all gradients; a non-finite ``N`` turns every gradient into NaN, as in Keras.
- ``clip_by_value(g, c)``: ``clip(g, -c, c)``.

Gradients may be ``None`` (no gradient for that parameter) and pass through untouched.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp


def clip_by_norm(g: jax.Array, clipnorm: float) -> jax.Array:
    """Scale ``g`` so its L2 norm is at most ``clipnorm``; same shape as ``g``."""
    squared = jnp.sum(jnp.square(g))
    # A zero gradient has no direction: keep the norm at 0 without sqrt(0) in the graph.
    norm = jnp.where(squared > 0, jnp.sqrt(jnp.where(squared > 0, squared, 1.0)), squared)
    return g * clipnorm / jnp.maximum(norm, clipnorm)


def clip_by_global_norm(grads: list, clipnorm: float) -> list:
    """Scale all gradients together so their joint L2 norm is at most ``clipnorm``."""
    present = [g for g in grads if g is not None]
    norm = jnp.sqrt(jnp.sum(jnp.stack([jnp.sum(jnp.square(g)) for g in present])))
    scale = clipnorm * jnp.minimum(1.0 / norm, 1.0 / clipnorm) + (norm - norm)
    return [None if g is None else g * scale for g in grads]


def clip_gradients(
    grads: list,
    clipnorm: float | None = None,
    clipvalue: float | None = None,
    global_clipnorm: float | None = None,
) -> list:
    """Apply whichever one of the three clipping options is set (Keras allows only one)."""
    if clipnorm and clipnorm > 0:
        return [None if g is None else clip_by_norm(g, clipnorm) for g in grads]
    if global_clipnorm and global_clipnorm > 0:
        return clip_by_global_norm(grads, global_clipnorm)
    if clipvalue and clipvalue > 0:
        return [None if g is None else jnp.clip(g, -clipvalue, clipvalue) for g in grads]
    return list(grads)
