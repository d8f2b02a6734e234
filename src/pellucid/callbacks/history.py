"""`History`: the record of epoch logs that `fit` returns."""

from __future__ import annotations

from typing import Any

from pellucid.callbacks.callback import Callback, Logs


class History(Callback):
    """Records every epoch's logs.

    Attributes:
        history: dict mapping each log key to its list of per-epoch values.
        epoch: the epoch indices seen (0-based), reset when training begins.
        params: the run parameters (`verbose`, `epochs`, `steps`).
        model: the model trained; `model.history` is set to this object.
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[Any]] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs: Logs = None) -> None:
        # Only `epoch` restarts: a second `fit` with the same History keeps appending to
        # `history`, as Keras does.
        self.epoch = []

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        self.model.history = self
