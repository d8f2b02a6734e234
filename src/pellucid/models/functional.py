"""Functional models: a graph of layer calls from ``Input`` tensors to outputs.

``Model(inputs, outputs)`` walks the recorded nodes back from the outputs, orders them
from inputs to outputs (Keras's order: by depth, then by first visit), and replays them on
arrays, passing each tensor's mask along with it.
"""

from __future__ import annotations

import inspect
from collections import defaultdict
from typing import Any

import jax
import jax.numpy as jnp

from pellucid.layers.input_layer import InputLayer
from pellucid.layers.symbolic import KerasTensor, Node, is_symbolic, symbolic_leaves
from pellucid.models.model import Model, training_given


class Functional(Model):
    """A model defined by ``inputs`` and ``outputs`` KerasTensors (single, list or dict)."""

    _rows_independent = True  # see Layer.rows_independent

    def __init__(self, inputs: Any, outputs: Any, name: str | None = None,
                 trainable: bool = True, **kwargs: Any):
        super().__init__(name=name, trainable=trainable, **kwargs)
        self._input_structure = inputs
        self._output_structure = outputs
        self.inputs = symbolic_leaves(inputs)
        self.outputs = symbolic_leaves(outputs)
        if not self.inputs or any(t.node is None for t in self.inputs):
            raise ValueError(
                "Model(inputs, outputs): `inputs` must be keras.Input(...) tensors; got "
                f"{inputs!r}."
            )
        for t in self.outputs:
            if not isinstance(t, KerasTensor):
                raise ValueError(
                    f"Model(inputs, outputs): every output must be a symbolic tensor; got {t!r}."
                )
        self._nodes, ordered_layers = _order_graph(self.inputs, self.outputs)
        for layer in ordered_layers:
            self._track_layer(layer)
        self.built = True
        self._build_shapes = _structure_shapes(inputs)

    # --- structure --------------------------------------------------------------------
    @property
    def input_names(self) -> list[str]:
        return [t.node.layer.name for t in self.inputs]

    @property
    def output_names(self) -> list[str]:
        return [t.node.layer.name for t in self.outputs]

    @property
    def input_shape(self) -> Any:
        return _structure_shapes(self._input_structure)

    @property
    def output_shape(self) -> Any:
        return _structure_shapes(self._output_structure)

    @property
    def input(self) -> Any:
        return self._input_structure

    @property
    def output(self) -> Any:
        return self._output_structure

    @property
    def layers(self) -> list[Any]:
        return list(self._layers)

    # --- running ----------------------------------------------------------------------
    def call(self, inputs: Any, training: bool | None = None, mask: Any = None) -> Any:
        with training_given(training):
            return self.run_graph(inputs, mask)[0]

    def call_with_masks(self, args: tuple, kwargs: dict, input_mask: Any) -> tuple[Any, Any]:
        inputs = args[0] if args else kwargs.pop("inputs")
        mask = kwargs.get("mask", input_mask)
        with training_given(kwargs.get("training")):
            return self.run_graph(inputs, mask)

    def run_graph(self, inputs: Any, masks: Any = None) -> tuple[Any, Any]:
        """Replay the nodes on arrays; return ``(outputs, output_masks)`` in structure."""
        flat_inputs = self._flatten_inputs(inputs)
        flat_masks = _flatten_like(masks, len(self.inputs))
        values: dict[int, tuple[Any, Any]] = {}
        for tensor, value, mask in zip(self.inputs, flat_inputs, flat_masks, strict=True):
            values[id(tensor)] = (_cast_input(tensor, value), mask)
        for node in self._nodes:
            if node.is_input:
                continue
            args, kwargs = _fill(node.call_args, node.call_kwargs, values)
            kwargs.update(_argument_masks(node, values))
            first = node.call_args[0] if node.call_args else None
            first_mask = _mask_of(first, values)
            outputs, out_mask = node.layer.call_with_masks(args, kwargs, first_mask)
            flat_out = jax.tree_util.tree_leaves(outputs)
            flat_out_masks = _flatten_like(out_mask, len(flat_out))
            for tensor, value, m in zip(node.output_tensors, flat_out, flat_out_masks,
                                        strict=True):
                values[id(tensor)] = (value, m)
        outputs = jax.tree_util.tree_map(
            lambda t: values[id(t)][0], self._output_structure, is_leaf=is_symbolic
        )
        out_masks = jax.tree_util.tree_map(
            lambda t: values[id(t)][1], self._output_structure, is_leaf=is_symbolic
        )
        return outputs, out_masks

    def _flatten_inputs(self, inputs: Any) -> list[Any]:
        n = len(self.inputs)
        if isinstance(inputs, dict):
            names = self.input_names
            missing = [k for k in names if k not in inputs]
            if missing:
                raise ValueError(
                    f"Model {self.name!r} expects inputs named {names}; the given dict lacks "
                    f"{missing} (it has {sorted(inputs)})."
                )
            return [inputs[k] for k in names]
        if isinstance(inputs, (list, tuple)):
            if len(inputs) != n:
                raise ValueError(
                    f"Model {self.name!r} expects {n} input(s) {self.input_names}, but it "
                    f"received {len(inputs)}."
                )
            return list(inputs)
        if n != 1:
            raise ValueError(
                f"Model {self.name!r} expects {n} inputs {self.input_names}; pass a list or a "
                "dict keyed by input name."
            )
        return [inputs]

    def get_config(self) -> dict:
        from pellucid.saving.functional_config import functional_config  # noqa: PLC0415

        return functional_config(self)

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Functional:
        from pellucid.saving.functional_config import functional_from_config  # noqa: PLC0415

        return functional_from_config(config, custom_objects)


