"""Weight regularizers: penalties ``R(w)`` added to the loss, with Keras names and defaults.

A regularizer is called on a weight array and returns a scalar. Factors are stored as
float32, as Keras does on JAX, so configs read back e.g. ``0.009999999776482582``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from pellucid import ops
from pellucid.registry import lookup


def _non_negative(value: Any, name: str) -> float:
    if (not isinstance(value, (int, float)) or math.isinf(value) or math.isnan(value)
            or value < 0):
        raise ValueError(
            f"Invalid value for argument {name}: expected a non-negative float. "
            f"Received: {name}={value!r}"
        )
    return float(value)


def _float32(value: float) -> float:
    return float(np.float32(value))


class Regularizer:
    """Base class: ``__call__(w) -> scalar`` penalty."""

    def __call__(self, x: Any) -> Any:
        return 0.0

    def get_config(self) -> dict:
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config().")

    @classmethod
    def from_config(cls, config: dict) -> Regularizer:
        return cls(**config)


class L1L2(Regularizer):
    """``l1 * sum(|w|) + l2 * sum(w^2)`` (both factors default to 0)."""

    def __init__(self, l1: float | None = 0.0, l2: float | None = 0.0):
        self.l1 = _non_negative(0.0 if l1 is None else l1, "l1")
        self.l2 = _non_negative(0.0 if l2 is None else l2, "l2")

    def __call__(self, x: Any) -> jax.Array:
        x = ops.convert_to_tensor(x)
        penalty = jnp.asarray(0.0, x.dtype)
        if self.l1 != 0.0:
            penalty += jnp.asarray(self.l1, x.dtype) * jnp.sum(jnp.abs(x))
        if self.l2 != 0.0:
            penalty += jnp.asarray(self.l2, x.dtype) * jnp.sum(jnp.square(x))
        return penalty

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """``l1 * sum(|w|)``, ``l1 = 0.01`` by default."""

    def __init__(self, l1: float | None = 0.01):
        self.l1 = _float32(_non_negative(0.01 if l1 is None else l1, "l1"))

    def __call__(self, x: Any) -> jax.Array:
        x = ops.convert_to_tensor(x)
        return jnp.asarray(self.l1, x.dtype) * jnp.sum(jnp.abs(x))

    def get_config(self) -> dict:
        return {"l1": self.l1}


class L2(Regularizer):
    """``l2 * sum(w^2)``, ``l2 = 0.01`` by default."""

    def __init__(self, l2: float | None = 0.01):
        self.l2 = _non_negative(0.01 if l2 is None else l2, "l2")

    def __call__(self, x: Any) -> jax.Array:
        x = ops.convert_to_tensor(x)
        return jnp.asarray(self.l2, x.dtype) * jnp.sum(jnp.square(x))

    def get_config(self) -> dict:
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Penalises non-orthogonality of the rows (or columns) of a 2-D weight.

    With ``u_i`` the L2-normalised rows (``mode="rows"``) or columns, ``n`` of them:
    ``factor * 0.5 * sum_{i != j} |u_i . u_j| / (n (n - 1) / 2)``.
    """

    def __init__(self, factor: float = 0.01, mode: str = "rows"):
        self.factor = _float32(_non_negative(factor, "factor"))
        if mode not in {"rows", "columns"}:
            raise ValueError(
                "Invalid value for argument `mode`. Expected one of "
                f'{{"rows", "columns"}}. Received: mode={mode!r}'
            )
        self.mode = mode

    def __call__(self, inputs: Any) -> jax.Array:
        x = ops.convert_to_tensor(inputs)
        if x.ndim != 2:
            raise ValueError(
                f"Inputs to OrthogonalRegularizer must have rank 2. Received: shape={x.shape}"
            )
        if self.mode == "rows":
            x = ops.normalize(x, axis=1)
            product, size = x @ x.T, x.shape[0]
        else:
            x = ops.normalize(x, axis=0)
            product, size = x.T @ x, x.shape[1]
        off_diagonal = product * (1.0 - jnp.eye(size, dtype=x.dtype))
        pairs = size * (size - 1.0) / 2.0
        factor = jnp.asarray(self.factor, jnp.float32)
        return factor * 0.5 * jnp.sum(jnp.abs(off_diagonal)) / pairs

    def get_config(self) -> dict:
        return {"factor": self.factor, "mode": self.mode}


l1, l2, l1_l2, orthogonal_regularizer = L1, L2, L1L2, OrthogonalRegularizer

REGULARIZERS: dict[str, type[Regularizer]] = {
    "Regularizer": Regularizer, "L1": L1, "L2": L2, "L1L2": L1L2,
    "OrthogonalRegularizer": OrthogonalRegularizer, "regularizer": Regularizer,
    "l1": L1, "l2": L2, "l1_l2": L1L2, "l1l2": L1L2,
    "orthogonal_regularizer": OrthogonalRegularizer,
}


def serialize(regularizer: Regularizer | None) -> dict | None:
    """Keras's serialized form ``{"module", "class_name", "config", "registered_name"}``."""
    if regularizer is None:
        return None
    return {"module": "keras.regularizers", "class_name": type(regularizer).__name__,
            "config": regularizer.get_config(), "registered_name": None}


def deserialize(config: dict, custom_objects: dict[str, Any] | None = None) -> Regularizer:
    """A regularizer from ``{"class_name": ..., "config": {...}}``."""
    table = {**REGULARIZERS, **(custom_objects or {})}
    cls = lookup("regularizer", config["class_name"], table)
    return cls.from_config(dict(config.get("config") or {}))


def get(identifier: Any) -> Callable | None:
    """The regularizer for ``identifier``: None, a name (``"l2"``, default factors), a
    Keras config dict, a class (instantiated) or an instance/callable (returned)."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return lookup("regularizer", identifier, REGULARIZERS)()
    if isinstance(identifier, type):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret regularizer identifier: {identifier!r}")
