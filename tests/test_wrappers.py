"""TimeDistributed and Bidirectional against Keras 3."""

from __future__ import annotations

import numpy as np
import pytest
from parity import check_layer, keras_module

import pellucid

keras = keras_module()
L, KL = pellucid.layers, keras.layers
RNG = np.random.default_rng(2)
X = RNG.normal(size=(3, 5, 4)).astype("float32")
MASK = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 1, 0, 0, 0]], bool)


def test_time_distributed_dense():
    check_layer(lambda: L.TimeDistributed(L.Dense(6, activation="relu")),
                lambda: KL.TimeDistributed(KL.Dense(6, activation="relu")), X)


def test_time_distributed_equals_dense_on_3d():
    td = L.TimeDistributed(L.Dense(6))
    td(X)
    dense = L.Dense(6)
    dense(X)
    dense.set_weights(td.get_weights())
    np.testing.assert_allclose(np.asarray(td(X)), np.asarray(dense(X)), atol=1e-6)


def test_time_distributed_nested_model_and_4d():
    def inner(lib):
        return lib.Sequential([lib.Input((2, 4)), lib.layers.Flatten(), lib.layers.Dense(3)])

    x = RNG.normal(size=(2, 5, 2, 4)).astype("float32")
    check_layer(lambda: L.TimeDistributed(inner(pellucid)),
                lambda: KL.TimeDistributed(inner(keras)), x)


def test_time_distributed_mask_passes_through():
    layer = L.TimeDistributed(L.Dense(2))
    out, mask = layer.call_with_masks((X,), {"mask": MASK}, None)
    assert out.shape == (3, 5, 2)
    np.testing.assert_array_equal(np.asarray(mask), MASK)
    with pytest.raises(ValueError, match="mask of shape"):
        layer(X, mask=MASK[:, :3])
    with pytest.raises(ValueError, match="rank >= 3"):
        L.TimeDistributed(L.Dense(2))(X[:, 0])


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_bidirectional_merge_modes(merge_mode, return_sequences):
    check_layer(
        lambda: L.Bidirectional(L.LSTM(3, return_sequences=return_sequences), merge_mode),
        lambda: KL.Bidirectional(KL.LSTM(3, return_sequences=return_sequences), merge_mode),
        X)


@pytest.mark.parametrize("return_sequences", [False, True])
def test_bidirectional_with_mask(return_sequences):
    check_layer(lambda: L.Bidirectional(L.GRU(3, return_sequences=return_sequences)),
                lambda: KL.Bidirectional(KL.GRU(3, return_sequences=return_sequences)),
                X, {"mask": MASK}, symbolic=False)


def test_bidirectional_return_state_and_initial_state():
    check_layer(lambda: L.Bidirectional(L.LSTM(3, return_state=True)),
                lambda: KL.Bidirectional(KL.LSTM(3, return_state=True)), X)
    states = [RNG.normal(size=(3, 3)).astype("float32") for _ in range(4)]
    check_layer(lambda: L.Bidirectional(L.LSTM(3, return_sequences=True)),
                lambda: KL.Bidirectional(KL.LSTM(3, return_sequences=True)),
                X, {"initial_state": states}, symbolic=False)


def test_bidirectional_backward_layer_and_weight_order():
    check_layer(
        lambda: L.Bidirectional(L.LSTM(3), backward_layer=L.GRU(3, go_backwards=True)),
        lambda: KL.Bidirectional(KL.LSTM(3), backward_layer=KL.GRU(3, go_backwards=True)), X)
    layer = L.Bidirectional(L.SimpleRNN(2, name="rnn"))
    layer(X)
    assert layer.forward_layer.name == "forward_rnn"
    assert layer.backward_layer.name == "backward_rnn"
    assert layer.backward_layer.go_backwards and not layer.forward_layer.go_backwards
    ours = [id(w) for w in layer.weights]
    assert ours == [id(w) for w in layer.forward_layer.weights + layer.backward_layer.weights]
    with pytest.raises(ValueError, match="go_backwards"):
        L.Bidirectional(L.LSTM(3), backward_layer=L.LSTM(3))
    with pytest.raises(ValueError, match="merge_mode"):
        L.Bidirectional(L.LSTM(3), merge_mode="max")


def test_bidirectional_stateful_reset():
    layer = L.Bidirectional(L.GRU(2, stateful=True))
    first = np.asarray(layer(X))
    assert not np.allclose(np.asarray(layer(X)), first)
    layer.reset_state()
    np.testing.assert_allclose(np.asarray(layer(X)), first, atol=1e-6)
