"""`Callback`: the hooks that `fit`, `evaluate` and `predict` call while they run."""

from __future__ import annotations

from typing import Any

Logs = dict[str, Any] | None


class Callback:
    """Base class for objects that hook into training, evaluation and prediction.

    Override the `on_*` methods of interest. `fit` calls, in order: `on_train_begin`;
    per epoch `on_epoch_begin`, then per batch `on_train_batch_begin` /
    `on_train_batch_end` (which by default forward to the older `on_batch_begin` /
    `on_batch_end`), the `on_test_*` hooks around validation, and `on_epoch_end` with
    the epoch's logs (validation keys prefixed `val_`); finally `on_train_end`.
    `evaluate` and `predict` call their own `on_test_*` / `on_predict_*` hooks.

    Attributes:
        params: dict of run parameters (`verbose`, `epochs`, `steps`), set by
            `set_params`.
        model: the model being run, set by `set_model`. A callback only uses the
            model's public surface (`stop_training`, `get_weights`, `set_weights`,
            `save`, `save_weights`, `optimizer.learning_rate`).
    """

    def __init__(self) -> None:
        self.params: dict[str, Any] | None = None
        self._model: Any = None

    def set_params(self, params: dict[str, Any]) -> None:
        """Stores the run parameters (`verbose`, `epochs`, `steps`)."""
        self.params = params

    def set_model(self, model: Any) -> None:
        """Stores the model that the hooks act on."""
        self._model = model

    @property
    def model(self) -> Any:
        """The model given to `set_model`."""
        return self._model

    def on_batch_begin(self, batch: int, logs: Logs = None) -> None:
        """Older name for `on_train_batch_begin`, still called by it."""

    def on_batch_end(self, batch: int, logs: Logs = None) -> None:
        """Older name for `on_train_batch_end`, still called by it."""

    def on_epoch_begin(self, epoch: int, logs: Logs = None) -> None:
        """Called at the start of epoch `epoch` (0-based) of `fit`."""

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        """Called at the end of an epoch with its metrics (and `val_` metrics)."""

    def on_train_batch_begin(self, batch: int, logs: Logs = None) -> None:
        """Called before training batch `batch` (0-based within the epoch)."""
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch: int, logs: Logs = None) -> None:
        """Called after a training batch with the running metric values."""
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch: int, logs: Logs = None) -> None:
        """Called before an evaluation batch (in `evaluate` and validation)."""

    def on_test_batch_end(self, batch: int, logs: Logs = None) -> None:
        """Called after an evaluation batch with the running metric values."""

    def on_predict_batch_begin(self, batch: int, logs: Logs = None) -> None:
        """Called before a prediction batch."""

    def on_predict_batch_end(self, batch: int, logs: Logs = None) -> None:
        """Called after a prediction batch; `logs["outputs"]` holds its outputs."""

    def on_train_begin(self, logs: Logs = None) -> None:
        """Called once when `fit` starts."""

    def on_train_end(self, logs: Logs = None) -> None:
        """Called once when `fit` ends, with the last epoch's logs."""

    def on_test_begin(self, logs: Logs = None) -> None:
        """Called when `evaluate` (or validation inside `fit`) starts."""

    def on_test_end(self, logs: Logs = None) -> None:
        """Called when `evaluate` (or validation inside `fit`) ends, with its metrics."""

    def on_predict_begin(self, logs: Logs = None) -> None:
        """Called when `predict` starts."""

    def on_predict_end(self, logs: Logs = None) -> None:
        """Called when `predict` ends."""
