"""Dense, Activation and Identity."""

from __future__ import annotations

from typing import Any

from pellucid import activations
from pellucid.layers import weight_arguments
from pellucid.layers.input_spec import InputSpec
from pellucid.layers.layer import Layer
from pellucid.ops.dense_matmul import dense_matmul


class Dense(Layer):
    """A fully connected layer on the last axis.

    ``output = activation(inputs · kernel + bias)``

    The same ``kernel`` of shape ``(input_dim, units)`` is applied to every vector along the
    last axis: an input of shape ``(batch, d0, ..., input_dim)`` gives
    ``(batch, d0, ..., units)``. On a sequence ``(batch, steps, features)`` that is the
    same function as ``TimeDistributed(Dense(units))``: steps do not mix.

    Parameters: ``input_dim * units`` (kernel) ``+ units`` (bias, if ``use_bias``).
    """

    _rows_independent = True  # see Layer.rows_independent

    def __init__(self, units: int, activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, lora_rank: int | None = None,
                 lora_alpha: float | None = None, quantization_config: Any = None,
                 **kwargs: Any):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(
                f"Dense: `units` must be a positive integer, got {units!r}."
            )
        if lora_rank or quantization_config:
            raise NotImplementedError("Dense LoRA and quantization are not supported by pellucid.")
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        weight_arguments.store(self, "kernel", kernel_initializer, kernel_regularizer,
                               kernel_constraint)
        weight_arguments.store(self, "bias", bias_initializer, bias_regularizer, bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape: tuple) -> None:
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(
                f"Layer {self.name!r} (Dense) needs the size of the last input axis to be "
                f"known; got input shape {input_shape}."
            )
        self._kernel = self.add_weight((input_dim, self.units), self.kernel_initializer,
                                       name="kernel", regularizer=self.kernel_regularizer,
                                       constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight((self.units,), self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.input_spec = InputSpec(
            min_ndim=2, axes={-1: input_dim},
            hint=f"Its kernel was built for {input_dim} input features.",
        )

    @property
    def kernel(self) -> Any:
        return self._kernel

    def call(self, inputs: Any) -> Any:
        outputs = dense_matmul(inputs, self._kernel.value)
        if self.bias is not None:
            outputs = outputs + self.bias.value
        return self.activation(outputs)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            **weight_arguments.config(self, "kernel", "bias"),
            "quantization_config": None,
        }


class Activation(Layer):
    """Applies an activation function elementwise: ``output = activation(inputs)``."""

    _rows_independent = True  # see Layer.rows_independent

    def __init__(self, activation: Any, **kwargs: Any):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True

    def call(self, inputs: Any) -> Any:
        return self.activation(inputs)

    def get_config(self) -> dict:
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class Identity(Layer):
    """Returns its input unchanged: ``output = inputs``."""

    _rows_independent = True  # see Layer.rows_independent

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs: Any) -> Any:
        return inputs
