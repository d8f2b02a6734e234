"""Losses against the real Keras 3: functions, classes, reductions, weights and masks."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax.numpy as jnp
import keras
import numpy as np
import pytest
from keras.src import backend as keras_backend

from pellucid import losses

RNG = np.random.default_rng(0)


def _probs(*shape):
    x = RNG.random(shape).astype("float32") + 0.05
    return x / x.sum(-1, keepdims=True)


def _onehot(n, classes, steps=None):
    shape = (n,) if steps is None else (n, steps)
    labels = RNG.integers(0, classes, size=shape)
    return np.eye(classes, dtype="float32")[labels], labels


def _targets(name, shape):
    """(y_true, y_pred) that suit the loss ``name`` for predictions of ``shape``."""
    if name in ("categorical_crossentropy", "kl_divergence", "categorical_hinge"):
        onehot, _ = _onehot(shape[0], shape[-1], shape[1] if len(shape) == 3 else None)
        return onehot, _probs(*shape)
    if name in ("binary_crossentropy", "binary_focal_crossentropy", "hinge", "squared_hinge"):
        return (RNG.random(shape) > 0.5).astype("float32"), RNG.random(shape).astype("float32")
    if name == "poisson":
        return RNG.poisson(2.0, shape).astype("float32"), RNG.random(shape).astype("float32") * 3
    return RNG.normal(size=shape).astype("float32"), RNG.normal(size=shape).astype("float32")


FUNCTIONS = [
    "mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error", "binary_crossentropy", "binary_focal_crossentropy",
    "categorical_crossentropy", "hinge", "squared_hinge", "categorical_hinge", "huber",
    "log_cosh", "kl_divergence", "poisson", "cosine_similarity",
]


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("shape", [(6, 4), (3, 5, 4)])
def test_functions_match_keras_per_sample(name, shape):
    y_true, y_pred = _targets(name, shape)
    got = getattr(losses, name)(y_true, y_pred)
    expected = getattr(keras.losses, name)(y_true, y_pred)
    assert got.shape == expected.shape == shape[:-1]
    np.testing.assert_allclose(np.asarray(got), np.asarray(expected), rtol=1e-5, atol=1e-6)


def test_aliases_and_rank_matching():
    y_true = RNG.normal(size=(8,)).astype("float32")
    y_pred = RNG.normal(size=(8, 1)).astype("float32")
    for alias in ("mse", "mae", "mape", "msle"):
        np.testing.assert_allclose(np.asarray(getattr(losses, alias)(y_true, y_pred)),
                                   np.asarray(keras.losses.get(alias)(y_true, y_pred)),
                                   rtol=1e-5)
    np.testing.assert_allclose(
        np.asarray(losses.MeanSquaredError()(y_true, y_pred)),
        np.asarray(keras.losses.MeanSquaredError()(y_true, y_pred)), rtol=1e-6)


CLASS_CASES = [
    ("MeanSquaredError", {}, "mean_squared_error"),
    ("MeanAbsoluteError", {}, "mean_absolute_error"),
    ("MeanAbsolutePercentageError", {}, "mean_absolute_percentage_error"),
    ("MeanSquaredLogarithmicError", {}, "mean_squared_logarithmic_error"),
    ("CosineSimilarity", {"axis": -1}, "cosine_similarity"),
    ("Huber", {"delta": 0.5}, "huber"),
    ("LogCosh", {}, "log_cosh"),
    ("Hinge", {}, "hinge"),
    ("SquaredHinge", {}, "squared_hinge"),
    ("CategoricalHinge", {}, "categorical_hinge"),
    ("KLDivergence", {}, "kl_divergence"),
    ("Poisson", {}, "poisson"),
    ("BinaryCrossentropy", {}, "binary_crossentropy"),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1},
     "binary_crossentropy"),
    ("BinaryFocalCrossentropy", {"apply_class_balancing": True, "gamma": 1.5},
     "binary_focal_crossentropy"),
    ("BinaryFocalCrossentropy", {"from_logits": True, "label_smoothing": 0.2},
     "binary_focal_crossentropy"),
    ("CategoricalCrossentropy", {}, "categorical_crossentropy"),
    ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.1},
     "categorical_crossentropy"),
]
REDUCTIONS = ["sum_over_batch_size", "sum", "none", "mean", "mean_with_sample_weight"]


@pytest.mark.parametrize("cls,kwargs,kind", CLASS_CASES,
                         ids=[f"{c}-{k}" for c, k, _ in CLASS_CASES])
def test_classes_match_keras_with_weights_and_reductions(cls, kwargs, kind):
    # Rank-3 (sequence) targets; the rank-2 path is covered by the function tests.
    for shape in [(3, 5, 4)]:
        y_true, y_pred = _targets(kind, shape)
        if kwargs.get("from_logits"):
            y_pred = RNG.normal(size=shape).astype("float32") * 3
        weight = RNG.random(shape[:-1]).astype("float32")
        for reduction in REDUCTIONS:
            ours = getattr(losses, cls)(reduction=reduction, **kwargs)
            theirs = getattr(keras.losses, cls)(reduction=reduction, **kwargs)
            for sw in (None, weight):
                np.testing.assert_allclose(
                    np.asarray(ours(y_true, y_pred, sample_weight=sw)),
                    np.asarray(theirs(y_true, y_pred, sample_weight=sw)),
                    rtol=1e-5, atol=1e-6, err_msg=f"{reduction} sw={sw is not None} {shape}")
        assert ours.get_config() == theirs.get_config()


@pytest.mark.parametrize("labels_shape", ["flat", "column"])
@pytest.mark.parametrize("kwargs", [{}, {"from_logits": True}, {"ignore_class": 2},
                                    {"from_logits": True, "ignore_class": 0}])
def test_sparse_categorical_crossentropy_matches_keras(labels_shape, kwargs):
    _, labels = _onehot(7, 5)
    y_true = labels[:, None] if labels_shape == "column" else labels
    y_pred = RNG.normal(size=(7, 5)).astype("float32") if kwargs.get("from_logits") \
        else _probs(7, 5)
    weight = RNG.random(7).astype("float32")
    for reduction in REDUCTIONS:
        ours = losses.SparseCategoricalCrossentropy(reduction=reduction, **kwargs)
        theirs = keras.losses.SparseCategoricalCrossentropy(reduction=reduction, **kwargs)
        for sw in (None, weight):
            np.testing.assert_allclose(
                np.asarray(ours(y_true, y_pred, sample_weight=sw)),
                np.asarray(theirs(y_true, y_pred, sample_weight=sw)), rtol=1e-5, atol=1e-6,
                err_msg=reduction)
    assert ours.get_config() == theirs.get_config()
    np.testing.assert_allclose(
        np.asarray(losses.sparse_categorical_crossentropy(y_true, y_pred, **kwargs)),
        np.asarray(keras.losses.sparse_categorical_crossentropy(y_true, y_pred, **kwargs)),
        rtol=1e-5, atol=1e-6)


def test_sequence_targets_with_masks_match_keras():
    onehot, labels = _onehot(3, 6, steps=5)
    y_pred = _probs(3, 5, 6)
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0]], bool)
    weight = RNG.random(3).astype("float32")
    cases = [
        (losses.CategoricalCrossentropy, keras.losses.CategoricalCrossentropy, onehot),
        (losses.SparseCategoricalCrossentropy, keras.losses.SparseCategoricalCrossentropy,
         labels),
        (losses.MeanSquaredError, keras.losses.MeanSquaredError, onehot),
    ]
    for ours_cls, theirs_cls, y_true in cases:
        for reduction in REDUCTIONS:
            for sw in (None, weight[:, None], np.broadcast_to(weight[:, None], (3, 5))):
                masked_pred = jnp.asarray(y_pred)
                keras_backend.set_keras_mask(masked_pred, jnp.asarray(mask))
                expected = theirs_cls(reduction=reduction)(y_true, masked_pred,
                                                           sample_weight=sw)
                got = ours_cls(reduction=reduction)(y_true, y_pred, sample_weight=sw, mask=mask)
                np.testing.assert_allclose(np.asarray(got), np.asarray(expected), rtol=1e-5,
                                           atol=1e-6, err_msg=f"{ours_cls.__name__} {reduction}")
    # Masked mean is the mean over kept steps only.
    values = np.asarray(losses.categorical_crossentropy(onehot, y_pred))
    got = losses.CategoricalCrossentropy()(onehot, y_pred, mask=mask)
    np.testing.assert_allclose(float(got), values[mask].mean(), rtol=1e-6)


def test_get_resolves_like_keras():
    assert losses.get("mse") is losses.mean_squared_error
    assert losses.get("categorical_crossentropy") is losses.categorical_crossentropy
    assert isinstance(losses.get("CategoricalCrossentropy"), losses.CategoricalCrossentropy)
    config = keras.losses.serialize(keras.losses.BinaryCrossentropy(from_logits=True))
    bce = losses.get(config)
    assert isinstance(bce, losses.BinaryCrossentropy) and bce.from_logits
    custom = lambda y_true, y_pred: jnp.mean(y_pred - y_true)
    assert losses.get(custom) is custom
    instance = losses.Huber()
    assert losses.get(instance) is instance
    with pytest.raises(ValueError, match="Did you mean 'mean_squared_error'"):
        losses.get("mean_squared_eror")
    assert losses.serialize(bce)["config"] == keras.losses.BinaryCrossentropy(
        from_logits=True).get_config()


def test_invalid_reduction_and_shape_errors():
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="average")
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        losses.categorical_crossentropy(np.array([1, 2]), _probs(2, 3))
