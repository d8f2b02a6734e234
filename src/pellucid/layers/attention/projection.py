"""The learned linear maps of multi-head attention (Keras's EinsumDense sublayers)."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from pellucid.layers import weight_arguments
from pellucid.layers.layer import Layer


class HeadProjection(Layer):
    """``output = tensordot(inputs, kernel, bound) + bias``.

    The last ``bound`` axes of the input are contracted with the first ``bound`` axes of
    ``kernel (*in_dims, *out_dims)``; every other input axis is kept. Query/key/value use
    ``bound=1`` and ``out_dims=(num_heads, head_dim)``; the output map uses ``bound=2``
    (heads and head_dim) and ``out_dims=output_shape``. Bias: ``out_dims``.
    """

    def __init__(self, bound: int, out_dims: tuple[int, ...], use_bias: bool,
                 kernel_initializer: Any, bias_initializer: Any, kernel_regularizer: Any,
                 bias_regularizer: Any, kernel_constraint: Any, bias_constraint: Any,
                 **kwargs: Any):
        super().__init__(**kwargs)
        self.bound = bound
        self.out_dims = tuple(out_dims)
        self.use_bias = use_bias
        weight_arguments.store(self, "kernel", kernel_initializer, kernel_regularizer,
                               kernel_constraint)
        weight_arguments.store(self, "bias", bias_initializer, bias_regularizer, bias_constraint)

    def build(self, input_shape: tuple) -> None:
        in_dims = tuple(input_shape[-self.bound:])
        self.kernel = self.add_weight(in_dims + self.out_dims, self.kernel_initializer,
                                      name="kernel", regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(self.out_dims, self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.built = True

    def call(self, inputs: Any) -> Any:
        outputs = jnp.tensordot(inputs, self.kernel.value, axes=self.bound)
        return outputs if self.bias is None else outputs + self.bias.value
