"""`ReduceLROnPlateau`: lower the learning rate when a quantity stops improving."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from pellucid.callbacks.callback import Logs
from pellucid.callbacks.lr_scheduler import learning_rate_logs, optimizers_of
from pellucid.callbacks.messages import print_msg
from pellucid.callbacks.monitor import MonitorCallback


class ReduceLROnPlateau(MonitorCallback):
    """Multiplies the learning rate by `factor` after `patience` epochs without progress.

    The rate never goes below `min_lr`. After a reduction, `cooldown` epochs pass
    before epochs without improvement are counted again. Adds `learning_rate` to the
    epoch's logs (before later callbacks see them).

    Args:
        monitor: log key to watch.
        factor: `new_lr = lr * factor`; must be below 1.
        patience: epochs without improvement before a reduction.
        verbose: 1 prints each reduction.
        mode: "auto", "min" or "max" (see `MonitorCallback`).
        min_delta: smallest change that counts as an improvement.
        cooldown: epochs to wait after a reduction.
        min_lr: lower bound on the learning rate.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        verbose: int = 0,
        mode: str = "auto",
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError(
                f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}"
            )
        self.factor = factor
        self.min_lr = min_lr
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs: Logs = None) -> None:
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def in_cooldown(self) -> bool:
        """Whether a recent reduction is still being waited out."""
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        if self.monitor_op is None:
            self._set_monitor_op()
        # Like Keras, empty logs are replaced rather than filled in.
        logs = logs or {}
        logs.update(learning_rate_logs(self.model.optimizer))
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                f"Learning rate reduction is conditioned on metric `{self.monitor}` which "
                f"is not available. Available metrics are: {','.join(logs)}.",
                stacklevel=2,
            )
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience and self._reduce_all(epoch):
                self.cooldown_counter = self.cooldown
                self.wait = 0

    def _reduce_all(self, epoch: int) -> bool:
        reduced = False
        for optimizer, name in optimizers_of(self.model.optimizer):
            reduced = self._reduce(optimizer, epoch, name) or reduced
        return reduced

    def _reduce(self, optimizer: Any, epoch: int, name: str) -> bool:
        old_lr = float(np.asarray(optimizer.learning_rate))
        # The stored rate is float32, so compare against float32 `min_lr`: a rate
        # already at the floor is not "reduced" again.
        if not old_lr > np.float32(self.min_lr):
            return False
        new_lr = max(old_lr * self.factor, self.min_lr)
        optimizer.learning_rate = new_lr
        if self.verbose > 0:
            label = f" {name}" if name else ""
            print_msg(
                f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing{label} learning rate "
                f"to {new_lr}."
            )
        return True
