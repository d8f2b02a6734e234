"""The ambient ``training`` flag, filled into ``call(..., training=None)`` like Keras does."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

_local = threading.local()


def training_flag() -> bool | None:
    return getattr(_local, "training", None)


@contextlib.contextmanager
def training_mode(value: bool | None) -> Iterator[None]:
    previous = training_flag()
    _local.training = value
    try:
        yield
    finally:
        _local.training = previous
