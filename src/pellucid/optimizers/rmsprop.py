"""RMSprop, Keras's formulation (epsilon inside the root)::

    v <- rho * v + (1 - rho) * g**2
    a <- rho * a + (1 - rho) * g                   (centered only)
    step = lr * g / sqrt(v - a**2 + epsilon)       (plain: sqrt(v + epsilon))
    mom <- momentum * mom + step; w <- w - mom     (momentum > 0; else w <- w - step)

Slots, each a block over the parameters: ``velocity``, then ``momentum`` (if momentum > 0),
then ``average_gradient`` (if centered).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from pellucid.optimizers.base import Optimizer


class RMSprop(Optimizer):
    def __init__(self, learning_rate: Any = 0.001, rho: float = 0.9, momentum: float = 0.0,
                 epsilon: float = 1e-7, centered: bool = False, **kwargs: Any):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def slot_groups(self) -> list[tuple[tuple[str, ...], float]]:
        groups = [(("velocity",), 0.0)]
        if self.momentum > 0:
            groups.append((("momentum",), 0.0))
        if self.centered:
            groups.append((("average_gradient",), 0.0))
        return groups

    def update_one(self, g: jax.Array, w: jax.Array, slots: dict, lr: jax.Array,
                   step: jax.Array, ctx: dict) -> tuple[jax.Array, dict]:
        rho = self.rho
        v = rho * slots["velocity"] + (1 - rho) * jnp.square(g)
        new = {"velocity": v}
        if self.centered:
            a = new["average_gradient"] = rho * slots["average_gradient"] + (1 - rho) * g
            denominator = v - jnp.square(a) + self.epsilon
        else:
            denominator = v + self.epsilon
        increment = lr * g / jnp.sqrt(denominator)
        if self.momentum > 0:
            mom = new["momentum"] = self.momentum * slots["momentum"] + increment
            return w - mom, new
        return w - increment, new

    def get_config(self) -> dict:
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}
