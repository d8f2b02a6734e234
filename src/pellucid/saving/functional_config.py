"""Functional models to Keras 3 configs and back.

The config lists every layer (its serialized form plus ``name`` and ``inbound_nodes``,
one ``{"args", "kwargs"}`` entry per call of the layer inside this model, symbolic tensors
written as ``__keras_tensor__`` with a ``keras_history`` of ``[layer name, node index,
tensor index]``) and the model's ``input_layers`` / ``output_layers``.

Node indices count only the calls that belong to this model. Keras gives a nested
functional model one extra node (its own construction) in ``input_layers`` /
``output_layers`` but not in ``inbound_nodes``; both are reproduced.
"""

from __future__ import annotations

from typing import Any

import jax

from pellucid.layers.symbolic import KerasTensor, is_symbolic
from pellucid.saving import object_registry as registry
from pellucid.saving.errors import SavingError
from pellucid.saving.serialization import (
    deserialize_keras_object,
    prepare_config,
    serialize_keras_object,
)


def functional_config(model: Any) -> dict:
    """Keras's ``Functional.get_config()`` for a pellucid functional model."""
    own = {id(n) for n in model._nodes}

    def own_index(layer: Any, node: Any) -> int:
        earlier = layer._inbound_nodes[: layer._inbound_nodes.index(node)]
        return sum(1 for n in earlier if id(n) in own)

    def tensor_json(t: KerasTensor) -> dict:
        layer = t.node.layer
        return {"class_name": "__keras_tensor__",
                "config": {"shape": list(t.shape), "dtype": t.dtype,
                           "keras_history": [layer.name, own_index(layer, t.node),
                                             t.tensor_index]}}

    def encode(value: Any) -> Any:
        return jax.tree_util.tree_map(
            lambda x: tensor_json(x) if is_symbolic(x) else serialize_keras_object(x),
            value, is_leaf=lambda x: is_symbolic(x) or x is None)

    layers = []
    for layer in model.layers:
        entry = serialize_keras_object(layer)
        entry["name"] = layer.name
        entry["inbound_nodes"] = [
            {"args": _listify(encode(list(node.call_args))),
             "kwargs": _listify(encode(dict(node.call_kwargs)))}
            for node in layer._inbound_nodes if id(node) in own and not node.is_input
        ]
        layers.append(entry)

    def endpoint(t: KerasTensor) -> list:
        layer = t.node.layer
        offset = 1 if _is_functional(layer) else 0
        return [layer.name, own_index(layer, t.node) + offset, t.tensor_index]

    return {
        "name": model.name,
        "trainable": model.trainable,
        "layers": layers,
        "input_layers": _map_structure(endpoint, model._input_structure),
        "output_layers": _map_structure(endpoint, model._output_structure),
    }


def functional_from_config(config: dict, custom_objects: dict | None = None) -> Any:
    """Rebuild a functional model: create every layer, then replay the calls in order."""
    from pellucid.models.functional import Functional  # noqa: PLC0415

    try:
        layer_entries = list(config["layers"])
        inputs_spec, outputs_spec = config["input_layers"], config["output_layers"]
    except (KeyError, TypeError) as err:
        raise SavingError(f"A functional model config needs 'layers', 'input_layers' and "
                          f"'output_layers'; this one lacks {err}.") from None
    created: dict[str, Any] = {}
    pending: list[tuple[Any, list]] = []
    for entry in layer_entries:
        layer = deserialize_keras_object(entry, custom_objects=custom_objects)
        name = entry.get("name") or layer.name
        created[name] = layer
        pending.append((layer, list(entry.get("inbound_nodes") or [])))

    while any(nodes for _, nodes in pending):
        progressed = False
        for i, (layer, nodes) in enumerate(pending):
            while nodes:
                call = _node_call(nodes[0], created, custom_objects)
                if call is None:
                    break
                args, kwargs = call
                layer(*args, **kwargs)
                nodes.pop(0)
                progressed = True
            pending[i] = (layer, nodes)
        if not progressed:
            stuck = [layer.name for layer, nodes in pending if nodes]
            raise SavingError(
                "Invalid functional model config: the calls of layers "
                f"{stuck} refer to tensors that are never produced (a loop or a missing "
                "layer)."
            )

    def endpoint(spec: list) -> KerasTensor:
        name, node_index, tensor_index = spec
        layer = _created(created, name)
        node_index -= 1 if _is_functional(layer) else 0
        return _output_of(layer, node_index, tensor_index)

    inputs = _map_specs(endpoint, inputs_spec)
    outputs = _map_specs(endpoint, outputs_spec)
    model_cls = Functional
    return model_cls(inputs, outputs, name=config.get("name"),
                     trainable=config.get("trainable", True))


