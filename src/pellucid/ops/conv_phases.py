"""A strided convolution whose input gradient runs as stride-1 convolutions, one per phase.

With stride ``s`` along an axis, output ``a`` reads padded input cells ``s * a + k`` for
kernel taps ``k``. Split the padded input by phase ``r = index mod s``: phase ``r`` holds
cells ``s * m + r`` and meets only the taps ``k = s * u + r``, so ::

    conv_s(x, w) = sum over phases r of conv_1(x[r::s], w[r::s])

(per spatial axis; in N-D ``r`` ranges over every combination of per-axis phases).

The forward pass is one strided convolution, as before. Only the derivative changes: its
part in the input is written as the sum above, which JAX transposes into one stride-1
convolution per phase and a single concatenation that interleaves the phases back. XLA's
own transpose of a strided convolution dilates the output gradient with zeros, and on the
CPU that ran B3's second Conv2D input gradient (batch 128, 12x12x64 -> 26x26x32, kernel 3,
stride 2) in 11.3 ms; the phases take 6.0 ms, the same values to float32 rounding. The
part in the kernel is left to XLA. Forward-mode derivatives use the same sum, so
``jax.jvp``, ``jacfwd`` and higher derivatives all work.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Sequence

import jax
import jax.numpy as jnp
from jax.custom_derivatives import SymbolicZero

Pads = tuple[tuple[int, int], ...]
Dims = tuple[str, str, str]


def _spatial_axes(dims: Dims) -> list[int]:
    """Positions of the spatial axes in the input's layout (``NHWC`` or ``NCHW``)."""
    return [i for i, c in enumerate(dims[0]) if c not in "NC"]


def _convolve(inputs: jax.Array, kernel: jax.Array, strides: Sequence[int], pads: Pads,
              dims: Dims) -> jax.Array:
    return jax.lax.conv_general_dilated(inputs, kernel, tuple(strides), list(pads),
                                        dimension_numbers=dims)


@functools.partial(jax.custom_jvp, nondiff_argnums=(2, 3, 4))
def strided_conv(inputs: jax.Array, kernel: jax.Array, strides: tuple[int, ...], pads: Pads,
                 dims: Dims) -> jax.Array:
    """``lax.conv_general_dilated`` with explicit ``pads`` (no dilation, one group)."""
    return _convolve(inputs, kernel, strides, pads, dims)


def _strided_conv_jvp(strides: tuple[int, ...], pads: Pads, dims: Dims, primals: tuple,
                      tangents: tuple) -> tuple[jax.Array, jax.Array]:
    inputs, kernel = primals
    d_inputs, d_kernel = tangents
    out = _convolve(inputs, kernel, strides, pads, dims)
    terms = []
    if not isinstance(d_inputs, SymbolicZero):
        terms.append(conv_by_phases(d_inputs, kernel, strides, pads, dims))
    if not isinstance(d_kernel, SymbolicZero):
        terms.append(_convolve(inputs, d_kernel, strides, pads, dims))
    return out, functools.reduce(jnp.add, terms) if terms else jnp.zeros_like(out)


strided_conv.defjvp(_strided_conv_jvp, symbolic_zeros=True)


def conv_by_phases(inputs: jax.Array, kernel: jax.Array, strides: Sequence[int], pads: Pads,
                   dims: Dims) -> jax.Array:
    """The same convolution as a sum of stride-1 convolutions over the input's phases.

    The padded input (grown at the end to a whole number of strides) is reshaped so that
    every phase is one slab along a new leading axis, and the slabs are taken apart with
    ``lax.split``, whose transpose is a concatenation: the gradient comes back as one pass.
    """
    spatial = _spatial_axes(dims)
    rank = len(spatial)
    kernel_size = kernel.shape[:rank]
    out_size = [(inputs.shape[a] + lo + hi - k) // s + 1
                for a, (lo, hi), k, s in zip(spatial, pads, kernel_size, strides, strict=True)]
    slabs = [-(-(inputs.shape[a] + lo + hi) // s)
             for a, (lo, hi), s in zip(spatial, pads, strides, strict=True)]
    grow = [(0, 0)] * inputs.ndim
    for a, (lo, _), n, s in zip(spatial, pads, slabs, strides, strict=True):
        grow[a] = (lo, n * s - inputs.shape[a] - lo)
    padded = jnp.pad(inputs, grow)

    # (..., n, s, ...) per spatial axis, then every phase axis moved to the front.
    split_shape: list[int] = []
    for axis, size in enumerate(padded.shape):
        if axis in spatial:
            i = spatial.index(axis)
            split_shape += [slabs[i], strides[i]]
        else:
            split_shape.append(size)
    phase_axes = [axis + spatial.index(axis) + 1 for axis in spatial]
    rest = [i for i in range(len(split_shape)) if i not in phase_axes]
    by_phase = padded.reshape(split_shape).transpose(phase_axes + rest)
    by_phase = by_phase.reshape((math.prod(strides),) + by_phase.shape[rank:])
    pieces = jax.lax.split(by_phase, [1] * math.prod(strides), axis=0)

    total = None
    for piece, phase in zip(pieces, itertools.product(*(range(s) for s in strides)),
                            strict=True):
        taps = tuple(slice(r, None, s) for r, s in zip(phase, strides, strict=True))
        sub_kernel = kernel[taps]
        if 0 in sub_kernel.shape[:rank]:  # a kernel shorter than the stride
            continue
        window = [slice(None)] * inputs.ndim
        for a, n, u in zip(spatial, out_size, sub_kernel.shape[:rank], strict=True):
            window[a] = slice(0, n + u - 1)
        term = _convolve(piece[0][tuple(window)], sub_kernel, [1] * rank, ((0, 0),) * rank, dims)
        total = term if total is None else total + term
    return total
