"""pellucid.activations against keras.activations on inputs with negatives, zeros and
large magnitudes; name resolution and serialization as in Keras."""

import os

os.environ["KERAS_BACKEND"] = "jax"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from pellucid import activations  # noqa: E402
from pellucid.backend import Variable  # noqa: E402

rng = np.random.default_rng(1)
X = np.concatenate([
    rng.standard_normal((4, 6)) * 3,
    np.array([[-1e4, -50.0, -3.0, -0.5, 0.0, 0.5], [1.0, 3.0, 6.0, 7.5, 50.0, 1e4]]),
]).astype("float32")

CASES = [
    ("relu", {}), ("relu", {"negative_slope": 0.1}), ("relu", {"max_value": 6.0}),
    ("relu", {"max_value": 2.5}), ("relu", {"threshold": 0.7}),
    ("relu", {"negative_slope": 0.3, "max_value": 4.0}),
    ("relu", {"negative_slope": 0.2, "threshold": 1.0, "max_value": 5.0}),
    ("leaky_relu", {}), ("leaky_relu", {"negative_slope": 0.05}), ("relu6", {}),
    ("elu", {}), ("elu", {"alpha": 0.3}), ("selu", {}), ("celu", {"alpha": 1.5}),
    ("gelu", {}), ("gelu", {"approximate": True}), ("silu", {}), ("swish", {}),
    ("hard_silu", {}), ("hard_swish", {}), ("mish", {}), ("sigmoid", {}), ("hard_sigmoid", {}),
    ("log_sigmoid", {}), ("sparse_sigmoid", {}), ("tanh", {}), ("tanh_shrink", {}),
    ("hard_tanh", {}), ("soft_shrink", {}), ("soft_shrink", {"threshold": 1.0}),
    ("hard_shrink", {}), ("threshold", {"threshold": 0.5, "default_value": -2.0}),
    ("softplus", {}), ("softsign", {}), ("sparse_plus", {}), ("squareplus", {}),
    ("squareplus", {"b": 1}), ("exponential", {}), ("linear", {}), ("softmax", {}),
    ("softmax", {"axis": 0}), ("log_softmax", {}), ("sparsemax", {}), ("glu", {}),
    ("glu", {"axis": 0}),
]


@pytest.mark.parametrize("name,kwargs", CASES)
def test_matches_keras(name, kwargs):
    x = X / 100 if name == "exponential" else X
    ours = getattr(activations, name)(x, **kwargs)
    theirs = getattr(keras.activations, name)(x, **kwargs)
    assert np.asarray(ours).dtype == np.asarray(theirs).dtype
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)


def test_defaults_match_keras():
    np.testing.assert_allclose(activations.gelu(X), keras.activations.gelu(X), atol=1e-6)
    # Keras 3's hard_sigmoid is relu6(x + 3) / 6, not Keras 2's 0.2 x + 0.5.
    np.testing.assert_allclose(activations.hard_sigmoid(np.float32(1.5)), 0.75, atol=1e-7)
    np.testing.assert_allclose(activations.leaky_relu(np.float32(-1.0)), -0.2, atol=1e-7)


def test_accepts_variables():
    np.testing.assert_allclose(activations.relu(Variable(X), max_value=2.0),
                               keras.activations.relu(X, max_value=2.0), atol=1e-6)
    np.testing.assert_allclose(activations.softmax(Variable(X)),
                               keras.activations.softmax(X), atol=1e-6)


@pytest.mark.parametrize("name", sorted(keras.src.activations.ALL_OBJECTS_DICT))
def test_get_resolves_every_keras_name_to_the_same_function(name):
    fn = activations.get(name)
    np.testing.assert_allclose(
        fn(X / 100, **({"threshold": 0.1, "default_value": 0.0} if name == "threshold" else {})),
        keras.activations.get(name)(
            X / 100, **({"threshold": 0.1, "default_value": 0.0} if name == "threshold" else {})),
        rtol=1e-6, atol=1e-6)


def test_get_none_callable_and_config_dict():
    assert activations.get(None) is activations.linear
    custom = lambda x: x * 2
    assert activations.get(custom) is custom
    config = keras.saving.serialize_keras_object(keras.activations.relu)
    assert activations.get(config) is activations.relu


@pytest.mark.parametrize("typo,suggestion", [("relU", "relu"), ("sigmiod", "sigmoid"),
                                              ("softmx", "softmax")])
def test_misspelt_name_suggests_nearest(typo, suggestion):
    with pytest.raises(ValueError, match=f"Did you mean '{suggestion}'"):
        activations.get(typo)


@pytest.mark.parametrize("name", ["relu", "swish", "hard_swish", "gelu", "linear", "softmax"])
def test_serialize_matches_keras(name):
    assert activations.serialize(activations.get(name)) == keras.activations.serialize(
        keras.activations.get(name))


def test_serialize_rejects_unknown_function():
    with pytest.raises(ValueError, match="not a built-in"):
        activations.serialize(lambda x: x)
