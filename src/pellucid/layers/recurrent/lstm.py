"""LSTMCell and LSTM (Hochreiter & Schmidhuber, 1997), Keras's gate order i, f, c, o."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from pellucid import activations, backend, initializers
from pellucid.layers.recurrent import cudnn_lstm
from pellucid.layers.recurrent.base_cell import RecurrentCell
from pellucid.layers.recurrent.lstm_gates import (
    lstm_gates,
    lstm_gates_kept,
    takes_written_gradient,
)
from pellucid.layers.recurrent.rnn import RNN, cell_layer_config, split_layer_kwargs
from pellucid.layers.recurrent.step_layout import BATCH_MAJOR, StepLayout

__all__ = ["LSTM", "LSTMCell"]


class LSTMCell(RecurrentCell):
    """One LSTM step on ``x_t`` ``(batch, features)`` with states ``[h, c]`` ``(batch, units)``.

    ``z = x_t @ kernel + bias + h @ recurrent_kernel``, split in four ``units``-wide blocks
    ``i, f, g, o``::

        i = σ(z_i)   f = σ(z_f)   o = σ(z_o)       (σ = recurrent_activation)
        c' = f * c + i * tanh(z_g)                  (tanh = activation)
        h' = o * tanh(c')

    returns ``h', [h', c']``. Weights: kernel ``(features, 4u)``, recurrent_kernel
    ``(u, 4u)``, bias ``(4u,)`` (the forget block starts at 1 with ``unit_forget_bias``).
    Parameters: ``4 * u * (features + u + 1)``. ``units`` is the size of ``h``: one LSTM
    "unit" is one entry of the state vector, not a separate network.
    """

    _rows_independent = True  # see Layer.rows_independent

    gates = 4

    def __init__(self, units: int, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", unit_forget_bias: bool = True,
                 **kwargs: Any):
        super().__init__(units, activation=activation, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = unit_forget_bias
        self.state_size = [units, units]

    def make_bias_initializer(self) -> Any:
        if not self.unit_forget_bias:
            return self.bias_initializer
        base, units = self.bias_initializer, self.units

        def forget_ones(shape: Any, dtype: Any = None) -> jax.Array:
            parts = [base((units,), dtype=dtype), initializers.get("ones")((units,), dtype=dtype),
                     base((2 * units,), dtype=dtype)]
            if any(isinstance(part, jax.core.Tracer) for part in parts):
                return jnp.concatenate([jnp.asarray(part) for part in parts])
            # Joined on the host: an eager concatenate compiles a program per width.
            return jax.device_put(np.concatenate([np.asarray(part) for part in parts]))

        return forget_ones

    def recurrent_step(self, projected: jax.Array, states: list, recurrent_masks: Any,
                       layout: StepLayout = BATCH_MAJOR, keep: Any = None
                       ) -> tuple[jax.Array, list]:
        h, c = states
        z = projected + self.recurrent_product(h, recurrent_masks, layout=layout)
        if keep is not None:
            h, c = lstm_gates_kept(z, c, h, keep)
            return h, [h, c]
        if takes_written_gradient(self, layout):
            h, c = lstm_gates(z, c)
            return h, [h, c]
        z_i, z_f, z_g, z_o = layout.blocks(z, 4)
        gate = self.recurrent_activation
        c = gate(z_f) * c + gate(z_i) * self.activation(z_g)
        h = gate(z_o) * self.activation(c)
        return h, [h, c]

    def holds_masked_states(self, layout: StepLayout) -> bool:
        # A subclass with its own step would not know ``keep``.
        return (type(self).recurrent_step is LSTMCell.recurrent_step
                and takes_written_gradient(self, layout))

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "unit_forget_bias": self.unit_forget_bias,
        }


class LSTM(RNN):
    """An LSTM over ``(batch, timesteps, features)``; see :class:`LSTMCell` for the step.

    Output ``(batch, units)`` (last step), or ``(batch, timesteps, units)`` with
    ``return_sequences``; ``return_state`` adds the final ``h`` and ``c``.
    """

    cell_class = LSTMCell

    def __init__(self, units: int, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", **kwargs: Any):
        cell_kwargs, rnn_kwargs = split_layer_kwargs(kwargs)
        cell = LSTMCell(units, activation=activation,
                        recurrent_activation=recurrent_activation, name="lstm_cell",
                        dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
                        **cell_kwargs)
        super().__init__(cell, **rnn_kwargs)

    def _fused_loop(self, sequences: jax.Array, states: list, mask: Any, training: Any,
                    constants: Any, loop: Callable[[], tuple]) -> tuple[Any, Any, list] | None:
        # "auto" keeps the loop: see cudnn_lstm's docstring for the measurements.
        if self.use_cudnn is not True or not backend.fused_kernels_allowed():
            return None
        if not (cudnn_lstm.cudnn_backend()
                and cudnn_lstm.lstm_fits_cudnn(self, mask, training, constants)):
            raise ValueError(
                f"Layer {self.name!r}: use_cudnn=True, but cuDNN cannot run this LSTM "
                "(it needs a CUDA GPU, tanh/sigmoid activations, use_bias, no unroll, "
                "no dropout while training, and no go_backwards with a mask). Pass "
                "use_cudnn='auto' to run the loop.")
        cell = self.cell
        weights = (cell.kernel.value, cell.recurrent_kernel.value, cell.bias.value)
        if mask is None:
            return cudnn_lstm.lstm_with_cudnn(sequences, states, *weights, self.go_backwards)
        # The loop branch beside cuDNN's runs one step per iteration: with 8 (the GPU
        # default) XLA returned wrong values from the cuDNN branch of this `cond`
        # (zeros at real steps; H100, jax 0.11.2, tests/test_cudnn_lstm.py).
        return cudnn_lstm.masked_lstm_with_cudnn(sequences, states, mask, weights,
                                                 self.zero_output_for_mask,
                                                 self.return_sequences,
                                                 lambda: loop(steps_per_iteration=1))

    def get_config(self) -> dict:
        return cell_layer_config(self)
