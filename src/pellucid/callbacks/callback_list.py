"""`CallbackList`: one object that forwards every hook to a list of callbacks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pellucid.callbacks.callback import Callback, Logs
from pellucid.callbacks.history import History
from pellucid.callbacks.logs import LazyLogs, plain_logs
from pellucid.callbacks.progbar_logger import ProgbarLogger


def _flatten(callbacks: Any) -> list[Callback]:
    if callbacks is None:
        return []
    if isinstance(callbacks, (list, tuple)):
        return [cb for item in callbacks for cb in _flatten(item)]
    return [callbacks]


class CallbackList(Callback):
    """Calls each hook on every callback in order, with logs made plain first.

    Logs are flattened, sorted by key and turned into Python floats
    (`pellucid.callbacks.logs.plain_logs`) before any callback sees them. Batch hooks get
    a `LazyLogs` instead, which converts only when a callback reads a value, so that a
    step's metrics do not hold up queuing the next step.

    Args:
        callbacks: callbacks (nested lists are flattened).
        add_history: append a `History` unless one is already in the list.
        add_progbar: append a `ProgbarLogger` unless one is already in the list.
        model: the model given to every callback; its `history` attribute is set to
            the list's `History`.
        **params: run parameters (`verbose`, `epochs`, `steps`) given to every callback.

    `fit` builds `CallbackList(callbacks, add_history=True, add_progbar=verbose != 0,
    model=model, verbose=verbose, epochs=epochs, steps=steps_per_epoch)`.
    """

    def __init__(
        self,
        callbacks: Iterable[Callback] | Callback | None = None,
        add_history: bool = False,
        add_progbar: bool = False,
        model: Any = None,
        **params: Any,
    ) -> None:
        super().__init__()
        self.callbacks: list[Callback] = _flatten(callbacks)
        self._open_runs = 0
        self._history = next((cb for cb in self.callbacks if isinstance(cb, History)), None)
        self._progbar = next(
            (cb for cb in self.callbacks if isinstance(cb, ProgbarLogger)), None
        )
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)
        self.set_model(model)
        self.set_params(params)

    def set_params(self, params: dict[str, Any]) -> None:
        """Stores `params` and, when not empty, gives them to every callback."""
        self.params = params
        if params:
            for callback in self.callbacks:
                callback.set_params(params)

    def set_model(self, model: Any) -> None:
        """Gives `model` to every callback; a None model is ignored."""
        if model is None:
            return
        super().set_model(model)
        if self._history is not None:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)

    def _call(self, hook: str, *args: Any, logs: Logs = None) -> None:
        logs = plain_logs(logs)
        for callback in self.callbacks:
            getattr(callback, hook)(*args, logs)

    def _call_batch(self, hook: str, batch: int, logs: Logs) -> None:
        # Batch hooks get `logs` by keyword, as Keras calls them; user functions given
        # to LambdaCallback may rely on that.
        logs = logs if isinstance(logs, LazyLogs) else LazyLogs(logs)
        for callback in self.callbacks:
            getattr(callback, hook)(batch, logs=logs)

    def _begin(self, hook: str, logs: Logs) -> None:
        self._open_runs += 1
        self._call(hook, logs=logs)

    def _end(self, hook: str, logs: Logs) -> None:
        self._call(hook, logs=logs)
        self._open_runs -= 1
        if self._open_runs < 0:
            raise ValueError(f"`{hook}` was called without a matching `*_begin` call.")

    def on_batch_begin(self, batch: int, logs: Logs = None) -> None:
        self._call_batch("on_batch_begin", batch, logs)

    def on_batch_end(self, batch: int, logs: Logs = None) -> None:
        self._call_batch("on_batch_end", batch, logs)

    def on_epoch_begin(self, epoch: int, logs: Logs = None) -> None:
        self._call("on_epoch_begin", epoch, logs=logs)

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        self._call("on_epoch_end", epoch, logs=logs)

    def on_train_batch_begin(self, batch: int, logs: Logs = None) -> None:
        self._call_batch("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch: int, logs: Logs = None) -> None:
        self._call_batch("on_train_batch_end", batch, logs)

    def on_test_batch_begin(self, batch: int, logs: Logs = None) -> None:
        self._call_batch("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch: int, logs: Logs = None) -> None:
        self._call_batch("on_test_batch_end", batch, logs)

    def on_predict_batch_begin(self, batch: int, logs: Logs = None) -> None:
        self._call_batch("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch: int, logs: Logs = None) -> None:
        self._call_batch("on_predict_batch_end", batch, logs)

    def on_train_begin(self, logs: Logs = None) -> None:
        self._begin("on_train_begin", logs)

    def on_train_end(self, logs: Logs = None) -> None:
        self._end("on_train_end", logs)

    def on_test_begin(self, logs: Logs = None) -> None:
        self._begin("on_test_begin", logs)

    def on_test_end(self, logs: Logs = None) -> None:
        self._end("on_test_end", logs)

    def on_predict_begin(self, logs: Logs = None) -> None:
        self._begin("on_predict_begin", logs)

    def on_predict_end(self, logs: Logs = None) -> None:
        self._end("on_predict_end", logs)
