"""`ProgbarLogger`: the progress bar that `fit`, `evaluate` and `predict` print."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from pellucid.callbacks.callback import Callback, Logs
from pellucid.callbacks.messages import print_msg

if TYPE_CHECKING:
    from pellucid.training.progbar import Progbar


class ProgbarLogger(Callback):
    """Prints one progress bar per epoch (or per `evaluate` / `predict` run).

    Reads `verbose` ("auto" means 1), `epochs` and `steps` from the run parameters.
    Prints `Epoch i/N` before each epoch when there is more than one; validation inside
    `fit` is silent, its `val_` values appear on the epoch's final line. Values are shown
    as the logs give them (they are already running means); keys appear in the order
    first seen, which for `CallbackList` logs means alphabetical, then `val_` keys.
    """

    def __init__(self) -> None:
        super().__init__()
        self.seen = 0
        self.progbar: Progbar | None = None
        self.target: int | None = None
        self.verbose: int = 1
        self.epochs: int = 1
        self._called_in_fit = False

    def set_params(self, params: dict[str, Any]) -> None:
        super().set_params(params)
        verbose = params["verbose"]
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params["epochs"]
        self.target = params["steps"]

    def on_train_begin(self, logs: Logs = None) -> None:
        self._called_in_fit = True

    def on_test_begin(self, logs: Logs = None) -> None:
        if not self._called_in_fit:
            self._new_progbar()

    def on_predict_begin(self, logs: Logs = None) -> None:
        self._new_progbar()

    def on_epoch_begin(self, epoch: int, logs: Logs = None) -> None:
        self._new_progbar()
        if self.verbose and self.epochs > 1:
            print_msg(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch: int, logs: Logs = None) -> None:
        self._advance(batch, logs)

    def on_test_batch_end(self, batch: int, logs: Logs = None) -> None:
        if not self._called_in_fit:
            self._advance(batch, logs)

    def on_predict_batch_end(self, batch: int, logs: Logs = None) -> None:
        # Predictions are outputs, not metrics: nothing to show.
        self._advance(batch, None)

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        self._finish(logs)

    def on_test_end(self, logs: Logs = None) -> None:
        if not self._called_in_fit:
            self._finish(logs)

    def on_predict_end(self, logs: Logs = None) -> None:
        self._finish(logs)

    def _new_progbar(self) -> None:
        # Imported here because `pellucid.training` imports this package to build its
        # callback lists; a module-level import would make the two packages circular.
        from pellucid.training.progbar import Progbar

        self.seen = 0
        self.progbar = Progbar(
            target=self.target, verbose=self.verbose, unit_name="step", stateless_metrics=set()
        )

    def _ensure_progbar(self) -> Progbar:
        if self.progbar is None:
            self._new_progbar()
        return self.progbar

    def _advance(self, batch: int, logs: Logs) -> None:
        progbar = self._ensure_progbar()
        self.seen = batch + 1
        if self.verbose == 1:
            # Values are read only when the bar will redraw: reading batch logs waits for
            # the device, and the bar redraws at most every `interval` seconds anyway.
            due = time.time() - progbar._last_update >= progbar.interval
            progbar.update(self.seen, list((logs or {}).items()) if due else None,
                           finalize=False)

    def _finish(self, logs: Logs) -> None:
        progbar = self._ensure_progbar()
        if self.target is None:
            # With no known length, the epoch's length is the batches seen.
            self.target = self.seen
            progbar.target = self.target
        progbar.update(self.target, list((logs or {}).items()), finalize=True)
