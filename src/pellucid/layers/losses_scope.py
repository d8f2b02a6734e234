"""Collects ``add_loss`` terms during a traced forward pass (the training step)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

_local = threading.local()


@contextlib.contextmanager
def collect_losses() -> Iterator[list[Any]]:
    """Within the block, ``record`` appends to the yielded list instead of the layer."""
    stack = _local.__dict__.setdefault("stack", [])
    bucket: list[Any] = []
    stack.append(bucket)
    try:
        yield bucket
    finally:
        stack.pop()


def record(loss: Any) -> bool:
    stack = _local.__dict__.get("stack")
    if stack:
        stack[-1].append(loss)
        return True
    return False
