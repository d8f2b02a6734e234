"""Arrays made by looking rows up in a table, remembered for the layer that reads them.

``Embedding`` computes ``table[ids]`` and records the result here with its table and ids.
A layer whose first operation on its input is a product with a matrix (a built-in
recurrent cell's ``x_t @ kernel + bias``) can ask :func:`source_of` whether its input is
such a lookup and, where it is, compute ``(table @ kernel + bias)[ids]``: the same
values, with one product over the table's rows instead of one per looked-up row.

The record is kept only while the looked-up array is alive (a weak reference), and an
array matches only itself, so a copy, a cast or any layer in between makes it an
ordinary input again.
"""

from __future__ import annotations

import weakref
from typing import Any, NamedTuple

__all__ = ["Lookup", "remember", "source_of"]


class Lookup(NamedTuple):
    """``table[ids]``: ``table`` ``(rows, features)``, integer ``ids`` of any shape."""

    table: Any
    ids: Any


_RECORDS: dict[int, tuple[weakref.ref, Lookup]] = {}


def remember(output: Any, table: Any, ids: Any) -> None:
    """Record that ``output`` is ``table[ids]`` (along the first axis of ``table``)."""
    key = id(output)

    def forget(_: weakref.ref) -> None:
        _RECORDS.pop(key, None)

    _RECORDS[key] = (weakref.ref(output, forget), Lookup(table, ids))


def source_of(array: Any) -> Lookup | None:
    """The table and ids ``array`` was looked up from, or None."""
    record = _RECORDS.get(id(array))
    if record is None or record[0]() is not array:
        return None
    return record[1]
