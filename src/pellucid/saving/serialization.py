"""Objects to Keras 3 configs and back (``serialize_keras_object`` / ``deserialize_...``).

A serialized object is ``{"module", "class_name", "config", "registered_name"}`` plus
``build_config`` for layers and ``compile_config`` for models. Classes are found only
through :mod:`pellucid.saving.object_registry` (an allowlist), so a file cannot make
pellucid import or run anything, except a ``__lambda__`` when ``safe_mode=False``.

Both Keras 3.15's schema (``"module": "keras.layers"``, dtype as a ``DTypePolicy``) and
Keras 3.0's (``"module": "keras.src.layers.core.dense"``, ``registered_name`` set, dtype as
a string) are read.
"""

from __future__ import annotations

import contextlib
import inspect
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np

from pellucid.saving import object_registry as registry
from pellucid.saving.errors import SavingError
from pellucid.saving.lambda_code import dump_lambda, is_lambda, load_lambda

_local = threading.local()
_DTYPE_POLICIES = {"DTypePolicy", "FloatDTypePolicy", "Policy"}
_KERAS_MODULES = {"models": "keras"}


# --- safe mode --------------------------------------------------------------------------
@contextlib.contextmanager
def safe_mode_scope(safe_mode: bool | None) -> Iterator[None]:
    """Set the ambient ``safe_mode`` that nested deserialization calls inherit."""
    previous = getattr(_local, "safe_mode", None)
    if safe_mode is not None:
        _local.safe_mode = bool(safe_mode)
    try:
        yield
    finally:
        _local.safe_mode = previous


def in_safe_mode() -> bool:
    """True unless a caller explicitly turned safe mode off (fails closed)."""
    return getattr(_local, "safe_mode", None) is not False


# --- serializing ------------------------------------------------------------------------
def serialize_keras_object(obj: Any) -> Any:
    """The JSON-ready Keras 3 form of ``obj`` (config dicts, lists, plain values)."""
    from pellucid.layers.symbolic import KerasTensor  # noqa: PLC0415

    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, KerasTensor):
        layer, node_index, tensor_index = obj.keras_history
        return {"class_name": "__keras_tensor__",
                "config": {"shape": list(obj.shape), "dtype": obj.dtype,
                           "keras_history": [layer.name if layer else None, node_index,
                                             tensor_index]}}
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(x) for x in obj]
    if isinstance(obj, dict):
        return {str(k): serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("latin-1")}}
    if isinstance(obj, slice):
        return {"class_name": "__slice__",
                "config": {"start": serialize_keras_object(obj.start),
                           "stop": serialize_keras_object(obj.stop),
                           "step": serialize_keras_object(obj.step)}}
    if obj is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if hasattr(obj, "shape") and hasattr(obj, "dtype") and not hasattr(obj, "get_config"):
        arr = np.asarray(obj)
        return {"class_name": "__numpy__",
                "config": {"value": arr.tolist(), "dtype": str(arr.dtype)}}
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return _serialize_function(obj)
    if hasattr(obj, "get_config"):
        return _serialize_instance(obj)
    raise SavingError(
        f"Cannot serialize {obj!r} (type {type(obj).__name__}): it has no get_config(). "
        "Give the class a get_config() and register it with register_keras_serializable()."
    )


def _serialize_function(fn: Any) -> Any:
    if is_lambda(fn):
        return dump_lambda(fn)
    namespace = registry.builtin_owner(fn)
    if namespace is not None:
        return {"module": f"keras.{namespace}", "class_name": "function",
                "config": fn.__name__, "registered_name": fn.__name__}
    return {"module": fn.__module__, "class_name": "function", "config": fn.__name__,
            "registered_name": registry.get_registered_name(fn)}