def _node_call(node: Any, created: dict, custom_objects: dict | None
               ) -> tuple[list, dict] | None:
    """``(args, kwargs)`` of one recorded call, or None if an input does not exist yet."""
    if isinstance(node, list):
        return _legacy_node_call(node, created)
    if not isinstance(node, dict):
        raise SavingError(f"Malformed inbound node {node!r}.")
    missing = False

    def decode(value: Any) -> Any:
        nonlocal missing
        if isinstance(value, list):
            return [decode(v) for v in value]
        if not isinstance(value, dict):
            return value
        if value.get("class_name") == "__keras_tensor__":
            name, node_index, tensor_index = value["config"]["keras_history"]
            layer = _created(created, name)
            if node_index >= len(layer._inbound_nodes):
                missing = True
                return None
            return _output_of(layer, node_index, tensor_index)
        if "class_name" in value:
            return deserialize_keras_object(value, custom_objects=custom_objects)
        return {k: decode(v) for k, v in value.items()}

    args = decode(prepare_config({"a": node.get("args", [])}, custom_objects)["a"])
    kwargs = decode(node.get("kwargs", {}))
    return None if missing else (list(args), dict(kwargs))


def _legacy_node_call(node: list, created: dict) -> tuple[list, dict] | None:
    """Keras 2's ``[[layer_name, node_index, tensor_index, kwargs], ...]`` form."""
    tensors, kwargs = [], {}
    for item in node:
        name, node_index, tensor_index = item[0], item[1], item[2]
        kwargs = item[3] if len(item) > 3 else {}
        layer = _created(created, name)
        if node_index >= len(layer._inbound_nodes):
            return None
        tensors.append(_output_of(layer, node_index, tensor_index))
    return [tensors[0] if len(tensors) == 1 else tensors], dict(kwargs)


def _created(created: dict, name: str) -> Any:
    if name not in created:
        raise SavingError(
            f"Invalid functional model config: it refers to layer {name!r}, which is not "
            f"among its layers {sorted(created)}.{registry.suggest(name, list(created))}"
        )
    return created[name]


def _output_of(layer: Any, node_index: int, tensor_index: int) -> KerasTensor:
    try:
        return layer._inbound_nodes[node_index].output_tensors[tensor_index]
    except IndexError:
        raise SavingError(
            f"Invalid functional model config: layer {layer.name!r} has no output "
            f"{tensor_index} at call {node_index}."
        ) from None


def _is_functional(layer: Any) -> bool:
    from pellucid.models.functional import Functional  # noqa: PLC0415

    return isinstance(layer, Functional)


def _is_spec(value: Any) -> bool:
    return (isinstance(value, (list, tuple)) and len(value) == 3
            and isinstance(value[0], str) and isinstance(value[1], int))


def _map_specs(fn: Any, specs: Any) -> Any:
    if _is_spec(specs):
        return fn(list(specs))
    if isinstance(specs, dict):
        return {k: _map_specs(fn, v) for k, v in specs.items()}
    if isinstance(specs, (list, tuple)):
        return [_map_specs(fn, v) for v in specs]
    raise SavingError(f"Malformed input_layers/output_layers entry {specs!r}.")


def _map_structure(fn: Any, structure: Any) -> Any:
    if is_symbolic(structure):
        return fn(structure)
    if isinstance(structure, dict):
        return {k: _map_structure(fn, v) for k, v in structure.items()}
    return [_map_structure(fn, v) for v in structure]


def _listify(value: Any) -> Any:
    """Tuples become lists, as JSON would make them."""
    if isinstance(value, (list, tuple)):
        return [_listify(v) for v in value]
    if isinstance(value, dict):
        return {k: _listify(v) for k, v in value.items()}
    return value
