"""Variational dropout for recurrent cells: one mask per sequence, reused at every step.

A mask has entries ``0`` or ``1 / (1 - rate)`` (Keras's ``dropout(ones, rate)``), shape
``(batch, features)``. With ``count`` masks (Keras's ``dropout_mask_count``: 4 for LSTM, 3
for GRU when ``recurrent_dropout > 0``), every gate sees its own independent mask;
otherwise one mask is shared by all gates. Masks apply only when ``training`` and
``0 < rate < 1``.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from pellucid.backend import SeedGenerator

__all__ = ["DropoutMasks", "draw_masks"]


def draw_masks(generator: SeedGenerator, rate: float, shape: tuple[int, ...],
               count: int, dtype: Any = jnp.float32) -> list[jax.Array] | None:
    """``count`` independent masks of ``shape``, or None when dropout is off."""
    if not 0.0 < rate < 1.0:
        return None
    keep = 1.0 - rate
    return [
        jnp.where(jax.random.bernoulli(generator.next(), keep, shape),
                  jnp.asarray(1.0 / keep, dtype), jnp.asarray(0.0, dtype))
        for _ in range(count)
    ]


class DropoutMasks:
    """Mixed into cells with ``dropout``, ``recurrent_dropout``, ``seed_generator``.

    The RNN layer calls :meth:`prepare_dropout_masks` once per call, so ``call`` reuses
    the same masks at each step; :meth:`clear_dropout_masks` forgets them afterwards.
    """

    dropout_mask_count: int = 1

    def make_dropout_masks(self, batch: int, input_dim: int, units: int,
                           training: Any) -> tuple[Any, Any]:
        """``(input_masks, recurrent_masks)``: lists of masks, or None when not dropping."""
        if not training:
            return None, None
        count = self.dropout_mask_count
        return (draw_masks(self.seed_generator, self.dropout, (batch, input_dim), count),
                draw_masks(self.seed_generator, self.recurrent_dropout, (batch, units), count))

    def prepare_dropout_masks(self, batch: int, input_dim: int, training: Any) -> None:
        self._masks = self.make_dropout_masks(batch, input_dim, self.units, training)

    def clear_dropout_masks(self) -> None:
        self._masks = None

    def current_dropout_masks(self, inputs: Any, training: Any) -> tuple[Any, Any]:
        """The prepared masks, or fresh ones for a cell called on its own."""
        masks = self.__dict__.get("_masks")
        if masks is not None:
            return masks
        return self.make_dropout_masks(inputs.shape[0], inputs.shape[-1], self.units, training)


def per_gate(x: jax.Array, masks: list[jax.Array] | None, gates: int) -> list[jax.Array]:
    """``x * mask_g`` for each gate (the same array when there is no mask)."""
    if masks is None:
        return [x] * gates
    if len(masks) == 1:
        return [x * masks[0]] * gates
    return [x * m for m in masks]


def gated_matmul(xs: list[jax.Array], kernel: jax.Array) -> jax.Array:
    """``concat_g(xs[g] @ kernel[:, g-th block])``: one fused matmul when the xs are equal."""
    gates = len(xs)
    if all(x is xs[0] for x in xs):
        return xs[0] @ kernel
    units = kernel.shape[1] // gates
    blocks = kernel.reshape(kernel.shape[0], gates, units)
    stacked = jnp.stack(xs)
    out = jnp.einsum("g...i,igu->...gu", stacked, blocks)
    return out.reshape(out.shape[:-2] + (gates * units,))
