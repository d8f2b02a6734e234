"""Symbolic tensors and graph nodes: what ``Input(...)`` and layer calls on it produce.

A :class:`KerasTensor` is a shape and dtype with a history: the node (layer call) that
made it. Output shapes come from tracing the layer's real ``call`` with
``jax.eval_shape``; unknown dimensions (``None``) are found by tracing twice with two
different stand-in sizes and marking the dimensions that changed (once where only the
batch is unknown and the layer keeps rows apart: see :func:`trace_shapes`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import numpy as np

_STAND_IN_SIZES = (13, 17)


class KerasTensor:
    """A symbolic tensor: ``shape`` (``None`` for unknown sizes), ``dtype`` and history."""

    def __init__(self, shape: Any, dtype: Any = "float32", name: str | None = None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = str(np.dtype(dtype)) if not isinstance(dtype, str) else dtype
        self.name = name
        self.node: Node | None = None
        self.tensor_index = 0
        self.mask: KerasTensor | None = None

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def keras_history(self) -> tuple[Any, int, int]:
        layer = self.node.layer if self.node else None
        index = layer._inbound_nodes.index(self.node) if layer is not None else 0
        return layer, index, self.tensor_index

    def __repr__(self) -> str:
        source = f", created by layer '{self.node.layer.name}'" if self.node else ""
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}{source}>"

    def __array__(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(
            "A symbolic KerasTensor (from keras.Input or a layer called on one) has no values. "
            "Build a Model(inputs, outputs) and call it, or call layers on arrays."
        )

    def _symbolic_op(self, name: str, other: Any, reflected: bool = False) -> KerasTensor:
        from pellucid.layers.lambda_op import apply_op  # noqa: PLC0415

        return apply_op(name, self, other, reflected)

    def __add__(self, other: Any) -> KerasTensor:
        return self._symbolic_op("add", other)

    def __radd__(self, other: Any) -> KerasTensor:
        return self._symbolic_op("add", other, True)

    def __sub__(self, other: Any) -> KerasTensor:
        return self._symbolic_op("subtract", other)

    def __rsub__(self, other: Any) -> KerasTensor:
        return self._symbolic_op("subtract", other, True)

    def __mul__(self, other: Any) -> KerasTensor:
        return self._symbolic_op("multiply", other)

    def __rmul__(self, other: Any) -> KerasTensor:
        return self._symbolic_op("multiply", other, True)

    def __truediv__(self, other: Any) -> KerasTensor:
        return self._symbolic_op("true_divide", other)

    def __rtruediv__(self, other: Any) -> KerasTensor:
        return self._symbolic_op("true_divide", other, True)

    def __matmul__(self, other: Any) -> KerasTensor:
        return self._symbolic_op("matmul", other)

    def __neg__(self) -> KerasTensor:
        return self._symbolic_op("negative", None)

    def __getitem__(self, index: Any) -> KerasTensor:
        from pellucid.layers.lambda_op import apply_getitem  # noqa: PLC0415

        return apply_getitem(self, index)


class Node:
    """One call of a layer on symbolic inputs."""

    def __init__(self, layer: Any, call_args: tuple, call_kwargs: dict, outputs: Any,
                 output_mask: Any = None):
        self.layer = layer
        self.call_args = call_args
        self.call_kwargs = call_kwargs
        self.outputs = outputs
        self.input_tensors = symbolic_leaves((call_args, call_kwargs))
        flat_outputs = symbolic_leaves(outputs)
        flat_masks = jax.tree_util.tree_leaves(output_mask, is_leaf=lambda x: x is None)
        for i, tensor in enumerate(flat_outputs):
            tensor.node = self
            tensor.tensor_index = i
            if len(flat_masks) == len(flat_outputs) and isinstance(flat_masks[i], KerasTensor):
                tensor.mask = flat_masks[i]
        self.output_tensors = flat_outputs
        layer._inbound_nodes.append(self)

    @property
    def parent_nodes(self) -> list[Node]:
        return [t.node for t in self.input_tensors if t.node is not None]

    @property
    def is_input(self) -> bool:
        return not self.input_tensors


def is_symbolic(x: Any) -> bool:
    return isinstance(x, KerasTensor)


def symbolic_leaves(tree: Any) -> list[KerasTensor]:
    return [x for x in jax.tree_util.tree_leaves(tree, is_leaf=is_symbolic) if is_symbolic(x)]


def any_symbolic(tree: Any) -> bool:
    return bool(symbolic_leaves(tree))


def is_shape_tuple(x: Any) -> bool:
    return isinstance(x, (tuple, list)) and all(d is None or isinstance(d, int) for d in x)


def shape_structure(inputs: Any) -> Any:
    """Shapes of arrays / KerasTensors, in the same structure (a tuple for one input)."""
    if hasattr(inputs, "shape") and not isinstance(inputs, (list, tuple, dict)):
        return tuple(inputs.shape)
    if isinstance(inputs, dict):
        return {k: shape_structure(v) for k, v in inputs.items()}
    if isinstance(inputs, (list, tuple)):
        return [shape_structure(v) for v in inputs]
    return None


def as_shape_structure(shape: Any) -> Any:
    """JSON shapes (lists) back to tuples; a list of shapes stays a list."""
    if isinstance(shape, dict):
        return {k: as_shape_structure(v) for k, v in shape.items()}
    if is_shape_tuple(shape):
        return tuple(shape)
    return [as_shape_structure(s) for s in shape]


def shape_to_json(shape: Any) -> Any:
    if isinstance(shape, dict):
        return {k: shape_to_json(v) for k, v in shape.items()}
    if isinstance(shape, (list, tuple)):
        return [shape_to_json(s) if isinstance(s, (list, tuple, dict)) else s for s in shape]
    return shape


def first_arg_mask(inputs: Any) -> Any:
    """The mask KerasTensor(s) attached to the first argument, or None."""
    if is_symbolic(inputs):
        return inputs.mask
    if isinstance(inputs, (list, tuple)):
        masks = [first_arg_mask(x) for x in inputs]
        return None if all(m is None for m in masks) else masks
    if isinstance(inputs, dict):
        masks = {k: first_arg_mask(v) for k, v in inputs.items()}
        return None if all(m is None for m in masks.values()) else masks
    return None


def substitute(args: tuple, kwargs: dict, arrays: list) -> tuple[tuple, dict]:
    """Replace the symbolic leaves of ``(args, kwargs)``, in order, by ``arrays``."""
    it = iter(arrays)
    tree = jax.tree_util.tree_map(
        lambda x: next(it) if is_symbolic(x) else x, (args, kwargs), is_leaf=is_symbolic
    )
    return tree[0], tree[1]


def _struct(kt: KerasTensor, size: int) -> jax.ShapeDtypeStruct:
    return jax.ShapeDtypeStruct(tuple(size if d is None else d for d in kt.shape), kt.dtype)


def trace_shapes(run: Callable, args: tuple, kwargs: dict, input_mask: Any,
                 rows_independent: bool = False) -> tuple[Any, Any]:
    """Trace ``run(arrays, mask) -> (outputs, out_mask)``; return KerasTensor structures.

    Unknown sizes are found by tracing at two stand-in sizes. One trace is enough when no
    size is unknown, and when only the batch is unknown for a layer whose output rows
    follow its input rows (``rows_independent``): the outputs' first axis is the batch.
    Tracing is most of the time it takes to build a model.
    """
    leaves = symbolic_leaves((args, kwargs))
    unknown_axes = {axis for kt in leaves + symbolic_leaves(input_mask)
                    for axis, size in enumerate(kt.shape) if size is None}
    first = _trace(run, leaves, input_mask, _STAND_IN_SIZES[0])
    if not unknown_axes:
        return _merge(first, first)
    if rows_independent and unknown_axes == {0}:
        batched = _batch_first(first, _STAND_IN_SIZES[0])
        if batched is not None:
            return batched
    return _merge(first, _trace(run, leaves, input_mask, _STAND_IN_SIZES[1]))


def _trace(run: Callable, leaves: list[KerasTensor], input_mask: Any, size: int) -> Any:
    arrays = [_struct(kt, size) for kt in leaves]
    masks = jax.tree_util.tree_map(
        lambda m: None if m is None else _struct(m, size),
        input_mask,
        is_leaf=lambda m: m is None or is_symbolic(m),
    )
    return jax.eval_shape(run, arrays, masks)


def _batch_first(traced: Any, size: int) -> Any:
    """``traced`` with an unknown first axis, or None where an output does not start with
    the batch stand-in size (then a second trace decides)."""
    outputs = [x for x in jax.tree_util.tree_leaves(traced) if x is not None]
    if any(len(x.shape) == 0 or x.shape[0] != size for x in outputs):
        return None
    return jax.tree_util.tree_map(
        lambda x: None if x is None else KerasTensor((None,) + tuple(x.shape[1:]), x.dtype),
        traced, is_leaf=lambda x: x is None)


def _merge(a: Any, b: Any) -> Any:
    def merge_one(x: Any, y: Any) -> Any:
        if x is None:
            return None
        shape = tuple(dx if dx == dy else None for dx, dy in zip(x.shape, y.shape, strict=True))
        return KerasTensor(shape, x.dtype)

    return jax.tree_util.tree_map(merge_one, a, b, is_leaf=lambda x: x is None)
