"""``fit``, ``train_on_batch`` and ``evaluate`` called again and again, as in a user's loop:
the same results as Keras 3, and no work repeated that the shapes have not changed."""

import numpy as np
import pytest
from parity import copy_model_weights, keras_module

import pellucid

keras = keras_module()
rng = np.random.default_rng(7)
X = rng.normal(size=(48, 5)).astype("float32")
Y = rng.integers(0, 3, size=(48,)).astype("int32")


def _model(lib):
    model = lib.Sequential([lib.Input((5,)), lib.layers.Dense(8, activation="tanh"),
                            lib.layers.Dense(3, activation="softmax")])
    model.compile(lib.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def _calls(model):
    """Each call of a user's loop, with what it returned."""
    results = []
    for start in (0, 16, 32):
        results.append(model.train_on_batch(X[start:start + 16], Y[start:start + 16],
                                            return_dict=True))
    for _ in range(2):
        history = model.fit(X, Y, batch_size=16, epochs=1, shuffle=False, verbose=0)
        results.append({k: v[-1] for k, v in history.history.items()})
    results.append(model.evaluate(X, Y, batch_size=16, verbose=0, return_dict=True))
    results.append(model.test_on_batch(X[:16], Y[:16], return_dict=True))
    return results


def test_a_loop_of_calls_matches_keras_call_by_call():
    """Each call's loss and accuracy start from fresh metric states, as Keras's do."""
    ours, theirs = _model(pellucid), _model(keras)
    copy_model_weights(ours, theirs)
    for mine, keras_logs in zip(_calls(ours), _calls(theirs), strict=True):
        assert mine.keys() == keras_logs.keys()
        for name, value in keras_logs.items():
            np.testing.assert_allclose(mine[name], value, rtol=2e-5, atol=1e-6, err_msg=name)
    for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


class Counted(pellucid.layers.Layer):
    """A Dense-like layer that counts how often its ``call`` runs (each trace runs it)."""

    calls = 0

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], 3), initializer="ones")

    def call(self, inputs):
        Counted.calls += 1
        return inputs @ self.kernel


