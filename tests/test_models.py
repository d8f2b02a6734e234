"""Models against Keras 3: shapes, parameter counts, weight order, outputs, summary text."""

import numpy as np
import pytest

import pellucid
from tests.parity import keras_module

keras = keras_module()
rng = np.random.default_rng(0)


def _summary_text(model):
    lines = []
    model.summary(print_fn=lambda text, **kwargs: lines.append(text))
    return "".join(lines)


def _dense_stack(K):
    return K.Sequential([
        K.Input((29,)),
        K.layers.Dense(64, activation="tanh"),
        K.layers.Dropout(0.2),
        K.layers.Dense(8, activation="relu", use_bias=False),
        K.layers.Dense(1, activation="sigmoid"),
    ])


def test_sequential_matches_keras():
    ours, theirs = _dense_stack(pellucid), _dense_stack(keras)
    ours.set_weights(theirs.get_weights())
    x = rng.normal(size=(7, 29)).astype("float32")
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               atol=1e-6)
    np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(theirs(x)), atol=1e-6)
    assert ours.count_params() == theirs.count_params()
    assert ours.output_shape == theirs.output_shape
    assert [la.name for la in ours.layers] == [la.name for la in theirs.layers]
    assert _summary_text(ours) == _summary_text(theirs)


def test_questions_dense_on_sequence_summary():
    """Dense(5) on (50, 10) has 55 parameters and keeps the time axis (the first question)."""
    for K in (pellucid, keras):
        K.backend.clear_session() if hasattr(K.backend, "clear_session") else None
    ours = pellucid.Sequential([pellucid.layers.Dense(5, input_shape=(50, 10))])
    theirs = keras.Sequential([keras.Input((50, 10)), keras.layers.Dense(5)])
    assert ours.output_shape == (None, 50, 5)
    assert ours.count_params() == 55 == theirs.count_params()
    assert _summary_text(ours) == _summary_text(theirs)


def test_clear_session_restarts_names_as_keras(monkeypatch):
    """Both spellings and both values of ``free_memory``; only ``True`` collects garbage."""
    import gc

    collections = []
    monkeypatch.setattr(gc, "collect", lambda *args: collections.append(args) or 0)
    for K in (pellucid, keras):
        for clear, free_memory in ((K.backend.clear_session, True),
                                   (K.utils.clear_session, False)):
            names = [K.layers.Dense(1).name, K.layers.Dense(1).name]
            clear(free_memory=free_memory)
            names.append(K.layers.Dense(1).name)
            assert names == ["dense", "dense_1", "dense"], (K.__name__, names)
            clear()
    assert len(collections) == 6  # per library: one free_memory=True and two default calls


def _functional(K):
    a = K.Input((6,), name="left")
    b = K.Input((4,), name="right")
    shared = K.layers.Dense(3, name="shared")
    h1 = shared(K.layers.Dense(4, name="proj")(a))
    h2 = shared(b)
    out1 = K.layers.Dense(2, activation="softmax", name="out1")(h1)
    out2 = K.layers.Dense(1, name="out2")(K.layers.Dense(5, name="mid")(h2))
    return K.Model([a, b], [out1, out2])


def test_functional_multi_io_shared_layer():
    ours, theirs = _functional(pellucid), _functional(keras)
    assert [la.name for la in ours.layers] == [la.name for la in theirs.layers]
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in theirs.get_weights()]
    ours.set_weights(theirs.get_weights())
    xa, xb = rng.normal(size=(5, 6)).astype("float32"), rng.normal(size=(5, 4)).astype("float32")
    for got, want in zip(ours.predict([xa, xb], verbose=0), theirs.predict([xa, xb], verbose=0),
                         strict=True):
        np.testing.assert_allclose(got, want, atol=1e-6)
    got = ours.predict({"left": xa, "right": xb}, verbose=0)
    np.testing.assert_allclose(got[1], theirs.predict([xa, xb], verbose=0)[1], atol=1e-6)
    assert ours.count_params() == theirs.count_params()
    assert ours.output_shape == [tuple(s) for s in theirs.output_shape]


def test_nested_model_and_subclassed_model():
    inner = pellucid.Sequential([pellucid.layers.Dense(4, activation="relu")])
    x = pellucid.Input((3,))
    outer = pellucid.Model(x, pellucid.layers.Dense(2)(inner(x)))
    assert outer.output_shape == (None, 2)
    assert outer.count_params() == 3 * 4 + 4 + 4 * 2 + 2

    class TwoLayer(pellucid.Model):
        def __init__(self):
            super().__init__()
            self.hidden = pellucid.layers.Dense(8, activation="relu")
            self.head = pellucid.layers.Dense(1)

        def call(self, inputs):
            return self.head(self.hidden(inputs))

    model = TwoLayer()
    y = model(np.ones((2, 5), "float32"))
    assert y.shape == (2, 1)
    assert [w.shape for w in model.get_weights()] == [(5, 8), (8,), (8, 1), (1,)]
    model.compile("sgd", "mse")
    history = model.fit(np.ones((8, 5), "float32"), np.ones((8, 1), "float32"), epochs=2,
                        verbose=0)
    assert len(history.history["loss"]) == 2


def test_sequential_add_pop_and_get_layer():
    model = pellucid.Sequential()
    model.add(pellucid.layers.Dense(4, input_shape=(3,)))
    model.add(pellucid.layers.Dense(2))
    assert model.output_shape == (None, 2)
    popped = model.pop()
    assert popped.name == "dense_1"
    assert model.output_shape == (None, 4)
    assert model.get_layer("dense") is model.layers[0]
    with pytest.raises(ValueError, match="dense"):
        model.get_layer("dens")


def test_symbolic_arithmetic_and_unbuilt_sequential():
    x = pellucid.Input((4,))
    y = pellucid.layers.Dense(4)(x) * 2.0 + x
    model = pellucid.Model(x, y)
    assert model.output_shape == (None, 4)
    seq = pellucid.Sequential([pellucid.layers.Dense(3)])
    assert not seq.built
    out = seq.predict(np.ones((2, 7), "float32"), verbose=0)
    assert out.shape == (2, 3) and seq.count_params() == 7 * 3 + 3
