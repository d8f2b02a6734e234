"""Keras-style automatic names (`dense`, `dense_1`, ...), `to_snake_case` and `clear_session`."""

from __future__ import annotations

import collections
import gc
import re

_counts: collections.Counter[str] = collections.Counter()


def to_snake_case(name: str) -> str:
    """``LSTM`` -> ``lstm``, ``SimpleRNN`` -> ``simple_rnn``, ``Conv1D`` -> ``conv1d``."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()
    return name


def unique_name(base: str) -> str:
    """The first use of ``base`` gives ``base``; later ones ``base_1``, ``base_2``, ..."""
    n = _counts[base]
    _counts[base] += 1
    return base if n == 0 else f"{base}_{n}"


def reset_names() -> None:
    """Forget issued names (part of ``clear_session``)."""
    _counts.clear()


def clear_session(free_memory: bool = True) -> None:
    """Forget automatic layer names (``dense``, ``dense_1``, ...), as Keras's clear_session.

    ``free_memory=True`` also runs Python's garbage collector, as Keras does. With a large
    heap one collection takes a tenth of a second or more, so a loop that only needs fresh
    names passes ``free_memory=False``.
    """
    reset_names()
    if free_memory:
        gc.collect()
