"""StackedRNNCells: several cells run one after another inside each time step."""

from __future__ import annotations

import inspect
from typing import Any

import jax.numpy as jnp

from pellucid.layers.layer import Layer

__all__ = ["StackedRNNCells"]


class StackedRNNCells(Layer):
    """``out_k, states_k = cell_k(out_{k-1}, states_k)`` for k = 1..n, with ``out_0 = x_t``.

    ``state_size`` is the list of the cells' state sizes, so states nest one list per
    cell; the step's output is the last cell's output. Weights: each cell's, in order.
    """

    _rows_independent = True  # see Layer.rows_independent

    def __init__(self, cells: list, **kwargs: Any):
        super().__init__(**kwargs)
        for cell in cells:
            if not callable(getattr(cell, "call", None)):
                raise ValueError(f"StackedRNNCells: {cell!r} has no `call` method.")
            if getattr(cell, "state_size", None) is None:
                raise ValueError(
                    f"StackedRNNCells: the cell {type(cell).__name__} has no `state_size`."
                )
        self.cells = list(cells)

    @property
    def state_size(self) -> list:
        return [c.state_size for c in self.cells]

    @property
    def output_size(self) -> int:
        last = self.cells[-1]
        if getattr(last, "output_size", None) is not None:
            return last.output_size
        size = last.state_size
        return size if isinstance(size, int) else size[0]

    def get_initial_state(self, batch_size: int | None = None) -> list:
        states = []
        for cell in self.cells:
            make = getattr(cell, "get_initial_state", None)
            if make is not None:
                states.append(make(batch_size=batch_size))
            elif isinstance(cell.state_size, int):
                states.append(jnp.zeros((batch_size, cell.state_size), "float32"))
            else:
                states.append([jnp.zeros((batch_size, d), "float32") for d in cell.state_size])
        return states

    def build(self, input_shape: tuple) -> None:
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell.build(input_shape)
                cell._build_shapes = input_shape
                cell.built = True
            size = getattr(cell, "output_size", None)
            if size is None:
                size = cell.state_size if isinstance(cell.state_size, int) else cell.state_size[0]
            input_shape = (input_shape[0], size)

    def call(self, inputs: Any, states: Any, training: bool | None = None) -> tuple[Any, list]:
        new_states = []
        for cell, cell_states in zip(self.cells, states, strict=True):
            as_list = isinstance(cell_states, (list, tuple))
            kwargs = {"training": training} if "training" in inspect.signature(
                cell.call).parameters else {}
            inputs, out_states = cell.call(inputs, list(cell_states) if as_list
                                           else [cell_states], **kwargs)
            if not isinstance(out_states, (list, tuple)):
                out_states = [out_states]
            new_states.append(list(out_states) if as_list else out_states[0])
        return inputs, new_states

    def get_config(self) -> dict:
        from pellucid.layers.recurrent.rnn import _serialize  # noqa: PLC0415

        return {**super().get_config(), "cells": [_serialize(c) for c in self.cells]}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> StackedRNNCells:
        from pellucid.saving.serialization import deserialize_keras_object  # noqa: PLC0415

        config = dict(config)
        config["cells"] = [deserialize_keras_object(c, custom_objects=custom_objects)
                           if isinstance(c, dict) else c for c in config.get("cells", [])]
        cells = config.pop("cells")
        config.pop("dtype", None)
        return cls(cells, **config)
