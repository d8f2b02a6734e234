"""``Input(shape)``: the entry point of a functional model."""

from __future__ import annotations

from typing import Any

from pellucid.layers.layer import Layer
from pellucid.layers.symbolic import KerasTensor, Node


class InputLayer(Layer):
    """Holds the symbolic tensor ``(batch_size, *shape)`` that a model starts from."""

    _rows_independent = True  # see Layer.rows_independent

    def __init__(self, shape: Any = None, batch_size: int | None = None, dtype: Any = None,
                 sparse: bool | None = None, batch_shape: Any = None, input_tensor: Any = None,
                 optional: bool = False, name: str | None = None, ragged: bool | None = None,
                 **kwargs: Any):
        kwargs.pop("input_shape", None)
        super().__init__(name=name, **kwargs)
        if sparse or ragged:
            raise NotImplementedError("Sparse and ragged inputs are not supported by pellucid.")
        if batch_shape is None:
            if shape is None:
                raise ValueError(
                    "Input needs a `shape` (without the batch axis), e.g. shape=(28, 28)."
                )
            shape = (shape,) if isinstance(shape, int) else tuple(shape)
            batch_shape = (batch_size,) + shape
        self.batch_shape = tuple(batch_shape)
        self.input_dtype = str(dtype) if dtype is not None else "float32"
        self.optional = optional
        self.built = True
        self._build_shapes = self.batch_shape
        tensor = KerasTensor(self.batch_shape, self.input_dtype, name=self.name)
        Node(self, (), {}, tensor)
        self.output_tensor = tensor

    def call(self, inputs: Any) -> Any:
        return inputs

    def get_config(self) -> dict:
        return {
            "batch_shape": list(self.batch_shape),
            "dtype": self.input_dtype,
            "sparse": False,
            "ragged": False,
            "name": self.name,
            "optional": self.optional,
        }

    @classmethod
    def from_config(cls, config: dict) -> InputLayer:
        config = dict(config)
        config.pop("ragged", None)
        return cls(**config)


def Input(shape: Any = None, batch_size: int | None = None, dtype: Any = None,
          sparse: bool | None = None, batch_shape: Any = None, name: str | None = None,
          tensor: Any = None, optional: bool = False) -> KerasTensor:
    """A symbolic input of shape ``(batch_size, *shape)`` (``batch_size`` None = any)."""
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, name=name, optional=optional)
    return layer.output_tensor
