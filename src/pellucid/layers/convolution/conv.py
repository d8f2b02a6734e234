"""Conv1D, Conv2D and Conv3D: :class:`BaseConv` with 1, 2 or 3 spatial axes."""

from __future__ import annotations

from typing import Any

from pellucid.layers.convolution.base_conv import BaseConv


class Conv1D(BaseConv):
    """1-D convolution over ``(batch, steps, channels)`` -> ``(batch, out_steps, filters)``.

    ``padding='causal'`` pads ``dilation_rate * (kernel_size - 1)`` zeros before the first
    step only, so ``output[t]`` depends on ``inputs[:t + 1]``. Kernel ``(k, in / groups,
    filters)``. See :class:`BaseConv` for the formula.
    """

    rank = 1

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 data_format: str | None = None, dilation_rate: Any = 1, groups: int = 1,
                 **kwargs: Any):
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, groups=groups,
                         **kwargs)


class Conv2D(BaseConv):
    """2-D convolution over ``(batch, rows, cols, channels)`` -> ``(batch, r', c', filters)``.

    Kernel ``(kh, kw, in / groups, filters)``. With ``strides=2, padding='same'`` on an even
    size and an odd kernel the windows start at row/column 0 and the one extra zero row or
    column is added at the end (see :func:`pellucid.ops.conv.same_padding`).
    """

    rank = 2

    def __init__(self, filters: int, kernel_size: Any, strides: Any = (1, 1),
                 padding: str = "valid", data_format: str | None = None,
                 dilation_rate: Any = (1, 1), groups: int = 1, **kwargs: Any):
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, groups=groups,
                         **kwargs)


class Conv3D(BaseConv):
    """3-D convolution over ``(batch, d, h, w, channels)`` -> ``(batch, d', h', w', filters)``.

    Kernel ``(kd, kh, kw, in / groups, filters)``. See :class:`BaseConv` for the formula.
    """

    rank = 3

    def __init__(self, filters: int, kernel_size: Any, strides: Any = (1, 1, 1),
                 padding: str = "valid", data_format: str | None = None,
                 dilation_rate: Any = (1, 1, 1), groups: int = 1, **kwargs: Any):
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, groups=groups,
                         **kwargs)
