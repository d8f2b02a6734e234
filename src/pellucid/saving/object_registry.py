"""Which names a config may use: built-in pellucid classes, registered and custom objects.

Loading a file never imports a module named in it. A ``class_name`` resolves, in order,
through the ``custom_objects`` passed by the caller, the active
:func:`custom_object_scope`\\ s, objects registered with
:func:`register_keras_serializable`, and finally an allowlist of pellucid's public classes
and functions, built by walking pellucid's own namespaces (``pellucid.layers``,
``pellucid.models``, ...) when it is first needed, so families added later are found.
"""

from __future__ import annotations

import contextlib
import inspect
import threading
from collections.abc import Callable, Iterator
from typing import Any

from pellucid.registry import suggest
from pellucid.saving.errors import UnknownObjectError

NAMESPACES = ("layers", "models", "optimizers", "losses", "metrics", "initializers",
              "regularizers", "constraints", "activations")

_REGISTERED: dict[str, Any] = {}
_REGISTERED_NAMES: dict[int, str] = {}
_local = threading.local()


# --- registration and scopes ------------------------------------------------------------
def register_keras_serializable(package: str = "Custom", name: str | None = None
                                ) -> Callable[[Any], Any]:
    """Decorator registering a class or function under ``"package>name"`` for loading."""
    if ">" in package:
        raise ValueError(f"The package name must not contain '>'; got {package!r}.")

    def decorator(obj: Any) -> Any:
        key = f"{package}>{name or obj.__name__}"
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise ValueError(
                f"Cannot register {obj.__name__}: a class must define get_config() to be "
                "serializable."
            )
        _REGISTERED[key] = obj
        _REGISTERED_NAMES[id(obj)] = key
        return obj

    return decorator


def get_registered_name(obj: Any) -> str:
    """``"package>Name"`` for a registered object, else its ``__name__``."""
    return _REGISTERED_NAMES.get(id(obj), getattr(obj, "__name__", type(obj).__name__))


def is_registered(obj: Any) -> bool:
    return id(obj) in _REGISTERED_NAMES


def _scopes() -> list[dict[str, Any]]:
    if not hasattr(_local, "scopes"):
        _local.scopes = []
    return _local.scopes


@contextlib.contextmanager
def custom_object_scope(*scopes: dict[str, Any] | None) -> Iterator[None]:
    """Make ``{name: object}`` mappings visible to every deserialization inside."""
    merged: dict[str, Any] = {}
    for scope in scopes:
        merged.update(scope or {})
    _scopes().append(merged)
    try:
        yield
    finally:
        _scopes().pop()


CustomObjectScope = custom_object_scope


def get_custom_objects() -> dict[str, Any]:
    """The global registry ``{"package>Name": object}`` (mutable, as in Keras)."""
    return _REGISTERED


def get_registered_object(name: str, custom_objects: dict | None = None,
                          module_objects: dict | None = None) -> Any:
    """The object registered or passed under ``name``, or ``None``."""
    for table in (custom_objects or {}, *reversed(_scopes()), _REGISTERED, module_objects or {}):
        if name in table:
            return table[name]
    return None


# --- the allowlist of built-ins ---------------------------------------------------------
def builtin_tables() -> dict[str, dict[str, Any]]:
    """``{namespace: {public name: class or function}}`` for pellucid's own objects."""
    import pellucid  # noqa: PLC0415  (walked at call time so later-added families count)

    tables: dict[str, dict[str, Any]] = {}
    for namespace in NAMESPACES:
        module = getattr(pellucid, namespace, None)
        table: dict[str, Any] = {}
        for attr, obj in vars(module).items() if module is not None else ():
            if attr.startswith("_") or not callable(obj) or inspect.ismodule(obj):
                continue
            if not getattr(obj, "__module__", "").startswith("pellucid"):
                continue
            table.setdefault(attr, obj)
            table.setdefault(getattr(obj, "__name__", attr), obj)
        tables[namespace] = table
    return tables


def namespace_of(module: str | None) -> str | None:
    """The pellucid namespace a Keras ``module`` string points into (never imported)."""
    if not module:
        return None
    if module == "keras":
        return "models"
    for part in module.split(".")[1:]:
        if part in NAMESPACES:
            return part
    return None


def builtin_owner(obj: Any) -> str | None:
    """The namespace that exports the built-in ``obj`` (class or function), else None."""
    for namespace, table in builtin_tables().items():
        if any(candidate is obj for candidate in table.values()):
            return namespace
    return None


def resolve(class_name: str, module: str | None = None, registered_name: str | None = None,
            custom_objects: dict | None = None, want_class: bool = True) -> Any:
    """The class (or function) a config names, or :class:`UnknownObjectError`."""
    for name in (registered_name, class_name):
        if name:
            found = get_registered_object(name, custom_objects)
            if found is not None:
                return found
    tables = builtin_tables()
    preferred = namespace_of(module)
    order = ([preferred] if preferred else []) + [n for n in NAMESPACES if n != preferred]
    for namespace in order:
        found = tables[namespace].get(class_name)
        if found is not None and (inspect.isclass(found) == want_class):
            return found
    known = sorted({n for t in tables.values() for n, o in t.items()
                    if inspect.isclass(o) == want_class} | set(_REGISTERED))
    kind = "class" if want_class else "function"
    raise UnknownObjectError(
        f"Unknown {kind} {class_name!r} (module {module!r}).{suggest(class_name, known)} "
        "If it is your own, pass it in `custom_objects={...}`, use "
        "`custom_object_scope`, or decorate it with `register_keras_serializable()`. "
        f"pellucid never imports modules named in a file."
    )
