"""Depthwise convolutions: every input channel gets its own filters, channels never mix."""

from __future__ import annotations

from typing import Any

from pellucid import activations
from pellucid.layers import weight_arguments
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
    _rows_independent = True  # see Layer.rows_independent
    # The shared helpers of BaseConv read these attributes only.
    check_output = BaseConv.check_output
    padding_pairs = BaseConv.padding_pairs
    set_channel_spec = BaseConv.set_channel_spec
    bias_shape = BaseConv.bias_shape
    add_bias = BaseConv.add_bias
    add_bias_and_activate = BaseConv.add_bias_and_activate

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
        arguments.store_window(self, kernel_size, strides, padding, data_format,
                               dilation_rate)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        weight_arguments.store(self, "depthwise", depthwise_initializer, depthwise_regularizer,
                               depthwise_constraint)
        weight_arguments.store(self, "bias", bias_initializer, bias_regularizer, bias_constraint)

    def build(self, input_shape: tuple) -> None:
        channels = arguments.input_channels(self, input_shape, self.rank)
        self.check_output(input_shape)
        self.kernel = self.add_depthwise_kernel(channels, "kernel")
        self.add_bias(channels * self.depth_multiplier)
        self.set_channel_spec(input_shape, channels)
        # A direct ``layer.build(shape)`` (then ``set_weights``) must not be rebuilt later.
        self.built = True

    def add_depthwise_kernel(self, channels: int, name: str) -> Any:
        """The ``(*kernel_size, channels, depth_multiplier)`` kernel, one filter bank per
        input channel."""
        return self.add_weight(
            self.kernel_size + (channels, self.depth_multiplier), self.depthwise_initializer,
            name=name, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
        )

    def call(self, inputs: Any) -> Any:
        outputs = conv_ops.depthwise_conv(inputs, self.kernel.value, self.strides,
                                          self.padding_pairs(inputs.shape), self.dilation_rate,
                                          self.data_format)
        return self.add_bias_and_activate(outputs)

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
            **weight_arguments.config(self, "depthwise", "bias"),
        }


class DepthwiseConv1D(BaseDepthwiseConv):
    """Depthwise 1-D convolution: ``(batch, steps, in)`` -> ``(batch, steps', in * mult)``."""

    rank = 1


class DepthwiseConv2D(BaseDepthwiseConv):
    """Depthwise 2-D convolution: ``(batch, h, w, in)`` -> ``(batch, h', w', in * mult)``."""

    rank = 2
