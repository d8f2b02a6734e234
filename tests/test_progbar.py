"""Progbar prints exactly what Keras 3's `keras.utils.Progbar` prints.

Both bars run under the same fake clock and receive the same updates; the captured text
must be identical, escape sequences included.
"""

import contextlib
import io
import os
import time

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras")

from pellucid.training.progbar import Progbar, format_eta, format_step_time  # noqa: E402


class FakeClock:
    """Stands in for `time.time`; tests move it forward by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    # Both modules call `time.time()` through the shared `time` module.
    monkeypatch.setattr(time, "time", fake)
    return fake


def run_both(clock, make_kwargs, steps, dynamic=True):
    """Drives a Keras bar and a pellucid bar through `steps`; returns both outputs.

    `steps` is a list of (seconds to advance, method, args) where method is "update" or
    "add".
    """
    outputs = []
    for make in (keras.utils.Progbar, Progbar):
        clock.now = 1000.0
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            bar = make(**make_kwargs)
            bar._dynamic_display = dynamic
            for advance, method, args in steps:
                clock.now += advance
                getattr(bar, method)(*args)
        outputs.append(buffer.getvalue())
    return outputs


def epoch_steps(target, seconds_per_step, values_for_step, first_step=0.8):
    steps = []
    for i in range(1, target + 1):
        advance = first_step if i == 1 else seconds_per_step
        steps.append((advance, "update", (i, values_for_step(i))))
    return steps


def running_metrics(i):
    return [("accuracy", 0.5 + 0.01 * i), ("loss", 1.0 / (i + 1))]


SCENARIOS = {
    "fit_like": (
        {"target": 30, "stateless_metrics": set()},
        epoch_steps(30, 0.003, running_metrics),
    ),
    "averaged_values": (
        {"target": 12},
        epoch_steps(12, 0.02, lambda i: [("loss", float(i)), ("mae", np.float32(0.1 * i))]),
    ),
    "stateful_names": (
        {"target": 8, "stateful_metrics": ["acc"]},
        epoch_steps(8, 0.1, lambda i: [("acc", 0.1 * i), ("loss", 2.0 - 0.1 * i)]),
    ),
    "small_and_negative": (
        {"target": 5, "stateless_metrics": set()},
        epoch_steps(5, 0.5, lambda i: [("a", 1e-5 * i), ("b", -0.25 * i), ("c", 0.0)]),
    ),
    "slow_steps_eta_minutes": (
        {"target": 200, "stateless_metrics": set(), "interval": 0.0},
        epoch_steps(4, 2.5, running_metrics),
    ),
    "very_slow_eta_hours": (
        {"target": 5000, "stateless_metrics": set()},
        epoch_steps(3, 4.0, running_metrics),
    ),
    "microsecond_steps": (
        {"target": 1000, "stateless_metrics": set(), "interval": 0.0},
        epoch_steps(1000, 0.0002, lambda i: [("loss", 0.5)], first_step=0.0001)[::97],
    ),
    "throttled_by_interval": (
        {"target": 40, "stateless_metrics": set()},
        epoch_steps(40, 0.011, running_metrics),
    ),
    "unknown_target": (
        {"target": None, "stateless_metrics": set()},
        epoch_steps(7, 0.1, running_metrics) + [(0.1, "update", (7, [("val_loss", 0.3)], True))],
    ),
    "shrinking_line": (
        {"target": 10, "stateless_metrics": set()},
        [(0.1, "update", (1, [("loss", 123456.0), ("extra", 0.5)]))]
        + epoch_steps(10, 0.1, lambda i: [("loss", 0.1)])[1:],
    ),
    "finalize_with_val_keys": (
        {"target": 6, "stateless_metrics": set()},
        epoch_steps(6, 0.1, running_metrics)[:-1]
        + [(0.1, "update", (6, running_metrics(6) + [("val_loss", 0.2)], True))],
    ),
    "add_increments": (
        {"target": 9, "unit_name": "sample"},
        [(0.3, "add", (3, [("loss", 0.9)])), (0.3, "add", (3, [("loss", 0.6)])),
         (0.3, "add", (3, [("loss", 0.3)]))],
    ),
    "integer_values": (
        {"target": 4},
        epoch_steps(4, 0.2, lambda i: [("count", i)]),
    ),
    "narrow_bar": (
        {"target": 7, "width": 5, "stateless_metrics": set()},
        epoch_steps(7, 1.5, running_metrics),
    ),
}


@pytest.mark.parametrize("dynamic", [True, False], ids=["dynamic", "lines"])
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_verbose_1_matches_keras(clock, name, dynamic):
    kwargs, steps = SCENARIOS[name]
    expected, actual = run_both(clock, kwargs, steps, dynamic=dynamic)
    assert expected  # the scenario printed something
    assert actual == expected


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_verbose_2_matches_keras(clock, name):
    kwargs, steps = SCENARIOS[name]
    expected, actual = run_both(clock, {**kwargs, "verbose": 2}, steps)
    assert actual == expected


def test_verbose_0_prints_nothing(clock):
    _, steps = SCENARIOS["fit_like"]
    expected, actual = run_both(clock, {"target": 30, "verbose": 0}, steps)
    assert actual == expected == ""


def test_verbose_2_line_format(clock):
    buffer = io.StringIO()
    bar = Progbar(333, verbose=2, stateless_metrics=set(), stream=buffer)
    clock.now += 0.7
    bar.update(1)
    clock.now += 0.664
    bar.update(333, [("accuracy", 0.96875), ("loss", 0.12561)])
    assert buffer.getvalue() == "333/333 - 1s - 2ms/step - accuracy: 0.9688 - loss: 0.1256\n"


def test_final_verbose_1_line_layout(clock):
    buffer = io.StringIO()
    bar = Progbar(375, stateless_metrics=set(), stream=buffer, dynamic=True)
    clock.now += 0.1
    bar.update(1, [("loss", 1.0)])
    clock.now += 374 * 0.003
    bar.update(375, [("loss", 0.7064)])
    last = buffer.getvalue().split("\r")[-1]
    for code in ("\x1b[1m", "\x1b[0m", "\33[32m", "\33[37m"):
        last = last.replace(code, "")
    # The earlier line (with its ETA) was longer, so this one is padded with spaces.
    assert last.endswith("\n")
    assert last.rstrip() == "375/375 " + "━" * 20 + " 1s 3ms/step - loss: 0.7064"


def test_injected_stream_receives_output_and_stdout_stays_empty(clock, capsys):
    buffer = io.StringIO()
    bar = Progbar(2, verbose=2, stream=buffer)
    bar.update(2, [("loss", 0.5)])
    assert buffer.getvalue() == "2/2 - 0s - 0s/step - loss: 0.5000\n"
    assert capsys.readouterr().out == ""


def test_rejects_both_metric_lists():
    with pytest.raises(ValueError, match="stateful_metrics"):
        Progbar(3, stateful_metrics=["a"], stateless_metrics=["b"])


@pytest.mark.parametrize(
    "seconds, text",
    [(0, " 0s/step"), (2.4, " 2s/step"), (0.0031, " 3ms/step"), (0.00004, " 40us/step")],
)
def test_format_step_time(seconds, text):
    assert format_step_time(seconds, "step") == text


@pytest.mark.parametrize(
    "seconds, text", [(59.9, "59s"), (61.5, "1:01"), (3600.0, "60:00"), (3725.2, "1:02:05")]
)
def test_format_eta(seconds, text):
    assert format_eta(seconds) == text
