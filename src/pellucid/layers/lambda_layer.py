"""Lambda: wrap a function of tensors as a layer.

``output = function(inputs, **arguments)`` (plus ``mask=``/``training=`` when the function
takes them). No parameters. The output shape is found by tracing the function, as for
every layer; ``output_shape`` is kept for the config and for ``compute_output_shape``.

Serialization follows Keras: a named function is stored by name
(``{"module": "builtins", "class_name": "function", "config": name, ...}``); a Python
``lambda`` is stored as marshalled bytecode (``"__lambda__"``), which is tied to the
CPython version and can run arbitrary code, so :meth:`Lambda.from_config` refuses it
unless the caller passes ``safe_mode=False``.
"""

from __future__ import annotations

import base64
import inspect
import marshal
import types
from collections.abc import Callable
from typing import Any

from pellucid import activations
from pellucid.layers.layer import Layer

__all__ = ["Lambda"]


class Lambda(Layer):
    """``output = function(inputs, **arguments)``; shapes are whatever ``function`` returns.

    ``mask``: None (the layer drops incoming masks, as in Keras), a fixed mask, or a
    callable ``mask(inputs, previous_mask)`` giving the output mask.
    """

    def __init__(self, function: Callable, output_shape: Any = None, mask: Any = None,
                 arguments: dict | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: `function` must be callable, got {function!r}.")
        self.function = function
        self.arguments = dict(arguments or {})
        self.mask = mask
        self.supports_masking = mask is not None
        self._output_shape = output_shape
        params = _parameter_names(function)
        self._fn_takes_mask = "mask" in params
        self._fn_takes_training = "training" in params

    def call(self, inputs: Any, mask: Any = None, training: bool | None = None) -> Any:
        kwargs = dict(self.arguments)
        if self._fn_takes_mask:
            kwargs["mask"] = mask
        if self._fn_takes_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def compute_output_shape(self, input_shape: Any) -> Any:
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        first = input_shape[0] if isinstance(input_shape, list) else input_shape
        return (first[0], *self._output_shape)

    def get_config(self) -> dict:
        config: dict[str, Any] = {"function": _function_config(self.function)}
        if self._output_shape is not None:
            config["output_shape"] = (_function_config(self._output_shape)
                                      if callable(self._output_shape) else self._output_shape)
        if self.mask is not None:
            config["mask"] = _function_config(self.mask) if callable(self.mask) else self.mask
        config["arguments"] = dict(self.arguments)
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None,
                    safe_mode: bool | None = None) -> Lambda:
        """Rebuild from :meth:`get_config`; ``safe_mode`` None is treated as True (fail closed)."""
        config = dict(config)
        unsafe_ok = safe_mode is False
        config["function"] = _load_function(config["function"], custom_objects, unsafe_ok)
        for key in ("output_shape", "mask"):
            value = config.get(key)
            if isinstance(value, dict) and "class_name" in value:
                config[key] = _load_function(value, custom_objects, unsafe_ok)
            elif isinstance(value, list) and key == "output_shape":
                config[key] = tuple(value)
        return super().from_config(config)


def _parameter_names(fn: Callable) -> set[str]:
    try:
        return set(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return set()


def _function_config(fn: Callable) -> dict:
    """Keras's config for a function: bytecode for a ``lambda``, else its name."""
    if isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>":
        closure = tuple(c.cell_contents for c in fn.__closure__) if fn.__closure__ else None
        return {
            "class_name": "__lambda__",
            "config": {
                "code": base64.encodebytes(marshal.dumps(fn.__code__)).decode("ascii"),
                "defaults": fn.__defaults__,
                "closure": closure,
            },
        }
    name = getattr(fn, "__name__", None)
    if name is None:
        raise ValueError(f"Lambda cannot serialize {fn!r}: it is neither a function nor a lambda.")
    return {"module": "builtins", "class_name": "function", "config": name,
            "registered_name": "function"}


def _load_function(config: Any, custom_objects: dict | None, unsafe_ok: bool) -> Callable:
    if callable(config):
        return config
    if isinstance(config, dict) and config.get("class_name") == "__lambda__":
        if not unsafe_ok:
            raise ValueError(
                "Requested the deserialization of a Lambda layer whose function is a Python "
                "lambda. Loading it runs stored bytecode, which can execute arbitrary code, "
                "so it is refused by default. If you trust the file, load it with "
                "safe_mode=False."
            )
        return _lambda_from_bytecode(config["config"])
    name = config.get("config") if isinstance(config, dict) else config
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if isinstance(name, str) and name in activations.ACTIVATIONS:
        return activations.ACTIVATIONS[name]
    raise ValueError(
        f"Lambda: unknown function {name!r}. Pass it in custom_objects={{{name!r}: fn}} when "
        "loading."
    )


def _lambda_from_bytecode(config: dict) -> Callable:
    code = marshal.loads(base64.decodebytes(config["code"].encode("ascii")))  # noqa: S302
    closure = config.get("closure")
    cells = tuple(types.CellType(v) for v in closure) if closure else None
    defaults = tuple(config["defaults"]) if config.get("defaults") else None
    return types.FunctionType(code, globals(), name=code.co_name, argdefs=defaults, closure=cells)
