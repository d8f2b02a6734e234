"""Callbacks make the decisions Keras 3's callbacks make, and print what they print.

A small fake model exposes only the surface callbacks use (`stop_training`, weights,
`save`, `save_weights`, `optimizer.learning_rate`). `fake_fit` drives a callback list
through the hook sequence of Keras's `fit`; each test runs it once with Keras's
callbacks and once with pellucid's, on the same logs, and compares the outcome.
"""

import contextlib
import io
import os
import time
import warnings

import jax.numpy as jnp
import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras")

import pellucid.callbacks as pcb  # noqa: E402
from pellucid.callbacks.logs import plain_logs  # noqa: E402

kcb = keras.callbacks
BOTH = pytest.mark.parametrize("lib", [kcb, pcb], ids=["keras", "pellucid"])


class FakeOptimizer:
    """Stores its rate as float32, as both libraries' optimizers do."""

    def __init__(self, learning_rate=0.01):
        self._rate = np.float32(learning_rate)

    @property
    def learning_rate(self):
        return float(self._rate)

    @learning_rate.setter
    def learning_rate(self, value):
        self._rate = np.float32(value)


class FakeMetric:
    def __init__(self, name, direction):
        self.name = name
        self._direction = direction


class FakeModel:
    """The public surface of a model that callbacks touch, and nothing more."""

    def __init__(self, metrics=()):
        self.stop_training = False
        self.optimizer = FakeOptimizer()
        self.metrics = list(metrics)
        self.weights = [np.zeros(2), np.zeros(())]
        self.saved = []

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [np.array(w) for w in weights]

    def save(self, filepath, overwrite=True):
        self._write(filepath, "model")

    def save_weights(self, filepath, overwrite=True):
        self._write(filepath, "weights")

    def _write(self, filepath, kind):
        with open(filepath, "w") as f:
            f.write(f"{kind} {self.weights[0].tolist()}")
        self.saved.append(os.path.basename(filepath))


def fake_fit(
    lib, model, callbacks, epoch_logs, steps=3, verbose=0, batch_logs=None, clock=None,
    validation=True, steps_known=True,
):
    """Runs Keras's `fit` hook sequence; epoch `e` ends with `epoch_logs[e]`.

    Weights become `[e, b]` after batch `b` of epoch `e`, so restored weights show
    which epoch they came from.
    """
    batch_logs = batch_logs or (lambda e, b: {"loss": 1.0 / (e + b + 1)})
    cbs = lib.CallbackList(
        callbacks, add_history=True, add_progbar=verbose != 0, model=model,
        verbose=verbose, epochs=len(epoch_logs), steps=steps if steps_known else None,
    )
    model.stop_training = False
    cbs.on_train_begin()
    logs = None
    for epoch, end_logs in enumerate(epoch_logs):
        cbs.on_epoch_begin(epoch)
        for step in range(steps):
            cbs.on_train_batch_begin(step)
            if clock is not None:
                clock.now += 0.25 if step == 0 else 0.004
            model.weights = [np.array([epoch, step], float), np.array(epoch * 10.0)]
            cbs.on_train_batch_end(step, batch_logs(epoch, step))
            if model.stop_training:
                break
        if validation:
            cbs.on_test_begin()
            cbs.on_test_batch_begin(0)
            cbs.on_test_batch_end(0, {"loss": 9.0})
            cbs.on_test_end({"loss": 9.0})
        logs = dict(end_logs)
        cbs.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    cbs.on_train_end(logs)
    return cbs


def run_captured(fn, *args, **kwargs):
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = fn(*args, **kwargs)
    return result, buffer.getvalue()


def series(name, values, **extra):
    return [{name: v, **extra} for v in values]


# ---------------------------------------------------------------- base and list


def test_train_batch_hooks_forward_to_older_names():
    seen = []

    class Old(pcb.Callback):
        def on_batch_begin(self, batch, logs=None):
            seen.append(("begin", batch, logs))

        def on_batch_end(self, batch, logs=None):
            seen.append(("end", batch, logs))

    cb = Old()
    cb.on_train_batch_begin(0, {"a": 1})
    cb.on_train_batch_end(0, {"b": 2})
    assert seen == [("begin", 0, {"a": 1}), ("end", 0, {"b": 2})]


