"""The LSTM step after its matmuls, with its derivative written out.

For gate pre-activations ``z = [z_i, z_f, z_g, z_o]`` (batch-major, ``(batch, 4*units)``)
and the previous cell state ``c``::

    i, f, o = sigmoid(z_i), sigmoid(z_f), sigmoid(z_o);  g = tanh(z_g)
    c' = f * c + i * g;                                  h' = o * tanh(c')

and backward, from ``dh'`` and ``dc'``::

    dc  = dc' + dh' * o * (1 - tanh(c')^2)
    dz  = [dc * g * i(1-i),  dc * c * f(1-f),  dc * i * (1-g^2),  dh' * tanh(c') * o(1-o)]
    dc_prev = dc * f

The values are those of the layer's own formula (the forward pass is the same
operations); the gradient agrees with automatic differentiation to float32 rounding.
Why write it out: differentiating the step automatically saved more arrays per time step
and spent more elementwise passes on the backward loop. Measured on XLA's CPU backend
(gradient of an Embedding + LSTM, same process, batch-major): LSTM(32) at batch 200,
50 steps 12.2 -> 10.7 ms (two threads) and 12.5 -> 10.7 ms (one core); LSTM(128) at
batch 128 55 -> 49 ms; LSTM(256) at batch 64 133 -> 127 ms. Feature-major steps (small
cells on CPUs) were 10% slower with it, and accelerators were not measured, so only
batch-major steps on CPUs take it, and only with the default activations.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from pellucid import activations
from pellucid.backend.device import on_accelerator
from pellucid.layers.recurrent.step_layout import StepLayout

__all__ = ["lstm_gates", "takes_written_gradient"]


def takes_written_gradient(cell: object, layout: StepLayout) -> bool:
    """Whether ``cell``'s steps use :func:`lstm_gates` (see the module docstring)."""
    return (not layout.feature_major and not on_accelerator()
            and getattr(cell, "activation", None) is activations.tanh
            and getattr(cell, "recurrent_activation", None) is activations.sigmoid)


@jax.custom_vjp
def lstm_gates(z: jax.Array, c: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``(h', c')`` of one batch-major LSTM step from ``z`` and ``c``."""
    return _forward(z, c)[0]


def _forward(z: jax.Array, c: jax.Array) -> tuple[tuple[jax.Array, jax.Array], tuple]:
    z_i, z_f, z_g, z_o = jnp.split(z, 4, axis=-1)
    i, f, g, o = jax.nn.sigmoid(z_i), jax.nn.sigmoid(z_f), jnp.tanh(z_g), jax.nn.sigmoid(z_o)
    c_new = f * c + i * g
    tanh_c = jnp.tanh(c_new)
    return (o * tanh_c, c_new), (c, tanh_c, i, f, g, o)


def _backward(saved: tuple, cotangents: tuple) -> tuple[jax.Array, jax.Array]:
    c, tanh_c, i, f, g, o = saved
    dh, dc_new = cotangents
    dc = dc_new + dh * o * (1 - tanh_c * tanh_c)
    dz = jnp.concatenate([dc * g * i * (1 - i), dc * c * f * (1 - f),
                          dc * i * (1 - g * g), dh * tanh_c * o * (1 - o)], axis=-1)
    return dz, dc * f


lstm_gates.defvjp(_forward, _backward)
