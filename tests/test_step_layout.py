"""Recurrent steps on batch-major and on feature-major (transposed) arrays compute the same
function as Keras, forward and backward, masks and states included, however many steps
each loop iteration runs; CPUs pick the feature-major loop for small cells only, and only
where nothing needs Keras's layout."""

import jax
import numpy as np
import pytest

import pellucid
from pellucid.backend import StateScope
from pellucid.layers.recurrent.rnn import feature_major_steps
from tests.parity import keras_module

keras = keras_module()
RNG = np.random.default_rng(11)
X = RNG.normal(size=(4, 6, 5)).astype("float32")
MASK = np.array([[1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0], [0, 0, 1, 1, 1, 1],
                 [1, 0, 1, 0, 1, 0]], dtype=bool)
H0 = RNG.normal(size=(4, 3)).astype("float32")


def _keras_grads(layer, args, kwargs):
    frozen = [v.value for v in layer.non_trainable_variables]

    def loss(weights):
        out = layer.stateless_call(weights, frozen, *args, **kwargs)[0]
        return sum((o ** 2).sum() for o in (out if isinstance(out, (list, tuple)) else [out]))

    return jax.grad(loss)([v.value for v in layer.trainable_variables])


@pytest.mark.parametrize("unroll", ["1", "4"])  # 4 does not divide the 6 steps
@pytest.mark.parametrize("layout", ["batch", "feature"])
@pytest.mark.parametrize("name,kwargs,masked", [
    ("LSTM", {"return_sequences": True}, False),
    ("LSTM", {"return_state": True}, True),
    ("GRU", {"go_backwards": True, "return_sequences": True}, True),
    ("GRU", {"reset_after": False, "return_sequences": True}, False),
    ("GRU", {"return_sequences": True, "zero_output_for_mask": True}, True),
    ("GRU", {"unroll": True}, True),
    ("SimpleRNN", {"return_sequences": True, "activation": "relu"}, True),
])
def test_both_layouts_match_keras(monkeypatch, unroll, layout, name, kwargs, masked):
    monkeypatch.setenv("PELLUCID_RNN_LAYOUT", layout)
    monkeypatch.setenv("PELLUCID_SCAN_UNROLL", unroll)
    theirs = getattr(keras.layers, name)(3, **kwargs)
    ours = getattr(pellucid.layers, name)(3, **kwargs)
    call_kwargs = {"mask": MASK} if masked else {}
    expected = theirs(X, **call_kwargs)
    ours(X, **call_kwargs)
    ours.set_weights(theirs.get_weights())
    got = ours(X, **call_kwargs)
    for g, e in zip(got if isinstance(got, (list, tuple)) else [got],
                    expected if isinstance(expected, (list, tuple)) else [expected],
                    strict=True):
        assert g.shape == e.shape
        np.testing.assert_allclose(np.asarray(g), np.asarray(e), atol=1e-5)

    def loss(values):
        with StateScope(dict(zip(ours.weights, values, strict=True))):
            out = ours(X, **call_kwargs)
        return sum((o ** 2).sum() for o in (out if isinstance(out, (list, tuple)) else [out]))

    grads = jax.grad(loss)([w.value for w in ours.weights])
    for g, gk in zip(grads, _keras_grads(theirs, (X,), call_kwargs), strict=True):
        np.testing.assert_allclose(np.asarray(g), np.asarray(gk), atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("layout", ["batch", "feature"])
def test_initial_and_carried_states_in_both_layouts(monkeypatch, layout):
    monkeypatch.setenv("PELLUCID_RNN_LAYOUT", layout)
    theirs = keras.layers.GRU(3, return_state=True)
    ours = pellucid.layers.GRU(3, return_state=True)
    expected = theirs(X, initial_state=H0)
    ours(X)
    ours.set_weights(theirs.get_weights())
    for g, e in zip(ours(X, initial_state=H0), expected, strict=True):
        np.testing.assert_allclose(np.asarray(g), np.asarray(e), atol=1e-5)

    stateful = pellucid.layers.LSTM(3, stateful=True)
    stateful(X)
    plain = pellucid.layers.LSTM(3, return_state=True)
    plain(X)
    plain.set_weights(stateful.get_weights())
    stateful.reset_state()
    stateful(X[:, :3])
    second = stateful(X[:, 3:])
    _, h, c = plain(X[:, :3])
    np.testing.assert_allclose(np.asarray(second), np.asarray(plain(X[:, 3:],
                               initial_state=[h, c])[0]), atol=1e-5)


def test_training_curves_match_between_layouts(monkeypatch):
    x = RNG.normal(size=(64, 10, 4)).astype("float32")
    y = RNG.normal(size=(64, 10, 2)).astype("float32")
    histories = {}
    for layout in ("batch", "feature"):
        monkeypatch.setenv("PELLUCID_RNN_LAYOUT", layout)
        pellucid.utils.set_random_seed(3)
        model = pellucid.Sequential([
            pellucid.Input((10, 4)), pellucid.layers.GRU(8, return_sequences=True),
            pellucid.layers.LSTM(6, return_sequences=True), pellucid.layers.Dense(2)])
        model.compile("adam", "mse")
        histories[layout] = model.fit(x, y, batch_size=16, epochs=3, verbose=0,
                                      shuffle=False).history["loss"]
    np.testing.assert_allclose(histories["feature"], histories["batch"], rtol=1e-5)


def test_cpu_picks_feature_major_for_small_cells_only(monkeypatch):
    monkeypatch.delenv("PELLUCID_RNN_LAYOUT", raising=False)
    if jax.default_backend() != "cpu":
        pytest.skip("the feature-major loop is chosen on CPUs only")

    def cell(layer_class, units, **kwargs):
        layer = layer_class(units, **kwargs)
        layer.build((2, 3, 4))
        return layer.cell

    layers = pellucid.layers
    mask = [np.ones((2, 4), "float32")]
    assert feature_major_steps(cell(layers.GRU, 32), None, None)
    assert feature_major_steps(cell(layers.LSTM, 16), None, None)
    assert feature_major_steps(cell(layers.SimpleRNN, 8), None, None)
    assert not feature_major_steps(cell(layers.GRU, 64), None, None)
    assert not feature_major_steps(cell(layers.LSTM, 32), None, None)
    assert not feature_major_steps(cell(layers.GRU, 16), mask, None)  # dropout while training
    assert not feature_major_steps(cell(layers.GRU, 16), None, mask)
    assert not feature_major_steps(cell(layers.SimpleRNN, 8, activation="softmax"), None, None)

    class OldStyleCell(pellucid.layers.GRUCell):
        def recurrent_step(self, projected, states, recurrent_masks):
            return super().recurrent_step(projected, states, recurrent_masks)

    from pellucid.layers.recurrent import step_layout  # noqa: PLC0415

    def chosen(layer):
        layer.build((2, 3, 4))
        return layer._step_layout(None, None)

    assert chosen(layers.LSTM(256)) is step_layout.BATCH_MAJOR_PADDED
    assert chosen(layers.LSTM(128)) is step_layout.BATCH_MAJOR
    assert chosen(layers.GRU(16)) is step_layout.FEATURE_MAJOR

    old = OldStyleCell(4)
    assert not feature_major_steps(old, None, None)

    class OldStyleLSTMCell(pellucid.layers.LSTMCell):
        def recurrent_step(self, projected, states, recurrent_masks):
            return super().recurrent_step(projected, states, recurrent_masks)

    wide = pellucid.layers.RNN(OldStyleLSTMCell(256))
    assert chosen(wide) is step_layout.BATCH_MAJOR  # would be padded; takes no layout
    assert wide(X[..., :4]).shape == (4, 256)
    layer = pellucid.layers.RNN(old, return_sequences=True)
    reference = pellucid.layers.GRU(4, return_sequences=True)
    reference(X)
    layer(X)
    layer.set_weights(reference.get_weights())
    np.testing.assert_allclose(np.asarray(layer(X)), np.asarray(reference(X)), atol=1e-6)


def test_padded_matmul_is_the_plain_one():
    from pellucid.layers.recurrent import step_layout  # noqa: PLC0415

    assert step_layout.batch_major_for(1024) is step_layout.BATCH_MAJOR_PADDED
    assert step_layout.batch_major_for(2048) is step_layout.BATCH_MAJOR_PADDED
    assert step_layout.batch_major_for(3 * 256) is step_layout.BATCH_MAJOR
    h = RNG.normal(size=(5, 7)).astype("float32")
    kernel = RNG.normal(size=(7, 1024)).astype("float32")
    padded = step_layout.BATCH_MAJOR_PADDED
    out = padded.matmul(h, kernel)
    assert out.shape == (5, 1024)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(h @ kernel))
    cotangent = RNG.normal(size=(5, 1024)).astype("float32")
    grads = jax.grad(lambda h, k: (padded.matmul(h, k) * cotangent).sum(), (0, 1))(h, kernel)
    plain = jax.grad(lambda h, k: ((h @ k) * cotangent).sum(), (0, 1))(h, kernel)
    for g, p in zip(grads, plain, strict=True):
        np.testing.assert_allclose(np.asarray(g), np.asarray(p), rtol=1e-6, atol=1e-5)


