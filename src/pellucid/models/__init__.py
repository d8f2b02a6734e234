"""Models: functional graphs, Sequential stacks, subclassed models."""

from pellucid.models.functional import Functional
from pellucid.models.model import Model
from pellucid.models.sequential import Sequential


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):  # noqa: A002
    """Load a ``.keras`` file written by pellucid or Keras 3."""
    from pellucid.saving import load_model as _load  # noqa: PLC0415

    return _load(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


def model_from_json(json_string, custom_objects=None):
    from pellucid.saving import model_from_json as _from_json  # noqa: PLC0415

    return _from_json(json_string, custom_objects=custom_objects)


def clone_model(model, input_tensors=None, clone_function=None):
    from pellucid.saving import clone_model as _clone  # noqa: PLC0415

    return _clone(model, input_tensors=input_tensors, clone_function=clone_function)


__all__ = ["Functional", "Model", "Sequential", "clone_model", "load_model", "model_from_json"]
