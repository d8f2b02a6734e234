"""Masking: mark timesteps whose features all equal ``mask_value`` as padding."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from pellucid.layers.layer import Layer

__all__ = ["Masking"]


class Masking(Layer):
    """``mask = any(inputs != mask_value, axis=-1)``; ``output = where(mask, inputs, 0)``.

    Input ``(batch, timesteps, features)``; output the same shape, mask
    ``(batch, timesteps)``. Masked steps are skipped by RNNs and by the loss.
    """

    _rows_independent = True  # see Layer.rows_independent

    def __init__(self, mask_value: float = 0.0, **kwargs: Any):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True

    def call(self, inputs: Any) -> jax.Array:
        keep = jnp.any(jnp.not_equal(inputs, self.mask_value), axis=-1, keepdims=True)
        return jnp.where(keep, inputs, jnp.zeros_like(inputs))

    def compute_mask(self, inputs: Any, mask: Any = None) -> jax.Array:
        return jnp.any(jnp.not_equal(inputs, self.mask_value), axis=-1)

    def get_config(self) -> dict:
        return {**super().get_config(), "mask_value": self.mask_value}