def test_every_keras_hook_exists_and_does_nothing_by_default():
    hooks = [name for name in dir(kcb.Callback) if name.startswith("on_")]
    cb = pcb.Callback()
    for name in hooks:
        assert hasattr(cb, name), name
    cb.set_model("m")
    cb.set_params({"epochs": 2})
    assert cb.model == "m" and cb.params == {"epochs": 2}


def test_plain_logs_matches_keras():
    from keras.src.utils.python_utils import pythonify_logs

    logs = {
        "z": jnp.float32(0.25), "a": np.float64(1.5), "m": 3, "nested": {"y": 2.0, "b": "x"},
        "vec": jnp.arange(3.0), "text": "hi",
    }
    expected, actual = pythonify_logs(logs), plain_logs(logs)
    assert list(actual) == list(expected)
    for key in expected:
        assert type(actual[key]) is type(expected[key])
        np.testing.assert_array_equal(actual[key], expected[key])


def record_dispatch(lib):
    """The hooks a Recorder callback receives from `lib.CallbackList`, with their args."""
    calls = []

    class Recorder(lib.Callback):
        def __getattribute__(self, name):
            attr = object.__getattribute__(self, name)
            if name.startswith("on_") and callable(attr):
                return lambda *a, **k: calls.append((name, a, k))
            return attr

    model = FakeModel()
    cbs = lib.CallbackList([Recorder()], model=model, verbose=0, epochs=1, steps=2)
    cbs.on_train_begin()
    cbs.on_epoch_begin(0, {"b": 1, "a": 2})
    cbs.on_train_batch_end(1, {"loss": jnp.float32(0.5)})
    cbs.on_predict_batch_end(0, {"outputs": {"dense": np.ones(2)}})
    cbs.on_epoch_end(0, {"val_loss": 1, "loss": 2})
    cbs.on_train_end()
    calls[3] = (calls[3][0], calls[3][1], {"logs": {k: v.tolist() for k, v in
                                                    calls[3][2]["logs"].items()}})
    return calls


def test_callback_list_dispatch_is_identical():
    keras_calls = record_dispatch(kcb)
    ours = record_dispatch(pcb)
    assert ours == keras_calls
    assert list(ours[2][2]["logs"].values()) == [0.5]
    assert list(ours[4][1][1]) == ["loss", "val_loss"]


def test_callback_list_adds_history_and_progbar_once():
    history = pcb.History()
    model = FakeModel()
    cbs = pcb.CallbackList([[history]], add_history=True, add_progbar=True, model=model,
                           verbose=1, epochs=1, steps=1)
    assert [type(cb).__name__ for cb in cbs.callbacks] == ["History", "ProgbarLogger"]
    assert cbs.callbacks[0] is history and model.history is history
    assert cbs.callbacks[1].params == {"verbose": 1, "epochs": 1, "steps": 1}
    assert pcb.CallbackList(None).callbacks == []


def test_callback_list_end_without_begin_raises():
    with pytest.raises(ValueError, match="on_train_end"):
        pcb.CallbackList([]).on_train_end()


# ---------------------------------------------------------------- History


def test_history_matches_keras():
    logs = [{"loss": 1.0 - 0.1 * e, "val_loss": 2.0 - 0.2 * e, "acc": 0.5} for e in range(4)]
    results = []
    for lib in (kcb, pcb):
        model = FakeModel()
        fake_fit(lib, model, [], logs, verbose=0)
        fake_fit(lib, model, [model.history], logs[:2], verbose=0)
        h = model.history
        results.append((h.history, h.epoch, h.params, h.model is model))
    assert results[1] == results[0]
    assert list(results[1][0]) == ["acc", "loss", "val_loss"]
    assert len(results[1][0]["loss"]) == 6


# ---------------------------------------------------------------- ProgbarLogger


@pytest.fixture
def clock(monkeypatch):
    class Clock:
        now = 500.0

    fake = Clock()
    monkeypatch.setattr(time, "time", lambda: fake.now)
    return fake


