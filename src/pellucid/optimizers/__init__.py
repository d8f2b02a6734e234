"""Optimizers with Keras 3's names, defaults and update rules, over a pure init/update core.

``get(identifier)`` accepts a name (``"adam"``, ``"RMSprop"``), an optimizer, a Keras
serialized dict, or an ``optax.GradientTransformation`` (wrapped).
"""

from __future__ import annotations

from typing import Any

import optax

from pellucid.optimizers import schedules
from pellucid.optimizers.adadelta import Adadelta
from pellucid.optimizers.adagrad import Adagrad
from pellucid.optimizers.adam import Adam, AdamW
from pellucid.optimizers.adamax import Adamax
from pellucid.optimizers.base import Optimizer
from pellucid.optimizers.lion import Lion
from pellucid.optimizers.nadam import Nadam
from pellucid.optimizers.optax_wrapper import OptaxOptimizer
from pellucid.optimizers.rmsprop import RMSprop
from pellucid.optimizers.sgd import SGD
from pellucid.registry import keras_config_name, lookup

__all__ = [
    "SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "Lion", "Nadam", "OptaxOptimizer",
    "Optimizer", "RMSprop", "deserialize", "get", "schedules", "serialize",
]

ALL_OPTIMIZERS = {
    cls.__name__.lower(): cls
    for cls in (SGD, Adadelta, Adagrad, Adam, AdamW, Adamax, Lion, Nadam, RMSprop)
}


def serialize(optimizer: Optimizer) -> dict:
    """Keras's serialized form ``{"module", "class_name", "config", "registered_name"}``."""
    return optimizer.serialize()


def deserialize(config: dict, custom_objects: dict | None = None) -> Optimizer:
    """An optimizer from Keras's serialized form (class names are case-insensitive)."""
    class_name, inner = keras_config_name(config) or (None, {})
    if class_name is None:
        raise ValueError(f"Cannot deserialize an optimizer from {config!r}.")
    if custom_objects and class_name in custom_objects:
        return custom_objects[class_name].from_config(inner)
    return lookup("optimizer", class_name.lower(), ALL_OPTIMIZERS).from_config(inner)


def get(identifier: Any) -> Optimizer | None:
    """Resolve a name, instance, config dict or optax transformation to an optimizer."""
    if identifier is None or isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, optax.GradientTransformation):
        return OptaxOptimizer(identifier)
    if isinstance(identifier, str):
        return lookup("optimizer", identifier.lower(), ALL_OPTIMIZERS)()
    if keras_config_name(identifier) is not None:
        return deserialize(identifier)
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")
