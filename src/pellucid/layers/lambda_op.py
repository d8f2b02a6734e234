"""Arithmetic and indexing on symbolic tensors (``x * 2``, ``a + b``, ``x[:, -1]``).

Each such expression becomes a node of a small layer that applies the jax.numpy function,
so functional models can use plain operators as Keras allows.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from pellucid.layers.layer import Layer


class SymbolicOp(Layer):
    """Applies ``jnp.<op_name>`` to its inputs (created by operators on KerasTensors)."""

    def __init__(self, op_name: str, constant: Any = None, reflected: bool = False,
                 index: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.op_name = op_name
        self.constant = constant
        self.reflected = reflected
        self.index = index

    def call(self, inputs: Any) -> Any:
        if self.op_name == "getitem":
            return inputs[self.index]
        fn = getattr(jnp, self.op_name)
        if isinstance(inputs, list):
            return fn(*inputs)
        if self.op_name == "negative":
            return fn(inputs)
        a, b = (self.constant, inputs) if self.reflected else (inputs, self.constant)
        return fn(a, b)


def apply_op(name: str, tensor: Any, other: Any, reflected: bool) -> Any:
    from pellucid.layers.symbolic import is_symbolic  # noqa: PLC0415

    if is_symbolic(other):
        pair = [other, tensor] if reflected else [tensor, other]
        return SymbolicOp(name)(pair)
    return SymbolicOp(name, constant=other, reflected=reflected)(tensor)


def apply_getitem(tensor: Any, index: Any) -> Any:
    return SymbolicOp("getitem", index=index)(tensor)