def test_lstm_256_with_padded_gates_matches_keras(monkeypatch):
    monkeypatch.delenv("PELLUCID_RNN_LAYOUT", raising=False)
    x = RNG.normal(size=(2, 3, 4)).astype("float32")
    theirs = keras.layers.LSTM(256, return_sequences=True)
    ours = pellucid.layers.LSTM(256, return_sequences=True)
    expected = theirs(x)
    ours(x)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(expected), atol=1e-5)

    def loss(values):
        with StateScope(dict(zip(ours.weights, values, strict=True))):
            return (ours(x) ** 2).sum()

    grads = jax.grad(loss)([w.value for w in ours.weights])
    for g, gk in zip(grads, _keras_grads(theirs, (x,), {}), strict=True):
        np.testing.assert_allclose(np.asarray(g), np.asarray(gk), atol=1e-4, rtol=1e-4)


def test_steps_per_scan_iteration(monkeypatch):
    from pellucid.ops import rnn as ops_rnn

    monkeypatch.delenv("PELLUCID_SCAN_UNROLL", raising=False)
    monkeypatch.setattr(ops_rnn, "on_accelerator", lambda: False)
    assert ops_rnn.scan_unroll(50) == 1
    monkeypatch.setattr(ops_rnn, "on_accelerator", lambda: True)
    assert ops_rnn.scan_unroll(50) == ops_rnn.ACCELERATOR_UNROLL == 8
    assert ops_rnn.scan_unroll(5) == 5
    monkeypatch.setenv("PELLUCID_SCAN_UNROLL", "3")
    assert ops_rnn.scan_unroll(50) == 3
