"""Adam and AdamW, Keras's formulation (bias correction folded into the step size).

With ``t = iteration + 1``::

    alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)
    m <- m + (g - m) * (1 - beta_1)
    v <- v + (g**2 - v) * (1 - beta_2)
    v_hat <- max(v_hat, v)                      (amsgrad only; v_hat replaces v below)
    w <- w - alpha * m / (sqrt(v) + epsilon)    (epsilon outside the root)

AdamW is Adam with decoupled weight decay ``w <- w - w * weight_decay * lr`` applied
before the step (the base class does it; AdamW only makes it on by default).
Slots: ``momentum``, ``velocity`` interleaved per parameter, then ``velocity_hat``.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from pellucid.optimizers.adaptive_moments import AdaptiveMoments


class Adam(AdaptiveMoments):
    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, amsgrad: bool = False,
                 **kwargs: Any):
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, **kwargs)
        self.amsgrad = amsgrad

    def slot_groups(self) -> list[tuple[tuple[str, ...], float]]:
        groups = [(("momentum", "velocity"), 0.0)]
        return groups + [(("velocity_hat",), 0.0)] if self.amsgrad else groups

    def update_one(self, g: jax.Array, w: jax.Array, slots: dict, lr: jax.Array,
                   step: jax.Array, ctx: dict) -> tuple[jax.Array, dict]:
        b1 = jnp.power(jnp.asarray(self.beta_1, w.dtype), step)
        b2 = jnp.power(jnp.asarray(self.beta_2, w.dtype), step)
        alpha = lr * jnp.sqrt(1 - b2) / (1 - b1)
        m = slots["momentum"] + (g - slots["momentum"]) * (1 - self.beta_1)
        v = slots["velocity"] + (jnp.square(g) - slots["velocity"]) * (1 - self.beta_2)
        new = {"momentum": m, "velocity": v}
        if self.amsgrad:
            v = new["velocity_hat"] = jnp.maximum(slots["velocity_hat"], v)
        return w - (m * alpha) / (jnp.sqrt(v) + self.epsilon), new

    def get_config(self) -> dict:
        return {**super().get_config(), "amsgrad": self.amsgrad}


class AdamW(Adam):
    def __init__(self, learning_rate: Any = 0.001, weight_decay: float = 0.004,
                 beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7,
                 amsgrad: bool = False, **kwargs: Any):
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, weight_decay=weight_decay, **kwargs)
        if self.weight_decay is None:
            raise ValueError(
                "Argument `weight_decay` must be a float. Received: weight_decay=None"
            )
