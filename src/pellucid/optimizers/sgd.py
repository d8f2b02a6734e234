"""SGD with optional (Nesterov) momentum, Keras's formulation.

Without momentum: ``w <- w - lr * g``.
With momentum ``mu``: ``m <- mu * m - lr * g`` then ``w <- w + m``;
Nesterov: ``w <- w + mu * m - lr * g`` (with the new ``m``).
Slot ``momentum`` (shape of ``w``) exists only when ``momentum != 0``.
"""

from __future__ import annotations

from typing import Any

import jax

from pellucid.optimizers.base import Optimizer


class SGD(Optimizer):
    def __init__(self, learning_rate: Any = 0.01, momentum: float = 0.0,
                 nesterov: bool = False, **kwargs: Any):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if not isinstance(momentum, (int, float)) or not 0 <= momentum <= 1:
            raise ValueError("`momentum` must be a float between [0, 1].")
        self.momentum = float(momentum)
        self.nesterov = nesterov

    def slot_groups(self) -> list[tuple[tuple[str, ...], float]]:
        return [(("momentum",), 0.0)] if self.momentum != 0 else []

    def update_one(self, g: jax.Array, w: jax.Array, slots: dict, lr: jax.Array,
                   step: jax.Array, ctx: dict) -> tuple[jax.Array, dict]:
        if self.momentum == 0:
            return w - g * lr, slots
        m = slots["momentum"] * self.momentum - g * lr
        if self.nesterov:
            return w + (m * self.momentum - g * lr), {"momentum": m}
        return w + m, {"momentum": m}

    def get_config(self) -> dict:
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
