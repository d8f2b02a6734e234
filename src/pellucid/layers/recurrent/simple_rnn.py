"""SimpleRNNCell and SimpleRNN: ``h_t = act(x_t @ kernel + bias + h_{t-1} @ recurrent_kernel)``."""

from __future__ import annotations

from typing import Any

import jax

from pellucid.layers.recurrent.base_cell import RecurrentCell
from pellucid.layers.recurrent.rnn import RNN, cell_layer_config, split_layer_kwargs
from pellucid.layers.recurrent.step_layout import BATCH_MAJOR, StepLayout

__all__ = ["SimpleRNN", "SimpleRNNCell"]


class SimpleRNNCell(RecurrentCell):
    """One step of a fully connected recurrence.

    ``h_t = activation((x_t * m_x) @ kernel + bias + (h_{t-1} * m_h) @ recurrent_kernel)``
    with ``x_t`` ``(batch, features)``, ``h`` ``(batch, units)``; ``m_x``, ``m_h`` are the
    dropout masks (only when training). Weights: kernel ``(features, units)``,
    recurrent_kernel ``(units, units)``, bias ``(units,)``.
    """

    _rows_independent = True  # see Layer.rows_independent

    gates = 1

    def __init__(self, units: int, activation: Any = "tanh", **kwargs: Any):
        super().__init__(units, activation=activation, **kwargs)
        self.state_size = units

    def recurrent_step(self, projected: jax.Array, states: list, recurrent_masks: Any,
                       layout: StepLayout = BATCH_MAJOR) -> tuple[jax.Array, list]:
        output = projected + self.recurrent_product(states[0], recurrent_masks, layout=layout)
        output = self.activation(output)
        return output, [output]


class SimpleRNN(RNN):
    """A fully connected RNN over ``(batch, timesteps, features)``; see :class:`SimpleRNNCell`.

    Output ``(batch, units)``, or ``(batch, timesteps, units)`` with ``return_sequences``;
    ``return_state`` adds the final ``h``. Parameters: ``units * (features + units + 1)``.
    """

    cell_class = SimpleRNNCell

    def __init__(self, units: int, activation: Any = "tanh", **kwargs: Any):
        cell_kwargs, rnn_kwargs = split_layer_kwargs(kwargs)
        cell = SimpleRNNCell(units, activation=activation, name="simple_rnn_cell",
                             dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
                             **cell_kwargs)
        super().__init__(cell, **rnn_kwargs)

    def get_config(self) -> dict:
        return cell_layer_config(self)