@pytest.mark.parametrize("verbose", [1, 2, "auto"])
@pytest.mark.parametrize("epochs", [1, 3])
@pytest.mark.parametrize("steps", [5, None], ids=["known_steps", "unknown_steps"])
def test_progbar_logger_output_matches_keras(clock, verbose, epochs, steps):
    logs = [
        {"loss": 0.7 - 0.1 * e, "accuracy": 0.8, "val_loss": 0.5, "val_accuracy": 0.875}
        for e in range(epochs)
    ]

    def batch_logs(e, b):
        return {"loss": 0.9 - 0.01 * b, "accuracy": 0.5 + 0.1 * b, "mae": 1e-5}

    outputs = []
    for lib in (kcb, pcb):
        clock.now = 500.0
        # Passing the logger explicitly keeps Keras from dispatching batch hooks on a
        # thread, so both runs see the clock in the same order.
        _, out = run_captured(
            fake_fit, lib, FakeModel(), [lib.ProgbarLogger()], logs, steps=5,
            verbose=verbose, batch_logs=batch_logs, clock=clock, steps_known=steps is not None,
        )
        outputs.append(out)
    assert outputs[1] == outputs[0]
    assert ("Epoch 1/" in outputs[1]) == (epochs > 1)
    assert "val_accuracy: 0.8750 - val_loss: 0.5000" in outputs[1]


@pytest.mark.parametrize("mode", ["test", "predict"])
def test_progbar_logger_evaluate_and_predict_match_keras(clock, mode):
    outputs = []
    for lib in (kcb, pcb):
        clock.now = 500.0

        def run(lib=lib):
            cbs = lib.CallbackList([lib.ProgbarLogger()], model=FakeModel(), verbose=1,
                                   epochs=1, steps=4)
            getattr(cbs, f"on_{mode}_begin")()
            for step in range(4):
                clock.now += 0.01
                logs = {"outputs": np.ones(3)} if mode == "predict" else {"loss": 0.1 * step}
                getattr(cbs, f"on_{mode}_batch_begin")(step)
                getattr(cbs, f"on_{mode}_batch_end")(step, logs)
            getattr(cbs, f"on_{mode}_end")({"loss": 0.3} if mode == "test" else None)

        outputs.append(run_captured(run)[1])
    assert outputs[1] == outputs[0] and "4/4" in outputs[1]


# ---------------------------------------------------------------- EarlyStopping

EARLY_STOPPING_CASES = [
    ({}, [1.0, 0.9, 0.95, 0.8]),
    ({"patience": 2}, [1.0, 0.9, 0.95, 0.96, 0.5, 0.4]),
    ({"patience": 2, "restore_best_weights": True}, [1.0, 0.7, 0.95, 0.96, 0.5]),
    ({"patience": 1, "min_delta": 0.1}, [1.0, 0.95, 0.91, 0.7, 0.65, 0.64]),
    ({"patience": 3, "baseline": 0.5, "restore_best_weights": True}, [1.0, 0.9, 0.8, 0.7, 0.6]),
    ({"patience": 1, "baseline": 0.85}, [1.0, 0.8, 0.79, 0.81, 0.9]),
    ({"start_from_epoch": 3}, [1.0, 2.0, 3.0, 0.5, 0.6, 0.7]),
    ({"monitor": "val_acc", "mode": "max", "patience": 1}, [0.5, 0.6, 0.55, 0.58, 0.7]),
    ({"monitor": "loss", "mode": "auto", "patience": 1, "restore_best_weights": True},
     [0.5, 0.4, 0.45, 0.46, 0.3]),
    ({"patience": 0, "restore_best_weights": True}, [0.30000001, 0.3, 0.2]),
    ({"monitor": "missing", "mode": "min"}, [1.0, 2.0, 3.0]),
]


@pytest.mark.parametrize("verbose", [0, 1])
@pytest.mark.parametrize("kwargs, values", EARLY_STOPPING_CASES)
def test_early_stopping_matches_keras(kwargs, values, verbose):
    outcomes = []
    for lib in (kcb, pcb):
        model = FakeModel()
        cb = lib.EarlyStopping(verbose=verbose, **kwargs)
        monitor = kwargs.get("monitor", "val_loss")
        logs = series("val_loss" if monitor == "missing" else monitor, values, loss=1.0)
        if monitor == "loss":
            logs = [{"loss": v} for v in values]
        _, out = run_captured(fake_fit, lib, model, [cb], logs)
        outcomes.append((len(model.history.epoch), cb.stopped_epoch, cb.best, cb.wait,
                         [w.tolist() for w in model.weights], out))
    assert outcomes[1] == outcomes[0]


def test_early_stopping_auto_mode_reads_metric_direction():
    values = [0.5, 0.6, 0.55, 0.58, 0.7]
    model = FakeModel(metrics=[FakeMetric("acc", "up")])
    fake_fit(pcb, model, [pcb.EarlyStopping("val_acc", patience=1)], series("val_acc", values))
    # A maximised metric: no gain at epochs 2 and 3, so training stops after epoch 3.
    assert model.history.epoch == [0, 1, 2]


