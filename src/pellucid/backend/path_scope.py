"""Weight paths: ``bidirectional/forward_lstm/lstm_cell/kernel``, as Keras 3 writes them.

A variable's path is the path of the layer that creates it plus its own name. A layer's
path is fixed the first time the layer is built or called: it is the path of the layer
that was being built or called around it then (its parent), or empty at the top level::

    with path_scope("lstm"):          # LSTM.build ...
        with path_scope("lstm/lstm_cell"):   # ... builds its cell
            current_path()            # -> "lstm/lstm_cell"

Keras keeps a stack of name scopes for this; here the stack holds full paths only.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_local = threading.local()


def _stack() -> list[str]:
    if not hasattr(_local, "paths"):
        _local.paths = []
    return _local.paths


def current_path() -> str:
    """Path of the innermost layer being built or called; ``""`` outside any."""
    stack = _stack()
    return stack[-1] if stack else ""


@contextmanager
def path_scope(path: str) -> Iterator[None]:
    """While active, layers first built or called here take ``path`` as parent path."""
    stack = _stack()
    stack.append(path)
    try:
        yield
    finally:
        stack.pop()


def join_path(parent: str, name: str) -> str:
    """``join_path("", "dense") == "dense"``; ``join_path("lstm", "lstm_cell")``."""
    return f"{parent}/{name}" if parent else name
