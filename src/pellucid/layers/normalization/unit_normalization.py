"""UnitNormalization: scale each vector to unit L2 norm."""

from __future__ import annotations

from typing import Any

from pellucid.layers.layer import Layer
from pellucid.layers.normalization import axis_argument
from pellucid.ops import nn


class UnitNormalization(Layer):
    """``output = x / max(||x||_2, 1e-12)`` with the norm over ``axis`` (int or list).

    Output shape = input shape. No weights.
    """

    def __init__(self, axis: Any = -1, **kwargs: Any):
        super().__init__(**kwargs)
        self.axis = axis_argument.int_or_list(axis, "UnitNormalization")
        self.supports_masking = True

    def call(self, inputs: Any) -> Any:
        axis = tuple(self.axis) if isinstance(self.axis, list) else self.axis
        return nn.normalize(inputs, axis=axis, order=2, epsilon=1e-12)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}
