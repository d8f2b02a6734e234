"""The learned per-feature scale ``gamma`` and offset ``beta`` of the normalization layers.

Batch, layer and group normalization all end with ``gamma * normalized + beta``, take the
same ``center``/``scale`` switches and ``beta_*``/``gamma_*`` arguments, and create
``gamma`` before ``beta`` (Keras's weight order).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from pellucid.layers import weight_arguments

__all__ = ["add_weights", "config", "normalize", "store"]


def store(layer: Any, center: bool, scale: bool, beta_initializer: Any, gamma_initializer: Any,
          beta_regularizer: Any, gamma_regularizer: Any, beta_constraint: Any,
          gamma_constraint: Any) -> None:
    """Set ``center``, ``scale`` and the resolved ``beta_*``/``gamma_*`` arguments; no
    weights yet (``gamma = beta = None`` until :func:`add_weights`)."""
    layer.center = center
    layer.scale = scale
    weight_arguments.store(layer, "beta", beta_initializer, beta_regularizer, beta_constraint)
    weight_arguments.store(layer, "gamma", gamma_initializer, gamma_regularizer,
                           gamma_constraint)
    layer.gamma = layer.beta = None


def add_weights(layer: Any, shape: tuple) -> None:
    """``gamma`` (if ``scale``) then ``beta`` (if ``center``), each of ``shape``."""
    if layer.scale:
        layer.gamma = layer.add_weight(shape, layer.gamma_initializer, name="gamma",
                                       regularizer=layer.gamma_regularizer,
                                       constraint=layer.gamma_constraint)
    if layer.center:
        layer.beta = layer.add_weight(shape, layer.beta_initializer, name="beta",
                                      regularizer=layer.beta_regularizer,
                                      constraint=layer.beta_constraint)


def normalize(layer: Any, inputs: Any, mean: Any, variance: Any, broadcast: list[int]) -> Any:
    """``gamma * (inputs - mean) / sqrt(variance + epsilon) + beta``, with ``gamma`` and
    ``beta`` reshaped to ``broadcast``; written as ``inputs * inv + shift`` so that the
    scale folds into one multiplier."""
    inv = jax.lax.rsqrt(variance + layer.epsilon)
    if layer.gamma is not None:
        inv = inv * jnp.reshape(layer.gamma.value, broadcast)
    shift = -mean * inv
    if layer.beta is not None:
        shift = shift + jnp.reshape(layer.beta.value, broadcast)
    return inputs * inv + shift


def config(layer: Any) -> dict[str, Any]:
    return {"center": layer.center, "scale": layer.scale,
            **weight_arguments.config(layer, "beta", "gamma")}
