"""LSTM through cuDNN's fused kernel on NVIDIA GPUs.

On a CUDA backend an LSTM whose every step is the standard one (tanh and sigmoid, a
bias, no recurrent dropout, no ``unroll``, no ``constants``) runs all its steps in one
cuDNN call, forward and gradient (``jax.experimental.rnn.lstm``), instead of an XLA
loop of small matmuls. The arithmetic is the same as :class:`LSTMCell`'s; cuDNN's gate
order ``i, f, g, o`` is Keras's ``i, f, c, o``, so the weights only change layout:

    weights = [kernelᵀ.ravel(), recurrent_kernelᵀ.ravel(), bias, zeros(4u)]

(cuDNN adds two biases, ``b_ih + b_hh``; Keras has one, so ``b_hh`` is zero).

Masks: cuDNN takes one length per sequence, which is Keras's mask exactly when every
sequence is its first ``length ≥ 1`` steps followed by padding (``mask_zero`` with
padding at the end). Whether a batch is such is known only at run time, so a masked
call compiles both the cuDNN call and the loop and ``lax.cond`` picks one per batch. In
the cuDNN branch the padded steps then output what the loop outputs there: the last
real step's output (or zeros with ``zero_output_for_mask``). ``go_backwards`` with a
mask keeps the loop (its padding would come first).

Only ``use_cudnn=True`` takes this path (a layer that cannot is then an error, as in
Keras). ``"auto"`` and ``False`` run the XLA loop, which was as fast or faster on an
H100 (jax 0.11.2, cuDNN 9, ``python -m bench.rnn_paths``; training samples/s, cuDNN
against the loop): B2 masked LSTM(32) 47.8k vs 95.9k, B2 unmasked 71.1k vs 95.7k,
LSTM(256) 15.7k vs 15.6k, and predict faster with the loop on all three. The loop
projects every step's input in one matmul before the scan on GPUs, and pellucid runs
16 steps per dispatch, so little is left for cuDNN to win at these sizes. The outputs
are the same either way (to float32 rounding), so the choice is only one of speed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from pellucid import activations

__all__ = ["cudnn_backend", "lstm_fits_cudnn", "lstm_with_cudnn", "masked_lstm_with_cudnn",
           "pack_weights"]

LstmKernel = Callable[..., tuple[jax.Array, jax.Array, jax.Array]]
Result = tuple[jax.Array, Any, list]


def cudnn_backend() -> bool:
    """Whether JAX runs on a CUDA GPU, where ``jax.experimental.rnn`` has cuDNN."""
    return jax.default_backend() == "gpu"


def lstm_fits_cudnn(layer: Any, mask: Any, training: Any, constants: Any) -> bool:
    """Whether ``layer`` (an LSTM) can compute this call with cuDNN's LSTM."""
    cell = layer.cell
    dropout_now = bool(training) and (cell.dropout or cell.recurrent_dropout)
    return (
        constants is None and not layer.unroll and not dropout_now and cell.use_bias
        and (mask is None or not layer.go_backwards)
        and cell.activation is activations.get("tanh")
        and cell.recurrent_activation is activations.get("sigmoid")
    )


def pack_weights(kernel: jax.Array, recurrent_kernel: jax.Array, bias: jax.Array
                 ) -> jax.Array:
    """Keras's LSTM weights as cuDNN's flat vector (see the module docstring)."""
    return jnp.concatenate([kernel.T.ravel(), recurrent_kernel.T.ravel(), bias,
                            jnp.zeros_like(bias)])


def _cudnn_kernel() -> LstmKernel:
    from jax.experimental.rnn import lstm  # noqa: PLC0415  (imported only on GPUs)

    return lstm


def lstm_with_cudnn(sequences: jax.Array, states: list, kernel: jax.Array,
                    recurrent_kernel: jax.Array, bias: jax.Array, go_backwards: bool,
                    lstm_kernel: LstmKernel | None = None, lengths: Any = None
                    ) -> Result:
    """``(last_output, outputs, [h, c])`` as :func:`pellucid.ops.rnn.rnn` returns them.

    ``sequences`` ``(batch, time, features)``; ``states`` ``[h0, c0]`` ``(batch, units)``;
    ``lengths`` ``(batch,)`` int32 (default: every step). With ``go_backwards`` the steps
    run last to first and ``outputs`` stay in processing order, as on the loop path.
    ``lstm_kernel`` replaces cuDNN's call (same signature as
    ``jax.experimental.rnn.lstm``), so the layout can be checked without a GPU.
    """
    run = lstm_kernel or _cudnn_kernel()
    if go_backwards:
        sequences = jnp.flip(sequences, axis=1)
    batch, steps, features = sequences.shape
    if lengths is None:
        lengths = jnp.full((batch,), steps, jnp.int32)
    h0, c0 = states
    outputs, h_n, c_n = run(
        sequences, h0[None], c0[None], pack_weights(kernel, recurrent_kernel, bias),
        lengths, input_size=features, hidden_size=recurrent_kernel.shape[0],
        num_layers=1, dropout=0.0, bidirectional=False)
    return outputs[:, -1], outputs, [h_n[0], c_n[0]]


def masked_lstm_with_cudnn(sequences: jax.Array, states: list, mask: jax.Array,
                           weights: tuple[jax.Array, jax.Array, jax.Array],
                           zero_output_for_mask: bool, return_sequences: bool,
                           loop: Callable[[], Result],
                           lstm_kernel: LstmKernel | None = None) -> Result:
    """The masked call: cuDNN when every sequence is a prefix of real steps, else
    ``loop()`` (see the module docstring); same results either way."""
    mask = mask.astype(bool)
    lengths = mask.sum(axis=1, dtype=jnp.int32)
    steps = jnp.arange(mask.shape[1])[None, :]
    prefix = jnp.all(mask == (steps < lengths[:, None])) & jnp.all(lengths >= 1)

    def fused() -> Result:
        _, outputs, (h, c) = lstm_with_cudnn(sequences, states, *weights, False,
                                             lstm_kernel, lengths)
        held = jnp.zeros_like(h) if zero_output_for_mask else h
        outputs = jnp.where(mask[:, :, None], outputs, held[:, None, :])
        return outputs[:, -1], outputs if return_sequences else None, [h, c]

    return jax.lax.cond(prefix, fused, loop)
