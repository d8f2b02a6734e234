"""Adagrad (Keras): ``acc <- acc + g**2``; ``w <- w - lr * g / sqrt(acc + epsilon)``.

Slot ``accumulator`` starts at ``initial_accumulator_value``.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from pellucid.optimizers.base import Optimizer


class Adagrad(Optimizer):
    def __init__(self, learning_rate: Any = 0.001, initial_accumulator_value: float = 0.1,
                 epsilon: float = 1e-7, **kwargs: Any):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def slot_groups(self) -> list[tuple[tuple[str, ...], float]]:
        return [(("accumulator",), self.initial_accumulator_value)]

    def update_one(self, g: jax.Array, w: jax.Array, slots: dict, lr: jax.Array,
                   step: jax.Array, ctx: dict) -> tuple[jax.Array, dict]:
        acc = slots["accumulator"] + jnp.square(g)
        return w - lr * g / jnp.sqrt(acc + self.epsilon), {"accumulator": acc}

    def get_config(self) -> dict:
        return {**super().get_config(),
                "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}
