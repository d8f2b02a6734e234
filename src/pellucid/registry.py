"""Name lookup with helpful errors, shared by activations, losses, optimizers, metrics, ...

Keras resolves strings like ``"relu"`` or ``"adam"`` to objects. A misspelt name should
say what was meant, so every lookup goes through :func:`lookup`, which suggests the
nearest known names.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any


def suggest(name: str, known: list[str] | Mapping[str, Any], n: int = 3) -> str:
    """A sentence suggesting the closest names to ``name`` among ``known`` (may be empty)."""
    close = difflib.get_close_matches(str(name), list(known), n=n, cutoff=0.5)
    if not close:
        close = difflib.get_close_matches(str(name).lower(), [k.lower() for k in known], n=n)
    return f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def lookup(kind: str, name: str, table: Mapping[str, Any]) -> Any:
    """Return ``table[name]`` or raise ValueError naming the kind and the nearest names."""
    if name in table:
        return table[name]
    known = sorted(table)
    raise ValueError(
        f"Unknown {kind} {name!r}.{suggest(name, known)} "
        f"Known {kind} names: {', '.join(known)}."
    )


def keras_config_name(identifier: Any) -> tuple[str, dict] | None:
    """Split a Keras serialized object ``{"class_name": ..., "config": ...}`` into its parts."""
    if isinstance(identifier, Mapping) and "class_name" in identifier:
        return identifier["class_name"], dict(identifier.get("config") or {})
    return None
