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


def fused_kernels_allowed() -> bool:
    """Whether layers may run a vendor's fused kernel (cuDNN's LSTM) instead of a loop."""
    return getattr(_local, "fused_kernels", True)


@contextlib.contextmanager
def loops_only() -> Iterator[None]:
    """Trace layers with their XLA loops only. Fused kernels such as cuDNN's LSTM have
    no ``jax.vmap`` rule, so code that maps a layer over a batch of draws (the explain
    module's Jacobians) traces it inside this context."""
    previous = fused_kernels_allowed()
    _local.fused_kernels = False
    try:
        yield
    finally:
        _local.fused_kernels = previous
