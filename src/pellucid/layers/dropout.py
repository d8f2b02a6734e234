"""Dropout: zero a random fraction of entries while training, rescale the rest."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from pellucid.backend import SeedGenerator
from pellucid.layers.layer import Layer


def dropout(inputs: Any, rate: float, noise_shape: Any, generator: SeedGenerator) -> Any:
    """``inputs / (1 - rate)`` where a Bernoulli(1 - rate) mask of ``noise_shape`` is 1, else 0.

    ``noise_shape`` broadcasts against ``inputs``: a 1 in an axis shares one draw along it
    (``(batch, 1, features)`` drops the same features at every step); ``None`` entries
    take the input's size.
    """
    keep = 1.0 - rate
    shape = inputs.shape if noise_shape is None else tuple(
        inputs.shape[i] if d is None else d for i, d in enumerate(noise_shape)
    )
    mask = jax.random.bernoulli(generator.next(), keep, shape)
    return jnp.where(mask, inputs / keep, jnp.zeros_like(inputs))



class Dropout(Layer):
    """``output = inputs * m / (1 - rate)`` with ``m ~ Bernoulli(1 - rate)``, only when training.

    Every entry of ``(batch, ...)`` gets its own draw unless ``noise_shape`` shares them
    (see :func:`dropout`). At inference the layer is the identity.
    """

    _rows_independent = True  # see Layer.rows_independent

    def __init__(self, rate: float, noise_shape: Any = None, seed: int | None = None,
                 **kwargs: Any):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(f"Dropout: `rate` must be in [0, 1], got {rate}.")
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self.seed_generator = SeedGenerator(seed)
        self.supports_masking = True

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        if training and self.rate > 0:
            return dropout(inputs, self.rate, self.noise_shape, self.seed_generator)
        return inputs

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "rate": self.rate,
            "seed": self.seed,
            "noise_shape": None if self.noise_shape is None else list(self.noise_shape),
        }
