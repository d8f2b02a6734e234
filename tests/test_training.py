"""Training against Keras 3: the same weights after the same steps, logs, old spellings."""

import warnings

import numpy as np
import pytest

import pellucid
from tests.parity import keras_module

keras = keras_module()
rng = np.random.default_rng(1)
X = rng.normal(size=(40, 6)).astype("float32")
Y_BIN = (X[:, :1] > 0).astype("float32")
Y_CLS = rng.integers(0, 3, size=(40,))


def _model(K, units=1, activation="sigmoid"):
    return K.Sequential([K.Input((6,)), K.layers.Dense(5, activation="tanh"),
                         K.layers.Dense(units, activation=activation)])


OPTIMIZERS = [
    ("SGD", {"learning_rate": 0.1}),
    ("SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
    ("Adam", {"learning_rate": 0.01}),
    ("RMSprop", {"learning_rate": 0.01}),
    ("AdamW", {"learning_rate": 0.01}),
    ("Adagrad", {"learning_rate": 0.1}),
]


@pytest.mark.parametrize("name,kwargs", OPTIMIZERS)
def test_fit_matches_keras(name, kwargs):
    ours, theirs = _model(pellucid), _model(keras)
    ours.set_weights(theirs.get_weights())
    for model, K in ((ours, pellucid), (theirs, keras)):
        model.compile(optimizer=getattr(K.optimizers, name)(**kwargs),
                      loss="binary_crossentropy", metrics=["accuracy"])
    h1 = ours.fit(X, Y_BIN, batch_size=8, epochs=2, shuffle=False, verbose=0)
    h2 = theirs.fit(X, Y_BIN, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(h1.history["loss"], h2.history["loss"], rtol=1e-5)
    np.testing.assert_allclose(h1.history["accuracy"], h2.history["accuracy"], rtol=1e-6)


def test_sparse_labels_partial_batch_validation_and_evaluate():
    ours, theirs = _model(pellucid, 3, "softmax"), _model(keras, 3, "softmax")
    ours.set_weights(theirs.get_weights())
    for model in (ours, theirs):
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    kw = {"batch_size": 16, "epochs": 2, "shuffle": False, "verbose": 0,
          "validation_split": 0.25}
    h1, h2 = ours.fit(X, Y_CLS, **kw), theirs.fit(X, Y_CLS, **kw)
    assert sorted(h1.history) == sorted(h2.history)
    for key in h2.history:
        np.testing.assert_allclose(h1.history[key], h2.history[key], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.evaluate(X, Y_CLS, verbose=0),
                               theirs.evaluate(X, Y_CLS, verbose=0), rtol=1e-5)


def test_multi_output_loss_weights_and_sample_weight():
    def build(K):
        x = K.Input((6,))
        h = K.layers.Dense(4, activation="relu")(x)
        a = K.layers.Dense(1, activation="sigmoid", name="main")(h)
        b = K.layers.Dense(1, activation="sigmoid", name="aux")(h)
        return K.Model(x, [a, b])

    ours, theirs = build(pellucid), build(keras)
    ours.set_weights(theirs.get_weights())
    sw = rng.uniform(0.5, 2.0, size=(40,)).astype("float32")
    for model, K in ((ours, pellucid), (theirs, keras)):
        model.compile(K.optimizers.SGD(0.1), loss=["binary_crossentropy"] * 2,
                      loss_weights=[1.0, 0.2])
        model.fit(X, [Y_BIN, Y_BIN], sample_weight=[sw, sw], batch_size=10, epochs=1,
                  shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_set_random_seed_makes_runs_identical():
    def run():
        pellucid.utils.set_random_seed(7)
        model = pellucid.Sequential([pellucid.Input((6,)), pellucid.layers.Dense(8),
                                     pellucid.layers.Dropout(0.5), pellucid.layers.Dense(1)])
        model.compile("adam", "mse")
        model.fit(X, Y_BIN, epochs=2, batch_size=8, verbose=0)
        return model.get_weights()

    for a, b in zip(run(), run(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_generator_input_and_train_on_batch():
    model = _model(pellucid)
    model.compile("sgd", "binary_crossentropy", metrics=["accuracy"])

    def batches():
        while True:
            for i in range(0, 40, 10):
                yield X[i:i + 10], Y_BIN[i:i + 10]

    history = model.fit(batches(), steps_per_epoch=4, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    loss, acc = model.train_on_batch(X[:10], Y_BIN[:10])
    assert np.isfinite(loss) and 0 <= acc <= 1
    assert model.test_on_batch(X[:10], Y_BIN[:10], return_dict=True).keys() == {"loss",
                                                                                "accuracy"}


def test_question_code_runs_with_old_spellings():
    """The Dense-units question's script, written for Keras 2, runs with deprecation warnings."""
    model = pellucid.models.Sequential()
    with pytest.warns(DeprecationWarning, match="input_dim"):
        model.add(pellucid.layers.Dense(1029, input_dim=29))
    model.add(pellucid.layers.Activation("tanh"))
    model.add(pellucid.layers.Dense(1))
    model.add(pellucid.layers.Activation("sigmoid"))
    with pytest.warns(DeprecationWarning, match="learning_rate"):
        sgd = pellucid.optimizers.SGD(lr=0.1)
    model.compile(loss="binary_crossentropy", optimizer=sgd)
    inputs = rng.normal(size=(1029, 29)).astype("float32")
    target = (inputs[:, 0] > 0).astype("float32")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        model.fit(inputs, target, steps_per_epoch=4, epochs=2, verbose=0)
    with pytest.warns(DeprecationWarning, match="epochs"):
        model.fit(inputs, target, nb_epoch=1, verbose=0)


def test_progress_bar_lines(capsys):
    model = _model(pellucid)
    model.compile("sgd", "binary_crossentropy", metrics=["accuracy"])
    model.fit(X, Y_BIN, batch_size=8, epochs=2, verbose=2)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out
    assert "5/5 - " in out and "accuracy: " in out and "loss: " in out


def test_early_stopping_on_val_accuracy_in_auto_mode():
    model = _model(pellucid)
    model.compile(pellucid.optimizers.SGD(0.0), "binary_crossentropy", metrics=["accuracy"])
    stop = pellucid.callbacks.EarlyStopping(monitor="val_accuracy", patience=1)
    history = model.fit(X, Y_BIN, validation_split=0.25, epochs=10, verbose=0, callbacks=[stop])
    # A learning rate of 0 never improves val_accuracy: stop after patience + 1 epochs.
    assert len(history.history["loss"]) == 2
