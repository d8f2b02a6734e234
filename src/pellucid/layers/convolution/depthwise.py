"""Depthwise convolutions: every input channel gets its own filters, channels never mix."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from pellucid import activations, constraints, initializers, regularizers
from pellucid.layers.convolution import arguments
from pellucid.layers.convolution.base_conv import BaseConv
from pellucid.layers.layer import Layer
from pellucid.ops import conv as conv_ops


class BaseDepthwiseConv(Layer):
    """``output[..., c * m_count + m] = conv(inputs[..., c], kernel[..., c, m]) + bias``.

    Shapes (channels_last): ``(batch, *spatial, in)`` ->
    ``(batch, *out_spatial, in * depth_multiplier)``. Kernel
    ``(*kernel_size, in, depth_multiplier)``, bias ``(in * depth_multiplier,)``.
    Padding and strides behave as in :class:`BaseConv`.
    """

    rank = 0
    # The shared helpers of BaseConv read these attributes only.
    check_output = BaseConv.check_output
    padding_pairs = BaseConv.padding_pairs
    set_channel_spec = BaseConv.set_channel_spec
    bias_shape = BaseConv.bias_shape

    def __init__(self, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 depth_multiplier: int = 1, data_format: str | None = None,
                 dilation_rate: Any = 1, activation: Any = None, use_bias: bool = True,
                 depthwise_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 depthwise_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, depthwise_constraint: Any = None,
                 bias_constraint: Any = None, **kwargs: Any):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        owner = type(self).__name__
        if not isinstance(depth_multiplier, int) or depth_multiplier <= 0:
            raise ValueError(
                f"{owner}: `depth_multiplier` must be a positive integer, got "
                f"{depth_multiplier!r}."
            )
        self.depth_multiplier = depth_multiplier
        self.kernel_size = arguments.int_tuple(kernel_size, self.rank, "kernel_size", owner)
        self.strides = arguments.int_tuple(strides, self.rank, "strides", owner)
        self.dilation_rate = arguments.int_tuple(dilation_rate, self.rank, "dilation_rate", owner)
        self.padding = arguments.padding_mode(padding, owner)
        self.data_format = arguments.data_format_name(data_format, owner)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"{owner}: strides > 1 cannot be combined with dilation_rate > 1 "
                f"(strides={self.strides}, dilation_rate={self.dilation_rate})."
            )
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def build(self, input_shape: tuple) -> None:
        channels = arguments.input_channels(self, input_shape, self.rank)
        self.check_output(input_shape)
        self.kernel = self.add_weight(
            self.kernel_size + (channels, self.depth_multiplier), self.depthwise_initializer,
            name="kernel", regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight((channels * self.depth_multiplier,),
                                        self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.set_channel_spec(input_shape, channels)
        # A direct ``layer.build(shape)`` (then ``set_weights``) must not be rebuilt later.
        self.built = True

    def call(self, inputs: Any) -> Any:
        outputs = conv_ops.depthwise_conv(inputs, self.kernel.value, self.strides,
                                          self.padding_pairs(inputs.shape), self.dilation_rate,
                                          self.data_format)
        if self.bias is not None:
            outputs = outputs + jnp.reshape(self.bias.value, self.bias_shape())
        return self.activation(outputs)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "depth_multiplier": self.depth_multiplier,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


class DepthwiseConv1D(BaseDepthwiseConv):
    """Depthwise 1-D convolution: ``(batch, steps, in)`` -> ``(batch, steps', in * mult)``."""

    rank = 1


class DepthwiseConv2D(BaseDepthwiseConv):
    """Depthwise 2-D convolution: ``(batch, h, w, in)`` -> ``(batch, h', w', in * mult)``."""

    rank = 2