def _serialize_instance(obj: Any) -> dict:
    from pellucid.layers.layer import Layer  # noqa: PLC0415
    from pellucid.models import Functional, Model  # noqa: PLC0415

    cls = type(obj)
    namespace = None if registry.is_registered(cls) else registry.builtin_owner(cls)
    if cls is Functional:
        module, registered = "keras.src.models.functional", "Functional"
    elif namespace is not None:
        module, registered = _KERAS_MODULES.get(namespace, f"keras.{namespace}"), None
    else:
        module, registered = cls.__module__, registry.get_registered_name(cls)
    out: dict[str, Any] = {"module": module, "class_name": cls.__name__,
                           "config": serialize_keras_object(obj.get_config()),
                           "registered_name": registered}
    if isinstance(obj, Layer):
        build_config = obj.get_build_config()
        if build_config is not None:
            out["build_config"] = serialize_keras_object(build_config)
    if isinstance(obj, Model):
        out["compile_config"] = compile_config(obj)
    return out


def compile_config(model: Any) -> dict:
    """Keras's ``compile_config``: the resolved optimizer, losses and metrics as passed."""
    args = model.get_compile_config() if getattr(model, "compiled", False) else None
    if not args:
        return {}
    return {
        "optimizer": serialize_keras_object(model.optimizer),
        "loss": serialize_keras_object(args.get("loss")),
        "loss_weights": serialize_keras_object(args.get("loss_weights")),
        "metrics": serialize_keras_object(args.get("metrics")),
        "weighted_metrics": serialize_keras_object(args.get("weighted_metrics")),
        "run_eagerly": False,
        "steps_per_execution": args.get("steps_per_execution", 1),
        "jit_compile": True,
    }


# --- deserializing ----------------------------------------------------------------------
def deserialize_keras_object(config: Any, custom_objects: dict | None = None,
                             safe_mode: bool | None = None, **kwargs: Any) -> Any:
    """Rebuild an object from its Keras config; instances and plain values pass through."""
    with registry.custom_object_scope(custom_objects), safe_mode_scope(safe_mode):
        return _deserialize(config, custom_objects)


def _deserialize(config: Any, custom_objects: dict | None) -> Any:
    if isinstance(config, list):
        return [_deserialize(x, custom_objects) for x in config]
    if not isinstance(config, dict):
        return config
    if "class_name" not in config:
        return {k: _deserialize(v, custom_objects) for k, v in config.items()}
    leaf = _special_leaf(config)
    if leaf is not _NOT_SPECIAL:
        return leaf
    class_name = config["class_name"]
    if class_name in _DTYPE_POLICIES:
        return (config.get("config") or {}).get("name", "float32")
    if class_name == "function":
        return _resolve_function(config, custom_objects)
    inner = config.get("config")
    if not isinstance(inner, dict):
        raise SavingError(f"The config of {class_name!r} must be a dict; got {inner!r}.")
    if in_safe_mode():
        # Fail closed before any class sees the config, whatever its from_config does.
        _refuse_lambdas(inner, f"{class_name} {inner.get('name', '')!r}".strip())
    cls = registry.resolve(class_name, config.get("module"), config.get("registered_name"),
                           custom_objects)
    if not _takes_custom_objects(cls):
        # Classes whose from_config takes custom_objects deserialize their parts
        # themselves (models, wrappers, RNNs); the others get them resolved here.
        inner = prepare_config(inner, custom_objects)
    obj = _from_config(cls, inner, custom_objects)
    build_config = config.get("build_config")
    if build_config and hasattr(obj, "build_from_config") and not getattr(obj, "built", True):
        try:
            obj.build_from_config(build_config)
        except (TypeError, ValueError, KeyError, IndexError) as err:
            raise SavingError(
                f"Could not build {class_name} {getattr(obj, 'name', '')!r} from its "
                f"build_config {build_config!r}: {err}"
            ) from err
    return obj


_NOT_SPECIAL = object()


