"""`LambdaCallback`: a callback assembled from plain functions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pellucid.callbacks.callback import Callback


class LambdaCallback(Callback):
    """Runs the given functions as hooks.

    Epoch hooks are called as `f(epoch, logs)`, train begin/end as `f(logs)`, batch
    hooks as `f(batch, logs=logs)`. Any other hook can be given by name as a keyword,
    e.g. `LambdaCallback(on_test_end=lambda logs: ...)`.
    """

    def __init__(
        self,
        on_epoch_begin: Callable[..., Any] | None = None,
        on_epoch_end: Callable[..., Any] | None = None,
        on_train_begin: Callable[..., Any] | None = None,
        on_train_end: Callable[..., Any] | None = None,
        on_train_batch_begin: Callable[..., Any] | None = None,
        on_train_batch_end: Callable[..., Any] | None = None,
        **kwargs: Callable[..., Any],
    ) -> None:
        super().__init__()
        # Instance attributes shadow the class's do-nothing hooks.
        self.__dict__.update(kwargs)
        named = {
            "on_epoch_begin": on_epoch_begin,
            "on_epoch_end": on_epoch_end,
            "on_train_begin": on_train_begin,
            "on_train_end": on_train_end,
            "on_train_batch_begin": on_train_batch_begin,
            "on_train_batch_end": on_train_batch_end,
        }
        for hook, function in named.items():
            if function is not None:
                setattr(self, hook, function)
