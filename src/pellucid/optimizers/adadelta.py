"""Adadelta (Keras), with ``rms(x) = sqrt(x + epsilon)``::

    G <- rho * G + (1 - rho) * g**2
    d = -rms(D) * g / rms(G)
    D <- rho * D + (1 - rho) * d**2
    w <- w + lr * d

Slots ``accumulated_grad`` (G) and ``accumulated_delta_var`` (D), interleaved per parameter.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from pellucid.optimizers.base import Optimizer


class Adadelta(Optimizer):
    def __init__(self, learning_rate: Any = 0.001, rho: float = 0.95, epsilon: float = 1e-7,
                 **kwargs: Any):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def slot_groups(self) -> list[tuple[tuple[str, ...], float]]:
        return [(("accumulated_grad", "accumulated_delta_var"), 0.0)]

    def update_one(self, g: jax.Array, w: jax.Array, slots: dict, lr: jax.Array,
                   step: jax.Array, ctx: dict) -> tuple[jax.Array, dict]:
        rho = self.rho
        grads_sq = rho * slots["accumulated_grad"] + (1 - rho) * jnp.square(g)
        delta = -(jnp.sqrt(slots["accumulated_delta_var"] + self.epsilon) * g
                  / jnp.sqrt(grads_sq + self.epsilon))
        deltas_sq = rho * slots["accumulated_delta_var"] + (1 - rho) * jnp.square(delta)
        return w + lr * delta, {"accumulated_grad": grads_sq, "accumulated_delta_var": deltas_sq}

    def get_config(self) -> dict:
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
