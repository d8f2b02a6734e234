"""LayerNormalization: normalise each sample over its feature axes."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from pellucid.layers.layer import Layer
from pellucid.layers.normalization import axis_argument, scale_offset


class LayerNormalization(Layer):
    """``output = gamma * (x - mean) / sqrt(var + epsilon) + beta``, statistics per sample.

    ``mean`` and ``var`` are taken over ``axis`` (an int or a list of axes) of each sample
    separately. ``gamma`` and ``beta`` have the sizes of those axes. Output shape = input.
    """

    _rows_independent = True  # see Layer.rows_independent

    def __init__(self, axis: Any = -1, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, beta_initializer: Any = "zeros",
                 gamma_initializer: Any = "ones", beta_regularizer: Any = None,
                 gamma_regularizer: Any = None, beta_constraint: Any = None,
                 gamma_constraint: Any = None, **kwargs: Any):
        if kwargs.pop("rms_scaling", False):
            raise NotImplementedError(
                "LayerNormalization(rms_scaling=True) is deprecated in Keras and not supported."
            )
        super().__init__(**kwargs)
        self.axis = axis_argument.int_or_list(axis, "LayerNormalization")
        self.epsilon = epsilon
        scale_offset.store(self, center, scale, beta_initializer, gamma_initializer,
                           beta_regularizer, gamma_regularizer, beta_constraint,
                           gamma_constraint)
        self.supports_masking = True

    def axes(self, ndim: int) -> list[int]:
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        return sorted(a % ndim for a in axes)

    def build(self, input_shape: tuple) -> None:
        ndim = len(input_shape)
        listed = self.axis if isinstance(self.axis, list) else [self.axis]
        if any(not -ndim <= a < ndim for a in listed):
            raise ValueError(
                f"Layer {self.name!r} (LayerNormalization): axis {self.axis} is out of range "
                f"for input shape {tuple(input_shape)}."
            )
        shape = tuple(input_shape[a] for a in self.axes(ndim))
        scale_offset.add_weights(self, shape)
        # A direct ``layer.build(shape)`` (then ``set_weights``) must not be rebuilt later.
        self.built = True

    def call(self, inputs: Any) -> Any:
        axes = self.axes(inputs.ndim)
        broadcast = [1] * inputs.ndim
        for a in axes:
            broadcast[a] = inputs.shape[a]
        mean = jnp.mean(inputs, axes, keepdims=True)
        variance = jnp.var(inputs, axis=axes, keepdims=True)
        return scale_offset.normalize(self, inputs, mean, variance, broadcast)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "axis": self.axis,
            "epsilon": self.epsilon,
            **scale_offset.config(self),
        }
