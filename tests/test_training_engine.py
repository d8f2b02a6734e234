"""The training engine's fast paths give the same numbers as the plain one."""

import jax
import numpy as np
import pytest

import pellucid as keras
from pellucid.callbacks.logs import LazyLogs
from pellucid.training import execution


def _model(steps_per_execution=1):
    keras.utils.set_random_seed(3) if hasattr(keras, "utils") else None
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy",
                  steps_per_execution=steps_per_execution)
    return model


def _data(n=70):
    rng = np.random.default_rng(0)
    return rng.random((n, 6), np.float32), rng.integers(0, 3, n)


class BatchRecorder(keras.callbacks.Callback):
    """Forces one dispatch per batch (it has batch hooks) and records the losses."""

    def __init__(self):
        super().__init__()
        self.losses = []

    def on_train_batch_end(self, batch, logs=None):
        self.losses.append(logs["loss"])


def _train(steps_per_execution, callbacks=(), epochs=2):
    x, y = _data()
    model = _model(steps_per_execution)
    model.set_weights(_model().get_weights())  # the same start for every variant
    history = model.fit(x, y, batch_size=16, epochs=epochs, shuffle=False, verbose=0,
                        callbacks=list(callbacks))
    return model, history


def test_blocks_match_single_steps():
    recorder = BatchRecorder()
    single, h1 = _train(1, [recorder])
    blocked, h2 = _train(4)
    auto, h3 = _train("auto")
    np.testing.assert_allclose(h1.history["loss"], h2.history["loss"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h1.history["loss"], h3.history["loss"], rtol=1e-5, atol=1e-6)
    for a, b, c in zip(single.get_weights(), blocked.get_weights(), auto.get_weights(),
                       strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(a, c, rtol=1e-5, atol=1e-6)
    assert len(recorder.losses) == 2 * 5  # 70 samples / 16 = 4 full + 1 partial batch
    assert recorder.losses[4] == pytest.approx(h1.history["loss"][0])


def test_block_hooks_see_block_ends():
    seen = []

    class Ends(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(batch)

    _train(2, [Ends()], epochs=1)
    assert seen == [1, 3, 4]  # blocks of two full batches, then the partial batch


def test_one_compile_across_epochs_with_partial_batch():
    x, y = _data()
    model = _model()
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    block = model._trainer._train_fn[1].jitted
    before = block._cache_size()
    model.fit(x, y, batch_size=16, epochs=3, verbose=0)
    assert block._cache_size() == before  # later epochs compiled nothing new


def test_lazy_logs_and_history():
    raw = {"loss": jax.numpy.float32(0.5), "nested": {"acc": jax.numpy.float32(1.0)}}
    logs = LazyLogs(raw)
    assert list(logs) == ["loss", "acc"] and logs._plain is None  # keys need no sync
    assert logs["loss"] == 0.5 and type(logs["loss"]) is float
    logs["extra"] = 2.0
    assert dict(logs) == {"acc": 1.0, "loss": 0.5, "extra": 2.0}
    _, history = _train("auto")
    assert all(type(v) is float for v in history.history["loss"])


def test_evaluate_calls_test_batch_hooks():
    calls = []

    class Hooks(keras.callbacks.Callback):
        def on_test_batch_begin(self, batch, logs=None):
            calls.append(("begin", batch))

        def on_test_batch_end(self, batch, logs=None):
            calls.append(("end", batch, logs["loss"]))

    x, y = _data()
    model = _model()
    loss = model.evaluate(x, y, batch_size=32, verbose=0, callbacks=[Hooks()])
    assert [c[:2] for c in calls] == [("begin", 0), ("end", 0), ("begin", 1), ("end", 1),
                                      ("begin", 2), ("end", 2)]
    assert calls[-1][2] == pytest.approx(loss)


def test_predict_blocks_match_batches():
    x, _ = _data(75)
    model = _model()
    blocked = model.predict(x, batch_size=8, verbose=0)

    class PerBatch(keras.callbacks.Callback):
        def on_predict_batch_end(self, batch, logs=None):
            pass

    single = model.predict(x, batch_size=8, verbose=0, callbacks=[PerBatch()])
    direct = np.concatenate([model.predict_on_batch(x[i:i + 8]) for i in range(0, 75, 8)])
    assert blocked.shape == (75, 3)
    np.testing.assert_allclose(blocked, single, rtol=1e-6)
    np.testing.assert_allclose(blocked, direct, rtol=1e-5, atol=1e-6)


def test_blocks_group_equal_sizes():
    index = [np.arange(4)] * 5 + [np.arange(2)]
    got = list(execution.blocks(index, 2))
    assert [(b.first, b.last, b.count, b.indices.shape) for b in got] == [
        (0, 1, 2, (2, 4)), (2, 3, 2, (2, 4)), (4, 4, 1, (2, 4)), (5, 5, 1, (2, 2))]


def test_bad_steps_per_execution():
    with pytest.raises(ValueError, match="steps_per_execution"):
        _model(0)
