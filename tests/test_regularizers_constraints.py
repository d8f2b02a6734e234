"""pellucid.regularizers and pellucid.constraints against Keras: penalties, projections,
defaults, configs and name resolution."""

import os

os.environ["KERAS_BACKEND"] = "jax"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from pellucid import constraints, regularizers  # noqa: E402
from pellucid.backend import Variable  # noqa: E402

rng = np.random.default_rng(2)
W = (rng.standard_normal((5, 4)) * 2).astype("float32")
K = (rng.standard_normal((3, 3, 2, 4))).astype("float32")

REGULARIZERS = [
    ("L1", {}), ("L1", {"l1": 0.3}), ("L2", {}), ("L2", {"l2": 1e-4}), ("L1L2", {}),
    ("L1L2", {"l1": 0.01, "l2": 0.02}), ("L1L2", {"l1": None, "l2": 0.5}),
    ("OrthogonalRegularizer", {}), ("OrthogonalRegularizer", {"factor": 0.2, "mode": "columns"}),
]


@pytest.mark.parametrize("name,kwargs", REGULARIZERS)
def test_regularizer_matches_keras(name, kwargs):
    ours = getattr(regularizers, name)(**kwargs)
    theirs = getattr(keras.regularizers, name)(**kwargs)
    # Keras regularizers see backend tensors in layers (its NumPy path differs).
    expected = theirs(keras.ops.convert_to_tensor(W))
    np.testing.assert_allclose(ours(W), expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(ours(Variable(W)), expected, rtol=1e-6, atol=1e-6)
    assert ours.get_config() == theirs.get_config()
    assert regularizers.serialize(ours) == keras.regularizers.serialize(theirs)
    restored = regularizers.get(keras.regularizers.serialize(theirs))
    assert type(restored) is type(ours) and restored.get_config() == ours.get_config()


@pytest.mark.parametrize("name", ["l1", "l2", "L1L2", "orthogonal_regularizer", "l1l2"])
def test_regularizer_names_match_keras(name):
    ours, theirs = regularizers.get(name), keras.regularizers.get(name)
    assert type(ours).__name__ == type(theirs).__name__
    assert ours.get_config() == theirs.get_config()


def test_regularizer_errors():
    with pytest.raises(ValueError, match="non-negative"):
        regularizers.L2(-1.0)
    with pytest.raises(ValueError, match="mode"):
        regularizers.OrthogonalRegularizer(mode="diagonal")
    with pytest.raises(ValueError, match="rank 2"):
        regularizers.OrthogonalRegularizer()(K)
    with pytest.raises(ValueError, match="Did you mean 'l2'"):
        regularizers.get("l2_")
    assert regularizers.get(None) is None


CONSTRAINTS = [
    ("MaxNorm", {}), ("MaxNorm", {"max_value": 0.5, "axis": 1}),
    ("MaxNorm", {"max_value": 1.0, "axis": [0, 1, 2]}), ("MinMaxNorm", {}),
    ("MinMaxNorm", {"min_value": 0.5, "max_value": 2.0, "rate": 0.7, "axis": 1}),
    ("NonNeg", {}), ("UnitNorm", {}), ("UnitNorm", {"axis": [0, 1, 2]}),
]


@pytest.mark.parametrize("name,kwargs", CONSTRAINTS)
def test_constraint_matches_keras(name, kwargs):
    w = K if isinstance(kwargs.get("axis"), list) else W
    ours = getattr(constraints, name)(**kwargs)
    theirs = getattr(keras.constraints, name)(**kwargs)
    np.testing.assert_allclose(ours(w), theirs(w), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(ours(Variable(w)), theirs(w), rtol=1e-6, atol=1e-6)
    assert ours.get_config() == theirs.get_config()
    assert constraints.serialize(ours) == keras.constraints.serialize(theirs)
    restored = constraints.get(keras.constraints.serialize(theirs))
    assert type(restored) is type(ours) and restored.get_config() == ours.get_config()


@pytest.mark.parametrize("name", ["max_norm", "min_max_norm", "non_neg", "unit_norm", "NonNeg"])
def test_constraint_names_match_keras(name):
    ours, theirs = constraints.get(name), keras.constraints.get(name)
    assert type(ours).__name__ == type(theirs).__name__
    assert ours.get_config() == theirs.get_config()


def test_constraint_effects():
    norms = np.linalg.norm(np.asarray(constraints.MaxNorm(1.0)(W)), axis=0)
    assert np.all(norms <= 1.0 + 1e-6)
    np.testing.assert_allclose(np.linalg.norm(np.asarray(constraints.UnitNorm()(W)), axis=0),
                               1.0, rtol=1e-5)
    assert np.all(np.asarray(constraints.NonNeg()(W)) >= 0)
    with pytest.raises(ValueError, match="Did you mean 'max_norm'"):
        constraints.get("max_nrom")
    assert constraints.get(None) is None