@BOTH
def test_early_stopping_auto_mode_unknown_metric_raises(lib):
    with pytest.raises(ValueError, match="mode='max'"):
        fake_fit(lib, FakeModel(), [lib.EarlyStopping("val_f1")], series("val_f1", [1.0]))


# ---------------------------------------------------------------- ModelCheckpoint

CHECKPOINT_CASES = [
    {"filepath": "ckpt.keras"},
    {"filepath": "sub/dir/m-{epoch:02d}-{val_loss:.2f}.keras"},
    {"filepath": "best-{epoch:02d}.keras", "save_best_only": True},
    {"filepath": "w-{epoch}.weights.h5", "save_weights_only": True, "save_best_only": True,
     "initial_value_threshold": 0.85},
    {"filepath": "acc-{epoch}.keras", "monitor": "val_acc", "mode": "max",
     "save_best_only": True},
    {"filepath": "b-{epoch}-{batch}.weights.h5", "save_weights_only": True, "save_freq": 2},
    {"filepath": "x.keras", "monitor": "nothing", "save_best_only": True, "mode": "min"},
]


@pytest.mark.parametrize("verbose", [0, 1])
@pytest.mark.parametrize("kwargs", CHECKPOINT_CASES)
def test_model_checkpoint_matches_keras(tmp_path, kwargs, verbose):
    logs = [{"val_loss": v, "val_acc": 1 - v, "loss": 1.0} for v in [0.9, 0.8, 0.85, 0.6]]
    outcomes = []
    for lib in (kcb, pcb):
        folder = tmp_path / lib.__name__
        model = FakeModel()
        args = {**kwargs, "filepath": str(folder / kwargs["filepath"])}
        _, out = run_captured(
            fake_fit, lib, model, [lib.ModelCheckpoint(verbose=verbose, **args)], logs, steps=3
        )
        files = {
            str(p.relative_to(folder)): p.read_text() for p in folder.rglob("*") if p.is_file()
        }
        outcomes.append((model.saved, files, out.replace(str(folder), "<dir>")))
    assert outcomes[1] == outcomes[0]
    assert outcomes[1][0]


@BOTH
@pytest.mark.parametrize(
    "kwargs",
    [{"filepath": "m.h5x"}, {"filepath": "m.keras", "save_weights_only": True},
     {"filepath": "m.keras", "save_freq": "batch"}],
)
def test_model_checkpoint_rejects_bad_arguments(lib, kwargs):
    with pytest.raises(ValueError):
        lib.ModelCheckpoint(**kwargs)


def test_model_checkpoint_unknown_field_raises(tmp_path):
    cb = pcb.ModelCheckpoint(str(tmp_path / "{nope}.keras"))
    with pytest.raises(KeyError, match="Failed to format"):
        fake_fit(pcb, FakeModel(), [cb], [{"val_loss": 1.0}])


# ---------------------------------------------------------------- learning rate

REDUCE_CASES = [
    ({"patience": 1}, [1.0, 1.0, 1.0, 0.5, 0.5, 0.5]),
    ({"patience": 2, "factor": 0.5, "cooldown": 2}, [1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7]),
    ({"patience": 1, "factor": 0.2, "min_lr": 0.0005}, [1.0] * 8),
    ({"patience": 1, "min_delta": 0.2}, [1.0, 0.9, 0.85, 0.5, 0.45]),
    ({"monitor": "val_acc", "mode": "max", "patience": 1}, [0.5, 0.4, 0.6, 0.6, 0.7]),
    ({"monitor": "learning_rate", "mode": "min", "patience": 1}, [1.0] * 4),
]


@pytest.mark.parametrize("verbose", [0, 1])
@pytest.mark.parametrize("kwargs, values", REDUCE_CASES)
def test_reduce_lr_on_plateau_matches_keras(kwargs, values, verbose):
    outcomes = []
    for lib in (kcb, pcb):
        model = FakeModel()
        cb = lib.ReduceLROnPlateau(verbose=verbose, **kwargs)
        logs = series(kwargs.get("monitor", "val_loss"), values, loss=1.0)
        _, out = run_captured(fake_fit, lib, model, [cb], logs)
        outcomes.append((model.history.history, cb.wait, cb.cooldown_counter, out))
    assert outcomes[1] == outcomes[0]
    assert "learning_rate" in outcomes[1][0]


