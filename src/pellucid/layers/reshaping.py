"""Reshape, Permute and RepeatVector: rearrange entries without computing new values.

None of them touch the batch axis, and none of them carry a mask forward (as in Keras,
an incoming mask is dropped with a warning).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import jax.numpy as jnp

from pellucid.layers.input_spec import InputSpec
from pellucid.layers.layer import Layer

__all__ = ["Permute", "RepeatVector", "Reshape"]


class Reshape(Layer):
    """``(batch, *in_shape) -> (batch, *target_shape)``, entries kept in row-major order.

    One entry of ``target_shape`` may be ``-1``: it takes whatever size keeps the number of
    entries per sample unchanged (``None`` in symbolic shapes when the input has unknown
    sizes). No parameters.
    """

    _rows_independent = True  # see Layer.rows_independent

    def __init__(self, target_shape: Sequence[int], **kwargs: Any):
        super().__init__(**kwargs)
        target_shape = tuple(target_shape)
        _check_target_shape(target_shape)
        self.target_shape = target_shape

    def call(self, inputs: Any) -> Any:
        sample_shape = tuple(inputs.shape[1:])
        known = math.prod(d for d in self.target_shape if d != -1)
        size = math.prod(sample_shape)
        if (-1 in self.target_shape and (known == 0 or size % known)) or (
            -1 not in self.target_shape and size != known
        ):
            raise ValueError(
                f"Cannot reshape samples of shape {sample_shape} ({size} entries) to "
                f"target_shape={self.target_shape}: the number of entries must stay the same."
            )
        return jnp.reshape(inputs, (inputs.shape[0], *self.target_shape))

    def get_config(self) -> dict:
        return {**super().get_config(), "target_shape": self.target_shape}


def _check_target_shape(target_shape: tuple) -> None:
    if target_shape.count(-1) > 1:
        raise ValueError(
            f"Reshape: at most one entry of `target_shape` may be -1, got {target_shape}."
        )
    for d in target_shape:
        if not isinstance(d, int) or (d <= 0 and d != -1):
            raise ValueError(
                "Reshape: `target_shape` entries must be positive integers or a single -1, "
                f"got {target_shape}."
            )


class Permute(Layer):
    """Reorders the non-batch axes: output axis ``i`` is input axis ``dims[i - 1]``.

    ``dims`` is a permutation of ``1 .. rank - 1`` (the batch axis 0 stays first), e.g.
    ``Permute((2, 1))`` turns ``(batch, steps, features)`` into
    ``(batch, features, steps)``. No parameters.
    """

    _rows_independent = True  # see Layer.rows_independent

    def __init__(self, dims: Sequence[int], **kwargs: Any):
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(
                "Permute: `dims` must be a permutation of 1..n (the batch axis 0 is never "
                f"moved), got dims={self.dims}."
            )
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs: Any) -> Any:
        return jnp.transpose(inputs, (0, *self.dims))

    def get_config(self) -> dict:
        return {**super().get_config(), "dims": self.dims}


class RepeatVector(Layer):
    """``(batch, features) -> (batch, n, features)``: the input vector repeated ``n`` times.

    Typically turns an encoder's summary vector into a sequence for a decoder RNN.
    No parameters.
    """

    _rows_independent = True  # see Layer.rows_independent

    def __init__(self, n: int, **kwargs: Any):
        super().__init__(**kwargs)
        if not isinstance(n, int) or isinstance(n, bool):
            raise TypeError(f"RepeatVector: `n` must be an integer, got {type(n).__name__}.")
        if n <= 0:
            raise ValueError(f"RepeatVector: `n` must be a positive integer, got n={n}.")
        self.n = n
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs: Any) -> Any:
        return jnp.repeat(inputs[:, None, :], self.n, axis=1)

    def get_config(self) -> dict:
        return {**super().get_config(), "n": self.n}
