"""The text progress bar that `fit`, `evaluate` and `predict` print.

`Progbar` reproduces Keras 3's output byte for byte, so logs and notebooks look the same
whichever library produced them:

verbose=1, redrawn in place while running and finished with a newline::

    375/375 ━━━━━━━━━━━━━━━━━━━━ 1s 3ms/step - accuracy: 0.8250 - loss: 0.7064

verbose=2, one line when the bar is finalized::

    333/333 - 1s - 2ms/step - accuracy: 0.9688 - loss: 0.1256
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

import numpy as np

_BOLD = "\x1b[1m"
_GREEN = "\33[32m"
_GREY = "\33[37m"
_RESET = "\x1b[0m"
_BAR_CHAR = "━"


def format_step_time(seconds: float, unit_name: str) -> str:
    """Formats a per-unit duration as ` 3ms/step`, ` 2s/step` or ` 850us/step`."""
    if seconds >= 1 or seconds == 0:
        return f" {seconds:.0f}s/{unit_name}"
    if seconds >= 1e-3:
        return f" {seconds * 1e3:.0f}ms/{unit_name}"
    return f" {seconds * 1e6:.0f}us/{unit_name}"


def format_eta(seconds: float) -> str:
    """Formats a remaining time as `42s`, `3:07` or `1:02:03`."""
    if seconds > 3600:
        hours, minutes = int(seconds // 3600), int((seconds % 3600) // 60)
        return f"{hours}:{minutes:02d}:{int(seconds % 60):02d}"
    if seconds > 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(seconds)}s"


def _default_dynamic(stream: TextIO | None) -> bool:
    # Keras's rule, kept as is: "posix" is always imported on Linux and macOS, so there
    # the bar is redrawn in place even when the output goes to a file.
    target = stream if stream is not None else sys.stdout
    return (
        (hasattr(target, "isatty") and target.isatty())
        or "ipykernel" in sys.modules
        or "posix" in sys.modules
        or "PYCHARM_HOSTED" in os.environ
    )


class Progbar:
    """A progress bar over `target` steps, printed as Keras 3 prints it.

    Args:
        target: total number of steps, or None when unknown.
        width: number of bar characters.
        verbose: 0 silent, 1 a redrawn bar, 2 one line once finalized.
        interval: minimum seconds between two redraws at verbose=1.
        stateful_metrics: names whose values are shown as given; all other names are
            averaged over the steps seen. Give this or `stateless_metrics`, not both.
        stateless_metrics: names that are averaged; all others are shown as given.
        unit_name: what a step is called in `ms/step`.
        stream: where to write; None means `sys.stdout` at the time of writing.
        dynamic: redraw in place (`\\b` and `\\r`) rather than one line per update;
            None decides as Keras does.
    """

    def __init__(
        self,
        target: int | None,
        width: int = 20,
        verbose: int = 1,
        interval: float = 0.05,
        stateful_metrics: Iterable[str] | None = None,
        stateless_metrics: Iterable[str] | None = None,
        unit_name: str = "step",
        *,
        stream: TextIO | None = None,
        dynamic: bool | None = None,
    ) -> None:
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError(
                "Progbar takes `stateful_metrics` (names shown as given, all others "
                "averaged) or `stateless_metrics` (names averaged, all others shown as "
                "given), not both."
            )
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateless_metrics = None if stateless_metrics is None else set(stateless_metrics)
        if stateful_metrics is not None or stateless_metrics is None:
            self.stateful_metrics = set(stateful_metrics or ())
        else:
            self.stateful_metrics = None
        self.stream = stream
        self._dynamic_display = _default_dynamic(stream) if dynamic is None else dynamic
        self._seen_so_far = 0
        # name -> [weighted sum, weight]; a value shown as given has weight 1.
        self._values: dict[str, list[Any]] = {}
        self._values_order: list[str] = []
        self._start = time.time()
        self._last_update = 0.0
        self._time_after_first_step: float | None = None
        self._prev_total_width = 0

    def update(
        self,
        current: int,
        values: Sequence[tuple[str, Any]] | None = None,
        finalize: bool | None = None,
    ) -> None:
        """Records progress up to step `current` and redraws when due.

        Args:
            current: index of the step just completed (1-based).
            values: `(name, value)` pairs for this step, shown in first-seen order.
            finalize: whether this is the last update; None means `current >= target`.
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        self._record(current, values or (), finalize)
        self._seen_so_far = current
        now = time.time()
        time_per_unit = self._step_duration(current, now)
        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            self._draw_bar(current, now, time_per_unit, finalize)
        elif self.verbose == 2 and finalize and self.target is not None and self.target > 0:
            self._write_summary_line(current, now, time_per_unit)
        self._last_update = now

    def add(self, n: int, values: Sequence[tuple[str, Any]] | None = None) -> None:
        """Advances the bar by `n` steps."""
        self.update(self._seen_so_far + n, values)

    def _record(self, current: int, values: Iterable[tuple[str, Any]], finalize: bool) -> None:
        for name, value in values:
            if name not in self._values_order:
                self._values_order.append(name)
            if self.stateful_metrics is not None:
                averaged = name not in self.stateful_metrics
            else:
                averaged = name in self.stateless_metrics
            if not averaged or finalize:
                # A finalizing value is already the epoch's summary: show it as is.
                self._values[name] = [value, 1]
                continue
            # Steps since the last update; at least 1 so a repeated step still counts.
            weight = max(current - self._seen_so_far, 1)
            if name in self._values:
                self._values[name][0] += value * weight
                self._values[name][1] += weight
            else:
                self._values[name] = [value * weight, weight]

    def _mean(self, name: str) -> Any:
        total, count = self._values[name]
        if not isinstance(total, float):
            total = np.mean(total)
        return total / max(1, count)

    def _metrics_text(self, small: Any) -> str:
        text = ""
        for name in self._values_order:
            mean = self._mean(name)
            text += f" - {name}: {mean:.4f}" if not small(mean) else f" - {name}: {mean:.4e}"
        return text

    def _draw_bar(self, current: int, now: float, time_per_unit: float, finalize: bool) -> None:
        # Escape sequences take no room on screen, so they are left out of the width.
        hidden = 0
        if self.target is not None and self.target > 0:
            digits = int(math.log10(self.target)) + 1
            count = f"%{digits}d/%d" % (current, self.target)
            bar = f"{_BOLD}{count}{_RESET} "
            hidden += 8
            done = int(self.width * float(current) / self.target)
            if done > 0:
                bar += f"{_GREEN}{_BAR_CHAR * done}{_RESET}"
                hidden += 9
            bar += f"{_GREY}{_BAR_CHAR * (self.width - done)}{_RESET}"
            hidden += 9
        else:
            bar = f"{int(current):7d}/Unknown"
        if self.target is not None and self.target > 0 and not finalize:
            info = f" {_BOLD}{format_eta(time_per_unit * (self.target - current))}{_RESET}"
        else:
            info = f" {_BOLD}{now - self._start:.0f}s{_RESET}"
        hidden += 8
        info += format_step_time(time_per_unit, self.unit_name)
        info += self._metrics_text(lambda mean: abs(mean) <= 1e-3)

        prefix = "\b" * self._prev_total_width + "\r" if self._dynamic_display else "\n"
        message = prefix + bar + info
        total_width = len(bar) + len(info) - hidden
        # Blank out what is left of a longer previous line.
        if self._prev_total_width > total_width:
            message += " " * (self._prev_total_width - total_width)
        if finalize:
            message += "\n"
        self._write(message)
        self._prev_total_width = total_width

    def _write_summary_line(self, current: int, now: float, time_per_unit: float) -> None:
        digits = int(math.log10(self.target)) + 1
        line = f"%{digits}d/%d" % (current, self.target)
        line += f" - {now - self._start:.0f}s"
        line += f" -{format_step_time(time_per_unit, self.unit_name)}"
        # Keras compares the signed value here (not its magnitude), so a negative value
        # is printed in exponent form at verbose=2.
        line += self._metrics_text(lambda mean: not mean > 1e-3)
        self._write(line + "\n")

    def _write(self, message: str) -> None:
        stream = self.stream if self.stream is not None else sys.stdout
        try:
            stream.write(message)
        except UnicodeEncodeError:
            encoding = getattr(stream, "encoding", None) or "utf-8"
            message = message.replace(_BAR_CHAR, "=")
            stream.write(message.encode(encoding, errors="ignore").decode(encoding))
        stream.flush()

    def _step_duration(self, current: int, now: float) -> float:
        """Seconds per step; once past step 1 the first step (compilation) is left out."""
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            per_step = (now - self._time_after_first_step) / (current - 1)
        else:
            per_step = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return per_step
