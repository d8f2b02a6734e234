"""`MonitorCallback`: watching one logged quantity for improvement."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from pellucid.callbacks.callback import Callback


def _less(a: Any, b: Any) -> bool:
    # Keras compares in float32 (its backend's default float), so values that differ
    # only beyond float32 precision count as equal; doing the same keeps decisions
    # identical.
    return bool(np.less(np.float32(a), np.float32(b)))


def _greater(a: Any, b: Any) -> bool:
    return bool(np.greater(np.float32(a), np.float32(b)))


def _compiled_metrics(model: Any) -> list[Any]:
    """The model's metric objects, with metric containers opened up."""
    found = []
    for metric in getattr(model, "metrics", None) or []:
        inner = getattr(metric, "metrics", None)
        found.extend(inner if isinstance(inner, (list, tuple)) else [metric])
    return found


class MonitorCallback(Callback):
    """Base for callbacks that act when a logged quantity stops improving.

    Args:
        monitor: the log key to watch, e.g. "val_loss".
        mode: "min", "max" or "auto". "auto" minimises `loss` / `val_loss`, and for
            another name asks the model's metric of that name (without `val_`) for its
            direction (`_direction` "up" or "down", as Keras metrics declare it).
        baseline: the initial best value; None means the first value seen.
        min_delta: the smallest change that counts as an improvement.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        mode: str = "auto",
        baseline: float | None = None,
        min_delta: float = 0,
    ) -> None:
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(
                f"{type(self).__name__} mode '{mode}' is unknown, fallback to auto mode.",
                stacklevel=2,
            )
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self) -> None:
        if self.mode == "min":
            self.monitor_op = _less
        elif self.mode == "max":
            self.monitor_op = _greater
        else:
            self.monitor_op = self._infer_direction()
        if self.monitor_op is _less:
            # Stored signed, so `value - min_delta` moves toward "better" in either mode.
            self.min_delta *= -1

    def _infer_direction(self) -> Any:
        name = self.monitor.removeprefix("val_")
        op = _less if name == "loss" else None
        for metric in _compiled_metrics(self.model):
            if getattr(metric, "name", None) == name and hasattr(metric, "_direction"):
                op = _greater if metric._direction == "up" else _less
        if op is None:
            raise ValueError(
                f"{type(self).__name__} callback received monitor={self.monitor}, but "
                "pellucid cannot tell whether that metric should be maximized or "
                "minimized. Pass `mode='max'` to monitor based on the highest value, or "
                "`mode='min'` to use the lowest value."
            )
        return op

    def _is_improvement(self, value: Any, reference: Any) -> bool:
        if reference is None:
            return True
        return self.monitor_op(value - self.min_delta, reference)
