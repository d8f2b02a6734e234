"""Training steps split in two halves run side by side on two CPU threads: the same
training as the one-program step, and taken only where it is the same."""

import numpy as np
import pytest

import pellucid
from pellucid.training import execution, split_step
from tests.parity import keras_module

keras = keras_module()
RNG = np.random.default_rng(11)


def _events_model(lib, **dense_args):
    """B2's shape, small: masked embedding, LSTM, a main and an auxiliary output."""
    tokens = lib.Input((9,), dtype="int32")
    x = lib.layers.Embedding(20, 6, mask_zero=True)(tokens)
    state = lib.layers.LSTM(7)(x)
    hidden = lib.layers.Dense(5, activation="relu", **dense_args)(state)
    main = lib.layers.Dense(1, activation="sigmoid", name="main")(hidden)
    aux = lib.layers.Dense(1, activation="sigmoid", name="aux")(state)
    model = lib.Model(tokens, [main, aux])
    model.compile(lib.optimizers.Adam(0.01), ["binary_crossentropy"] * 2, loss_weights=[1.0, 0.2],
                  metrics=[["accuracy"], ["accuracy"]])
    return model


def _events_data(samples):
    lengths = RNG.integers(2, 10, samples)
    x = RNG.integers(1, 20, (samples, 9))
    x[np.arange(9)[None, :] >= lengths[:, None]] = 0
    y = (RNG.random((samples, 1)) < 0.5).astype("float32")
    return x.astype("int32"), [y, 1.0 - y]


