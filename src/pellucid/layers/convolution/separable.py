"""Separable convolutions: a depthwise convolution followed by a 1x1 (pointwise) one."""

from __future__ import annotations

from typing import Any

from pellucid.layers import weight_arguments
from pellucid.layers.convolution import arguments
from pellucid.layers.convolution.depthwise import BaseDepthwiseConv
from pellucid.ops import conv as conv_ops


class BaseSeparableConv(BaseDepthwiseConv):
    """``output = activation(pointwise(depthwise(inputs)) + bias)``.

    The depthwise step is :class:`BaseDepthwiseConv` without bias (strides, padding and
    dilation apply here); the pointwise step mixes the ``in * depth_multiplier`` channels
    into ``filters`` with a ``1 x ... x 1`` kernel.
    Weights: ``depthwise_kernel (*kernel_size, in, depth_multiplier)``,
    ``pointwise_kernel (1, ..., 1, in * depth_multiplier, filters)``, ``bias (filters,)``.
    """

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 data_format: str | None = None, dilation_rate: Any = 1,
                 depth_multiplier: int = 1, activation: Any = None, use_bias: bool = True,
                 depthwise_initializer: Any = "glorot_uniform",
                 pointwise_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 depthwise_regularizer: Any = None, pointwise_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None,
                 depthwise_constraint: Any = None, pointwise_constraint: Any = None,
                 bias_constraint: Any = None, **kwargs: Any):
        super().__init__(kernel_size, strides=strides, padding=padding,
                         depth_multiplier=depth_multiplier, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         depthwise_initializer=depthwise_initializer,
                         bias_initializer=bias_initializer,
                         depthwise_regularizer=depthwise_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         depthwise_constraint=depthwise_constraint,
                         bias_constraint=bias_constraint, **kwargs)
        if not isinstance(filters, int) or filters <= 0:
            raise ValueError(
                f"{type(self).__name__}: `filters` must be a positive integer, got {filters!r}."
            )
        self.filters = filters
        weight_arguments.store(self, "pointwise", pointwise_initializer, pointwise_regularizer,
                               pointwise_constraint)

    def build(self, input_shape: tuple) -> None:
        channels = arguments.input_channels(self, input_shape, self.rank)
        self.check_output(input_shape)
        self.depthwise_kernel = self.add_depthwise_kernel(channels, "depthwise_kernel")
        self.pointwise_kernel = self.add_weight(
            (1,) * self.rank + (channels * self.depth_multiplier, self.filters),
            self.pointwise_initializer, name="pointwise_kernel",
            regularizer=self.pointwise_regularizer, constraint=self.pointwise_constraint,
        )
        self.add_bias(self.filters)
        self.set_channel_spec(input_shape, channels)
        # A direct ``layer.build(shape)`` (then ``set_weights``) must not be rebuilt later.
        self.built = True

    def call(self, inputs: Any) -> Any:
        spread = conv_ops.depthwise_conv(inputs, self.depthwise_kernel.value, self.strides,
                                         self.padding_pairs(inputs.shape), self.dilation_rate,
                                         self.data_format)
        ones = (1,) * self.rank
        outputs = conv_ops.conv(spread, self.pointwise_kernel.value, ones, "valid", ones,
                                self.data_format)
        return self.add_bias_and_activate(outputs)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "filters": self.filters,
            **weight_arguments.config(self, "pointwise"),
        }


class SeparableConv1D(BaseSeparableConv):
    """Separable 1-D convolution: ``(batch, steps, in)`` -> ``(batch, steps', filters)``."""

    rank = 1


class SeparableConv2D(BaseSeparableConv):
    """Separable 2-D convolution: ``(batch, h, w, in)`` -> ``(batch, h', w', filters)``."""

    rank = 2
