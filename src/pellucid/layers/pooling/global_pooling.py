"""Global max and average pooling: one value per channel over all spatial positions."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from pellucid.layers.convolution import arguments
from pellucid.layers.input_spec import InputSpec
from pellucid.layers.layer import Layer


class BaseGlobalPooling(Layer):
    """``output[b, c] = reduce over every spatial position of inputs[b, ..., c]``.

    Shapes (channels_last): ``(batch, *spatial, channels)`` -> ``(batch, channels)``, or
    ``(batch, 1, ..., 1, channels)`` with ``keepdims=True``. No weights.
    """

    rank = 0
    _rows_independent = True  # see Layer.rows_independent
    reduce = staticmethod(jnp.max)

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        self.data_format = arguments.data_format_name(data_format, type(self).__name__)
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def spatial_axes(self) -> tuple[int, ...]:
        first = 1 if self.data_format == "channels_last" else 2
        return tuple(range(first, first + self.rank))

    def call(self, inputs: Any) -> Any:
        return self.reduce(inputs, axis=self.spatial_axes(), keepdims=self.keepdims)

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format,
                "keepdims": self.keepdims}


class GlobalMaxPooling1D(BaseGlobalPooling):
    """Max over steps: ``(batch, steps, c)`` -> ``(batch, c)``."""

    rank = 1


class GlobalMaxPooling2D(BaseGlobalPooling):
    """Max over rows and columns: ``(batch, h, w, c)`` -> ``(batch, c)``."""

    rank = 2


class GlobalMaxPooling3D(BaseGlobalPooling):
    """Max over the three spatial axes: ``(batch, d, h, w, c)`` -> ``(batch, c)``."""

    rank = 3


class GlobalAveragePooling1D(BaseGlobalPooling):
    """Mean over steps: ``(batch, steps, c)`` -> ``(batch, c)``.

    With a mask ``(batch, steps)`` only unmasked steps count:
    ``output = sum_t m_t x_t / sum_t m_t``. The mask stops here (the output has none).
    """

    rank = 1
    supports_masking = True

    def call(self, inputs: Any, mask: Any = None) -> Any:
        if mask is None:
            return jnp.mean(inputs, axis=self.spatial_axes(), keepdims=self.keepdims)
        keep = jnp.expand_dims(mask.astype(bool), 2 if self.data_format == "channels_last" else 1)
        total = jnp.sum(jnp.where(keep, inputs, 0), axis=self.spatial_axes(),
                        keepdims=self.keepdims)
        count = jnp.sum(keep.astype(inputs.dtype), axis=self.spatial_axes(),
                        keepdims=self.keepdims)
        return total / count

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return None


class GlobalAveragePooling2D(BaseGlobalPooling):
    """Mean over rows and columns: ``(batch, h, w, c)`` -> ``(batch, c)``."""

    rank = 2
    reduce = staticmethod(jnp.mean)


class GlobalAveragePooling3D(BaseGlobalPooling):
    """Mean over the three spatial axes: ``(batch, d, h, w, c)`` -> ``(batch, c)``."""

    rank = 3
    reduce = staticmethod(jnp.mean)
