"""`LearningRateScheduler`: set the learning rate from a function of the epoch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from pellucid.callbacks.callback import Callback, Logs
from pellucid.callbacks.messages import print_msg


def optimizers_of(optimizer: Any) -> list[tuple[Any, str]]:
    """`(optimizer, name)` pairs: the parts of a multi-optimizer, else `(optimizer, "")`."""
    parts = getattr(optimizer, "optimizers", None)
    if parts is None:
        return [(optimizer, "")]
    return [(part, part.name) for part in parts]


def learning_rate_logs(optimizer: Any) -> dict[str, float]:
    """The current rate(s) under Keras's log keys (`learning_rate[_name]`)."""
    parts = optimizers_of(optimizer)
    return {
        f"learning_rate_{name}" if name else "learning_rate": float(
            np.asarray(part.learning_rate)
        )
        for part, name in parts
    }


class LearningRateScheduler(Callback):
    """Sets `optimizer.learning_rate = schedule(epoch, lr)` at the start of each epoch.

    Args:
        schedule: `schedule(epoch, lr) -> float` (epoch 0-based); a function taking
            only the epoch is accepted too.
        verbose: 1 prints the rate set at each epoch.

    Adds `learning_rate` to the epoch's logs.
    """

    def __init__(self, schedule: Callable[..., float], verbose: int = 0) -> None:
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch: int, logs: Logs = None) -> None:
        for optimizer, name in optimizers_of(self.model.optimizer):
            rate = self._apply(optimizer, epoch)
            if self.verbose > 0:
                label = f"{name} learning rate" if name else "learning rate"
                print_msg(f"\nEpoch {epoch + 1}: LearningRateScheduler setting {label} to {rate}.")

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        # Like Keras, only non-empty logs are filled in.
        if logs:
            logs.update(learning_rate_logs(self.model.optimizer))

    def _apply(self, optimizer: Any, epoch: int) -> Any:
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        try:
            rate = self.schedule(epoch, float(np.asarray(optimizer.learning_rate)))
        except TypeError:
            # An older schedule signature: `schedule(epoch)`.
            rate = self.schedule(epoch)
        if not isinstance(rate, (float, np.float32, np.float64)):
            raise ValueError(
                f"The output of the `schedule` function should be a float. Got: {rate}"
            )
        optimizer.learning_rate = rate
        return rate
