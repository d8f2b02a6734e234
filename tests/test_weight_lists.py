"""A model's weight lists (``weights``, ``trainable_weights``, ``non_trainable_weights``)
are kept between calls and follow every change to the model, as Keras 3's do."""

import numpy as np
from parity import copy_model_weights, keras_module

import pellucid
from pellucid import backend

keras = keras_module()
rng = np.random.default_rng(5)
X = rng.normal(size=(4, 6, 3)).astype("float32")


def _model(lib):
    return lib.Sequential([lib.Input((6, 3)), lib.layers.LSTM(5, return_sequences=True),
                           lib.layers.BatchNormalization(),
                           lib.layers.TimeDistributed(lib.layers.Dense(4)),
                           lib.layers.Flatten(), lib.layers.Dense(2)])


def _lists(model):
    return [[tuple(v.shape) for v in vs] for vs in
            (model.weights, model.trainable_weights, model.non_trainable_weights)]


def _assert_same(ours, theirs):
    assert _lists(ours) == _lists(theirs)
    assert ours.count_params() == theirs.count_params()
    np.testing.assert_allclose(np.asarray(ours(X)), np.asarray(theirs(X)), rtol=1e-5,
                               atol=1e-6)


def test_weight_lists_follow_every_change_as_in_keras():
    ours, theirs = _model(pellucid), _model(keras)
    copy_model_weights(ours, theirs)
    _assert_same(ours, theirs)

    for model in (ours, theirs):  # a whole layer frozen
        model.layers[0].trainable = False
    _assert_same(ours, theirs)

    for model in (ours, theirs):  # one variable frozen, the layer thawed
        model.layers[0].trainable = True
        model.layers[-1].weights[1].trainable = False
    _assert_same(ours, theirs)

    for model in (ours, theirs):  # the last layer replaced
        model.pop()
    for lib, model in ((pellucid, ours), (keras, theirs)):
        model.add(lib.layers.Dense(3, name="head"))
    ours.layers[-1].set_weights(theirs.layers[-1].get_weights())
    _assert_same(ours, theirs)


def test_the_lists_handed_out_are_copies():
    model = _model(pellucid)
    first = model.trainable_weights
    first.clear()
    model.weights.append(None)
    assert len(model.trainable_weights) == len(_model(pellucid).trainable_weights)
    assert None not in model.weights


def test_a_user_activation_set_after_a_call_runs_at_the_next_call():
    model = pellucid.Sequential([pellucid.Input((3,)), pellucid.layers.Dense(4)])
    x = rng.normal(size=(2, 3)).astype("float32")
    plain = np.asarray(model(x))  # the compiled program of pellucid's own layers
    model.layers[0].activation = lambda t: 2.0 * t + 1.0
    np.testing.assert_allclose(np.asarray(model(x)), 2.0 * plain + 1.0, rtol=1e-6)


def test_calls_leave_the_structure_as_it_was():
    """Every call reads the kept lists: none of them changes what they are derived from."""
    model = _model(pellucid)
    model.compile("adam", "mse")
    y = rng.normal(size=(4, 2)).astype("float32")
    calls = {
        "model(x)": lambda: model(X),
        "layer(x)": lambda: model.layers[0](X),
        "predict": lambda: model.predict(X, verbose=0),
        "predict_on_batch": lambda: model.predict_on_batch(X),
        "train_on_batch": lambda: model.train_on_batch(X, y),
        "test_on_batch": lambda: model.test_on_batch(X, y),
        "evaluate": lambda: model.evaluate(X, y, verbose=0),
        "fit": lambda: model.fit(X, y, epochs=1, verbose=0),
    }
    for name, call in calls.items():
        call()  # builds and compiles
        before = backend.structure_version()
        call()
        assert backend.structure_version() == before, name
