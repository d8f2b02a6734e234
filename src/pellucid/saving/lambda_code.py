"""Python lambdas in configs: Keras's ``__lambda__`` leaf (marshalled bytecode, base64).

Loading one runs code chosen by whoever wrote the file, so it is only ever done when the
caller has turned ``safe_mode`` off. Bytecode is tied to the CPython version that wrote
it; a mismatch is reported as such.
"""

from __future__ import annotations

import base64
import builtins
import marshal
import types
from collections.abc import Callable
from typing import Any

from pellucid.saving.errors import SavingError, UnsafeDeserializationError

REFUSAL = (
    "Refusing to load a Python lambda{where}: a lambda is stored as bytecode that would "
    "run on your machine, so loading it from an untrusted file can execute arbitrary code. "
    "If you wrote this file or trust its source, load it with `safe_mode=False`, e.g. "
    "`keras.models.load_model(path, safe_mode=False)`. Otherwise replace the lambda with a "
    "named function registered with `keras.saving.register_keras_serializable()`."
)


def dump_lambda(fn: Callable) -> dict:
    """The ``__lambda__`` config of ``fn`` (code, defaults, closure values)."""
    code = base64.encodebytes(marshal.dumps(fn.__code__)).decode("ascii")
    closure = None
    if fn.__closure__:
        closure = [cell.cell_contents for cell in fn.__closure__]
    defaults = list(fn.__defaults__) if fn.__defaults__ else None
    return {"class_name": "__lambda__",
            "config": {"code": code, "defaults": defaults, "closure": closure}}


def load_lambda(config: dict, safe_mode: bool, where: str = "") -> Callable:
    """Rebuild a lambda from its config; refuses unless ``safe_mode`` is False."""
    if safe_mode:
        raise UnsafeDeserializationError(REFUSAL.format(where=f" ({where})" if where else ""))
    import numpy  # noqa: PLC0415

    import pellucid  # noqa: PLC0415

    try:
        code = marshal.loads(base64.decodebytes(str(config["code"]).encode("ascii")))
    except (ValueError, EOFError, TypeError, KeyError) as err:
        raise SavingError(
            f"Cannot load the lambda{f' ({where})' if where else ''}: its bytecode is "
            f"unreadable ({err}). Bytecode only loads in the Python version that wrote it."
        ) from None
    closure_values = config.get("closure") or ()
    closure = tuple(types.CellType(v) for v in closure_values) or None
    defaults = tuple(config["defaults"]) if config.get("defaults") else None
    namespace = {"__builtins__": builtins, "keras": pellucid, "ops": pellucid.ops,
                 "np": numpy}
    return types.FunctionType(code, namespace, code.co_name, defaults, closure)


def is_lambda(fn: Any) -> bool:
    return isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>"
