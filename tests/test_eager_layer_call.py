"""``layer(x)`` on arrays runs one jitted program per layer and input shapes where nothing
can tell the difference, and op by op everywhere else: the same values either way, and
Keras 3's values."""

import jax
import numpy as np
import pytest
from parity import check_repeated_calls, keras_module

import pellucid
from pellucid.layers import eager_program

keras = keras_module()
rng = np.random.default_rng(5)
X = rng.normal(size=(4, 6, 3)).astype("float32")


def _op_by_op(monkeypatch, layer, *args, **kwargs):
    with monkeypatch.context() as patch:
        patch.setattr(eager_program, "_applicable_tree", lambda *a: None)
        return layer(*args, **kwargs)


def test_repeated_calls_trace_once_and_read_the_current_weights(lstm_calls):
    ours, theirs = pellucid.layers.LSTM(5), keras.layers.LSTM(5)
    ours.build(X.shape)
    theirs.build(X.shape)
    ours.set_weights(theirs.get_weights())
    check_repeated_calls(ours, theirs, X, lstm_calls)
    traced = lstm_calls[0]
    ours(X[:2])  # a new shape: traced again
    assert lstm_calls[0] == traced + 1


def _tokens():
    tokens = rng.integers(1, 9, (4, 6)).astype("int32")
    tokens[:, 4:] = 0
    return tokens


CASES = {
    "gru_sequences_with_a_mask": (
        lambda: pellucid.layers.GRU(4, return_sequences=True),
        lambda: ((X,), {"mask": np.arange(6)[None, :] < np.array([[6], [3], [1], [5]])})),
    "lstm_states_in_and_out": (
        lambda: pellucid.layers.LSTM(4, return_state=True, go_backwards=True),
        lambda: ((X,), {"initial_state": [np.ones((4, 4), "float32"),
                                          np.zeros((4, 4), "float32")]})),
    "bidirectional": (lambda: pellucid.layers.Bidirectional(pellucid.layers.SimpleRNN(3)),
                      lambda: ((X,), {})),
    "embedding_mask_zero": (lambda: pellucid.layers.Embedding(9, 3, mask_zero=True),
                            lambda: ((_tokens(),), {})),
    "conv2d_same_strided": (
        lambda: pellucid.layers.Conv2D(3, 3, strides=2, padding="same", activation="relu"),
        lambda: ((rng.normal(size=(2, 7, 7, 2)).astype("float32"),), {})),
    "batch_normalization_inference": (lambda: pellucid.layers.BatchNormalization(),
                                      lambda: ((X,), {"training": False})),
    "attention_causal_with_scores": (
        lambda: pellucid.layers.MultiHeadAttention(2, 3),
        lambda: ((X, X), {"use_causal_mask": True, "return_attention_scores": True})),
    "time_distributed_dense_float64": (
        lambda: pellucid.layers.TimeDistributed(pellucid.layers.Dense(2, activation="tanh")),
        lambda: ((X.astype("float64"),), {})),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_program_gives_the_op_by_op_values(monkeypatch, case):
    make, arguments = CASES[case]
    layer = make()
    args, kwargs = arguments()
    layer(*args, **kwargs)  # builds
    layer.set_weights([rng.normal(size=w.shape).astype("float32") for w in layer.weights])
    compiled = layer(*args, **kwargs)
    assert layer._eager_programs  # the call took the program
    expected = _op_by_op(monkeypatch, layer, *args, **kwargs)
    for a, b in zip(jax.tree_util.tree_leaves(compiled), jax.tree_util.tree_leaves(expected),
                    strict=True):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=2e-6, atol=2e-6)


def test_a_stateful_rnn_layer_carries_its_states_as_in_keras():
    ours = pellucid.layers.LSTM(5, stateful=True)
    theirs = keras.layers.LSTM(5, stateful=True)
    ours.build(X.shape)
    theirs.build(X.shape)
    ours.set_weights(theirs.get_weights())
    for _ in range(3):
        np.testing.assert_allclose(np.asarray(ours(X)), np.asarray(theirs(X)), rtol=1e-5,
                                   atol=1e-6)
    ours.reset_states()
    theirs.reset_states()
    np.testing.assert_allclose(np.asarray(ours(X)), np.asarray(theirs(X)), rtol=1e-5, atol=1e-6)


class Doubling(pellucid.layers.Layer):
    """User code, with a Python side effect at every call."""

    calls = 0

    def call(self, inputs):
        Doubling.calls += 1
        return inputs * 2.0


def test_user_code_and_training_run_op_by_op():
    layer = Doubling()
    for n in range(1, 4):
        layer(X)
        assert Doubling.calls == n
    assert "_eager_programs" not in layer.__dict__

    seen = []

    def activation(x):  # a user's activation is user code too
        seen.append(1)
        return x

    dense = pellucid.layers.Dense(2, activation=activation)
    dense(X)
    dense(X)
    assert len(seen) == 2 and "_eager_programs" not in dense.__dict__

    dropout = pellucid.layers.Dropout(0.5)
    ones = np.ones((2, 200), np.float32)
    dropped = [np.asarray(dropout(ones, training=True)) for _ in range(2)]
    assert (dropped[0] == 0).any() and not np.array_equal(dropped[0], dropped[1])
    assert "_eager_programs" not in dropout.__dict__
    np.testing.assert_array_equal(np.asarray(dropout(ones)), ones)


class ValueChecking(pellucid.layers.Layer):
    """A layer whose call reads its input's values in Python, as a data check does."""

    def call(self, inputs):
        if float(np.asarray(inputs).max()) > 10:
            raise ValueError("values above 10")
        return inputs + 1.0


ValueChecking.__module__ = "pellucid.layers.value_checking"  # as if built in


def test_a_call_that_reads_values_falls_back_to_op_by_op():
    layer = ValueChecking()
    np.testing.assert_array_equal(np.asarray(layer(X)), X + 1.0)
    assert layer._eager_program_refused
    with pytest.raises(ValueError, match="values above 10"):
        layer(X + 20.0)