def _sequence_model(lib):
    """B1's shape, small: GRU over every step, softmax per step."""
    model = lib.Sequential([lib.Input((6, 3)), lib.layers.GRU(5, return_sequences=True),
                            lib.layers.Dense(4, activation="softmax")])
    model.compile(lib.optimizers.RMSprop(0.01), "categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def _train(monkeypatch, make, x, y, split, **fit_args):
    monkeypatch.setenv("PELLUCID_SPLIT_STEPS", "1" if split else "0")
    pellucid.utils.set_random_seed(3)
    model = make()
    history = model.fit(x, y, epochs=3, shuffle=False, verbose=0, **fit_args)
    assert model._trainer._use_split == split
    return history.history, model.get_weights()


def _assert_same_training(a, b):
    (logs_a, weights_a), (logs_b, weights_b) = a, b
    assert logs_a.keys() == logs_b.keys()
    for key in logs_a:
        np.testing.assert_allclose(logs_a[key], logs_b[key], rtol=1e-5, err_msg=key)
    for wa, wb in zip(weights_a, weights_b, strict=True):
        np.testing.assert_allclose(wa, wb, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("batch_size", [40, 33])  # even halves; odd halves and a 1-row batch
def test_split_steps_train_as_one_program(monkeypatch, batch_size):
    x, y = _events_data(100)  # 100 = 3 x 33 + 1: the last batch has an empty second half
    weights = RNG.random(100).astype("float32")

    def make():
        return _events_model(pellucid, kernel_regularizer="l2",
                             kernel_constraint=pellucid.constraints.MaxNorm(1.0))

    fit_args = {"batch_size": batch_size, "sample_weight": [weights, weights]}
    _assert_same_training(_train(monkeypatch, make, x, y, True, **fit_args),
                          _train(monkeypatch, make, x, y, False, **fit_args))


def test_split_sequence_outputs_train_as_one_program(monkeypatch):
    x = RNG.normal(size=(70, 6, 3)).astype("float32")
    y = np.eye(4, dtype="float32")[RNG.integers(0, 4, (70, 6))]

    def make():
        return _sequence_model(pellucid)

    _assert_same_training(_train(monkeypatch, make, x, y, True, batch_size=32),
                          _train(monkeypatch, make, x, y, False, batch_size=32))


def test_split_training_matches_keras(monkeypatch):
    monkeypatch.setenv("PELLUCID_SPLIT_STEPS", "1")
    x, y = _events_data(96)
    theirs, ours = _events_model(keras), _events_model(pellucid)
    ours.set_weights(theirs.get_weights())
    h_theirs = theirs.fit(x, y, batch_size=48, epochs=3, shuffle=False, verbose=0)
    h_ours = ours.fit(x, y, batch_size=48, epochs=3, shuffle=False, verbose=0)
    assert ours._trainer._use_split
    for key in ("loss", "main_loss", "aux_loss"):
        np.testing.assert_allclose(h_ours.history[key], h_theirs.history[key], rtol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def _splittable(model, x, batch_size=4):
    model.fit(x, model.predict(x, batch_size=4, verbose=0), batch_size=4, epochs=1,
              verbose=0)  # compiles
    return split_step.splittable(model._trainer, x, batch_size)


def _lstm_head(*middle, loss="mse", return_sequences=False):
    model = pellucid.Sequential([pellucid.Input((5, 3)),
                                 pellucid.layers.LSTM(4, return_sequences=return_sequences),
                                 *middle, pellucid.layers.Dense(2)])
    model.compile("adam", loss)
    return model


def _masked_sequence_output():
    model = pellucid.Sequential([pellucid.Input((5,), dtype="int32"),
                                 pellucid.layers.Embedding(9, 3, mask_zero=True),
                                 pellucid.layers.LSTM(4, return_sequences=True),
                                 pellucid.layers.Dense(2)])
    model.compile("adam", "mse")
    return model


def _stateful():
    model = pellucid.Sequential([pellucid.Input((5, 3), batch_size=4),
                                 pellucid.layers.LSTM(4, stateful=True),
                                 pellucid.layers.Dense(2)])
    model.compile("adam", "mse")
    return model


def _dense_only():
    model = pellucid.Sequential([pellucid.Input((3,)), pellucid.layers.Dense(2)])
    model.compile("adam", "mse")
    return model


X_SEQ = RNG.normal(size=(4, 5, 3)).astype("float32")
X_TOKENS = RNG.integers(0, 9, (4, 5)).astype("int32")


@pytest.mark.parametrize("make,x", [
    (lambda: _lstm_head(pellucid.layers.Dropout(0.5)), X_SEQ),  # random masks
    (lambda: _lstm_head(pellucid.layers.BatchNormalization()), X_SEQ),  # batch statistics
    (lambda: _lstm_head(pellucid.layers.Lambda(lambda t: t - t.mean(axis=0))), X_SEQ),
    (lambda: _lstm_head(loss=lambda y, p: (y - p) ** 2), X_SEQ),  # the user's own loss
    (lambda: _lstm_head(loss=pellucid.losses.MeanSquaredError(reduction="sum")), X_SEQ),
    (lambda: _lstm_head(pellucid.layers.ActivityRegularization(l1=0.1)), X_SEQ),  # added loss
    (_masked_sequence_output, X_TOKENS),  # a masked loss divides by the real steps
    (_stateful, X_SEQ),  # the state passes from batch to batch
])
def test_steps_that_would_change_keep_one_program(monkeypatch, make, x):
    monkeypatch.setenv("PELLUCID_SPLIT_STEPS", "1")  # even where asked for
    assert not _splittable(make(), x)


def test_split_needs_two_cores_and_a_batch_worth_halving(monkeypatch):
    monkeypatch.delenv("PELLUCID_SPLIT_STEPS", raising=False)
    model = _lstm_head()
    assert _splittable(model, X_SEQ, batch_size=64)
    assert not split_step.splittable(model._trainer, X_SEQ, split_step.MIN_BATCH - 1)
    dense = _dense_only_trained()  # no recurrent layer: its step keeps the cores busy
    assert not split_step.splittable(dense, X_SEQ[:, 0], 64)
    monkeypatch.setenv("PELLUCID_SPLIT_STEPS", "1")  # wherever the result is the same
    assert split_step.splittable(model._trainer, X_SEQ, 2)
    assert split_step.splittable(dense, X_SEQ[:, 0], 2)
    monkeypatch.setattr(execution, "usable_cores", lambda: 1)
    assert not split_step.splittable(model._trainer, X_SEQ, 64)
    monkeypatch.setattr(execution, "usable_cores", lambda: 2)
    monkeypatch.setenv("PELLUCID_SPLIT_STEPS", "0")
    assert not split_step.splittable(model._trainer, X_SEQ, 64)


def _dense_only_trained():
    model = _dense_only()
    model.fit(X_SEQ[:2, 0], np.zeros((2, 2), "float32"), epochs=1, verbose=0)
    return model._trainer


def test_on_threads_reports_in_order():
    import threading
    import time

    seen, threads = [], set()

    def run(item):
        threads.add(threading.get_ident())
        time.sleep(0.002 * (item % 3))
        return item * 10

    execution.on_threads(run, list(range(9)), lambda i, r: seen.append((i, r)))
    assert seen == [(i, i * 10) for i in range(9)]
    assert len(threads) == 2
    seen.clear(), threads.clear()
    execution.on_threads(run, list(range(12)), lambda i, r: seen.append((i, r)), threads=3)
    assert seen == [(i, i * 10) for i in range(12)]
    assert len(threads) == 3
    seen.clear(), threads.clear()
    execution.on_threads(run, [4], lambda i, r: seen.append((i, r)), threads=3)
    assert seen == [(0, 40)] and threads == {threading.get_ident()}


def test_rows_independent_is_stated_by_pellucid_layers_only():
    class Centred(pellucid.layers.Dense):  # the user's subclass: it may mix rows
        def call(self, x):
            return super().call(x - x.mean(axis=0))

    plain = pellucid.Sequential([pellucid.Input((5, 3)), pellucid.layers.LSTM(4),
                                 pellucid.layers.Dense(2)])
    assert plain.rows_independent()
    assert not pellucid.Sequential([pellucid.Input((3,)), Centred(2)]).rows_independent()
    assert not pellucid.layers.Lambda(lambda t: t).rows_independent()
    wrapped = pellucid.layers.Bidirectional(pellucid.layers.LSTM(2))
    assert wrapped.rows_independent()
    assert not pellucid.layers.TimeDistributed(Centred(2)).rows_independent()
    # Batch statistics in training, the moving ones in inference.
    normalized = pellucid.Sequential([pellucid.Input((4, 4, 2)), pellucid.layers.Conv2D(3, 2),
                                      pellucid.layers.BatchNormalization(),
                                      pellucid.layers.GlobalMaxPooling2D()])
    assert not normalized.rows_independent()
    assert normalized.rows_independent(training=False)
    assert not pellucid.Sequential([pellucid.Input((3,)), Centred(2)]).rows_independent(
        training=False)


def test_split_steps_with_another_prng_implementation(monkeypatch):
    """The run's key (rbg keys are 4 words, not 2) reaches the halves as it reaches the
    one-program step; a model with dropout is still checked, and refused, without failing.
    Built before the switch: initializers use Keras's 2-word keys, as Keras does."""
    import jax

    monkeypatch.setenv("PELLUCID_SPLIT_STEPS", "1")
    x = RNG.normal(size=(12, 5, 3)).astype("float32")
    y = RNG.normal(size=(12, 2)).astype("float32")
    plain, dropout = _lstm_head(), _lstm_head(pellucid.layers.Dropout(0.5))
    previous = jax.config.jax_default_prng_impl
    jax.config.update("jax_default_prng_impl", "rbg")
    try:
        plain.fit(x, y, batch_size=4, epochs=1, verbose=0)
        assert plain._trainer._use_split
        assert np.shape(plain._trainer._base_key) == (4,)
        dropout.fit(x, y, batch_size=4, epochs=1, verbose=0)
        assert not dropout._trainer._use_split
    finally:
        jax.config.update("jax_default_prng_impl", previous)


def test_fit_again_on_another_data_set_trains_as_one_program(monkeypatch):
    """The halves' programs take the whole data set: a later ``fit`` on data of another
    size (the same batch size) gets programs of its own, and the same results."""
    sets = [(RNG.normal(size=(n, 6, 3)).astype("float32"),
             np.eye(4, dtype="float32")[RNG.integers(0, 4, (n, 6))]) for n in (70, 50, 70)]

    def run(split):
        monkeypatch.setenv("PELLUCID_SPLIT_STEPS", "1" if split else "0")
        pellucid.utils.set_random_seed(3)
        model = _sequence_model(pellucid)
        logs = [model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0).history
                for x, y in sets]
        assert model._trainer._use_split == split
        return {k: [h[k][0] for h in logs] for k in logs[0]}, model.get_weights()

    _assert_same_training(run(True), run(False))


def test_train_on_batch_runs_in_halves_as_fit_would(monkeypatch):
    x, y = _events_data(150)

    def run(split):
        monkeypatch.setenv("PELLUCID_SPLIT_STEPS", "1" if split else "0")
        pellucid.utils.set_random_seed(3)
        model = _events_model(pellucid)
        logs = [model.train_on_batch(x[i:i + 75], [t[i:i + 75] for t in y], return_dict=True)
                for i in (0, 75, 0)]
        assert (model._trainer._split is not None) == split
        return {k: [log[k] for log in logs] for k in logs[0]}, model.get_weights()

    _assert_same_training(run(True), run(False))
