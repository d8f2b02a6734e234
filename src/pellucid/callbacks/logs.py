"""Turning the values a step returns into the plain logs that callbacks receive."""

from __future__ import annotations

from typing import Any

import jax
import numpy as np


def plain_logs(logs: dict[str, Any] | None) -> dict[str, Any]:
    """Returns `logs` flattened, sorted by key, with scalars as Python floats.

    Nested dicts are merged in (their keys sorted too); arrays are copied to NumPy and
    converted to `float` when they hold one value; anything else is kept as it is.
    Sorting here is what makes progress bars and CSV files list metrics alphabetically,
    as Keras does.
    """
    result: dict[str, Any] = {}
    for key, value in sorted((logs or {}).items()):
        if isinstance(value, dict):
            result.update(plain_logs(value))
            continue
        if isinstance(value, jax.Array):
            value = np.asarray(value)
        try:
            value = float(value)
        except (TypeError, ValueError):
            pass
        result[key] = value
    return result
