"""Layers that merge a list of tensors into one: elementwise ops, Concatenate and Dot.

Elementwise merges (Add, Subtract, Multiply, Average, Maximum, Minimum) broadcast as
NumPy does over the non-batch axes, after giving lower-rank inputs size-1 axes right
after the batch axis: ``(batch, 4)`` with ``(batch, 3, 4)`` gives ``(batch, 3, 4)``.

Masks (one per input, ``(batch, steps)`` for ``(batch, steps, features)`` inputs): the
output mask is the logical OR of the input masks, or None as soon as one input has no
mask. Multiply, Maximum and Minimum also use the masks in the arithmetic, as Keras does.
No merge layer has parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp

from pellucid.layers.layer import Layer
from pellucid.ops.nn import normalize as l2_normalize

__all__ = [
    "Add", "Average", "Concatenate", "Dot", "Maximum", "Minimum", "Multiply", "Subtract",
    "add", "average", "concatenate", "dot", "maximum", "minimum", "multiply", "subtract",
]


class Merge(Layer):
    """Base of the elementwise merges: ``output = merge(inputs[0], ..., inputs[n-1])``."""

    _rows_independent = True  # see Layer.rows_independent

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs: Sequence[Any], mask: Sequence[Any] | None = None) -> Any:
        inputs = _check_list(self, inputs)
        _check_batch_sizes(inputs)
        masks = list(mask) if mask is not None else [None] * len(inputs)
        rank = max(x.ndim for x in inputs)
        aligned, aligned_masks = [], []
        for x, m in zip(inputs, masks, strict=True):
            if x.ndim < rank:
                # A reshaped tensor no longer carries its mask in Keras either.
                x, m = jnp.reshape(x, (x.shape[0],) + (1,) * (rank - x.ndim) + x.shape[1:]), None
            aligned.append(x)
            aligned_masks.append(m)
        try:
            jnp.broadcast_shapes(*(x.shape for x in aligned))
        except ValueError:
            raise ValueError(
                f"{type(self).__name__}: inputs have incompatible shapes "
                f"{[tuple(x.shape) for x in inputs]}; sizes must match or be 1 on every "
                "non-batch axis."
            ) from None
        return self._merge(aligned, aligned_masks)

    def _merge(self, inputs: list, masks: list) -> Any:
        raise NotImplementedError

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if mask is None:
            return None
        _check_mask_list(inputs, mask)
        if any(m is None for m in mask):
            return None
        out = mask[0]
        for m in mask[1:]:
            out = jnp.logical_or(out, m)
        return out


class Add(Merge):
    """``output = inputs[0] + inputs[1] + ... + inputs[n-1]``; shapes as the broadcast inputs."""

    def _merge(self, inputs: list, masks: list) -> Any:
        out = inputs[0]
        for x in inputs[1:]:
            out = out + x
        return out


class Subtract(Merge):
    """``output = inputs[0] - inputs[1]`` (exactly two inputs)."""

    def _merge(self, inputs: list, masks: list) -> Any:
        if len(inputs) != 2:
            raise ValueError(
                f"A Subtract layer takes exactly 2 inputs, but it received {len(inputs)}."
            )
        return inputs[0] - inputs[1]


class Average(Merge):
    """``output = (inputs[0] + ... + inputs[n-1]) / n``."""

    def _merge(self, inputs: list, masks: list) -> Any:
        out = inputs[0]
        for x in inputs[1:]:
            out = out + x
        return out / len(inputs)


class Multiply(Merge):
    """``output = inputs[0] * ... * inputs[n-1]``.

    With masks, a masked-out entry counts as 1 in the product; if every input has a mask,
    positions masked out in all inputs give 0.
    """

    def _merge(self, inputs: list, masks: list) -> Any:
        all_masked = all(m is not None for m in masks)
        out, out_mask = None, None
        for x, m in zip(inputs, masks, strict=True):
            if m is not None:
                m = _spread_mask(m, x)
                x = jnp.where(m, x, jnp.ones((), x.dtype))
                if all_masked:
                    out_mask = m if out_mask is None else jnp.logical_or(out_mask, m)
            out = x if out is None else out * x
        if all_masked:
            out = jnp.where(out_mask, out, jnp.zeros((), out.dtype))
        return out


class Maximum(Merge):
    """``output = max(inputs[0], ..., inputs[n-1])`` elementwise; masked entries are skipped."""

    def _merge(self, inputs: list, masks: list) -> Any:
        return _masked_fold(jnp.maximum, inputs, masks)


class Minimum(Merge):
    """``output = min(inputs[0], ..., inputs[n-1])`` elementwise; masked entries are skipped."""

    def _merge(self, inputs: list, masks: list) -> Any:
        return _masked_fold(jnp.minimum, inputs, masks)


def _masked_fold(op: Callable, inputs: list, masks: list) -> Any:
    """Fold ``op`` over the inputs, replacing a masked-out entry by the other operand.

    Max and min have no neutral element, so a masked entry borrows the running result
    (or the running result borrows the new entry where the result is masked out).
    """
    out, out_mask = None, None
    for x, m in zip(inputs, masks, strict=True):
        if m is not None:
            m = _spread_mask(m, x)
        if out is None:
            out, out_mask = x, m
            continue
        if m is not None:
            x = jnp.where(m, x, out)
        if out_mask is not None:
            out = jnp.where(out_mask, out, x)
        out_mask = jnp.logical_or(out_mask, m) if m is not None and out_mask is not None else None
        out = op(out, x)
    return out


def _spread_mask(mask: Any, x: Any) -> Any:
    """A ``(batch, steps)`` mask broadcast over the feature axis of ``x``."""
    return jnp.broadcast_to(jnp.expand_dims(mask, -1), x.shape)


class Concatenate(Layer):
    """Joins the inputs along ``axis``.

    ``(batch, ..., a_i, ...)`` for each input -> ``(batch, ..., sum_i a_i, ...)``; every
    other axis must have the same size in all inputs.

    Output mask: each input's mask is spread to the input's full shape (an input without a
    mask counts as all True), the spread masks are concatenated along ``axis``, and the
    result is ``any`` over the last axis. Joining along the steps axis therefore joins
    the step masks.
    """

    _rows_independent = True  # see Layer.rows_independent

    def __init__(self, axis: int = -1, **kwargs: Any):
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True

    def call(self, inputs: Sequence[Any]) -> Any:
        inputs = _check_list(self, inputs)
        ranks = {x.ndim for x in inputs}
        shapes = [tuple(x.shape) for x in inputs]
        if len(ranks) == 1:
            rank = ranks.pop()
            axis = self.axis % rank
            others = {tuple(d for i, d in enumerate(s) if i != axis) for s in shapes}
            if len(others) == 1:
                return jnp.concatenate(inputs, axis=self.axis)
        raise ValueError(
            "A Concatenate layer requires inputs with matching shapes except for the "
            f"concatenation axis {self.axis}. Received: input shapes {shapes}."
        )

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if mask is None:
            return None
        _check_mask_list(inputs, mask)
        if all(m is None for m in mask):
            return None
        spread = []
        for x, m in zip(inputs, mask, strict=True):
            if m is None:
                spread.append(jnp.ones(x.shape, bool))
            elif m.ndim < x.ndim:
                spread.append(_spread_mask(m, x))
            else:
                spread.append(m)
        return jnp.any(jnp.concatenate(spread, axis=self.axis), axis=-1)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}


class Dot(Merge):
    """Per-sample dot product of two inputs, summing ``x`` axis ``a0`` against ``y`` axis ``a1``.

    ``axes`` is one int (the same axis in both) or a pair ``(a0, a1)``; the batch axis 0
    cannot be summed. Output shape: ``x``'s shape without ``a0``, followed by ``y``'s
    shape without the batch axis and ``a1``; two ``(batch, n)`` inputs give
    ``(batch, 1)``. With ``normalize=True`` both inputs are L2-normalized along the summed
    axis first, so the output is the cosine similarity. The output has no mask.
    """

    def __init__(self, axes: int | Sequence[int], normalize: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)):
                raise TypeError(f"Dot: `axes` must be an int or a pair of ints, got {axes!r}.")
            if len(axes) != 2 or not all(isinstance(a, int) for a in axes):
                raise ValueError(f"Dot: `axes` must hold exactly two ints, got {axes!r}.")
        self.axes = axes
        self.normalize = normalize

    def call(self, inputs: Sequence[Any], mask: Any = None) -> Any:
        inputs = _check_list(self, inputs)
        if len(inputs) != 2:
            raise ValueError(f"A Dot layer takes exactly 2 inputs, but it received {len(inputs)}.")
        x, y = inputs
        _check_batch_sizes(inputs)
        pair = (self.axes, self.axes) if isinstance(self.axes, int) else self.axes
        a0, a1 = pair[0] % x.ndim, pair[1] % y.ndim
        if x.ndim < 2 or y.ndim < 2 or 0 in (a0, a1):
            raise ValueError(
                f"Dot needs inputs of rank >= 2 and cannot sum over the batch axis; got shapes "
                f"{tuple(x.shape)} and {tuple(y.shape)} with axes={self.axes}."
            )
        if x.shape[a0] != y.shape[a1]:
            raise ValueError(
                f"Dot: axis {a0} of the first input has size {x.shape[a0]} but axis {a1} of "
                f"the second has size {y.shape[a1]}. Input shapes: {tuple(x.shape)}, "
                f"{tuple(y.shape)}."
            )
        if self.normalize:
            x, y = l2_normalize(x, axis=a0), l2_normalize(y, axis=a1)
        out = jax.vmap(lambda u, v: jnp.tensordot(u, v, axes=(a0 - 1, a1 - 1)))(x, y)
        return out[:, None] if out.ndim == 1 else out

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return None

    def get_config(self) -> dict:
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def _check_list(layer: Layer, inputs: Any) -> list:
    if not isinstance(inputs, (list, tuple)) or not inputs:
        raise ValueError(
            f"A {type(layer).__name__} layer must be called on a list of tensors, "
            f"e.g. {type(layer).__name__}()([x1, x2]); got "
            + ("a single tensor." if hasattr(inputs, "shape") else f"{type(inputs).__name__}.")
            + (" To merge the steps of one sequence into one vector, use Flatten()."
               if getattr(inputs, "ndim", 0) == 3 else "")
        )
    return list(inputs)


def _check_batch_sizes(inputs: list) -> None:
    if len({x.shape[0] for x in inputs if x.ndim}) > 1:
        raise ValueError(
            "Cannot merge tensors with different batch sizes. Received tensors with shapes "
            f"{[tuple(x.shape) for x in inputs]}."
        )


def _check_mask_list(inputs: Any, mask: Any) -> None:
    if not isinstance(mask, (list, tuple)) or not isinstance(inputs, (list, tuple)):
        raise ValueError("A merge layer expects a list of inputs and a list of masks.")
    if len(mask) != len(inputs):
        raise ValueError(
            f"A merge layer received {len(inputs)} inputs but {len(mask)} masks."
        )


def add(inputs: Sequence[Any], **kwargs: Any) -> Any:
    """``Add(**kwargs)(inputs)``."""
    return Add(**kwargs)(inputs)


def subtract(inputs: Sequence[Any], **kwargs: Any) -> Any:
    """``Subtract(**kwargs)(inputs)``."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs: Sequence[Any], **kwargs: Any) -> Any:
    """``Multiply(**kwargs)(inputs)``."""
    return Multiply(**kwargs)(inputs)


def average(inputs: Sequence[Any], **kwargs: Any) -> Any:
    """``Average(**kwargs)(inputs)``."""
    return Average(**kwargs)(inputs)


def maximum(inputs: Sequence[Any], **kwargs: Any) -> Any:
    """``Maximum(**kwargs)(inputs)``."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs: Sequence[Any], **kwargs: Any) -> Any:
    """``Minimum(**kwargs)(inputs)``."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs: Sequence[Any], axis: int = -1, **kwargs: Any) -> Any:
    """``Concatenate(axis, **kwargs)(inputs)``."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs: Sequence[Any], axes: int | Sequence[int] = -1, **kwargs: Any) -> Any:
    """``Dot(axes, **kwargs)(inputs)``."""
    return Dot(axes=axes, **kwargs)(inputs)
