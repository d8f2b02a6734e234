"""Bad input gets a message naming the layer or input, the shapes and the likely fix."""

import numpy as np
import pytest

import pellucid
from pellucid import layers

X = np.random.default_rng(0).normal(size=(1029, 29)).astype("float32")


def _model(units):
    return pellucid.Sequential([pellucid.Input((29,)), layers.Dense(64, activation="tanh"),
                                layers.Dense(units), layers.Activation("sigmoid")])


def test_dense_units_do_not_match_targets():
    model = _model(10)
    model.compile("sgd", "binary_crossentropy")
    with pytest.raises(ValueError) as err:
        model.fit(X, np.ones((1029, 1), "float32"), verbose=0)
    message = str(err.value)
    assert "'dense_1' (Dense(10))" in message
    assert "(None, 10)" in message and "(1029, 1)" in message
    assert "units must match the target's last dimension" in message
    assert "sparse_categorical_crossentropy" in message


def test_sparse_loss_with_one_hot_targets():
    model = _model(3)
    model.compile("sgd", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="categorical_crossentropy"):
        model.fit(X, np.ones((1029, 3), "float32"), verbose=0)


def test_wrong_feature_size_and_rank():
    model = _model(1)
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match=r"\(None, 29\).*\(1029, 30\)"):
        model.fit(np.ones((1029, 30), "float32"), np.ones((1029, 1)), verbose=0)
    with pytest.raises(ValueError, match="rank"):
        model.fit(np.ones((1029, 29, 1), "float32"), np.ones((1029, 1)), verbose=0)
    dense = layers.Dense(3)
    dense(np.ones((2, 10), "float32"))
    with pytest.raises(ValueError, match=r"'dense_2'.*size 10.*\(2, 7\)"):
        dense(np.ones((2, 7), "float32"))


def test_mismatched_sample_counts():
    model = _model(1)
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match=r"x\[0\]: 1029, y\[0\]: 1000"):
        model.fit(X, np.ones((1000, 1)), verbose=0)


def test_fit_before_compile():
    with pytest.raises(RuntimeError, match="compile"):
        _model(1).fit(X, np.ones((1029, 1)), verbose=0)


@pytest.mark.parametrize("kind,make,suggestion", [
    ("loss", lambda: _compile(loss="binary_crosentropy"), "binary_crossentropy"),
    ("optimizer", lambda: _compile(optimizer="adamm"), "adam"),
    ("activation", lambda: layers.Dense(2, activation="relU"), "relu"),
    ("metric", lambda: _fit_with_metric("acuracy"), "accuracy"),
])
def test_misspelt_names_suggest_the_nearest(kind, make, suggestion):
    with pytest.raises(ValueError, match=f"'{suggestion}'"):
        make()


def _compile(loss="mse", optimizer="sgd"):
    model = _model(1)
    model.compile(optimizer=optimizer, loss=loss)
    model.fit(X[:4], np.ones((4, 1)), verbose=0)


def _fit_with_metric(metric):
    model = _model(1)
    model.compile("sgd", "mse", metrics=[metric])
    model.fit(X[:4], np.ones((4, 1)), verbose=0)


def test_set_weights_with_wrong_shapes():
    model = _model(1)
    weights = model.get_weights()
    weights[0] = np.zeros((28, 64))
    with pytest.raises(ValueError, match=r"dense/kernel'.*\(29, 64\).*\(28, 64\)"):
        model.set_weights(weights)
    with pytest.raises(ValueError, match="expects 4 weight arrays"):
        model.set_weights(weights[:2])
