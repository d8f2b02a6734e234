"""GroupNormalization: normalise each sample over groups of channels."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from pellucid.layers.input_spec import InputSpec
from pellucid.layers.layer import Layer
from pellucid.layers.normalization import scale_offset


class GroupNormalization(Layer):
    """Channels along ``axis`` are split into ``groups`` blocks of ``channels / groups``.

    For each sample and group: ``mean, var`` over the group's channels and every other
    non-batch axis; ``output = gamma_c * (x - mean) / sqrt(var + epsilon) + beta_c``.
    ``groups=-1`` means one group per channel (instance normalisation); ``groups=1`` is
    layer normalisation over all non-batch axes. Weights ``gamma, beta``: ``(channels,)``.
    """

    def __init__(self, groups: int = 32, axis: int = -1, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True, beta_initializer: Any = "zeros",
                 gamma_initializer: Any = "ones", beta_regularizer: Any = None,
                 gamma_regularizer: Any = None, beta_constraint: Any = None,
                 gamma_constraint: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        if not isinstance(groups, int) or (groups <= 0 and groups != -1):
            raise ValueError(
                f"GroupNormalization: `groups` must be a positive integer or -1, got {groups!r}."
            )
        self.groups = groups
        self.axis = axis
        self.epsilon = epsilon
        scale_offset.store(self, center, scale, beta_initializer, gamma_initializer,
                           beta_regularizer, gamma_regularizer, beta_constraint,
                           gamma_constraint)
        self.supports_masking = True

    def build(self, input_shape: tuple) -> None:
        channels = input_shape[self.axis]
        where = f"Layer {self.name!r} (GroupNormalization)"
        if channels is None:
            raise ValueError(f"{where} needs axis {self.axis} to be known; got {input_shape}.")
        if self.groups == -1:
            self.groups = channels
        if channels < self.groups or channels % self.groups:
            raise ValueError(
                f"{where}: groups={self.groups} must divide the {channels} channels on axis "
                f"{self.axis} (input shape {tuple(input_shape)})."
            )
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: channels})
        scale_offset.add_weights(self, (channels,))
        # A direct ``layer.build(shape)`` (then ``set_weights``) must not be rebuilt later.
        self.built = True

    def call(self, inputs: Any) -> Any:
        axis = self.axis % inputs.ndim
        channels = inputs.shape[axis]
        grouped_shape = (inputs.shape[:axis] + (self.groups, channels // self.groups)
                         + inputs.shape[axis + 1:])
        grouped = jnp.reshape(inputs, grouped_shape)
        # Reduce over everything except the batch axis and the group axis.
        axes = tuple(a for a in range(1, grouped.ndim) if a != axis)
        mean = jnp.mean(grouped, axes, keepdims=True)
        variance = jnp.var(grouped, axis=axes, keepdims=True)
        broadcast = [1] * grouped.ndim
        broadcast[axis], broadcast[axis + 1] = self.groups, channels // self.groups
        normalized = scale_offset.normalize(self, grouped, mean, variance, broadcast)
        return jnp.reshape(normalized, inputs.shape)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "groups": self.groups,
            "axis": self.axis,
            "epsilon": self.epsilon,
            **scale_offset.config(self),
        }
