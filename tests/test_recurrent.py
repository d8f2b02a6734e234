"""Recurrent layers against Keras 3 (outputs, weights, masks, states) and by hand."""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from parity import check_layer, check_training, keras_module

import pellucid
from pellucid.backend import StateScope

keras = keras_module()
L, KL = pellucid.layers, keras.layers
RNG = np.random.default_rng(0)
X = RNG.normal(size=(3, 5, 4)).astype("float32")
MASK = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [0, 1, 1, 0, 1]], bool)
NAMES = ["SimpleRNN", "LSTM", "GRU"]


def pair(name: str, *args, **kwargs):
    # On a GPU Keras's LSTM takes cuDNN, whose go_backwards sequences come back in input
    # order, unlike Keras's loop and its documentation ("return the reversed sequence").
    # The loop is the reference on every device (on the CPU the two are the same call).
    theirs = dict(kwargs, use_cudnn=False) if name == "LSTM" else kwargs
    return (lambda: getattr(L, name)(*args, **kwargs)), (lambda: getattr(KL, name)(*args, **theirs))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("options", [
    {}, {"return_sequences": True, "return_state": True},
    {"go_backwards": True, "return_sequences": True, "return_state": True},
    {"use_bias": False, "activation": "relu"}, {"unroll": True, "return_sequences": True},
])
def test_parity_modes(name, options):
    check_layer(*pair(name, 3, **options), X)


@pytest.mark.parametrize("options", [{"reset_after": False}, {"reset_after": True},
                                     {"reset_after": False, "return_sequences": True}])
def test_gru_reset_after(options):
    check_layer(*pair("GRU", 3, **options), X)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("options", [
    {"return_state": True}, {"return_sequences": True, "zero_output_for_mask": True},
    {"go_backwards": True, "return_sequences": True, "return_state": True},
    {"unroll": True, "return_sequences": True},
])
def test_masks(name, options):
    check_layer(*pair(name, 3, **options), X, {"mask": MASK}, symbolic=False)


@pytest.mark.parametrize("name", NAMES)
def test_initial_state(name):
    n_states = 2 if name == "LSTM" else 1
    states = [RNG.normal(size=(3, 3)).astype("float32") for _ in range(n_states)]
    check_layer(*pair(name, 3, return_state=True), X, {"initial_state": states},
                symbolic=False)


def test_keras_golden_values():
    c = pellucid.initializers.Constant
    x = np.arange(72, dtype="float32").reshape(3, 6, 4)
    inits = {"kernel_initializer": c(0.01), "recurrent_initializer": c(0.02),
             "bias_initializer": c(0.03)}
    cases = [
        (L.LSTM(3, **inits), [0.6288687, 0.86899155, 0.9460773]),
        (L.LSTM(3, go_backwards=True, **inits), [0.35622165, 0.74789524, 0.8872726]),
        (L.LSTM(3, unit_forget_bias=False, **inits), [0.57019705, 0.8661914, 0.9459622]),
        (L.LSTM(3, use_bias=False, **inits), [0.54986924, 0.86226785, 0.9443936]),
        (L.GRU(3, **inits), [0.5217289, 0.6371659, 0.39384964]),
        (L.GRU(3, go_backwards=True, **inits), [0.24406259, 0.611516, 0.3928808]),
        (L.GRU(3, reset_after=False, **inits), [0.51447755, 0.6426879, 0.40208298]),
    ]
    for layer, expected in cases:
        out = np.asarray(layer(x))
        np.testing.assert_allclose(out, np.repeat(np.array(expected)[:, None], 3, 1),
                                   atol=1e-5, rtol=1e-5)
    x2 = np.arange(24, dtype="float32").reshape(2, 4, 3)
    mask = np.array([[1, 1, 1, 0], [1, 1, 0, 0]], bool)
    seq = L.LSTM(2, return_sequences=True, **inits)(x2, mask=mask)
    np.testing.assert_allclose(np.asarray(seq)[:, :, 0], [
        [0.0158891, 0.05552048, 0.11755939, 0.11755939],
        [0.14185596, 0.28556206, 0.28556206, 0.28556206]], atol=1e-5)
    zero = L.LSTM(2, return_sequences=True, zero_output_for_mask=True, **inits)(x2, mask=mask)
    assert np.all(np.asarray(zero)[0, 3] == 0) and np.all(np.asarray(zero)[1, 2:] == 0)
    back_mask = np.array([[0, 1, 1, 1], [0, 0, 1, 1]], bool)
    back = L.LSTM(2, go_backwards=True, **inits)(x2, mask=back_mask)
    np.testing.assert_allclose(np.asarray(back)[:, 0], [0.15341201, 0.3844719], atol=1e-5)


def test_parameter_counts_from_the_questions():
    inputs = pellucid.Input((64, 15))
    for reset_after, count in ((False, 1536), (True, 1584)):
        gru = L.GRU(16, return_sequences=True, reset_after=reset_after)
        gru(inputs)
        theirs = KL.GRU(16, return_sequences=True, reset_after=reset_after)
        theirs(keras.Input((64, 15)))
        assert gru.count_params() == theirs.count_params() == count
    td = L.TimeDistributed(L.Dense(15))
    td(L.GRU(16, return_sequences=True)(inputs))
    assert td.count_params() == 255


