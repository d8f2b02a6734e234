"""Regularization layers: noise while training, identity at inference (plus
ActivityRegularization, which only adds a loss). None has parameters; all pass masks on.

Each noisy layer draws from its own seed stream (``seed=``), so with a seed the noise is
reproducible; inside a training step the keys come from the step's random scope.
"""

from __future__ import annotations

import math
from typing import Any

import jax

from pellucid import regularizers
from pellucid.backend import SeedGenerator
from pellucid.layers.dropout import Dropout, dropout
from pellucid.layers.input_spec import InputSpec
from pellucid.layers.layer import Layer

__all__ = [
    "ActivityRegularization", "AlphaDropout", "GaussianDropout", "GaussianNoise",
    "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
]

# SELU's constants: alpha' = -alpha * scale is the value SELU saturates to.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _check_fraction(cls_name: str, name: str, value: float) -> float:
    if not 0 <= value <= 1:
        raise ValueError(f"{cls_name}: `{name}` must be between 0 and 1, got {name}={value}.")
    return value


class _SpatialDropout(Dropout):
    """Dropout that drops whole feature maps: one draw per (sample, channel)."""

    rank = 0

    def __init__(self, rate: float, data_format: str | None = None, seed: int | None = None,
                 name: str | None = None, dtype: Any = None, **kwargs: Any):
        super().__init__(rate, seed=seed, name=name, dtype=dtype, **kwargs)
        self.data_format = data_format or "channels_last"
        if self.data_format not in ("channels_last", "channels_first"):
            raise ValueError(
                f"{type(self).__name__}: data_format must be 'channels_last' or "
                f"'channels_first', got {data_format!r}."
            )
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        if training and self.rate > 0:
            return dropout(inputs, self.rate, self._noise_shape(inputs.shape), self.seed_generator)
        return inputs

    def _noise_shape(self, shape: tuple) -> tuple:
        ones = (1,) * self.rank
        if self.data_format == "channels_first":
            return (shape[0], shape[1], *ones)
        return (shape[0], *ones, shape[-1])

    def get_config(self) -> dict:
        # Keras's spatial dropouts store only these keys (and "dtype" as a plain string).
        return {"rate": self.rate, "seed": self.seed, "name": self.name,
                "dtype": self.dtype_policy, "data_format": self.data_format}


class SpatialDropout1D(_SpatialDropout):
    """Dropout of whole channels of ``(batch, steps, channels)``.

    Noise shape ``(batch, 1, channels)``:

    ``output = inputs * m / (1 - rate)``, ``m ~ Bernoulli(1 - rate)`` shared by all steps;
    identity at inference.
    """

    rank = 1

    def __init__(self, rate: float, seed: int | None = None, name: str | None = None,
                 dtype: Any = None, **kwargs: Any):
        super().__init__(rate, seed=seed, name=name, dtype=dtype, **kwargs)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["data_format"]
        return config


class SpatialDropout2D(_SpatialDropout):
    """Dropout of whole 2-D feature maps of ``(batch, rows, cols, channels)``.

    Noise shape ``(batch, 1, 1, channels)`` (``(batch, channels, 1, 1)`` for
    ``channels_first``); kept maps are scaled by ``1 / (1 - rate)``; identity at inference.
    """

    rank = 2


class SpatialDropout3D(_SpatialDropout):
    """Dropout of whole 3-D feature maps of ``(batch, d1, d2, d3, channels)``.

    Noise shape ``(batch, 1, 1, 1, channels)`` (``(batch, channels, 1, 1, 1)`` for
    ``channels_first``); kept maps are scaled by ``1 / (1 - rate)``; identity at inference.
    """

    rank = 3


class GaussianNoise(Layer):
    """``output = inputs + n``, ``n ~ Normal(0, stddev^2)`` per entry, only when training.

    Any input shape; output has the same shape.
    """

    def __init__(self, stddev: float, seed: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.stddev = _check_fraction("GaussianNoise", "stddev", stddev)
        self.seed = seed
        self.seed_generator = SeedGenerator(seed)
        self.supports_masking = True

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        if training and self.stddev > 0:
            noise = jax.random.normal(self.seed_generator.next(), inputs.shape, inputs.dtype)
            return inputs + noise * self.stddev
        return inputs

    def get_config(self) -> dict:
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class GaussianDropout(Layer):
    """``output = inputs * n``, ``n ~ Normal(1, rate / (1 - rate))`` per entry, only when training.

    Multiplicative noise with the same mean and variance as Dropout's ``m / (1 - rate)``.
    Any input shape; output has the same shape.
    """

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.rate = _check_fraction("GaussianDropout", "rate", rate)
        self.seed = seed
        self.seed_generator = SeedGenerator(seed)
        self.supports_masking = True

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        if training and self.rate > 0:
            stddev = math.sqrt(self.rate / (1.0 - self.rate))
            noise = jax.random.normal(self.seed_generator.next(), inputs.shape, inputs.dtype)
            return inputs * (noise * stddev + 1.0)
        return inputs

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class AlphaDropout(Layer):
    """Dropout that keeps SELU's self-normalizing mean and variance (only when training).

    A dropped entry is set to SELU's saturation value ``alpha' = -alpha * scale`` instead
    of 0, then ``output = a * x + b`` with ``a = ((1 - rate) * (1 + rate * alpha'^2))^-1/2``
    and ``b = -a * alpha' * rate``, so that zero-mean unit-variance inputs stay so.
    ``noise_shape`` shares draws as in Dropout (``None`` entries take the input's size).
    """

    def __init__(self, rate: float, noise_shape: Any = None, seed: int | None = None,
                 **kwargs: Any):
        super().__init__(**kwargs)
        self.rate = _check_fraction("AlphaDropout", "rate", rate)
        self.noise_shape = noise_shape
        self.seed = seed
        self.seed_generator = SeedGenerator(seed)
        self.supports_masking = True

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        if not (training and self.rate > 0):
            return inputs
        shape = inputs.shape if self.noise_shape is None else tuple(
            inputs.shape[i] if d is None else d for i, d in enumerate(self.noise_shape)
        )
        uniform = jax.random.uniform(self.seed_generator.next(), shape, inputs.dtype)
        kept = (uniform >= self.rate).astype(inputs.dtype)
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        a = ((1 - self.rate) * (1 + self.rate * alpha_p**2)) ** -0.5
        b = -a * alpha_p * self.rate
        return a * (inputs * kept + alpha_p * (1 - kept)) + b

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed,
                "noise_shape": self.noise_shape}


class ActivityRegularization(Layer):
    """Identity that adds ``(l1 * sum|x| + l2 * sum x^2) / batch_size`` to the layer's losses.

    ``output = inputs``; the penalty is recorded on every call (training or not) and
    collected by ``layer.losses`` / the training step.
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0, **kwargs: Any):
        kwargs.pop("activity_regularizer", None)
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1 = l1
        self.l2 = l2
        self.supports_masking = True

    def call(self, inputs: Any) -> Any:
        return inputs

    def get_config(self) -> dict:
        config = super().get_config()
        config.pop("activity_regularizer", None)
        return {**config, "l1": self.l1, "l2": self.l2}

