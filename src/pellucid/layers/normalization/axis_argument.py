"""The ``axis`` argument of LayerNormalization and UnitNormalization: an int or a list."""

from __future__ import annotations

from typing import Any


def int_or_list(axis: Any, owner: str) -> int | list[int]:
    """``axis`` as given if an int, as a list if a list or tuple; anything else is refused."""
    if isinstance(axis, (list, tuple)):
        return list(axis)
    if isinstance(axis, int):
        return axis
    raise TypeError(f"{owner}: `axis` must be an int or ints, got {axis!r}.")
