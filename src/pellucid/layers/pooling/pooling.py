"""MaxPooling and AveragePooling over 1, 2 or 3 spatial axes."""

from __future__ import annotations

from typing import Any

from pellucid.layers.convolution import arguments
from pellucid.layers.input_spec import InputSpec
from pellucid.layers.layer import Layer
from pellucid.ops import conv as conv_ops


class BasePooling(Layer):
    """``output[o] = reduce(inputs[o * stride : o * stride + pool_size])`` per spatial axis.

    ``reduce`` is max or mean; channels are pooled independently. ``strides`` defaults to
    ``pool_size`` (windows do not overlap). 'same' pads as a convolution does
    (:func:`pellucid.ops.conv.same_padding`, extra at the end); padded cells are ignored by
    the max and not counted by the mean.

    Shapes (channels_last): ``(batch, *spatial, channels)`` -> ``(batch, *out, channels)``,
    ``out = floor((n - pool) / stride) + 1`` ('valid') or ``ceil(n / stride)`` ('same').
    No weights.
    """

    rank = 0
    _rows_independent = True  # see Layer.rows_independent
    mode = "max"

    # An int pool_size (default 2) means that size on every spatial axis, so the 2-D and
    # 3-D layers' Keras defaults, (2, 2) and (2, 2, 2), need no constructors of their own.
    def __init__(self, pool_size: Any = 2, strides: Any = None, padding: str = "valid",
                 data_format: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        owner = type(self).__name__
        self.pool_size = arguments.int_tuple(pool_size, self.rank, "pool_size", owner)
        self.strides = arguments.int_tuple(pool_size if strides is None else strides, self.rank,
                                           "strides", owner)
        self.padding = arguments.padding_mode(padding, owner)
        self.data_format = arguments.data_format_name(data_format, owner)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def build(self, input_shape: tuple) -> None:
        arguments.check_rank(self, input_shape, self.rank)
        spatial = conv_ops.spatial_shape(input_shape, self.data_format)
        if any(n is None for n in spatial):
            return
        ones = [1] * self.rank
        pads = conv_ops.conv_padding(spatial, self.pool_size, self.strides, ones, self.padding)
        sizes = [conv_ops.output_size(n, k, s, 1, p) for n, k, s, p in
                 zip(spatial, self.pool_size, self.strides, pads, strict=True)]
        arguments.check_output_sizes(self, input_shape, sizes)

    def call(self, inputs: Any) -> Any:
        return conv_ops.pool(inputs, self.pool_size, self.strides, self.padding,
                             self.data_format, self.mode)

    def get_config(self) -> dict:
        return {**super().get_config(), "pool_size": self.pool_size, "padding": self.padding,
                "strides": self.strides, "data_format": self.data_format}


class MaxPooling1D(BasePooling):
    """Max over windows of ``pool_size`` steps: ``(batch, steps, c)`` -> ``(batch, out, c)``."""

    rank, mode = 1, "max"


class MaxPooling2D(BasePooling):
    """Max over ``pool_size`` windows: ``(batch, h, w, c)`` -> ``(batch, h', w', c)``."""

    rank, mode = 2, "max"


class MaxPooling3D(BasePooling):
    """Max over ``pool_size`` windows: ``(batch, d, h, w, c)`` -> ``(batch, d', h', w', c)``."""

    rank, mode = 3, "max"


class AveragePooling1D(BasePooling):
    """Mean over windows of ``pool_size`` steps: ``(batch, steps, c)`` -> ``(batch, out, c)``."""

    rank, mode = 1, "average"


class AveragePooling2D(BasePooling):
    """Mean over ``pool_size`` windows: ``(batch, h, w, c)`` -> ``(batch, h', w', c)``."""

    rank, mode = 2, "average"


class AveragePooling3D(BasePooling):
    """Mean over ``pool_size`` windows: ``(batch, d, h, w, c)`` -> ``(batch, d', h', w', c)``."""

    rank, mode = 3, "average"
