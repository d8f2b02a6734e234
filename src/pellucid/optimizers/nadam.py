"""Nadam (Keras), with ``t = iteration + 1`` and momentum schedule
``u(t) = beta_1 * (1 - 0.5 * 0.96**t)``::

    P <- P * u(t)                        (product of u over all steps so far; starts at 1)
    m <- m + (g - m) * (1 - beta_1)
    v <- v + (g**2 - v) * (1 - beta_2)
    m_hat = u(t+1) * m / (1 - P * u(t+1)) + (1 - u(t)) * g / (1 - P)
    v_hat = v / (1 - beta_2**t)
    w <- w - lr * m_hat / (sqrt(v_hat) + epsilon)

Slots ``momentum`` and ``velocity`` interleaved per parameter; ``P`` is the optimizer-wide
``u_product``, saved after the slots as Keras does.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from pellucid.optimizers.adaptive_moments import AdaptiveMoments


class Nadam(AdaptiveMoments):
    def slot_groups(self) -> list[tuple[tuple[str, ...], float]]:
        return [(("momentum", "velocity"), 0.0)]

    def init_extra(self, params: list[jax.Array]) -> dict:
        dtype = params[0].dtype if params else jnp.float32
        return {"u_product": jnp.ones((), dtype)}

    def _u(self, t: jax.Array) -> jax.Array:
        return self.beta_1 * (1.0 - 0.5 * jnp.power(jnp.asarray(0.96, t.dtype), t))

    def step_extra(self, extra: dict, step: jax.Array) -> tuple[dict, dict]:
        product = extra["u_product"]
        product = product * self.beta_1 * (
            1.0 - 0.5 * jnp.power(0.96, step.astype(product.dtype)))
        return {"u_product": product}, {"u_product": product}

    def update_one(self, g: jax.Array, w: jax.Array, slots: dict, lr: jax.Array,
                   step: jax.Array, ctx: dict) -> tuple[jax.Array, dict]:
        u_t, u_next = self._u(step), self._u(step + 1)
        product = ctx["u_product"].astype(w.dtype)
        # Keras rounds the betas to the weight dtype before taking 1 - beta here (unlike Adam).
        beta_1, beta_2 = jnp.asarray(self.beta_1, w.dtype), jnp.asarray(self.beta_2, w.dtype)
        m = slots["momentum"] + (g - slots["momentum"]) * (1 - beta_1)
        v = slots["velocity"] + (jnp.square(g) - slots["velocity"]) * (1 - beta_2)
        m_hat = u_next * m / (1 - product * u_next) + (1 - u_t) * g / (1 - product)
        v_hat = v / (1 - jnp.power(beta_2, step))
        return w - m_hat * lr / (jnp.sqrt(v_hat) + self.epsilon), {"momentum": m, "velocity": v}
