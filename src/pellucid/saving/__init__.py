"""Saving and loading in Keras 3's formats: ``.keras`` archives, ``.weights.h5``, configs.

Files written here load in Keras 3 and files written by Keras 3 load here. Loading is
safe by default: only allowlisted pellucid classes and objects the caller registers or
passes can be created, and Python lambdas are refused unless ``safe_mode=False``.
"""

from pellucid.saving.clone import clone_model, model_from_json
from pellucid.saving.errors import (
    FileFormatError,
    SavingError,
    UnknownObjectError,
    UnsafeDeserializationError,
    WeightsMismatchError,
)
from pellucid.saving.keras_archive import load_model, save_model
from pellucid.saving.object_registry import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from pellucid.saving.serialization import deserialize_keras_object, serialize_keras_object
from pellucid.saving.weights_file import load_weights, save_weights

__all__ = [
    "CustomObjectScope", "FileFormatError", "SavingError", "UnknownObjectError",
    "UnsafeDeserializationError", "WeightsMismatchError", "clone_model",
    "custom_object_scope", "deserialize_keras_object", "get_custom_objects",
    "get_registered_name", "get_registered_object", "load_model", "load_weights",
    "model_from_json", "register_keras_serializable", "save_model", "save_weights",
    "serialize_keras_object",
]
