"""Ops that rearrange, join, split, pick or pad elements without computing new values."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp

from pellucid.ops.core import array_args


@array_args
def reshape(x: Any, newshape: Sequence[int] | int) -> jax.Array:
    """``x`` with shape ``newshape`` (one entry may be -1, inferred); same elements in order."""
    return jnp.reshape(x, newshape)


@array_args
def transpose(x: Any, axes: Sequence[int] | None = None) -> jax.Array:
    """Axes permuted: output axis ``i`` is input axis ``axes[i]`` (reversed when None)."""
    return jnp.transpose(x, axes)


@array_args
def moveaxis(x: Any, source: Any, destination: Any) -> jax.Array:
    """Axis ``source`` moved to position ``destination``, the others keeping their order."""
    return jnp.moveaxis(x, source, destination)


@array_args
def swapaxes(x: Any, axis1: int, axis2: int) -> jax.Array:
    """Axes ``axis1`` and ``axis2`` exchanged."""
    return jnp.swapaxes(x, axis1, axis2)


@array_args
def expand_dims(x: Any, axis: int | Sequence[int]) -> jax.Array:
    """A new size-1 axis inserted at ``axis``."""
    return jnp.expand_dims(x, axis)


@array_args
def squeeze(x: Any, axis: int | Sequence[int] | None = None) -> jax.Array:
    """Size-1 axes removed (only ``axis`` when given)."""
    return jnp.squeeze(x, axis=axis)


@array_args
def ravel(x: Any) -> jax.Array:
    """``x`` flattened to shape ``(x.size,)``."""
    return jnp.ravel(x)


@array_args
def broadcast_to(x: Any, shape: Sequence[int]) -> jax.Array:
    """``x`` broadcast (NumPy rules) to ``shape``."""
    return jnp.broadcast_to(x, shape)


@array_args
def concatenate(xs: Sequence[Any], axis: int = 0) -> jax.Array:
    """Arrays joined along an existing ``axis`` (the other dimensions must agree)."""
    return jnp.concatenate(xs, axis=axis)


@array_args
def append(x1: Any, x2: Any, axis: int | None = None) -> jax.Array:
    """``x2`` appended after ``x1`` along ``axis`` (both flattened when None)."""
    return jnp.append(x1, x2, axis=axis)


@array_args
def stack(x: Sequence[Any], axis: int = 0) -> jax.Array:
    """Arrays of one shape joined along a new ``axis``: ``(n, *shape)`` for axis 0."""
    return jnp.stack(x, axis=axis)


@array_args
def hstack(xs: Sequence[Any]) -> jax.Array:
    """Arrays joined along axis 1 (axis 0 for 1-D arrays)."""
    return jnp.hstack(xs)


@array_args
def vstack(xs: Sequence[Any]) -> jax.Array:
    """Arrays joined along axis 0 (1-D arrays become rows)."""
    return jnp.vstack(xs)


@array_args
def split(x: Any, indices_or_sections: Any, axis: int = 0) -> list[jax.Array]:
    """``x`` cut along ``axis`` into equal sections (an int) or at the given indices."""
    return jnp.split(x, indices_or_sections, axis=axis)


@array_args
def tile(x: Any, repeats: Any) -> jax.Array:
    """``x`` repeated as a whole ``repeats[i]`` times along axis ``i``."""
    return jnp.tile(x, repeats)


@array_args
def repeat(x: Any, repeats: Any, axis: int | None = None) -> jax.Array:
    """Each element repeated ``repeats`` times along ``axis`` (flattened when None)."""
    return jnp.repeat(x, repeats, axis=axis)


@array_args
def flip(x: Any, axis: int | Sequence[int] | None = None) -> jax.Array:
    """Elements in reverse order along ``axis`` (all axes when None)."""
    return jnp.flip(x, axis=axis)


@array_args
def roll(x: Any, shift: Any, axis: Any = None) -> jax.Array:
    """Elements shifted cyclically by ``shift`` along ``axis`` (flattened when None)."""
    return jnp.roll(x, shift, axis=axis)


@array_args
def take(x: Any, indices: Any, axis: int | None = None) -> jax.Array:
    """Elements at ``indices`` along ``axis`` (flattened ``x`` when None).

    Shape: ``x.shape[:axis] + indices.shape + x.shape[axis + 1:]``.
    """
    return jnp.take(x, jnp.asarray(indices), axis=axis)


@array_args
def take_along_axis(x: Any, indices: Any, axis: int | None = None) -> jax.Array:
    """``out[..., i, ...] = x[..., indices[..., i, ...], ...]`` along ``axis``."""
    return jnp.take_along_axis(x, jnp.asarray(indices), axis=axis)


@array_args
def get_item(x: Any, key: Any) -> jax.Array:
    """``x[key]``."""
    return jnp.asarray(x)[key]


@array_args
def pad(x: Any, pad_width: Any, mode: str = "constant", constant_values: Any = None) -> jax.Array:
    """``x`` padded by ``pad_width[i] = (before, after)`` along axis ``i``."""
    if constant_values is not None:
        if mode != "constant":
            raise ValueError(
                "Argument `constant_values` can only be used with mode 'constant'; "
                f"got mode={mode!r}."
            )
        return jnp.pad(x, pad_width, mode=mode, constant_values=constant_values)
    return jnp.pad(x, pad_width, mode=mode)


@array_args
def diag(x: Any, k: int = 0) -> jax.Array:
    """The ``k``-th diagonal of a 2-D ``x``, or a 2-D array with 1-D ``x`` on that diagonal."""
    return jnp.diag(x, k=k)


@array_args
def diagonal(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> jax.Array:
    """The ``offset`` diagonal of the ``(axis1, axis2)`` planes, as a trailing axis."""
    return jnp.diagonal(x, offset=offset, axis1=axis1, axis2=axis2)


@array_args
def tril(x: Any, k: int = 0) -> jax.Array:
    """``x`` with the elements above the ``k``-th diagonal set to zero."""
    return jnp.tril(x, k=k)


@array_args
def triu(x: Any, k: int = 0) -> jax.Array:
    """``x`` with the elements below the ``k``-th diagonal set to zero."""
    return jnp.triu(x, k=k)


@array_args
def one_hot(x: Any, num_classes: int, axis: int = -1, dtype: Any = None,
            sparse: bool = False) -> jax.Array:
    """Integer ``x`` as one-hot vectors: a new axis of size ``num_classes`` at ``axis``.

    Out-of-range (e.g. negative) indices give all-zero vectors.
    """
    if sparse:
        raise NotImplementedError("pellucid has no sparse tensors; use sparse=False.")
    return jax.nn.one_hot(x, num_classes, axis=axis, dtype=dtype or jnp.float32)


@array_args
def unstack(x: Any, num: int | None = None, axis: int = 0) -> list[jax.Array]:
    """The slices of ``x`` along ``axis``, each with that axis removed."""
    x = jnp.asarray(x)
    return [jax.lax.index_in_dim(x, i, axis, keepdims=False) for i in range(x.shape[axis])]


@array_args
def scatter(indices: Any, values: Any, shape: Sequence[int]) -> jax.Array:
    """Zeros of ``shape`` with ``values`` added at ``indices`` (``(n, rank)`` index rows)."""
    values = jnp.asarray(values)
    key = tuple(jnp.moveaxis(jnp.asarray(indices), -1, 0))
    return jnp.zeros(shape, values.dtype).at[key].add(values)


@array_args
def scatter_update(inputs: Any, indices: Any, updates: Any,
                   reduction: str | None = None) -> jax.Array:
    """``inputs`` with ``updates`` written (or combined by ``reduction``) at ``indices``.

    ``reduction``: None (overwrite), ``"add"``, ``"max"``, ``"min"`` or ``"mul"``.
    """
    key = tuple(jnp.transpose(jnp.asarray(indices)))
    at = jnp.asarray(inputs).at[key]
    methods = {None: at.set, "add": at.add, "max": at.max, "min": at.min, "mul": at.multiply}
    if reduction not in methods:
        raise ValueError(f"Unsupported reduction: {reduction!r}. Use one of {list(methods)}.")
    return methods[reduction](updates)


@array_args
def select(condlist: Sequence[Any], choicelist: Sequence[Any], default: Any = 0) -> jax.Array:
    """Elementwise ``choicelist[i]`` for the first true ``condlist[i]``, else ``default``."""
    return jnp.select(condlist, choicelist, default=default)
