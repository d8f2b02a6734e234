"""What SimpleRNNCell, LSTMCell and GRUCell share: config, weights, the split step.

A built-in cell splits a step in two:

- :meth:`project_inputs` ``(..., features) -> (..., gates*units)`` is
  ``x @ kernel + input_bias`` (one matmul for all gates; it also takes a whole
  ``(batch, time, features)`` sequence);
- ``recurrent_step(projected_t, states, recurrent_masks, layout)`` adds
  ``h @ recurrent_kernel`` (one fused matmul for all gates) and applies the gates.

Both take a :class:`~pellucid.layers.recurrent.step_layout.StepLayout`: batch-major arrays
(Keras's) or their transposes, which XLA's CPU backend runs faster (see that module).
Dropout masks come only with the batch-major layout.

``call(inputs, states, training)`` (one step, Keras's cell API) is the two in sequence.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from pellucid import activations
from pellucid.backend import SeedGenerator
from pellucid.layers import weight_arguments
from pellucid.layers.layer import Layer
from pellucid.layers.recurrent.dropout_masks import DropoutMasks, gated_matmul, per_gate
from pellucid.layers.recurrent.step_layout import BATCH_MAJOR, StepLayout

__all__ = ["RecurrentCell"]


class RecurrentCell(DropoutMasks, Layer):
    """Base of the built-in cells; ``gates`` blocks of ``units`` columns per kernel."""

    gates = 1
    # Widest cell whose loop runs feature-major on CPUs (step_layout has the figures).
    # Wider steps are matmul-bound: feature-major trained 3-17% slower at 64 units and
    # 38% slower at LSTM(512) with batch 32. (It was faster at LSTM(256) only through a
    # 4 KiB row stride, which the padded batch-major layout now avoids, faster still.)
    feature_major_max_units = 16

    def __init__(self, units: int, activation: Any = "tanh", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, kernel_constraint: Any = None,
                 recurrent_constraint: Any = None, bias_constraint: Any = None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, seed: int | None = None,
                 **kwargs: Any):
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(
                f"{type(self).__name__}: `units` must be a positive integer, got {units!r}."
            )
        self.implementation = kwargs.pop("implementation", 2)
        super().__init__(**kwargs)
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        weight_arguments.store(self, "kernel", kernel_initializer, kernel_regularizer,
                               kernel_constraint)
        weight_arguments.store(self, "recurrent", recurrent_initializer, recurrent_regularizer,
                               recurrent_constraint)
        weight_arguments.store(self, "bias", bias_initializer, bias_regularizer, bias_constraint)
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        if self.recurrent_dropout != 0.0 and self.gates > 1:
            self.implementation = 1
        # Keras's implementation 1 gives every gate its own dropout mask.
        self.dropout_mask_count = self.gates if self.implementation == 1 else 1
        self.seed = seed
        self.seed_generator = SeedGenerator(seed)
        self.output_size = units

    # --- weights ----------------------------------------------------------------------
    def build(self, input_shape: tuple) -> None:
        width = self.gates * self.units
        self.kernel = self.add_weight(
            (input_shape[-1], width), self.kernel_initializer, name="kernel",
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            (self.units, width), self.recurrent_initializer, name="recurrent_kernel",
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                self.bias_shape(), self.make_bias_initializer(), name="bias",
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    def bias_shape(self) -> tuple[int, ...]:
        return (self.gates * self.units,)

    def make_bias_initializer(self) -> Any:
        return self.bias_initializer

    def input_bias(self) -> jax.Array | None:
        return None if self.bias is None else self.bias.value

    # --- the step ---------------------------------------------------------------------
    def project_inputs(self, inputs: jax.Array, input_masks: Any,
                       layout: StepLayout = BATCH_MAJOR) -> jax.Array:
        """``inputs @ kernel + input_bias`` on ``(..., features)`` (masks per gate)."""
        if input_masks is not None and inputs.ndim == 3:
            input_masks = [m[:, None, :] for m in input_masks]
        _batch_major_masks(layout, input_masks)
        if input_masks is None:
            projected = layout.matmul(inputs, self.kernel.value)
        else:
            xs = per_gate(inputs, input_masks, self.dropout_mask_count)
            projected = gated_matmul(xs, self.kernel.value)
        bias = self.input_bias()
        return projected if bias is None else projected + layout.bias(bias)

    def recurrent_step(self, projected: jax.Array, states: list, recurrent_masks: Any,
                       layout: StepLayout = BATCH_MAJOR) -> tuple[jax.Array, list]:
        raise NotImplementedError

    def holds_masked_states(self, layout: StepLayout) -> bool:
        """Whether ``recurrent_step`` takes ``keep=`` (``(batch, 1)``) and holds the states
        of rows where it is False itself."""
        return False

    def call(self, inputs: Any, states: Any, training: bool | None = None) -> tuple[Any, list]:
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        input_masks, recurrent_masks = self.current_dropout_masks(inputs, training)
        return self.recurrent_step(self.project_inputs(inputs, input_masks), states,
                                   recurrent_masks)

    def recurrent_product(self, h: jax.Array, masks: Any, columns: slice = slice(None),
                          layout: StepLayout = BATCH_MAJOR) -> jax.Array:
        """``h @ recurrent_kernel[:, columns]``, each gate's block with its own ``h * mask``."""
        kernel = self.recurrent_kernel.value[:, columns]
        _batch_major_masks(layout, masks)
        if masks is None:
            return layout.matmul(h, kernel)
        gates = kernel.shape[1] // self.units
        count = self.dropout_mask_count
        if count > 1:
            first = (columns.start or 0) // self.units
            masks = masks[first:first + gates]
        return gated_matmul(per_gate(h, masks, gates), kernel)

    def get_initial_state(self, batch_size: int | None = None) -> list:
        sizes = self.state_size if isinstance(self.state_size, list) else [self.state_size]
        return [jnp.zeros((batch_size, s), "float32") for s in sizes]

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            **weight_arguments.config(self, "kernel", "recurrent", "bias"),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        }


def _batch_major_masks(layout: StepLayout, masks: Any) -> None:
    if masks is not None and layout.feature_major:
        raise ValueError("Recurrent dropout masks are batch-major; run this step with the "
                         "BATCH_MAJOR layout.")
