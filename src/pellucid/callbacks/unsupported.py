"""Keras callbacks that pellucid does not provide."""

from __future__ import annotations

from typing import Any

from pellucid.callbacks.callback import Callback


class RemoteMonitor(Callback):
    """Keras's callback that posts epoch logs to an HTTP server; not available."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(
            "pellucid does not implement keras.callbacks.RemoteMonitor. A LambdaCallback "
            "whose on_epoch_end sends the logs where you need them does the same job."
        )


class TensorBoard(Callback):
    """Keras's TensorBoard logging callback; not available."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(
            "pellucid does not implement keras.callbacks.TensorBoard. CSVLogger writes "
            "the same per-epoch metrics to a CSV file."
        )
