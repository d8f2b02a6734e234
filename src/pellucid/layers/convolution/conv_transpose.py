"""Transposed convolutions: Conv1DTranspose, Conv2DTranspose, Conv3DTranspose."""

from __future__ import annotations

from typing import Any

from pellucid.layers.convolution import arguments
from pellucid.layers.convolution.base_conv import BaseConv
from pellucid.ops import conv as conv_ops


class BaseConvTranspose(BaseConv):
    """``output = activation(conv_transpose(inputs, kernel) + bias)``: the adjoint of a conv.

    Every input cell scatters ``value * kernel`` into a window of the output; windows of
    neighbouring cells start ``stride`` apart. Output length per axis (``k' = (k - 1) *
    dilation + 1``): 'valid' ``(n - 1) * s + max(k', s)``, 'same' ``n * s``; with
    ``output_padding = p``: 'valid' ``(n - 1) * s + k' + p``, 'same'
    ``(n - 1) * s + k' % 2 + p``.

    Kernel ``(*kernel_size, filters, in_channels)`` (note the swapped last two axes),
    bias ``(filters,)``.
    """

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 output_padding: Any = None, data_format: str | None = None,
                 dilation_rate: Any = 1, **kwargs: Any):
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, **kwargs)
        owner = type(self).__name__
        self.output_padding = None
        if output_padding is not None:
            self.output_padding = arguments.int_tuple(output_padding, self.rank,
                                                      "output_padding", owner, allow_zero=True)
            for p, s in zip(self.output_padding, self.strides, strict=True):
                if p >= s:
                    raise ValueError(
                        f"{owner}: every `output_padding` entry must be smaller than the "
                        f"stride; got output_padding={self.output_padding}, "
                        f"strides={self.strides}."
                    )

    def build(self, input_shape: tuple) -> None:
        channels = arguments.input_channels(self, input_shape, self.rank)
        self.kernel = self.add_weight(
            self.kernel_size + (self.filters, channels), self.kernel_initializer,
            name="kernel", regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
        )
        self.add_bias()
        self.set_channel_spec(input_shape, channels)
        # A direct ``layer.build(shape)`` (then ``set_weights``) must not be rebuilt later.
        self.built = True

    def padding_pairs(self, input_shape: tuple) -> list[tuple[int, int]]:
        """Padding of the stride-dilated input on each axis (see ``transpose_padding``)."""
        extra = self.output_padding or (None,) * self.rank
        return [conv_ops.transpose_padding(k, s, d, self.padding, p) for k, s, d, p in
                zip(self.kernel_size, self.strides, self.dilation_rate, extra, strict=True)]

    def convolve(self, inputs: Any) -> Any:
        return conv_ops.conv_transpose(inputs, self.kernel.value, self.strides, self.padding,
                                       self.output_padding, self.dilation_rate,
                                       self.data_format)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["groups"]
        config["output_padding"] = self.output_padding
        return config


class Conv1DTranspose(BaseConvTranspose):
    """Transposed 1-D convolution: ``(batch, steps, in)`` -> ``(batch, out_steps, filters)``."""

    rank = 1


class Conv2DTranspose(BaseConvTranspose):
    """Transposed 2-D convolution: ``(batch, h, w, in)`` -> ``(batch, h', w', filters)``."""

    rank = 2


class Conv3DTranspose(BaseConvTranspose):
    """Transposed 3-D convolution: ``(batch, d, h, w, in)`` -> ``(batch, d', h', w', filters)``."""

    rank = 3