def _special_leaf(config: dict) -> Any:
    """Values Keras stores as ``{"class_name": "__xxx__", "config": ...}``."""
    class_name, inner = config["class_name"], config.get("config") or {}
    if class_name == "__lambda__":
        return load_lambda(inner, in_safe_mode())
    if class_name in ("__numpy__", "__tensor__"):
        return np.asarray(inner["value"], dtype=inner.get("dtype"))
    if class_name == "__bytes__":
        return str(inner["value"]).encode("latin-1")
    if class_name == "__slice__":
        return slice(inner.get("start"), inner.get("stop"), inner.get("step"))
    if class_name == "__ellipsis__":
        return Ellipsis
    if class_name == "__keras_tensor__":
        raise SavingError(
            "A symbolic tensor (__keras_tensor__) appears outside a functional model's "
            "inbound_nodes; the config is malformed."
        )
    if class_name.startswith("__") and class_name.endswith("__"):
        raise NotImplementedError(f"pellucid cannot load {class_name} values from configs.")
    return _NOT_SPECIAL


def _resolve_function(config: dict, custom_objects: dict | None) -> Any:
    name = config.get("config")
    if not isinstance(name, str):
        raise SavingError(f"A function config must name the function; got {config!r}.")
    return registry.resolve(name, config.get("module"), config.get("registered_name"),
                            custom_objects, want_class=False)


def prepare_config(config: dict, custom_objects: dict | None) -> dict:
    """Resolve what a class's ``from_config`` cannot resolve by itself.

    Lambdas (checked against safe mode), functions, arrays and objects of custom classes
    become Python objects; configs of built-in objects stay dicts for ``from_config`` to
    read (their nested values are prepared the same way).
    """
    return {k: _prepare_value(v, custom_objects) for k, v in config.items()}


def _prepare_value(value: Any, custom_objects: dict | None) -> Any:
    if isinstance(value, list):
        return [_prepare_value(v, custom_objects) for v in value]
    if not isinstance(value, dict):
        return value
    if "class_name" not in value:
        return {k: _prepare_value(v, custom_objects) for k, v in value.items()}
    class_name = value["class_name"]
    special = class_name.startswith("__") and class_name != "__keras_tensor__"
    if class_name == "function" or special:
        return _deserialize(value, custom_objects)
    if class_name in _DTYPE_POLICIES:
        return value
    custom = None
    for name in (value.get("registered_name"), class_name):
        if name and custom is None:
            custom = registry.get_registered_object(name, custom_objects)
    if custom is not None:
        return _deserialize(value, custom_objects)
    inner = value.get("config")
    if isinstance(inner, dict):
        return {**value, "config": prepare_config(inner, custom_objects)}
    return value


def _refuse_lambdas(value: Any, where: str) -> None:
    """Raise the safe-mode refusal if ``value`` holds a ``__lambda__`` anywhere."""
    if isinstance(value, list):
        for item in value:
            _refuse_lambdas(item, where)
    elif isinstance(value, dict):
        if value.get("class_name") == "__lambda__":
            load_lambda(value.get("config") or {}, True, where)
        inner = value.get("config")
        if isinstance(inner, dict) and isinstance(inner.get("name"), str):
            where = f"{value.get('class_name', '')} {inner['name']!r}".strip()
        for item in value.values():
            _refuse_lambdas(item, where)


def _takes_custom_objects(cls: Any) -> bool:
    method = getattr(cls, "from_config", None)
    try:
        return method is not None and "custom_objects" in inspect.signature(method).parameters
    except (TypeError, ValueError):
        return False


def _from_config(cls: Any, config: dict, custom_objects: dict | None) -> Any:
    if not hasattr(cls, "from_config"):
        raise SavingError(f"{getattr(cls, '__name__', cls)!r} has no from_config().")
    try:
        params = inspect.signature(cls.from_config).parameters
        if "safe_mode" in params:
            return cls.from_config(config, custom_objects=custom_objects,
                                   safe_mode=in_safe_mode())
        if _takes_custom_objects(cls):
            return cls.from_config(config, custom_objects=custom_objects)
        return cls.from_config(config)
    except SavingError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError) as err:
        raise SavingError(
            f"Could not create {cls.__name__} from its config: {type(err).__name__}: {err}. "
            f"Config: {_short(config)}"
        ) from err


def _short(config: Any, limit: int = 400) -> str:
    text = repr(config)
    return text if len(text) <= limit else text[:limit] + "..."
