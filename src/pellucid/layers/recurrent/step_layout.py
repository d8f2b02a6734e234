"""Where the batch axis sits in the arrays of one built-in recurrent step.

- **Batch-major** (Keras's layout): ``x_t`` ``(batch, features)``, ``h`` ``(batch, units)``,
  the gates side by side in ``(batch, gates*units)``; ``x_t @ kernel``.
- **Feature-major**: the transposes, ``(features, batch)``, ``(units, batch)``,
  ``(gates*units, batch)``; ``kernel.T @ x_t``. Each gate is a block of whole rows.
- **Batch-major, padded**: batch-major, with matmuls computed on kernels with zero
  columns appended (and dropped from the result) when ``gates*units`` is a multiple of
  1024 floats; see :class:`StepLayout`.

Both give the same values (to float32 rounding); the weights keep Keras's shapes. On
XLA's CPU backend feature-major trains small cells faster: every elementwise gate
operation then runs along rows ``batch`` floats long instead of ``units``-wide column
blocks (two AVX vectors at 16 units), which its loop emitter vectorises poorly.
Measured training steps (whole model, one core, batch 128, 64 steps): GRU(8) 1.32x,
GRU(16) 1.45x, GRU(32) 1.14x, LSTM(8) 1.12x, LSTM(16) 1.15x, LSTM(32) 1.02x,
SimpleRNN(16) 1.23x faster; at 64 units 0.83-0.97x, and LSTM(32) with batch 200 0.96x.
:func:`pellucid.layers.recurrent.rnn.feature_major_steps` decides which a layer uses.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

__all__ = ["BATCH_MAJOR", "BATCH_MAJOR_PADDED", "FEATURE_MAJOR", "StepLayout",
           "batch_major_for"]

# Rows of this many float32 (4 KiB) or a multiple of it put every row of a matrix in the
# same cache sets, and XLA's CPU matmuls slow down sharply on such arrays.
ALIASING_WIDTH = 1024
PADDING = 16


class StepLayout:
    """The few operations of a cell step that depend on the layout.

    ``padded_columns``: batch-major matmuls compute ``padded_columns`` extra zero columns
    and drop them, so the gate arrays whose width is a multiple of 4 KiB (LSTM(256):
    1024 floats) are computed, and differentiated, in arrays with another row stride.
    On one core the LSTM(256) training step at batch 64 ran 1.27x faster (128 -> 101 ms,
    50 steps), 1.39x at batch 128, LSTM(512) at batch 32 1.03x (forward 1.4x); values are
    bit for bit the same. Other widths gain nothing (LSTM(128), LSTM(384)) or lose
    (LSTM(32): 3.5 -> 4.2 ms), so only such widths are padded.
    """

    def __init__(self, feature_major: bool, padded_columns: int = 0):
        self.feature_major = feature_major
        self.padded_columns = padded_columns

    def blocks(self, gates: jax.Array, count: int) -> list[jax.Array]:
        """``gates`` cut into ``count`` equal gate blocks."""
        return jnp.split(gates, count, axis=0 if self.feature_major else -1)

    def matmul(self, inputs: jax.Array, kernel: jax.Array) -> jax.Array:
        """``inputs @ kernel`` in this layout (``kernel`` keeps its Keras shape)."""
        if self.feature_major:
            return kernel.T @ inputs
        if self.padded_columns:
            width = kernel.shape[1]
            wide = jnp.pad(kernel, ((0, 0), (0, self.padded_columns)))
            return (inputs @ wide)[..., :width]
        return inputs @ kernel

    def bias(self, bias: jax.Array) -> jax.Array:
        """A ``(width,)`` bias shaped to add to this layout's ``width`` axis."""
        return bias[:, None] if self.feature_major else bias

    def __repr__(self) -> str:
        if self.feature_major:
            return "FEATURE_MAJOR"
        return "BATCH_MAJOR_PADDED" if self.padded_columns else "BATCH_MAJOR"


BATCH_MAJOR = StepLayout(False)
BATCH_MAJOR_PADDED = StepLayout(False, PADDING)
FEATURE_MAJOR = StepLayout(True)


def batch_major_for(width: int) -> StepLayout:
    """The batch-major layout for gate arrays ``width`` floats wide."""
    return BATCH_MAJOR_PADDED if width % ALIASING_WIDTH == 0 else BATCH_MAJOR