def test_reduce_lr_rejects_factor_of_one():
    with pytest.raises(ValueError, match="factor"):
        pcb.ReduceLROnPlateau(factor=1.0)


@pytest.mark.parametrize(
    "schedule",
    [lambda epoch, lr: lr * 0.5 if epoch else 0.2, lambda epoch: 0.1 / (epoch + 1)],
    ids=["two_args", "epoch_only"],
)
@pytest.mark.parametrize("verbose", [0, 1])
def test_learning_rate_scheduler_matches_keras(schedule, verbose):
    outcomes = []
    for lib in (kcb, pcb):
        model = FakeModel()
        cb = lib.LearningRateScheduler(schedule, verbose=verbose)
        _, out = run_captured(fake_fit, lib, model, [cb], [{"loss": 1.0}] * 4)
        outcomes.append((model.history.history, model.optimizer.learning_rate, out))
    assert outcomes[1] == outcomes[0]


@BOTH
def test_learning_rate_scheduler_requires_float(lib):
    cb = lib.LearningRateScheduler(lambda epoch, lr: "fast")
    with pytest.raises(ValueError, match="should be a float"):
        fake_fit(lib, FakeModel(), [cb], [{"loss": 1.0}])


# ---------------------------------------------------------------- CSVLogger


@pytest.mark.parametrize(
    "kwargs, logs",
    [
        ({}, [{"loss": 0.5, "val_loss": 0.7, "acc": 0.25}] * 3),
        ({"separator": ";"}, [{"loss": 0.5, "mae": 0.1}, {"loss": 0.4, "val_loss": 1.0}]),
        ({}, [{"loss": 0.5, "vec": np.array([1.0, 2.0]), "name": "a,b"}]),
        ({}, [{}]),
    ],
)
def test_csv_logger_matches_keras(tmp_path, kwargs, logs):
    texts = []
    for lib in (kcb, pcb):
        path = tmp_path / f"{lib.__name__}.csv"
        fake_fit(lib, FakeModel(), [lib.CSVLogger(path, **kwargs)], logs)
        texts.append(path.read_bytes())
    assert texts[1] == texts[0]


def test_csv_logger_append_matches_keras(tmp_path):
    texts = []
    for lib in (kcb, pcb):
        path = tmp_path / f"{lib.__name__}.csv"
        path.write_text("")
        for start in (0.5, 0.25):
            cb = lib.CSVLogger(str(path), append=True)
            fake_fit(lib, FakeModel(), [cb], [{"loss": start}, {"loss": start / 2}])
        texts.append(path.read_text())
    assert texts[1] == texts[0]
    assert texts[1].count("epoch") == 1


# ---------------------------------------------------------------- the rest


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_terminate_on_nan_matches_keras(bad):
    outcomes = []
    for lib in (kcb, pcb):
        model = FakeModel()

        def batch_logs(e, b, bad=bad):
            return {"loss": bad if (e, b) == (1, 1) else 0.5}

        _, out = run_captured(fake_fit, lib, model, [lib.TerminateOnNaN()], [{"loss": 1.0}] * 4,
                              batch_logs=batch_logs)
        outcomes.append((model.history.epoch, model.weights[0].tolist(), out))
    assert outcomes[1] == outcomes[0]
    assert outcomes[1][0] == [0, 1]


def test_terminate_on_nan_can_raise():
    with pytest.raises(RuntimeError, match="batch 0"):
        fake_fit(pcb, FakeModel(), [pcb.TerminateOnNaN(raise_error=True)], [{"loss": 1.0}],
                 batch_logs=lambda e, b: {"loss": float("nan")})


def test_lambda_callback_calls_functions():
    seen = []
    cb = pcb.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append(("epoch", epoch, logs["loss"])),
        on_train_begin=lambda logs: seen.append(("begin",)),
        on_train_batch_end=lambda batch, logs: seen.append(("batch", batch)),
        on_test_end=lambda logs: seen.append(("test", logs["loss"])),
    )
    fake_fit(pcb, FakeModel(), [cb], [{"loss": 0.5}], steps=2)
    assert seen == [("begin",), ("batch", 0), ("batch", 1), ("test", 9.0), ("epoch", 0, 0.5)]


@pytest.mark.parametrize("name", ["RemoteMonitor", "TensorBoard"])
def test_unsupported_callbacks_say_so(name):
    with pytest.raises(NotImplementedError, match=name):
        getattr(pcb, name)()
