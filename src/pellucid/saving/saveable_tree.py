"""Where each variable lives in a Keras 3 weights file (``layers/lstm/cell/vars/0``...).

Keras walks a model's attributes: Sequential and functional models first list
``layers`` (Sequential without its InputLayer), then every sub-object reachable through an
attribute. A sub-object reached through attribute ``cell`` lives at ``<parent>/cell``; the
items of a list or dict attribute are named by their class in snake case
(``dense``, ``dense_1``, ...), not by their ``.name``. Each layer's own variables
(trainable first, then non-trainable, in creation order) are ``<path>/vars/0, 1, ...``;
an object reached twice is saved once, at its first path.

**The hook for layer authors.** A layer whose sub-layers are attributes with Keras's
attribute names (``self.cell``, ``self.layer``, ``self.forward_layer``...) needs nothing:
the default walk finds them. Otherwise define::

    def _saveable_children(self) -> dict[str, Layer | list[Layer] | dict[str, Layer]
                                         | list[Variable]]:
        return {"forward_layer": self.forward_layer, "backward_layer": self.backward_layer}

giving, in Keras's attribute order, each child under the attribute name Keras uses. A
list of Variables as a value makes a group ``<path>/<key>/vars`` holding exactly those
variables (for a layer that keeps, say, its cell's weights itself); such variables are
then not saved again among the layer's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pellucid.backend import to_snake_case

# Attributes of pellucid's base classes that hold layers for bookkeeping, not structure.
_INTERNAL = {"_layers", "_outbound_owner", "_input_layer", "_stack", "_trainer",
             "_symbolic_outputs", "_input_structure", "_output_structure", "_nodes",
             "inputs", "outputs", "optimizer"}


@dataclass
class SavedGroup:
    """One ``<path>/vars`` group: the variables saved there, in order."""

    path: str
    name: str
    variables: list = field(default_factory=list)


def saved_groups(model: Any, include_optimizer: bool = True) -> list[SavedGroup]:
    """Every ``vars`` group of ``model``'s weights file, in writing order."""
    groups: list[SavedGroup] = []
    _walk(model, "", groups, set())
    if include_optimizer:
        optimizer = getattr(model, "optimizer", None)
        if optimizer is not None and getattr(optimizer, "state", None) is not None:
            groups.append(SavedGroup("optimizer", optimizer.name, []))
    return groups


def _walk(layer: Any, path: str, groups: list[SavedGroup], visited: set[int]) -> None:
    if id(layer) in visited:
        return
    visited.add(id(layer))
    children = children_of(layer)
    claimed = {id(v) for _, child in children if _is_variable_list(child) for v in child}
    own = [v for v in layer._trainable_variables + layer._non_trainable_variables
           if id(v) not in claimed]
    groups.append(SavedGroup(path, layer.name, _unique(own)))
    for attr, child in children:
        child_path = f"{path}/{attr}" if path else attr
        if _is_variable_list(child):
            groups.append(SavedGroup(child_path, f"{layer.name}_{attr}", list(child)))
        elif isinstance(child, (list, tuple, dict)):
            _walk_container(child, child_path, groups, visited)
        else:
            _walk(child, child_path, groups, visited)


def _walk_container(container: Any, path: str, groups: list[SavedGroup],
                    visited: set[int]) -> None:
    items = list(container.values()) if isinstance(container, dict) else list(container)
    used: dict[str, int] = {}
    for item in items:
        if not _is_layer(item):
            continue
        name = to_snake_case(type(item).__name__)
        if name in used:
            used[name] += 1
            name = f"{name}_{used[name]}"
        else:
            used[name] = 0
        _walk(item, f"{path}/{name}", groups, visited)


def children_of(layer: Any) -> list[tuple[str, Any]]:
    """``[(attribute name, child)]`` in Keras's order: the hook, or the default walk."""
    hook = getattr(layer, "_saveable_children", None)
    if callable(hook):
        return list(hook().items())
    from pellucid.models import Functional, Sequential  # noqa: PLC0415

    if isinstance(layer, (Functional, Sequential)):
        return [("layers", layer.layers)]
    found = []
    for attr, value in vars(layer).items():
        if attr.startswith("__") or attr in _INTERNAL:
            continue
        if _is_layer(value):
            found.append((attr, value))
        elif isinstance(value, (list, tuple)) and value and all(_is_layer(v) for v in value):
            found.append((attr, value))
        elif isinstance(value, dict) and value and all(_is_layer(v) for v in value.values()):
            found.append((attr, value))
    if hasattr(layer, "fit") and layer._layers:
        # A subclassed Model also exposes its layers through the `layers` property.
        found.append(("layers", list(layer._layers)))
    return sorted(found, key=lambda item: (item[0].startswith("_"), item[0]))


def _is_layer(value: Any) -> bool:
    from pellucid.layers.layer import Layer  # noqa: PLC0415

    return isinstance(value, Layer)


def _is_variable_list(value: Any) -> bool:
    from pellucid.backend import Variable  # noqa: PLC0415

    return isinstance(value, list) and bool(value) and all(isinstance(v, Variable)
                                                           for v in value)


def _unique(variables: list) -> list:
    out: list = []
    for v in variables:
        if all(v is not o for o in out):
            out.append(v)
    return out