def _cast_input(tensor: KerasTensor, value: Any) -> Any:
    value = jnp.asarray(value)
    if tensor.dtype != str(value.dtype):
        value = value.astype(tensor.dtype)
    return value


def _fill(args: tuple, kwargs: dict, values: dict) -> tuple[tuple, dict]:
    tree = jax.tree_util.tree_map(
        lambda x: values[id(x)][0] if is_symbolic(x) else x, (args, kwargs), is_leaf=is_symbolic
    )
    return tree[0], tree[1]


def _argument_masks(node: Node, values: dict) -> dict:
    """Masks for ``<argument>_mask`` parameters (Keras fills e.g. ``value_mask`` from the
    mask of the tensor passed as ``value``)."""
    params = node.layer._call_params
    if not any(name.endswith("_mask") for name in params):
        return {}
    try:
        bound = inspect.signature(node.layer.call).bind_partial(*node.call_args,
                                                                **node.call_kwargs)
    except TypeError:
        return {}
    found = {}
    for name, value in bound.arguments.items():
        key = f"{name}_mask"
        if key in params and key not in node.call_kwargs and is_symbolic(value):
            mask = values[id(value)][1]
            if mask is not None:
                found[key] = mask
    return found


def _mask_of(first: Any, values: dict) -> Any:
    if first is None:
        return None
    if is_symbolic(first):
        return values[id(first)][1]
    if isinstance(first, (list, tuple)):
        masks = [_mask_of(x, values) for x in first]
        return None if all(m is None for m in masks) else masks
    if isinstance(first, dict):
        masks = {k: _mask_of(v, values) for k, v in first.items()}
        return None if all(m is None for m in masks.values()) else masks
    return None


def _flatten_like(masks: Any, n: int) -> list[Any]:
    if masks is None:
        return [None] * n
    flat = jax.tree_util.tree_leaves(masks, is_leaf=lambda x: x is None)
    return flat if len(flat) == n else [None] * n


def _structure_shapes(structure: Any) -> Any:
    return jax.tree_util.tree_map(lambda t: t.shape, structure, is_leaf=is_symbolic)


def _order_graph(inputs: list[KerasTensor], outputs: list[KerasTensor]
                 ) -> tuple[list[Node], list[Any]]:
    """Nodes in execution order and layers in Keras's order (deepest first, then first seen)."""
    input_ids = {id(t) for t in inputs}
    finished: set[int] = set()
    in_progress: set[int] = set()
    ordered: list[Node] = []
    first_seen: dict[int, int] = {}

    def visit(tensor: KerasTensor) -> None:
        node = tensor.node
        if node is None:
            raise ValueError(f"Tensor {tensor} was not produced by a layer.")
        if id(node) in finished:
            return
        if not node.is_input and id(tensor) in input_ids:
            finished.add(id(node))
            return
        if id(node) in in_progress:
            raise ValueError(f"The graph has a cycle at layer {node.layer.name!r}.")
        first_seen.setdefault(id(node.layer), len(first_seen))
        in_progress.add(id(node))
        for parent in node.input_tensors:
            visit(parent)
        finished.add(id(node))
        in_progress.discard(id(node))
        ordered.append(node)

    for out in outputs:
        visit(out)

    node_depth: dict[int, int] = {}
    layer_depth: dict[int, int] = {}
    layers_by_id: dict[int, Any] = {}
    in_graph = {id(n) for n in ordered}
    for node in reversed(ordered):
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
        node_depth[id(node)] = depth
        layer_depth[id(node.layer)] = depth
        layers_by_id[id(node.layer)] = node.layer
        for parent in node.parent_nodes:
            if id(parent) in in_graph:
                node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    for t in inputs:
        layer = t.node.layer
        if id(layer) not in layer_depth:
            layer_depth[id(layer)] = 0
            first_seen[id(layer)] = -1
            layers_by_id[id(layer)] = layer
            node_depth[id(t.node)] = 0
            ordered.insert(0, t.node)

    computable = {id(t) for t in inputs}
    nodes_sorted = sorted(ordered, key=lambda n: -node_depth[id(n)])
    for node in nodes_sorted:
        for x in node.input_tensors:
            if id(x) not in computable:
                raise ValueError(
                    f"Graph disconnected: layer {node.layer.name!r} needs tensor {x}, which "
                    "cannot be computed from the model's inputs. Add its Input to `inputs`."
                )
        for x in node.output_tensors:
            computable.add(id(x))
        if isinstance(node.layer, InputLayer):
            computable.update(id(x) for x in node.output_tensors)

    by_depth: dict[int, list[Any]] = defaultdict(list)
    for lid, depth in layer_depth.items():
        by_depth[depth].append(layers_by_id[lid])
    layers: list[Any] = []
    for depth in sorted(by_depth, reverse=True):
        layers.extend(sorted(by_depth[depth], key=lambda la: first_seen[id(la)]))
    names = [la.name for la in layers]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise ValueError(f"Layer names must be unique in a model; repeated: {sorted(dupes)}.")
    return nodes_sorted, layers
