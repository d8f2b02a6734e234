"""``clone_model``: the same architecture with new layers (and fresh weights), as Keras."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import jax

from pellucid.layers.symbolic import is_symbolic, symbolic_leaves
from pellucid.saving.errors import SavingError
from pellucid.saving.serialization import deserialize_keras_object, serialize_keras_object


def _default_clone(layer: Any) -> Any:
    return type(layer).from_config(layer.get_config())


def clone_model(model: Any, input_tensors: Any = None,
                clone_function: Callable[[Any], Any] | None = None, **kwargs: Any) -> Any:
    """A new model of the same structure; each layer goes through ``clone_function``."""
    from pellucid.models import Functional, Sequential  # noqa: PLC0415

    clone_function = clone_function or _default_clone
    if isinstance(model, Sequential):
        return _clone_sequential(model, input_tensors, clone_function)
    if isinstance(model, Functional):
        return _clone_functional(model, input_tensors, clone_function)
    return deserialize_keras_object(serialize_keras_object(model))


def _clone_sequential(model: Any, input_tensors: Any, clone_function: Callable) -> Any:
    from pellucid.layers.input_layer import InputLayer  # noqa: PLC0415
    from pellucid.models import Sequential  # noqa: PLC0415

    layers = [clone_function(layer) for layer in model.layers]
    if input_tensors is not None:
        first = symbolic_leaves(input_tensors)[0]
        return Sequential([first.node.layer, *layers], name=model.name)
    if model._input_layer is not None:
        entry = InputLayer.from_config(model._input_layer.get_config())
        return Sequential([entry, *layers], name=model.name)
    return Sequential(layers, name=model.name)


def _clone_functional(model: Any, input_tensors: Any, clone_function: Callable) -> Any:
    from pellucid.layers.input_layer import InputLayer  # noqa: PLC0415
    from pellucid.models import Functional  # noqa: PLC0415

    new_tensors: dict[int, Any] = {}
    given = symbolic_leaves(input_tensors) if input_tensors is not None else None
    if given is not None and len(given) != len(model.inputs):
        raise SavingError(f"clone_model: the model has {len(model.inputs)} inputs but "
                          f"{len(given)} input tensors were given.")
    for i, tensor in enumerate(model.inputs):
        if given is not None:
            new_tensors[id(tensor)] = given[i]
        else:
            layer = tensor.node.layer
            new_tensors[id(tensor)] = InputLayer.from_config(layer.get_config()).output_tensor
    clones: dict[int, Any] = {}
    for node in model._nodes:
        if node.is_input:
            continue
        layer = node.layer
        if id(layer) not in clones:
            clones[id(layer)] = clone_function(layer)
        args, kwargs = jax.tree_util.tree_map(
            lambda x: new_tensors[id(x)] if is_symbolic(x) else x,
            (node.call_args, node.call_kwargs), is_leaf=is_symbolic)
        outputs = clones[id(layer)](*args, **kwargs)
        for old, new in zip(node.output_tensors, symbolic_leaves(outputs), strict=True):
            new_tensors[id(old)] = new

    def remap(structure: Any) -> Any:
        return jax.tree_util.tree_map(lambda t: new_tensors[id(t)], structure,
                                      is_leaf=is_symbolic)

    return Functional(remap(model._input_structure), remap(model._output_structure),
                      name=model.name)


def model_from_json(json_string: str, custom_objects: dict | None = None) -> Any:
    """A model (fresh weights) from the JSON that ``model.to_json()`` returns."""
    try:
        config = json.loads(json_string)
    except (TypeError, ValueError) as err:
        raise SavingError(f"model_from_json: the string is not valid JSON ({err}).") from None
    return deserialize_keras_object(config, custom_objects=custom_objects)
