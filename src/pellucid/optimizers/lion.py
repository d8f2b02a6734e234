"""Lion (Keras)::

    w <- w - lr * sign(beta_1 * m + (1 - beta_1) * g)
    m <- beta_2 * m + (1 - beta_2) * g

Slot ``momentum``.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from pellucid.optimizers.base import Optimizer


class Lion(Optimizer):
    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.99,
                 **kwargs: Any):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError(
                "Argument `beta_1` must be in the [0, 1] range. Otherwise, the optimizer "
                f"degenerates to SignSGD. Received: beta_1={beta_1}."
            )
        self.beta_1 = beta_1
        self.beta_2 = beta_2

    def slot_groups(self) -> list[tuple[tuple[str, ...], float]]:
        return [(("momentum",), 0.0)]

    def update_one(self, g: jax.Array, w: jax.Array, slots: dict, lr: jax.Array,
                   step: jax.Array, ctx: dict) -> tuple[jax.Array, dict]:
        m = slots["momentum"]
        b1 = jnp.asarray(self.beta_1, w.dtype)
        b2 = jnp.asarray(self.beta_2, w.dtype)
        w = w - lr * jnp.sign(m * b1 + g * (1.0 - b1))
        return w, {"momentum": m * b2 + g * (1.0 - b2)}

    def get_config(self) -> dict:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}
