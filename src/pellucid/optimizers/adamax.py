"""Adamax (Keras), with ``t = iteration + 1``::

    m <- m + (g - m) * (1 - beta_1)
    u <- max(beta_2 * u, |g|)
    w <- w - lr * m / ((1 - beta_1**t) * (u + epsilon))

Slots ``momentum`` and ``norm``, interleaved per parameter.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from pellucid.optimizers.base import Optimizer


class Adamax(Optimizer):
    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, **kwargs: Any):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def slot_groups(self) -> list[tuple[tuple[str, ...], float]]:
        return [(("momentum", "norm"), 0.0)]

    def update_one(self, g: jax.Array, w: jax.Array, slots: dict, lr: jax.Array,
                   step: jax.Array, ctx: dict) -> tuple[jax.Array, dict]:
        correction = 1 - jnp.power(jnp.asarray(self.beta_1, w.dtype), step)
        m = slots["momentum"] + (g - slots["momentum"]) * (1 - self.beta_1)
        u = jnp.maximum(self.beta_2 * slots["norm"], jnp.abs(g))
        return w - lr * m / (correction * (u + self.epsilon)), {"momentum": m, "norm": u}

    def get_config(self) -> dict:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
