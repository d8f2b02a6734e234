"""Convolution, transposed convolution and pooling with the padding written out.

Every function here turns Keras's ``padding`` words into explicit ``(before, after)``
pairs first (:func:`same_padding`, :func:`conv_padding`, :func:`transpose_padding`) and
hands those pairs to XLA, so the cells a window reads can be shown by other code.

Spatial layout: ``channels_last`` is ``(batch, *spatial, channels)``; ``channels_first`` is
``(batch, channels, *spatial)``. Kernels are ``(*kernel_size, in_channels / groups, filters)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp

from pellucid.backend import unwrap
from pellucid.backend.device import on_accelerator
from pellucid.ops.conv_phases import strided_conv

Pads = list[tuple[int, int]]


def same_padding(size: int, kernel: int, stride: int = 1, dilation: int = 1) -> tuple[int, int]:
    """``(before, after)`` zeros that make ``out = ceil(size / stride)`` (Keras/XLA 'same').

    ``total = max(0, (out - 1) * stride + dilated_kernel - size)``; ``before = total // 2``,
    so an odd total puts the extra zero at the END. On an even input with stride 2 and an
    odd kernel, ``total`` is odd and ``before`` is ``(k - 2) // 2``: for ``k = 3`` the
    first window starts at index 0, not at -1.
    """
    dilated = (kernel - 1) * dilation + 1
    out = -(-size // stride)
    total = max(0, (out - 1) * stride + dilated - size)
    return total // 2, total - total // 2


def conv_padding(spatial: Sequence[int], kernel_size: Sequence[int], strides: Sequence[int],
                 dilation: Sequence[int], padding: str) -> Pads:
    """Explicit ``(before, after)`` pairs per spatial axis for 'valid', 'same' or 'causal'.

    'causal' (1-D) pads ``dilation * (kernel - 1)`` zeros before and none after, so output
    ``t`` sees inputs ``<= t`` only.
    """
    if padding == "valid":
        return [(0, 0)] * len(spatial)
    if padding == "same":
        return [same_padding(n, k, s, d)
                for n, k, s, d in zip(spatial, kernel_size, strides, dilation, strict=True)]
    if padding == "causal":
        return [(d * (k - 1), 0) for k, d in zip(kernel_size, dilation, strict=True)]
    raise ValueError(f"`padding` must be 'valid', 'same' or 'causal', got {padding!r}.")


def output_size(size: int, kernel: int, stride: int, dilation: int, pads: tuple[int, int]) -> int:
    """Number of windows: ``floor((size + before + after - dilated_kernel) / stride) + 1``."""
    dilated = (kernel - 1) * dilation + 1
    return (size + pads[0] + pads[1] - dilated) // stride + 1


def spatial_shape(shape: Sequence[int], data_format: str) -> tuple[int, ...]:
    """The spatial sizes of a batched shape."""
    return tuple(shape[1:-1]) if data_format == "channels_last" else tuple(shape[2:])


def channel_axis(data_format: str) -> int:
    return -1 if data_format == "channels_last" else 1


def _dimension_numbers(rank: int, data_format: str) -> tuple[str, str, str]:
    letters = "DHW"[-rank:] if rank <= 3 else None
    if letters is None:
        raise ValueError(f"Convolutions support 1 to 3 spatial axes, got {rank}.")
    io = "N" + letters + "C" if data_format == "channels_last" else "NC" + letters
    return io, letters + "IO", io


def conv(inputs: Any, kernel: Any, strides: Sequence[int], padding: str | Pads,
         dilation: Sequence[int], data_format: str = "channels_last") -> jax.Array:
    """N-D convolution (cross-correlation, as Keras). ``groups = in_channels / kernel_in``.

    ``out[b, o, f] = sum_{k, c} x[b, o * stride + k * dilation - before, g(f) + c] w[k, c, f]``.
    """
    inputs, kernel = jnp.asarray(unwrap(inputs)), jnp.asarray(unwrap(kernel))
    rank = inputs.ndim - 2
    if isinstance(padding, str):
        padding = conv_padding(spatial_shape(inputs.shape, data_format), kernel.shape[:rank],
                               strides, dilation, padding)
    channels = inputs.shape[channel_axis(data_format)]
    groups = channels // kernel.shape[-2]
    dims = _dimension_numbers(rank, data_format)
    kernel = kernel.astype(inputs.dtype)
    if _phases_pay(strides, dilation, groups, padding):
        return strided_conv(inputs, kernel, tuple(strides), tuple(map(tuple, padding)), dims)
    return jax.lax.conv_general_dilated(
        inputs, kernel, tuple(strides), list(padding), rhs_dilation=tuple(dilation),
        dimension_numbers=dims, feature_group_count=groups,
    )


def _phases_pay(strides: Sequence[int], dilation: Sequence[int], groups: int,
                padding: Pads) -> bool:
    """Whether the input gradient runs faster by phases (:mod:`pellucid.ops.conv_phases`):
    a strided, undilated, ungrouped convolution with no cropping on XLA's CPU backend.
    Accelerators keep their own transposed convolution."""
    return (max(strides) > 1 and max(dilation) == 1 and groups == 1
            and min(min(pair) for pair in padding) >= 0 and not on_accelerator())


def depthwise_conv(inputs: Any, kernel: Any, strides: Sequence[int], padding: str | Pads,
                   dilation: Sequence[int], data_format: str = "channels_last") -> jax.Array:
    """Each input channel convolved with its own ``depth_multiplier`` filters.

    ``kernel``: ``(*kernel_size, in_channels, depth_multiplier)``; output channel
    ``c * depth_multiplier + m`` comes from input channel ``c`` and filter ``m``.
    """
    kernel = jnp.asarray(unwrap(kernel))
    rank = kernel.ndim - 2
    grouped = jnp.reshape(kernel, kernel.shape[:rank] + (1, kernel.shape[-2] * kernel.shape[-1]))
    return conv(inputs, grouped, strides, padding, dilation, data_format)


def transpose_padding(kernel: int, stride: int, dilation: int, padding: str,
                      output_padding: int | None) -> tuple[int, int]:
    """``(before, after)`` padding of the stride-dilated input for a transposed convolution.

    Output length: 'valid' -> ``(n - 1) * s + max(k_eff, s)`` (or ``+ k_eff + output_padding``);
    'same' -> ``n * s`` (or ``(n - 1) * s + k_eff % 2 + output_padding``), where
    ``k_eff = (k - 1) * dilation + 1``. This is Keras's rule for the JAX backend.
    """
    k_eff = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(k_eff, stride) - k_eff if output_padding is None else output_padding
        return k_eff - 1, k_eff - 1 + extra
    if padding != "same":
        raise ValueError(f"`padding` must be 'valid' or 'same', got {padding!r}.")
    if output_padding is None:
        total = stride + k_eff - 2
    else:
        total = k_eff + k_eff % 2 - 2 + output_padding
    before = min(total // 2 + total % 2, k_eff - 1)
    return before, total - before


def conv_transpose(inputs: Any, kernel: Any, strides: Sequence[int], padding: str,
                   output_padding: Sequence[int] | None, dilation: Sequence[int],
                   data_format: str = "channels_last") -> jax.Array:
    """Transposed convolution; ``kernel``: ``(*kernel_size, filters, in_channels)``.

    The gradient of :func:`conv` with respect to its input: zeros are inserted between
    input cells (``stride - 1`` each), the result is padded by :func:`transpose_padding` and
    convolved with the spatially flipped kernel.
    """
    inputs, kernel = jnp.asarray(unwrap(inputs)), jnp.asarray(unwrap(kernel))
    rank = inputs.ndim - 2
    ops_ = output_padding if output_padding is not None else [None] * rank
    pads = [transpose_padding(k, s, d, padding, p)
            for k, s, d, p in zip(kernel.shape[:rank], strides, dilation, ops_, strict=True)]
    return jax.lax.conv_transpose(
        inputs, kernel.astype(inputs.dtype), tuple(strides), pads,
        rhs_dilation=tuple(dilation),
        dimension_numbers=_dimension_numbers(rank, data_format),
        transpose_kernel=True,
    )


def _window(values: Sequence[int], data_format: str, fill: int) -> tuple[int, ...]:
    values = tuple(values)
    if data_format == "channels_last":
        return (fill,) + values + (fill,)
    return (fill, fill) + values


def pool(inputs: Any, pool_size: Sequence[int], strides: Sequence[int], padding: str,
         data_format: str, mode: str) -> jax.Array:
    """Max or average over windows of ``pool_size`` moved by ``strides``.

    'same' padding is :func:`same_padding` per axis. Padded cells never win a max (they
    hold ``-inf``) and are not counted by the average: each window's sum is divided by the
    number of real cells it covers.
    """
    inputs = jnp.asarray(unwrap(inputs))
    spatial = spatial_shape(inputs.shape, data_format)
    pads = conv_padding(spatial, pool_size, strides, [1] * len(spatial), padding)
    window = _window(pool_size, data_format, 1)
    steps = _window(strides, data_format, 1)
    full_pads = list(zip(_window([p[0] for p in pads], data_format, 0),
                         _window([p[1] for p in pads], data_format, 0), strict=True))
    if mode == "max":
        return jax.lax.reduce_window(inputs, -jnp.inf, jax.lax.max, window, steps, full_pads)
    sums = jax.lax.reduce_window(inputs, 0.0, jax.lax.add, window, steps, full_pads)
    if padding == "valid":
        return sums / math.prod(pool_size)
    ones = jnp.ones([n if w > 1 else 1 for n, w in zip(inputs.shape, window, strict=True)],
                    inputs.dtype)
    counts = jax.lax.reduce_window(ones, 0.0, jax.lax.add, window, steps, full_pads)
    return sums / counts
