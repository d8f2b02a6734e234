"""GRUCell and GRU (Cho et al., 2014), Keras's gate order z, r, h."""

from __future__ import annotations

from typing import Any

import jax

from pellucid import activations
from pellucid.layers.recurrent.base_cell import RecurrentCell
from pellucid.layers.recurrent.rnn import RNN, cell_layer_config, split_layer_kwargs
from pellucid.layers.recurrent.step_layout import BATCH_MAJOR, StepLayout

__all__ = ["GRU", "GRUCell"]


class GRUCell(RecurrentCell):
    """One GRU step on ``x_t`` ``(batch, features)`` with state ``h`` ``(batch, units)``.

    ``x = x_t @ kernel + b_in`` split into ``x_z, x_r, x_h``; ``σ`` = recurrent_activation::

        reset_after=True  (default): m = h @ recurrent_kernel + b_rec
            z = σ(x_z + m_z)   r = σ(x_r + m_r)   h~ = tanh(x_h + r * m_h)
        reset_after=False (Keras 2's default): z, r from h @ recurrent_kernel[:, :2u]
            h~ = tanh(x_h + (r * h) @ recurrent_kernel[:, 2u:])
        h' = z * h + (1 - z) * h~

    Weights: kernel ``(features, 3u)``, recurrent_kernel ``(u, 3u)``, bias ``(2, 3u)``
    (rows b_in, b_rec) with reset_after, else ``(3u,)``. Parameters:
    ``3u * (features + u + 2)`` with reset_after, ``3u * (features + u + 1)`` without:
    GRU(16) on 15 features has 1584 and 1536.
    """

    _rows_independent = True  # see Layer.rows_independent

    gates = 3
    feature_major_max_units = 32  # GRU(32): 1.14x; its reset gate adds elementwise work

    def __init__(self, units: int, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", reset_after: bool = True,
                 **kwargs: Any):
        super().__init__(units, activation=activation, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = reset_after
        self.state_size = units

    def bias_shape(self) -> tuple[int, ...]:
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def input_bias(self) -> jax.Array | None:
        if self.bias is None:
            return None
        return self.bias.value[0] if self.reset_after else self.bias.value

    def recurrent_step(self, projected: jax.Array, states: list, recurrent_masks: Any,
                       layout: StepLayout = BATCH_MAJOR) -> tuple[jax.Array, list]:
        h = states[0]
        u = self.units
        # Gate blocks by `split`, not slicing: the gradient of a split is one
        # concatenation, that of each slice a zero-padded full-width array to add up.
        x_z, x_r, x_h = layout.blocks(projected, 3)
        gate = self.recurrent_activation
        if self.reset_after:
            m = self.recurrent_product(h, recurrent_masks, layout=layout)
            if self.bias is not None:
                m = m + layout.bias(self.bias.value[1])
            m_z, m_r, m_h = layout.blocks(m, 3)
            z = gate(x_z + m_z)
            r = gate(x_r + m_r)
            candidate = self.activation(x_h + r * m_h)
        else:
            m_z, m_r = layout.blocks(
                self.recurrent_product(h, recurrent_masks, slice(0, 2 * u), layout), 2)
            z = gate(x_z + m_z)
            r = gate(x_r + m_r)
            candidate = self.activation(x_h + self.recurrent_product(
                r * h, recurrent_masks, slice(2 * u, 3 * u), layout))
        h = z * h + (1 - z) * candidate
        return h, [h]

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "reset_after": self.reset_after,
        }


class GRU(RNN):
    """A GRU over ``(batch, timesteps, features)``; see :class:`GRUCell` for the step.

    Output ``(batch, units)``, or ``(batch, timesteps, units)`` with ``return_sequences``;
    ``return_state`` adds the final ``h``.
    """

    cell_class = GRUCell

    def __init__(self, units: int, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", reset_after: bool = True,
                 **kwargs: Any):
        cell_kwargs, rnn_kwargs = split_layer_kwargs(kwargs)
        cell = GRUCell(units, activation=activation, recurrent_activation=recurrent_activation,
                       reset_after=reset_after, name="gru_cell", dtype=kwargs.get("dtype"),
                       trainable=kwargs.get("trainable", True), **cell_kwargs)
        super().__init__(cell, **rnn_kwargs)

    def get_config(self) -> dict:
        return cell_layer_config(self)
