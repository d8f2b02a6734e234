"""Activation functions as layers: ReLU, LeakyReLU, PReLU, ELU, Softmax.

All keep the input's shape and pass masks on. Only PReLU has parameters.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from pellucid import activations, constraints, initializers, regularizers
from pellucid.layers.input_spec import InputSpec
from pellucid.layers.layer import Layer

__all__ = ["ELU", "LeakyReLU", "PReLU", "ReLU", "Softmax"]


class ReLU(Layer):
    """Rectified linear unit with a threshold, a cap and a slope below the threshold.

    ``output = min(x, max_value)`` for ``x >= threshold``, else
    ``negative_slope * (x - threshold)``. Defaults give ``max(x, 0)``.
    """

    def __init__(self, max_value: float | None = None, negative_slope: float = 0.0,
                 threshold: float = 0.0, **kwargs: Any):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0.0:
            raise ValueError(f"ReLU: `max_value` cannot be negative, got {max_value}.")
        if negative_slope is None or negative_slope < 0.0:
            raise ValueError(
                f"ReLU: `negative_slope` cannot be None or negative, got {negative_slope}."
            )
        if threshold is None or threshold < 0.0:
            raise ValueError(f"ReLU: `threshold` cannot be None or negative, got {threshold}.")
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold
        self.supports_masking = True

    def call(self, inputs: Any) -> Any:
        return activations.relu(inputs, negative_slope=self.negative_slope,
                                max_value=self.max_value, threshold=self.threshold)

    def get_config(self) -> dict:
        return {**super().get_config(), "max_value": self.max_value,
                "negative_slope": self.negative_slope, "threshold": self.threshold}


class LeakyReLU(Layer):
    """``output = x`` for ``x >= 0``, else ``negative_slope * x`` (default slope 0.3)."""

    def __init__(self, negative_slope: float = 0.3, **kwargs: Any):
        if "alpha" in kwargs:
            import warnings  # noqa: PLC0415

            negative_slope = kwargs.pop("alpha")
            warnings.warn("LeakyReLU: argument `alpha` is deprecated; use `negative_slope`.",
                          stacklevel=2)
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError(
                f"LeakyReLU: `negative_slope` cannot be None or negative, got {negative_slope}."
            )
        self.negative_slope = negative_slope
        self.supports_masking = True

    def call(self, inputs: Any) -> Any:
        return activations.leaky_relu(inputs, negative_slope=self.negative_slope)

    def get_config(self) -> dict:
        return {**super().get_config(), "negative_slope": self.negative_slope}


class PReLU(Layer):
    """Leaky ReLU with a learned slope: ``output = max(x, 0) - alpha * max(-x, 0)``.

    ``alpha`` has the input's shape without the batch axis, ``(d1, ..., dn)``, with size 1
    on each axis listed in ``shared_axes`` (e.g. ``shared_axes=[1, 2]`` on images shares
    one slope per channel). Parameters: the product of ``alpha``'s shape.
    """

    def __init__(self, alpha_initializer: Any = "Zeros", alpha_regularizer: Any = None,
                 alpha_constraint: Any = None, shared_axes: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        else:
            self.shared_axes = list(shared_axes) if isinstance(shared_axes, (list, tuple)) \
                else [shared_axes]
        self.supports_masking = True

    def build(self, input_shape: tuple) -> None:
        param_shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            param_shape[axis - 1] = 1
        if any(d is None for d in param_shape):
            raise ValueError(
                f"Layer {self.name!r} (PReLU) needs every non-shared axis size known; got input "
                f"shape {input_shape}. Share the unknown axes with `shared_axes`."
            )
        self.alpha = self.add_weight(param_shape, self.alpha_initializer, name="alpha",
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        shared = set(self.shared_axes or [])
        axes = {i: input_shape[i] for i in range(1, len(input_shape)) if i not in shared}
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes)

    def call(self, inputs: Any) -> Any:
        return jax.nn.relu(inputs) - self.alpha.value * jax.nn.relu(-inputs)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
            "alpha_constraint": constraints.serialize(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        }


class ELU(Layer):
    """``output = x`` for ``x > 0``, else ``alpha * (exp(x) - 1)``."""

    def __init__(self, alpha: float = 1.0, **kwargs: Any):
        super().__init__(**kwargs)
        self.alpha = alpha
        self.supports_masking = True

    def call(self, inputs: Any) -> Any:
        return activations.elu(inputs, alpha=self.alpha)

    def get_config(self) -> dict:
        return {**super().get_config(), "alpha": self.alpha}


class Softmax(Layer):
    """``output = exp(x) / sum(exp(x))`` along ``axis`` (an int or a tuple of axes).

    A ``mask`` argument (broadcastable to the input, aligned from the last axis; True =
    keep) excludes entries: they get probability 0 and the rest renormalize.
    """

    def __init__(self, axis: int | tuple[int, ...] = -1, **kwargs: Any):
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True

    def call(self, inputs: Any, mask: Any = None) -> Any:
        if mask is not None:
            _check_broadcastable(mask.shape, inputs.shape)
            if mask.dtype != jnp.bool_:
                mask = mask > 0.5
            inputs = jnp.where(mask, inputs, _large_negative(inputs.dtype))
        axis = tuple(self.axis) if isinstance(self.axis, (list, tuple)) else self.axis
        if isinstance(axis, tuple) and len(axis) > 1:
            outputs = jnp.exp(inputs - jax.nn.logsumexp(inputs, axis=axis, keepdims=True))
        else:
            outputs = activations.softmax(inputs, axis=axis[0] if isinstance(axis, tuple)
                                          else axis)
        if mask is not None:
            outputs = jnp.where(mask, outputs, 0.0)
        return outputs

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}


def _check_broadcastable(mask_shape: tuple, input_shape: tuple) -> None:
    ok = len(mask_shape) <= len(input_shape) and all(
        m in (1, i) for m, i in zip(reversed(mask_shape), reversed(input_shape), strict=False)
    )
    if not ok:
        raise ValueError(
            "Softmax: the mask must be broadcastable to the inputs (aligned from the last "
            f"axis, each size 1 or equal). Received inputs.shape={tuple(input_shape)}, "
            f"mask.shape={tuple(mask_shape)}."
        )


def _large_negative(dtype: Any) -> Any:
    """A value whose exp is 0 but that stays finite in ``dtype`` (so no NaN from inf - inf)."""
    return jnp.asarray(-3e4 if jnp.dtype(dtype) == jnp.float16 else -1e9, dtype)
