"""``model(x)`` on arrays runs the model's jitted forward pass where nothing can tell the
difference, and op by op everywhere else: the same values as Keras 3 either way."""

import numpy as np
import pytest
from parity import check_repeated_calls, copy_model_weights, keras_module

import pellucid
from pellucid.models import eager_call

keras = keras_module()
rng = np.random.default_rng(3)
X = rng.normal(size=(4, 6, 3)).astype("float32")


def _lstm_model(lib, **lstm_kwargs):
    return lib.Sequential([lib.Input((6, 3), batch_size=4), lib.layers.LSTM(5, **lstm_kwargs),
                           lib.layers.Dense(2)])


def test_repeated_calls_run_one_compiled_program_with_keras_values(lstm_calls):
    ours, theirs = _lstm_model(pellucid), _lstm_model(keras)
    copy_model_weights(ours, theirs)
    check_repeated_calls(ours, theirs, X, lstm_calls)


def test_a_stateful_rnn_carries_its_states_across_calls_as_in_keras():
    ours, theirs = _lstm_model(pellucid, stateful=True), _lstm_model(keras, stateful=True)
    copy_model_weights(ours, theirs)
    for _ in range(3):
        np.testing.assert_allclose(np.asarray(ours(X)), np.asarray(theirs(X)), rtol=1e-5,
                                   atol=1e-6)
    ours.layers[0].reset_states()
    theirs.layers[0].reset_states()
    np.testing.assert_allclose(np.asarray(ours(X)), np.asarray(theirs(X)), rtol=1e-5, atol=1e-6)


class Printing(pellucid.layers.Layer):
    """User code: a Python side effect at every call, which a compiled program would run
    only while tracing."""

    calls = 0

    def call(self, inputs):
        Printing.calls += 1
        return inputs * 2.0


def test_user_layers_training_and_float64_inputs():
    model = pellucid.Sequential([pellucid.Input((3,)), Printing()])
    x = rng.normal(size=(2, 3))  # float64, as NumPy makes it
    built = Printing.calls  # building traced it
    for n in range(1, 4):
        out = model(x)
        assert Printing.calls == built + n
    assert out.dtype == np.float32

    dropout = pellucid.Sequential([pellucid.Input((200,)), pellucid.layers.Dropout(0.5)])
    ones = np.ones((2, 200), np.float32)
    assert eager_call.run(dropout, (ones,), {"training": True}) is eager_call.NOT_APPLICABLE
    assert (np.asarray(dropout(ones, training=True)) == 0).any()
    inference = dropout(ones.astype(np.float64))
    assert inference.dtype == np.float32
    np.testing.assert_array_equal(np.asarray(inference), ones)


def test_only_graphs_of_pellucid_layers_take_the_compiled_program():
    x = rng.normal(size=(2, 3)).astype("float32")
    plain = pellucid.Sequential([pellucid.Input((3,)), pellucid.layers.Dense(2)])
    assert eager_call.run(plain, (x,), {}) is not eager_call.NOT_APPLICABLE
    assert eager_call.run(plain, (x.tolist(),), {}) is eager_call.NOT_APPLICABLE
    for layer in [pellucid.layers.Lambda(lambda t: t + 1.0),
                  pellucid.layers.Dense(2, activation=lambda t: t * 3.0),
                  pellucid.layers.Dense(2, activity_regularizer="l2"),
                  pellucid.layers.TimeDistributed(Printing())]:
        shape = (4, 3) if isinstance(layer, pellucid.layers.TimeDistributed) else (3,)
        model = pellucid.Sequential([pellucid.Input(shape), layer])
        sample = rng.normal(size=(2, *shape)).astype("float32")
        assert eager_call.run(model, (sample,), {}) is eager_call.NOT_APPLICABLE


@pytest.mark.parametrize("functional", [False, True])
def test_training_argument_reaches_the_layers_as_in_keras(functional):
    """``model(x, training=True)``: batch statistics and moving-average updates, as Keras."""
    def build(lib):
        if not functional:
            return lib.Sequential([lib.Input((3,)), lib.layers.Dense(4),
                                   lib.layers.BatchNormalization()])
        inputs = lib.Input((3,))
        return lib.Model(inputs, lib.layers.BatchNormalization()(lib.layers.Dense(4)(inputs)))

    ours, theirs = build(pellucid), build(keras)
    copy_model_weights(ours, theirs)
    x = rng.normal(size=(8, 3)).astype("float32") * 3.0 + 1.0
    for training in (True, False, None):
        np.testing.assert_allclose(np.asarray(ours(x, training=training)),
                                   np.asarray(theirs(x, training=training)),
                                   rtol=1e-5, atol=1e-5, err_msg=str(training))
    for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def _masked_tokens():
    layers = pellucid.layers
    model = pellucid.Sequential([
        pellucid.Input((7,), dtype="int32"), layers.Embedding(10, 4, mask_zero=True),
        layers.Bidirectional(layers.LSTM(3, return_sequences=True)),
        layers.TimeDistributed(layers.Dense(2)), layers.GlobalAveragePooling1D()])
    tokens = rng.integers(0, 10, (3, 7))
    tokens[:, 5:] = 0
    return model, tokens


def _convolutions():
    layers = pellucid.layers
    model = pellucid.Sequential([
        pellucid.Input((8, 8, 1)), layers.Conv2D(2, 3), layers.BatchNormalization(),
        layers.MaxPooling2D(), layers.Flatten(), layers.Dropout(0.5), layers.Dense(2)])
    return model, rng.normal(size=(2, 8, 8, 1))


def _attention_two_inputs():
    query, value = pellucid.Input((5, 4)), pellucid.Input((6, 4))
    model = pellucid.Model([query, value], pellucid.layers.MultiHeadAttention(2, 3)(query, value))
    return model, [rng.normal(size=(2, 5, 4)).astype("float32"),
                   rng.normal(size=(2, 6, 4)).astype("float32")]


def _states_as_outputs():
    inputs = pellucid.Input((5, 3))
    output, state = pellucid.layers.GRU(4, return_state=True)(inputs)
    return pellucid.Model(inputs, [output, pellucid.layers.Dense(2)(state)]), \
        rng.normal(size=(2, 5, 3)).astype("float32")


@pytest.mark.parametrize("make", [_masked_tokens, _convolutions, _attention_two_inputs,
                                  _states_as_outputs])
def test_the_compiled_call_gives_the_op_by_op_values(make):
    model, x = make()
    compiled = eager_call.run(model, (x,), {})
    assert compiled is not eager_call.NOT_APPLICABLE
    op_by_op = pellucid.layers.Layer.__call__(model, x)
    assert type(compiled) is type(op_by_op)
    for a, b in zip(compiled if isinstance(compiled, list) else [compiled],
                    op_by_op if isinstance(op_by_op, list) else [op_by_op], strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)