@pytest.mark.parametrize("repeat", [
    lambda m: m.train_on_batch(X[:16], Y[:16]),
    lambda m: m.fit(X, Y, batch_size=16, epochs=1, verbose=0),
    lambda m: m.evaluate(X, Y, batch_size=16, verbose=0),
])
def test_repeated_calls_trace_the_model_only_for_new_shapes(repeat):
    model = pellucid.Sequential([pellucid.Input((5,)), Counted(),
                                 pellucid.layers.Activation("softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    repeat(model)
    first = Counted.calls
    for _ in range(3):
        repeat(model)
    assert Counted.calls == first
    model.train_on_batch(X[:7], Y[:7])  # a new batch size: traced again
    assert Counted.calls > first


def test_a_step_by_step_generation_loop_matches_keras():
    """One sample at a time, each prediction fed back in (float64 input, as NumPy makes it):
    ``predict``, ``predict_on_batch`` and ``model(x)`` all give Keras's values."""
    def build(lib):
        return lib.Sequential([lib.Input((4, 3)), lib.layers.LSTM(6),
                               lib.layers.Dense(3, activation="tanh")])

    ours, theirs = build(pellucid), build(keras)
    copy_model_weights(ours, theirs)
    window = rng.normal(size=(1, 4, 3))
    keras_window = window.copy()
    for _ in range(4):
        mine = [ours.predict(window, verbose=0), ours.predict_on_batch(window),
                np.asarray(ours(window))]
        expected = theirs.predict(keras_window, verbose=0)
        for got in mine:
            assert got.dtype == np.float32
            np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
        window = np.concatenate([window[:, 1:], mine[0][:, None].astype(np.float64)], axis=1)
        keras_window = np.concatenate([keras_window[:, 1:], expected[:, None]], axis=1)


def test_repeated_fit_of_a_recurrent_model_traces_it_once(lstm_calls):
    """Including the check whether its steps may run as two halves (batches of 64)."""
    model = pellucid.Sequential([pellucid.Input((5, 2)), pellucid.layers.LSTM(4),
                                 pellucid.layers.Dense(1)])
    model.compile("adam", "mse")
    x = rng.normal(size=(128, 5, 2)).astype("float32")
    y = rng.normal(size=(128, 1)).astype("float32")
    model.fit(x, y, batch_size=64, epochs=1, verbose=0)
    first = lstm_calls[0]
    for _ in range(3):
        model.fit(x, y, batch_size=64, epochs=1, verbose=0)
    assert lstm_calls[0] == first


def test_fit_and_evaluate_over_a_generator_match_keras():
    """Batches from a generator (int64 tokens and float64 targets, as NumPy makes them)."""
    def build(lib):
        model = lib.Sequential([lib.Input((5,), dtype="int32"), lib.layers.Embedding(10, 4),
                                lib.layers.GlobalAveragePooling1D(), lib.layers.Dense(1)])
        model.compile(lib.optimizers.Adam(0.01), "mse", metrics=["mae"])
        return model

    tokens = rng.integers(0, 10, size=(40, 5))
    target = rng.normal(size=(40, 1))

    def batches():
        while True:
            for i in range(0, 40, 8):
                yield tokens[i:i + 8], target[i:i + 8]

    ours, theirs = build(pellucid), build(keras)
    copy_model_weights(ours, theirs)
    mine = ours.fit(batches(), steps_per_epoch=5, epochs=2, shuffle=False, verbose=0).history
    expected = theirs.fit(batches(), steps_per_epoch=5, epochs=2, shuffle=False,
                          verbose=0).history
    for name, values in expected.items():
        np.testing.assert_allclose(mine[name], values, rtol=1e-5, atol=1e-6, err_msg=name)
    np.testing.assert_allclose(ours.evaluate(batches(), steps=5, verbose=0),
                               theirs.evaluate(batches(), steps=5, verbose=0), rtol=1e-5)


def test_small_data_goes_to_the_programs_without_a_device_copy(monkeypatch):
    import jax

    from pellucid.training import sources

    def run(host_bytes):
        monkeypatch.setattr(sources, "HOST_DATA_BYTES", host_bytes)
        pellucid.utils.set_random_seed(4)
        model = _model(pellucid)
        model.fit(X, Y, batch_size=16, epochs=1, verbose=0)  # compiles
        put = jax.device_put
        inputs_sent = []

        def counted(value, *args, **kwargs):
            inputs_sent.extend(1 for a in jax.tree_util.tree_leaves(value)
                               if isinstance(a, np.ndarray) and a.shape[1:] == X.shape[1:])
            return put(value, *args, **kwargs)

        monkeypatch.setattr(jax, "device_put", counted)
        results = _calls(model)
        monkeypatch.setattr(jax, "device_put", put)
        return results, model.get_weights(), len(inputs_sent)

    host_results, host_weights, host_puts = run(sources.HOST_DATA_BYTES)
    device_results, device_weights, device_puts = run(0)
    assert host_puts == 0 and device_puts == 7  # each call's inputs, put on the device
    assert host_results == device_results
    for a, b in zip(host_weights, device_weights, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("call", [
    lambda m: m.train_on_batch(X[16:32], Y[16:32]),
    lambda m: m.fit(X, Y, batch_size=16, epochs=2, verbose=0),
], ids=["train_on_batch", "fit"])
def test_weights_reach_the_steps_without_a_device_copy(monkeypatch, call):
    """``train_on_batch``'s step does not donate the weights, so it needs no copy of them;
    ``fit``'s donated steps get NumPy copies on the CPU, which the dispatch transfers,
    rather than ``jax.device_put`` copies (tens of microseconds of Python per array).
    Either way an array read from a variable before the call stays usable, as in a GAN's
    loop that reads the generator's weights between steps (the values match Keras call
    by call: above)."""
    import jax

    model = _model(pellucid)
    call(model)  # compiles
    put = jax.device_put
    weight_shapes = {tuple(v.shape) for v in model.weights}
    copied = []

    def counted(value, *args, **kwargs):
        copied.extend(a for a in jax.tree_util.tree_leaves(value)
                      if tuple(np.shape(a)) in weight_shapes)
        return put(value, *args, **kwargs)

    monkeypatch.setattr(jax, "device_put", counted)
    kernel = model.layers[0].kernel
    before = kernel.value
    kept = np.array(before)
    call(model)
    monkeypatch.setattr(jax, "device_put", put)
    assert copied == []
    assert not before.is_deleted()
    np.testing.assert_array_equal(np.asarray(before), kept)
    assert not np.array_equal(np.asarray(kernel.value), kept)  # trained
