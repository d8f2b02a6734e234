"""BatchNormalization: normalise with batch statistics while training, moving ones after."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from pellucid import initializers
from pellucid.layers.input_spec import InputSpec
from pellucid.layers.layer import Layer
from pellucid.layers.normalization import scale_offset
from pellucid.ops import nn


class BatchNormalization(Layer):
    """``output = gamma * (x - mean) / sqrt(var + epsilon) + beta`` along ``axis``.

    Training (``training=True`` and the layer trainable): ``mean, var`` are the batch's,
    over every axis but ``axis`` (only unmasked positions when a mask is given), and the
    moving statistics are updated with ``variable.assign``:
    ``moving = moving * momentum + batch * (1 - momentum)``.
    Inference: ``mean, var`` are ``moving_mean, moving_variance``.

    Shapes: output = input. Weights (``(channels,)`` each, in this order): ``gamma``
    (if ``scale``), ``beta`` (if ``center``), then the non-trainable ``moving_mean``,
    ``moving_variance``.
    """

    _rows_independent_in_inference = True  # see Layer.rows_independent

    def __init__(self, axis: int = -1, momentum: float = 0.99, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True, beta_initializer: Any = "zeros",
                 gamma_initializer: Any = "ones", moving_mean_initializer: Any = "zeros",
                 moving_variance_initializer: Any = "ones", beta_regularizer: Any = None,
                 gamma_regularizer: Any = None, beta_constraint: Any = None,
                 gamma_constraint: Any = None, renorm: bool = False, renorm_clipping: Any = None,
                 renorm_momentum: float = 0.99, synchronized: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        if renorm:
            raise NotImplementedError("BatchNormalization(renorm=True) is not supported.")
        if synchronized:
            raise ValueError("BatchNormalization(synchronized=True) needs TensorFlow.")
        self.axis = int(axis)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        scale_offset.store(self, center, scale, beta_initializer, gamma_initializer,
                           beta_regularizer, gamma_regularizer, beta_constraint,
                           gamma_constraint)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.supports_masking = True

    def build(self, input_shape: tuple) -> None:
        if not -len(input_shape) <= self.axis < len(input_shape):
            raise ValueError(
                f"Layer {self.name!r} (BatchNormalization): axis {self.axis} is out of range "
                f"for input shape {tuple(input_shape)}."
            )
        channels = input_shape[self.axis]
        if channels is None:
            raise ValueError(
                f"Layer {self.name!r} (BatchNormalization) needs axis {self.axis} to have a "
                f"known size; got input shape {tuple(input_shape)}."
            )
        shape = (channels,)
        scale_offset.add_weights(self, shape)
        self.moving_mean = self.add_weight(shape, self.moving_mean_initializer,
                                           name="moving_mean", trainable=False)
        self.moving_variance = self.add_weight(shape, self.moving_variance_initializer,
                                               name="moving_variance", trainable=False)
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: channels})
        self._reduce_axes = tuple(a for a in range(len(input_shape))
                                  if a != self.axis % len(input_shape))
        # A direct ``layer.build(shape)`` (then ``set_weights``) must not be rebuilt later.
        self.built = True

    def call(self, inputs: Any, training: bool | None = None, mask: Any = None) -> Any:
        if mask is not None and mask.ndim != inputs.ndim - 1:
            raise ValueError(
                f"Layer {self.name!r} (BatchNormalization): the mask must have one axis less "
                f"than the inputs; got mask {mask.shape} for inputs {inputs.shape}."
            )
        gamma = None if self.gamma is None else self.gamma.value
        beta = None if self.beta is None else self.beta.value
        if training and self.trainable:
            mean, variance = self.batch_moments(inputs, mask)
            keep = 1.0 - self.momentum
            self.moving_mean.assign(self.moving_mean.value * self.momentum + mean * keep)
            self.moving_variance.assign(
                self.moving_variance.value * self.momentum + variance * keep
            )
        else:
            mean, variance = self.moving_mean.value, self.moving_variance.value
        return nn.batch_normalization(inputs, mean, variance, self.axis, offset=beta,
                                      scale=gamma, epsilon=self.epsilon)

    def batch_moments(self, inputs: Any, mask: Any) -> tuple[Any, Any]:
        """Mean and variance over every axis but ``axis``; with a mask, a weighted mean
        ``sum(m x) / (sum(m) + 1e-7)`` and likewise for the squared deviations."""
        if mask is None:
            return nn.moments(inputs, self._reduce_axes)
        weight = jnp.broadcast_to(jnp.expand_dims(mask, -1), inputs.shape).astype(bool)
        count = jnp.sum(weight.astype(inputs.dtype), self._reduce_axes, keepdims=True) + 1e-7
        mean = jnp.sum(jnp.where(weight, inputs, 0), self._reduce_axes, keepdims=True) / count
        squares = jnp.square(jnp.where(weight, inputs - mean, 0))
        variance = jnp.sum(squares, self._reduce_axes, keepdims=True) / count
        return jnp.squeeze(mean, self._reduce_axes), jnp.squeeze(variance, self._reduce_axes)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            **scale_offset.config(self),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer":
                initializers.serialize(self.moving_variance_initializer),
            "synchronized": False,
        }