def test_weights_live_on_the_cell_in_keras_order():
    lstm = L.LSTM(4, name="encoder")
    lstm(X)
    assert [w.path for w in lstm.weights] == [
        "encoder/lstm_cell/kernel", "encoder/lstm_cell/recurrent_kernel",
        "encoder/lstm_cell/bias"]
    assert [w.shape for w in lstm.weights] == [(4, 16), (4, 16), (16,)]
    np.testing.assert_array_equal(np.asarray(lstm.cell.bias)[4:8], 1.0)
    gru = L.GRU(4)
    gru(X)
    assert gru.cell.bias.shape == (2, 12)


def test_stateful_across_batches_and_reset():
    def run(lib):
        layer = lib.layers.LSTM(4, stateful=True, return_sequences=True)
        model = lib.Sequential([lib.Input((5, 4), batch_size=3), layer])
        return model, layer

    ours, our_layer = run(pellucid)
    theirs, their_layer = run(keras)
    ours.set_weights(theirs.get_weights())
    x2 = RNG.normal(size=(3, 5, 4)).astype("float32")
    for batch in (X, x2):
        np.testing.assert_allclose(np.asarray(ours(batch)), np.asarray(theirs(batch)),
                                   atol=1e-5)
    assert not any(np.all(np.asarray(v) == 0) for v in our_layer.states)
    assert len(ours.get_weights()) == 3  # states are not weights
    ours.reset_states()
    their_layer.reset_state()  # Keras 3 models have no reset_states()
    np.testing.assert_allclose(np.asarray(ours(X)), np.asarray(theirs(X)), atol=1e-5)


def test_stateful_predict_carries_state():
    model = pellucid.Sequential([L.GRU(2, stateful=True, batch_input_shape=(3, 5, 4))])
    first = model.predict(X, verbose=0)
    second = model.predict(X, verbose=0)
    assert not np.allclose(first, second)
    model.reset_states()
    np.testing.assert_allclose(model.predict(X, verbose=0), first, atol=1e-6)


def test_stateful_golden_second_call():
    c = pellucid.initializers.Constant
    layer = L.LSTM(4, stateful=True, kernel_initializer=c(0.01),
                   recurrent_initializer=c(0.02), bias_initializer=c(0.03))
    x = np.arange(24, dtype="float32").reshape(2, 3, 4)
    layer(x)
    out = np.asarray(layer(x))
    np.testing.assert_allclose(out[:, 0], [0.3124785, 0.6863672], atol=1e-5)


def test_dropout_masks_statistics():
    rate, units, feats = 0.3, 64, 32
    cell = L.LSTMCell(units, dropout=rate, recurrent_dropout=rate, seed=1)
    assert cell.dropout_mask_count == 4
    inputs, recurrent = cell.make_dropout_masks(256, feats, units, training=True)
    assert len(inputs) == 4 and len(recurrent) == 4
    for masks in (inputs, recurrent):
        values = np.stack([np.asarray(m) for m in masks])
        assert set(np.unique(values)) <= {0.0, np.float32(1 / (1 - rate))}
        kept = (values > 0).mean()
        assert abs(kept - (1 - rate)) < 0.02
        # independent gates: two gates agree as often as independent coins would
        agree = ((values[0] > 0) == (values[1] > 0)).mean()
        assert abs(agree - ((1 - rate) ** 2 + rate ** 2)) < 0.02
    assert cell.make_dropout_masks(4, feats, units, training=False) == (None, None)


def test_dropout_mask_is_the_same_at_every_step():
    # With identity kernels and zero recurrence, each output step is its input dropped.
    units = 16
    layer = L.SimpleRNN(units, activation="linear", dropout=0.5, return_sequences=True,
                        kernel_initializer="identity", recurrent_initializer="zeros", seed=3)
    x = np.ones((8, 6, units), "float32")
    out = np.asarray(layer(x, training=True))
    assert np.all(out == out[:, :1])
    assert 0.3 < (out[:, 0] > 0).mean() < 0.7
    np.testing.assert_allclose(np.asarray(layer(x, training=False)), x)


def test_recurrent_dropout_training_only():
    layer = L.GRU(4, recurrent_dropout=0.5, dropout=0.2, seed=0)
    assert layer.cell.implementation == 1
    a = np.asarray(layer(X))
    np.testing.assert_allclose(np.asarray(layer(X, training=False)), a)
    assert not np.allclose(np.asarray(layer(X, training=True)), a)


