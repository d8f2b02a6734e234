"""Weight constraints: projections ``w -> c(w)`` applied after each optimizer step.

Norms are taken over ``axis`` (default 0: for a Dense kernel ``(in, out)``, each output
unit's incoming weight vector). ``eps = 1e-7`` keeps the divisions finite.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from pellucid import ops
from pellucid.registry import lookup

_EPSILON = 1e-7


def _norms(w: jax.Array, axis: Any) -> jax.Array:
    return jnp.sqrt(jnp.sum(jnp.square(w), axis=axis, keepdims=True))


class Constraint:
    """Base class: ``__call__(w)`` returns the projected weight (identity here)."""

    def __call__(self, w: Any) -> Any:
        return w

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Constraint:
        return cls(**config)


class MaxNorm(Constraint):
    """``w * clip(n, 0, max_value) / (eps + n)``, ``n = ||w||_2`` over ``axis``."""

    def __init__(self, max_value: float = 2, axis: int | list[int] = 0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w: Any) -> jax.Array:
        w = ops.convert_to_tensor(w)
        norms = _norms(w, self.axis)
        desired = jnp.clip(norms, 0, self.max_value)
        return w.astype(norms.dtype) * (desired / (_EPSILON + norms))

    def get_config(self) -> dict:
        return {"max_value": self.max_value, "axis": self.axis}


class MinMaxNorm(Constraint):
    """``w * d / (eps + n)``, ``d = rate * clip(n, min_value, max_value) + (1 - rate) * n``."""

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0,
                 axis: int | list[int] = 0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w: Any) -> jax.Array:
        w = ops.convert_to_tensor(w)
        norms = _norms(w, self.axis)
        desired = (self.rate * jnp.clip(norms, self.min_value, self.max_value)
                   + (1 - self.rate) * norms)
        return w.astype(norms.dtype) * (desired / (_EPSILON + norms))

    def get_config(self) -> dict:
        return {"min_value": self.min_value, "max_value": self.max_value,
                "rate": self.rate, "axis": self.axis}


class NonNeg(Constraint):
    """``max(w, 0)``."""

    def __call__(self, w: Any) -> jax.Array:
        return jnp.maximum(ops.convert_to_tensor(w), 0)


class UnitNorm(Constraint):
    """``w / (eps + ||w||_2)`` over ``axis``."""

    def __init__(self, axis: int | list[int] = 0):
        self.axis = axis

    def __call__(self, w: Any) -> jax.Array:
        w = ops.convert_to_tensor(w)
        norms = _norms(w, self.axis)
        return w.astype(norms.dtype) / (_EPSILON + norms)

    def get_config(self) -> dict:
        return {"axis": self.axis}


max_norm, min_max_norm, non_neg, unit_norm = MaxNorm, MinMaxNorm, NonNeg, UnitNorm

CONSTRAINTS: dict[str, type[Constraint]] = {
    "Constraint": Constraint, "MaxNorm": MaxNorm, "MinMaxNorm": MinMaxNorm,
    "NonNeg": NonNeg, "UnitNorm": UnitNorm, "constraint": Constraint,
    "max_norm": MaxNorm, "min_max_norm": MinMaxNorm, "non_neg": NonNeg,
    "unit_norm": UnitNorm,
}


def serialize(constraint: Constraint | None) -> dict | None:
    """Keras's serialized form ``{"module", "class_name", "config", "registered_name"}``."""
    if constraint is None:
        return None
    return {"module": "keras.constraints", "class_name": type(constraint).__name__,
            "config": constraint.get_config(), "registered_name": None}


def deserialize(config: dict, custom_objects: dict[str, Any] | None = None) -> Constraint:
    """A constraint from ``{"class_name": ..., "config": {...}}``."""
    table = {**CONSTRAINTS, **(custom_objects or {})}
    cls = lookup("constraint", config["class_name"], table)
    return cls.from_config(dict(config.get("config") or {}))


def get(identifier: Any) -> Callable | None:
    """The constraint for ``identifier``: None, a name (``"max_norm"``), a Keras config
    dict, a class (instantiated) or an instance/callable (returned)."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return lookup("constraint", identifier, CONSTRAINTS)()
    if isinstance(identifier, type):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret constraint identifier: {identifier!r}")
