"""Adamax (Keras), with ``t = iteration + 1``::

    m <- m + (g - m) * (1 - beta_1)
    u <- max(beta_2 * u, |g|)
    w <- w - lr * m / ((1 - beta_1**t) * (u + epsilon))

Slots ``momentum`` and ``norm``, interleaved per parameter.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from pellucid.optimizers.adaptive_moments import AdaptiveMoments


class Adamax(AdaptiveMoments):
    def slot_groups(self) -> list[tuple[tuple[str, ...], float]]:
        return [(("momentum", "norm"), 0.0)]

    def update_one(self, g: jax.Array, w: jax.Array, slots: dict, lr: jax.Array,
                   step: jax.Array, ctx: dict) -> tuple[jax.Array, dict]:
        correction = 1 - jnp.power(jnp.asarray(self.beta_1, w.dtype), step)
        m = slots["momentum"] + (g - slots["momentum"]) * (1 - self.beta_1)
        u = jnp.maximum(self.beta_2 * slots["norm"], jnp.abs(g))
        return w - lr * m / (correction * (u + self.epsilon)), {"momentum": m, "norm": u}