def test_gradients_match_finite_differences():
    layer = L.LSTM(2, return_sequences=True)
    x = jnp.asarray(X[:2, :3, :3])
    layer(x)
    weights = list(layer.weights)

    @jax.jit
    def loss(values):
        with StateScope(dict(zip(weights, values, strict=True))):
            return jnp.sum(layer(x) ** 2)

    values = [jnp.asarray(w.value, jnp.float32) for w in weights]
    grads = jax.grad(loss)(values)
    eps = 1e-2
    for i, (v, g) in enumerate(zip(values, grads, strict=True)):
        flat = np.asarray(v).ravel()
        for j in range(0, flat.size, max(1, flat.size // 5)):
            bumped = [np.array(a) for a in values]
            up, down = bumped[i].ravel().copy(), bumped[i].ravel().copy()
            up[j] += eps
            down[j] -= eps
            f_up = loss([*values[:i], jnp.asarray(up.reshape(v.shape)), *values[i + 1:]])
            f_down = loss([*values[:i], jnp.asarray(down.reshape(v.shape)), *values[i + 1:]])
            numeric = (float(f_up) - float(f_down)) / (2 * eps)
            assert abs(numeric - float(np.asarray(g).ravel()[j])) < 2e-3


class MinimalCell(pellucid.layers.Layer):
    """h' = tanh(x @ w + h + sum(constants))."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.w = self.add_weight((input_shape[-1], self.units), "ones", name="w")

    def call(self, inputs, states, constants=None):
        h = jnp.tanh(inputs @ self.w.value + states[0] + (constants[0] if constants else 0))
        return h, [h]


def test_custom_cell_with_constants_by_hand():
    x = X[:, :, :2]
    const = RNG.normal(size=(3, 2)).astype("float32")
    out = np.asarray(L.RNN(MinimalCell(2), return_sequences=True)(x, constants=[const]))
    h = np.zeros((3, 2), "float32")
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ np.ones((2, 2)) + h + const)
        np.testing.assert_allclose(out[:, t], h, atol=1e-5)


def test_stacked_cells_match_keras():
    check_layer(
        lambda: L.RNN([L.GRUCell(3), L.LSTMCell(2)], return_sequences=True, return_state=True),
        lambda: KL.RNN([KL.GRUCell(3), KL.LSTMCell(2)], return_sequences=True,
                       return_state=True),
        X)
    check_layer(lambda: L.RNN(L.SimpleRNNCell(3)), lambda: KL.RNN(KL.SimpleRNNCell(3)), X)


def test_errors_name_the_layer_and_shapes():
    with pytest.raises(ValueError, match=r"lstm.*\(3, 5\).*x\[\.\.\., None\]"):
        L.LSTM(2, name="lstm_bad")(X[:, :, 0])
    with pytest.raises(ValueError, match="fixed batch size"):
        L.LSTM(2, stateful=True)(pellucid.Input((5, 4)))
    with pytest.raises(ValueError, match=r"initial_state.*2 array"):
        L.LSTM(3)(X, initial_state=[np.zeros((3, 3), "float32")])
    with pytest.raises(ValueError, match=r"initial_state.*\(3, 3\)"):
        L.GRU(3)(X, initial_state=[np.zeros((3, 4), "float32")])
    with pytest.raises(ValueError, match=r"mask of shape"):
        L.GRU(3)(X, mask=np.ones((3, 4), bool))
    with pytest.raises(ValueError, match="state_size"):
        L.RNN(pellucid.layers.Dense(3))
    stateful = L.GRU(2, stateful=True)
    stateful(X)
    with pytest.raises(ValueError, match="batch size 3"):
        stateful(X[:2])


def test_cudnn_names_warn():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        layer = L.CuDNNLSTM(3)
        L.CuDNNGRU(3)
    assert sum(issubclass(w.category, DeprecationWarning) for w in caught) == 2
    assert layer(X).shape == (3, 3)


def test_masked_fit_loss_matches_keras():
    ids = RNG.integers(1, 20, size=(4, 6))
    ids[0, 3:] = 0
    ids[2, 1:] = 0
    y = RNG.normal(size=(4, 6, 2)).astype("float32")

    def build(lib):
        model = lib.Sequential([lib.Input((6,), dtype="int32"),
                                lib.layers.Embedding(20, 5, mask_zero=True),
                                lib.layers.LSTM(3, return_sequences=True),
                                lib.layers.Dense(2)])
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse")
        return model

    ours, theirs = build(pellucid), build(keras)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours.evaluate(ids, y, verbose=0),
                               theirs.evaluate(ids, y, verbose=0), rtol=1e-5)
    check_training(ours, theirs, ids, y, batch_size=4, epochs=1)


def test_stateful_fit_threads_state_and_reset_zeroes_it():
    x = RNG.normal(size=(8, 5, 3)).astype("float32")
    y = RNG.normal(size=(8, 1)).astype("float32")
    model = pellucid.Sequential([pellucid.Input((5, 3), batch_size=4),
                                 L.LSTM(3, stateful=True), L.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(x, y, batch_size=4, epochs=1, verbose=0, shuffle=False)
    states = model.layers[0].states
    assert all(np.abs(np.asarray(v)).sum() > 0 for v in states)
    model.reset_states()
    assert all(np.abs(np.asarray(v)).sum() == 0 for v in states)
