"""Metrics against the real Keras 3 over several batches, with sample weights."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax
import keras
import numpy as np
import pytest

from pellucid import losses, metrics

RNG = np.random.default_rng(1)
N, C = 8, 5


def _batch(kind):
    weight = RNG.random(N).astype("float32")
    if kind == "binary":
        return (RNG.random((N, 1)) > 0.5).astype("float32"), RNG.random((N, 1)).astype(
            "float32"), weight
    if kind == "multilabel":
        return (RNG.random((N, C)) > 0.5).astype("float32"), RNG.random((N, C)).astype(
            "float32"), weight
    if kind == "onehot":
        p = RNG.random((N, C)).astype("float32")
        return np.eye(C, dtype="float32")[RNG.integers(0, C, N)], p / p.sum(-1, keepdims=True), \
            weight
    if kind in ("sparse", "sparse_col"):
        p = RNG.random((N, C)).astype("float32")
        labels = RNG.integers(0, C, N).astype("float32")
        return (labels[:, None] if kind == "sparse_col" else labels), p / p.sum(
            -1, keepdims=True), weight
    if kind == "exact":
        return RNG.integers(0, 3, (N, 2)).astype("float32"), RNG.integers(0, 3, (N, 2)).astype(
            "float32"), weight
    return RNG.normal(size=(N, 3)).astype("float32"), RNG.normal(size=(N, 3)).astype(
        "float32"), weight


CASES = [
    ("Accuracy", {}, "exact"),
    ("BinaryAccuracy", {}, "binary"),
    ("BinaryAccuracy", {"threshold": 0.7}, "multilabel"),
    ("CategoricalAccuracy", {}, "onehot"),
    ("SparseCategoricalAccuracy", {}, "sparse"),
    ("SparseCategoricalAccuracy", {}, "sparse_col"),
    ("TopKCategoricalAccuracy", {"k": 2}, "onehot"),
    ("SparseTopKCategoricalAccuracy", {"k": 2}, "sparse"),
    ("MeanSquaredError", {}, "regression"),
    ("MeanAbsoluteError", {}, "regression"),
    ("RootMeanSquaredError", {}, "regression"),
    ("BinaryCrossentropy", {"from_logits": True}, "multilabel"),
    ("CategoricalCrossentropy", {}, "onehot"),
    ("SparseCategoricalCrossentropy", {}, "sparse_col"),
    ("Precision", {}, "binary"),
    ("Precision", {"thresholds": [0.3, 0.6]}, "multilabel"),
    ("Precision", {"top_k": 2}, "multilabel"),
    ("Recall", {"class_id": 1}, "multilabel"),
    ("Recall", {"thresholds": 0.4}, "binary"),
    ("AUC", {}, "binary"),
    ("AUC", {"num_thresholds": 50, "curve": "PR"}, "multilabel"),
    ("AUC", {"curve": "PR", "summation_method": "minoring"}, "binary"),
    ("AUC", {"thresholds": [0.2, 0.5, 0.8], "from_logits": True}, "binary"),
]


@pytest.mark.parametrize("cls,kwargs,kind", CASES, ids=[f"{c}-{k}" for c, k, _ in CASES])
def test_metric_matches_keras_over_batches(cls, kwargs, kind):
    ours = getattr(metrics, cls)(**kwargs)
    theirs = getattr(keras.metrics, cls)(**kwargs)
    update = jax.jit(ours.update)
    state = ours.init_state()
    for i in range(2):
        y_true, y_pred, weight = _batch(kind)
        sw = weight if i else None
        theirs.update_state(y_true, y_pred, sample_weight=sw)
        state = update(state, y_true, y_pred, sw)
    # The eager API on a third batch (weighted) continues from the functional state.
    y_true, y_pred, weight = _batch(kind)
    theirs.update_state(y_true, y_pred, sample_weight=weight)
    expected_before = np.asarray(ours.compute(state))
    ours.state = state
    ours.update_state(y_true, y_pred, sample_weight=weight)
    state = update(state, y_true, y_pred, weight)
    expected = np.asarray(theirs.result())
    np.testing.assert_allclose(np.asarray(ours.compute(state)), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(ours.result()), expected, rtol=1e-5, atol=1e-6)
    assert [v.name for v in ours.variables] == [v.name for v in theirs.variables]
    for ov, tv in zip(ours.variables, theirs.variables, strict=True):
        np.testing.assert_allclose(ov.numpy(), np.asarray(tv.value), rtol=1e-5, atol=1e-5)
    kconf, oconf = theirs.get_config(), ours.get_config()
    kconf.pop("name"), oconf.pop("name")
    assert oconf == kconf
    assert expected_before.shape == expected.shape
    ours.reset_state()
    assert not np.any(np.asarray(ours.result()))


def test_mean_and_sum_with_weights_match_keras():
    for cls in ("Mean", "Sum"):
        ours, theirs = getattr(metrics, cls)(), getattr(keras.metrics, cls)()
        for shape, wshape in [((4,), (4,)), ((4, 3), (4,)), ((4, 3), (4, 3)), ((2, 3, 2), (2,))]:
            values = RNG.normal(size=shape).astype("float32")
            weight = RNG.random(wshape).astype("float32")
            ours.update_state(values, sample_weight=weight)
            theirs.update_state(values, sample_weight=weight)
            ours.update_state(values)
            theirs.update_state(values)
        np.testing.assert_allclose(np.asarray(ours.result()), np.asarray(theirs.result()),
                                   rtol=1e-5)


def test_mask_weights_sequence_metric():
    y_true = RNG.integers(0, C, (2, 4))
    y_pred = RNG.random((2, 4, C)).astype("float32")
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 0]], bool)
    m = metrics.SparseCategoricalAccuracy()
    m.update_state(y_true, y_pred, mask=mask)
    hits = (y_pred.argmax(-1) == y_true)
    np.testing.assert_allclose(float(m.result()), hits[mask].mean(), rtol=1e-6)


@pytest.mark.parametrize("y_true_shape,y_pred_shape,expected", [
    ((32, 1), (32, 1), "BinaryAccuracy"),
    ((32, 10), (32, 10), "CategoricalAccuracy"),
    ((32,), (32, 10), "SparseCategoricalAccuracy"),
    ((32, 1), (32, 10), "SparseCategoricalAccuracy"),
    ((4, 7), (4, 7, 10), "SparseCategoricalAccuracy"),
])
def test_resolve_accuracy_like_keras_compile(y_true_shape, y_pred_shape, expected):
    from keras.src.trainers.compile_utils import get_metric

    for name in ("accuracy", "acc"):
        theirs = get_metric(name, np.zeros(y_true_shape), np.zeros(y_pred_shape))
        ours = metrics.resolve(name, losses.get("mse"), y_true_shape, y_pred_shape)
        assert type(theirs).__name__ == type(ours).__name__ == expected
        assert ours.name == theirs.name == name
    ce = metrics.resolve("ce", None, y_true_shape, y_pred_shape)
    assert type(ce).__name__ == expected.replace("Accuracy", "Crossentropy")
    assert ce.name == "ce"


def test_get_and_resolve_names_and_functions():
    from keras.src.trainers.compile_utils import get_metric

    for name in ("mse", "mae", "auc", "precision", "binary_accuracy", "MeanSquaredError"):
        theirs = get_metric(name, np.zeros((4, 1)), np.zeros((4, 1)))
        ours = metrics.resolve(name, None, (4, 1), (4, 1))
        assert type(ours).__name__ == type(theirs).__name__ and ours.name == theirs.name
    wrapped = metrics.resolve(losses.mean_squared_error, None, (4, 1), (4, 1))
    assert isinstance(wrapped, metrics.MeanMetricWrapper)
    assert wrapped.name == "mean_squared_error"
    with pytest.raises(ValueError, match="Did you mean 'precision'"):
        metrics.get("precison")
    config = keras.metrics.serialize(keras.metrics.BinaryAccuracy(threshold=0.3))
    assert metrics.get(config).threshold == 0.3
