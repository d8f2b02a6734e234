"""The N-D convolution layer shared by Conv1D, Conv2D and Conv3D."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from pellucid import activations
from pellucid.layers import weight_arguments
from pellucid.layers.convolution import arguments
from pellucid.layers.input_spec import InputSpec
from pellucid.layers.layer import Layer
from pellucid.ops import conv as conv_ops


class BaseConv(Layer):
    """``output = activation(conv(inputs, kernel) + bias)`` over ``rank`` spatial axes.

    Output position ``o`` on an axis reads input cells ``o * stride + j * dilation - before``
    for ``j < kernel_size``, where ``before`` comes from :func:`pellucid.ops.conv.conv_padding`
    ('same' puts an odd extra zero at the end; 'causal' pads only before).
    With ``groups = g``, input and output channels are split into ``g`` blocks and block
    ``i`` of the output only reads block ``i`` of the input.

    Shapes (channels_last): ``(batch, *spatial, in)`` -> ``(batch, *out_spatial, filters)``.
    Kernel ``(*kernel_size, in / groups, filters)``, bias ``(filters,)``.
    Parameters: ``prod(kernel_size) * in / groups * filters + filters``.
    """

    rank = 0
    _rows_independent = True  # see Layer.rows_independent

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 data_format: str | None = None, dilation_rate: Any = 1, groups: int = 1,
                 activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, lora_rank: int | None = None,
                 lora_alpha: float | None = None, **kwargs: Any):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        owner = type(self).__name__
        if lora_rank:
            raise NotImplementedError(f"{owner}: LoRA is not supported by pellucid.")
        if not isinstance(filters, int) or filters <= 0:
            raise ValueError(f"{owner}: `filters` must be a positive integer, got {filters!r}.")
        if not isinstance(groups, int) or groups <= 0 or filters % groups:
            raise ValueError(
                f"{owner}: `groups` must be a positive integer dividing filters={filters}, "
                f"got {groups!r}."
            )
        self.filters = filters
        self.groups = groups
        arguments.store_window(self, kernel_size, strides, padding, data_format,
                               dilation_rate, allow_causal=self.rank == 1)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        weight_arguments.store(self, "kernel", kernel_initializer, kernel_regularizer,
                               kernel_constraint)
        weight_arguments.store(self, "bias", bias_initializer, bias_regularizer, bias_constraint)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def build(self, input_shape: tuple) -> None:
        channels = arguments.input_channels(self, input_shape, self.rank)
        if channels % self.groups:
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}): {channels} input channels "
                f"(shape {tuple(input_shape)}, data_format={self.data_format!r}) are not "
                f"divisible by groups={self.groups}."
            )
        self.check_output(input_shape)
        self.kernel = self.add_weight(
            self.kernel_size + (channels // self.groups, self.filters), self.kernel_initializer,
            name="kernel", regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
        )
        self.add_bias()
        self.set_channel_spec(input_shape, channels)
        # A direct ``layer.build(shape)`` (then ``set_weights``) must not be rebuilt later.
        self.built = True

    def add_bias(self, size: int | None = None) -> None:
        """``bias (size,)`` (``filters`` unless given) when ``use_bias``, else None."""
        self.bias = None
        if self.use_bias:
            size = self.filters if size is None else size
            self.bias = self.add_weight((size,), self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    def set_channel_spec(self, input_shape: tuple, channels: int) -> None:
        axis = conv_ops.channel_axis(self.data_format)
        self.input_spec = InputSpec(
            ndim=self.rank + 2, axes={axis: channels},
            hint=f"It was built for {channels} channels on axis {axis} "
                 f"(data_format={self.data_format!r}).",
        )

    def check_output(self, input_shape: tuple) -> None:
        spatial = conv_ops.spatial_shape(input_shape, self.data_format)
        if any(n is None for n in spatial):
            return
        pads = conv_ops.conv_padding(spatial, self.kernel_size, self.strides,
                                     self.dilation_rate, self.padding)
        sizes = [conv_ops.output_size(n, k, s, d, p) for n, k, s, d, p in
                 zip(spatial, self.kernel_size, self.strides, self.dilation_rate, pads,
                     strict=True)]
        arguments.check_output_sizes(self, input_shape, sizes)

    def padding_pairs(self, input_shape: tuple) -> list[tuple[int, int]]:
        """The explicit ``(before, after)`` zeros on each spatial axis for this input shape."""
        return conv_ops.conv_padding(conv_ops.spatial_shape(input_shape, self.data_format),
                                     self.kernel_size, self.strides, self.dilation_rate,
                                     self.padding)

    def convolve(self, inputs: Any) -> Any:
        return conv_ops.conv(inputs, self.kernel.value, self.strides,
                             self.padding_pairs(inputs.shape), self.dilation_rate,
                             self.data_format)

    def call(self, inputs: Any) -> Any:
        return self.add_bias_and_activate(self.convolve(inputs))

    def add_bias_and_activate(self, outputs: Any) -> Any:
        """``activation(outputs + bias)``, the bias broadcast along the channels axis."""
        if self.bias is not None:
            outputs = outputs + jnp.reshape(self.bias.value, self.bias_shape())
        return self.activation(outputs)

    def bias_shape(self) -> tuple[int, ...]:
        if self.data_format == "channels_last":
            return (1,) * (self.rank + 1) + (-1,)
        return (1, -1) + (1,) * self.rank

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "groups": self.groups,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            **weight_arguments.config(self, "kernel", "bias"),
        }
