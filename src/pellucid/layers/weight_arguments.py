"""The initializer, regularizer and constraint a Keras layer takes for each of its weights.

A weight called ``kernel`` comes with the arguments ``kernel_initializer``,
``kernel_regularizer`` and ``kernel_constraint``. :func:`store` resolves them (names,
Keras dicts, callables) onto the layer under those attribute names; :func:`config`
writes them back in Keras's serialized form and key order (every initializer, then every
regularizer, then every constraint).
"""

from __future__ import annotations

from typing import Any

from pellucid import constraints, initializers, regularizers

__all__ = ["config", "store"]


def store(layer: Any, weight: str, initializer: Any, regularizer: Any = None,
          constraint: Any = None) -> None:
    """Set ``layer.<weight>_initializer``, ``_regularizer`` and ``_constraint``."""
    setattr(layer, f"{weight}_initializer", initializers.get(initializer))
    setattr(layer, f"{weight}_regularizer", regularizers.get(regularizer))
    setattr(layer, f"{weight}_constraint", constraints.get(constraint))


def config(layer: Any, *weights: str) -> dict[str, Any]:
    """``{"<weight>_initializer": ..., "<weight>_regularizer": ..., ...}`` for ``weights``."""
    out: dict[str, Any] = {}
    for kind, serialize in (("initializer", initializers.serialize),
                            ("regularizer", regularizers.serialize),
                            ("constraint", constraints.serialize)):
        for weight in weights:
            out[f"{weight}_{kind}"] = serialize(getattr(layer, f"{weight}_{kind}"))
    return out
