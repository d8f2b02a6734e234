"""UpSampling1D/2D/3D: repeat each spatial cell (or interpolate, in 2-D)."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from pellucid.layers.convolution import arguments
from pellucid.layers.input_spec import InputSpec
from pellucid.layers.layer import Layer

_METHODS = ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5")


class BaseUpSampling(Layer):
    """``output[..., i, ...] = inputs[..., i // size, ...]`` on each spatial axis.

    Shapes (channels_last): ``(batch, *spatial, c)`` -> ``(batch, *(n * size), c)``.
    No weights.
    """

    rank = 0
    _rows_independent = True  # see Layer.rows_independent

    def __init__(self, size: Any = 2, data_format: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        owner = type(self).__name__
        self.size = arguments.int_tuple(size, self.rank, "size", owner)
        self.data_format = arguments.data_format_name(data_format, owner)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def first_spatial_axis(self) -> int:
        return 1 if self.data_format == "channels_last" else 2

    def call(self, inputs: Any) -> Any:
        first = self.first_spatial_axis()
        for i, factor in enumerate(self.size):
            inputs = jnp.repeat(inputs, factor, axis=first + i)
        return inputs

    def get_config(self) -> dict:
        return {**super().get_config(), "size": self.size, "data_format": self.data_format}


class UpSampling1D(BaseUpSampling):
    """Repeat each step ``size`` times: ``(batch, steps, c)`` -> ``(batch, steps * size, c)``."""

    rank = 1

    def __init__(self, size: int = 2, **kwargs: Any):
        super().__init__(size, **kwargs)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["data_format"]
        config["size"] = self.size[0]
        return config


class UpSampling2D(BaseUpSampling):
    """Scale rows and columns by ``size``: ``(batch, h, w, c)`` -> ``(batch, h*sh, w*sw, c)``.

    ``interpolation='nearest'`` repeats cells; 'bilinear' (and the other ``jax.image``
    methods) interpolate with half-pixel centres and no antialiasing.
    """

    rank = 2

    def __init__(self, size: Any = (2, 2), data_format: str | None = None,
                 interpolation: str = "nearest", **kwargs: Any):
        super().__init__(size, data_format, **kwargs)
        if interpolation not in _METHODS:
            raise ValueError(
                f"UpSampling2D: `interpolation` must be one of {_METHODS}, got "
                f"{interpolation!r}."
            )
        self.interpolation = interpolation

    def call(self, inputs: Any) -> Any:
        if self.interpolation == "nearest":
            return super().call(inputs)
        first = self.first_spatial_axis()
        shape = list(inputs.shape)
        for i, factor in enumerate(self.size):
            shape[first + i] *= factor
        method = "cubic" if self.interpolation == "bicubic" else self.interpolation
        return jax.image.resize(inputs, shape, method=method, antialias=False)

    def get_config(self) -> dict:
        return {**super().get_config(), "interpolation": self.interpolation}


class UpSampling3D(BaseUpSampling):
    """Repeat cells along depth, rows and columns: ``(batch, d, h, w, c)`` -> scaled."""

    rank = 3

    def __init__(self, size: Any = (2, 2, 2), data_format: str | None = None, **kwargs: Any):
        super().__init__(size, data_format, **kwargs)
