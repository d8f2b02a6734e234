"""ZeroPadding and Cropping: add or remove cells at the borders of each spatial axis."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from pellucid.layers.convolution import arguments
from pellucid.layers.input_spec import InputSpec
from pellucid.layers.layer import Layer


def border_pairs(value: Any, rank: int, name: str, owner: str) -> tuple[tuple[int, int], ...]:
    """``((before, after), ...)`` per spatial axis from an int, per-axis ints or pairs.

    For ``rank == 1`` a pair ``(a, b)`` means before ``a`` and after ``b``.
    """
    if isinstance(value, int):
        pairs = ((value, value),) * rank
    elif rank == 1 and len(tuple(value)) == 2 and all(isinstance(v, int) for v in value):
        pairs = (tuple(value),)
    else:
        items = tuple(value)
        if len(items) != rank:
            raise ValueError(
                f"{owner}: `{name}` must be an int, {rank} ints or {rank} pairs, got {value!r}."
            )
        pairs = tuple((v, v) if isinstance(v, int) else tuple(v) for v in items)
    for pair in pairs:
        arguments.int_tuple(pair, 2, name, owner, allow_zero=True)
    return tuple(tuple(p) for p in pairs)


class BaseBorder(Layer):
    """Shared arguments of ZeroPadding and Cropping layers."""

    rank = 0
    _rows_independent = True  # see Layer.rows_independent
    argument = "padding"

    def __init__(self, amounts: Any, data_format: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        owner = type(self).__name__
        self.pairs = border_pairs(amounts, self.rank, self.argument, owner)
        self.data_format = arguments.data_format_name(data_format, owner)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def full_pairs(self) -> list[tuple[int, int]]:
        pairs = list(self.pairs)
        if self.data_format == "channels_last":
            return [(0, 0)] + pairs + [(0, 0)]
        return [(0, 0), (0, 0)] + pairs

    def get_config(self) -> dict:
        return {**super().get_config(), self.argument: self.pairs,
                "data_format": self.data_format}


class BaseZeroPadding(BaseBorder):
    """``output`` = ``inputs`` with ``before`` zeros in front of and ``after`` zeros behind
    each spatial axis: ``(batch, *n, c)`` -> ``(batch, *(n + before + after), c)``."""

    def call(self, inputs: Any) -> Any:
        return jnp.pad(inputs, self.full_pairs())

    @property
    def padding(self) -> tuple:
        return self.pairs


class ZeroPadding1D(BaseZeroPadding):
    """Zeros before/after the steps: ``(batch, steps, c)`` -> ``(batch, steps + a + b, c)``."""

    rank = 1

    def __init__(self, padding: Any = 1, data_format: str | None = None, **kwargs: Any):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding2D(BaseZeroPadding):
    """Zero rows and columns around images: ``(batch, h, w, c)`` -> ``(batch, h', w', c)``."""

    rank = 2

    def __init__(self, padding: Any = (1, 1), data_format: str | None = None, **kwargs: Any):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding3D(BaseZeroPadding):
    """Zeros around volumes: ``(batch, d, h, w, c)`` -> ``(batch, d', h', w', c)``."""

    rank = 3

    def __init__(self, padding: Any = ((1, 1), (1, 1), (1, 1)), data_format: str | None = None,
                 **kwargs: Any):
        super().__init__(padding, data_format, **kwargs)


class BaseCropping(BaseBorder):
    """``output = inputs[before : n - after]`` on each spatial axis.

    ``(batch, *n, c)`` -> ``(batch, *(n - before - after), c)``; cropping everything is an
    error.
    """

    argument = "cropping"

    def build(self, input_shape: tuple) -> None:
        first = 1 if self.data_format == "channels_last" else 2
        for i, (before, after) in enumerate(self.pairs):
            n = input_shape[first + i]
            if n is not None and before + after >= n:
                raise ValueError(
                    f"Layer {self.name!r} ({type(self).__name__}) would crop all of spatial "
                    f"axis {first + i} (size {n}) with cropping {self.pairs}; input shape "
                    f"{tuple(input_shape)}."
                )

    def call(self, inputs: Any) -> Any:
        index = tuple(slice(b, inputs.shape[a] - e) for a, (b, e) in
                      enumerate(self.full_pairs()))
        return inputs[index]

    @property
    def cropping(self) -> tuple:
        return self.pairs


class Cropping1D(BaseCropping):
    """Drop steps at both ends: ``(batch, steps, c)`` -> ``(batch, steps - a - b, c)``."""

    rank = 1

    def __init__(self, cropping: Any = (1, 1), **kwargs: Any):
        super().__init__(cropping, None, **kwargs)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["data_format"]
        config["cropping"] = self.pairs[0]
        return config


class Cropping2D(BaseCropping):
    """Drop rows and columns at the borders: ``(batch, h, w, c)`` -> ``(batch, h', w', c)``."""

    rank = 2

    def __init__(self, cropping: Any = ((0, 0), (0, 0)), data_format: str | None = None,
                 **kwargs: Any):
        super().__init__(cropping, data_format, **kwargs)


class Cropping3D(BaseCropping):
    """Drop borders of volumes: ``(batch, d, h, w, c)`` -> ``(batch, d', h', w', c)``."""

    rank = 3

    def __init__(self, cropping: Any = ((1, 1), (1, 1), (1, 1)), data_format: str | None = None,
                 **kwargs: Any):
        super().__init__(cropping, data_format, **kwargs)
