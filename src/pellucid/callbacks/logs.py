"""Turning the values a step returns into the plain logs that callbacks receive."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
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


class LazyLogs(MutableMapping):
    """Batch logs whose values stay on the device until a callback reads one.

    The training step returns its metrics as device arrays. Turning them into floats
    waits for the step to finish, which would stop the next step from being queued while
    this one runs. Keys are known at once (no device work); the first read of any value
    converts all of them together with :func:`plain_logs`, and later reads reuse that.
    Writes behave as on a plain dict.
    """

    def __init__(self, raw: dict[str, Any] | None) -> None:
        self._raw = raw or {}
        self._plain: dict[str, Any] | None = None
        self._keys = _flat_keys(self._raw)

    def _values(self) -> dict[str, Any]:
        if self._plain is None:
            self._plain = plain_logs(self._raw)
        return self._plain

    def __getitem__(self, key: str) -> Any:
        return self._values()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        values = self._values()
        if key not in values:
            self._keys.append(key)
        values[key] = value

    def __delitem__(self, key: str) -> None:
        del self._values()[key]
        self._keys.remove(key)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._keys))

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __repr__(self) -> str:
        return repr(self._values())

    def copy(self) -> dict[str, Any]:
        """A plain dict of the converted values."""
        return dict(self._values())


def _flat_keys(logs: dict[str, Any]) -> list[str]:
    # Mirrors plain_logs's ordering: sorted, nested dicts merged in place.
    keys: list[str] = []
    for key, value in sorted(logs.items()):
        if isinstance(value, dict):
            keys.extend(k for k in _flat_keys(value) if k not in keys)
        elif key not in keys:
            keys.append(key)
    return keys
