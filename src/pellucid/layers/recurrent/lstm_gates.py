"""The LSTM step after its matmuls, with its derivative written out.

For gate pre-activations ``z = [z_i, z_f, z_g, z_o]`` (batch-major, ``(batch, 4*units)``)
and the previous cell state ``c``::

    i, f, o = sigmoid(z_i), sigmoid(z_f), sigmoid(z_o);  g = tanh(z_g)
    c' = f * c + i * g;                                  h' = o * tanh(c')

and its derivative, written as a JVP (reverse mode is its transpose, and forward-mode
``jax.jacfwd`` works too)::

    dc' = f dc + c f(1-f) dz_f + i (1-g^2) dz_g + g i(1-i) dz_i
    dh' = o (1 - tanh(c')^2) dc' + tanh(c') o(1-o) dz_o

The values are those of the layer's own formula (the forward pass is the same
operations); the gradient agrees with automatic differentiation to float32 rounding.
Why write it out: differentiating the step automatically saved more arrays per time step
and spent more elementwise passes on the backward loop (as a JVP the gain is nearly that
of a hand-written VJP: 10.85 against 10.60 ms below). Measured on XLA's CPU backend
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

__all__ = ["lstm_gates", "lstm_gates_kept", "takes_written_gradient"]


def takes_written_gradient(cell: object, layout: StepLayout) -> bool:
    """Whether ``cell``'s steps use :func:`lstm_gates` (see the module docstring)."""
    return (not layout.feature_major and not on_accelerator()
            and getattr(cell, "activation", None) is activations.tanh
            and getattr(cell, "recurrent_activation", None) is activations.sigmoid)


@jax.custom_jvp
def lstm_gates(z: jax.Array, c: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``(h', c')`` of one batch-major LSTM step from ``z`` and ``c``."""
    i, f, g, o = _activations(z)
    c_new = f * c + i * g
    return o * jnp.tanh(c_new), c_new


def _activations(z: jax.Array) -> tuple[jax.Array, ...]:
    z_i, z_f, z_g, z_o = jnp.split(z, 4, axis=-1)
    return jax.nn.sigmoid(z_i), jax.nn.sigmoid(z_f), jnp.tanh(z_g), jax.nn.sigmoid(z_o)


def lstm_gates_kept(z: jax.Array, c: jax.Array, h: jax.Array, keep: jax.Array
                    ) -> tuple[jax.Array, jax.Array]:
    """``(h', c')`` of a batch-major step where rows with ``keep`` False keep ``(h, c)``.

    The values of ``where(keep, lstm_gates(z, c), (h, c))`` (to float32 rounding: XLA may
    fuse the products of ``c'`` differently; held rows exactly). The mask goes into the
    gates instead (``f = 1``, ``i = g = 0`` on held rows, so ``c' = 1 * c + 0 * 0 = c``),
    which leaves one consumer per gate: XLA then computes the gates inside the fusion that
    writes ``c'``, as it does without a mask, instead of writing all four out first
    (measured in ``bench/README.md``, "Masked prediction").
    """
    i, f, g, o = _activations(z)
    c_new = (jnp.where(keep, f, 1.0) * c
             + jnp.where(keep, i, 0.0) * jnp.where(keep, g, 0.0))
    return jnp.where(keep, o * jnp.tanh(c_new), h), c_new


@lstm_gates.defjvp
def _lstm_gates_jvp(primals: tuple, tangents: tuple) -> tuple[tuple, tuple]:
    (z, c), (dz, dc) = primals, tangents
    i, f, g, o = _activations(z)
    c_new = f * c + i * g
    tanh_c = jnp.tanh(c_new)
    dz_i, dz_f, dz_g, dz_o = jnp.split(dz, 4, axis=-1)
    dc_new = (f * dc + (c * f * (1 - f)) * dz_f + (i * (1 - g * g)) * dz_g
              + (g * i * (1 - i)) * dz_i)
    dh = (o * (1 - tanh_c * tanh_c)) * dc_new + (tanh_c * o * (1 - o)) * dz_o
    return (o * tanh_c, c_new), (dh, dc_new)
