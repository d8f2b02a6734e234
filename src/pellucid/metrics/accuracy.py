"""Accuracy metrics: per-sample 0/1 matches, averaged by :class:`MeanMetricWrapper`.

- ``accuracy``: ``y_true == y_pred`` (exact values).
- ``binary_accuracy``: ``y_true == (y_pred > threshold)``, one value per element.
- ``categorical_accuracy``: ``argmax(y_true) == argmax(y_pred)`` over the last axis.
- ``sparse_categorical_accuracy``: ``y_true == argmax(y_pred)``; labels ``(n,)`` or ``(n, 1)``.
- ``top_k_categorical_accuracy`` / ``sparse_...``: the true class's score is among the k
  largest (ties count as in, as Keras's ``in_top_k`` does).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from pellucid.losses import match_ranks
from pellucid.metrics.base import MeanMetricWrapper


def _arrays(y_true: Any, y_pred: Any) -> tuple[jax.Array, jax.Array]:
    y_pred = jnp.asarray(y_pred)
    if not jnp.issubdtype(y_pred.dtype, jnp.floating):
        y_pred = y_pred.astype(jnp.float32)
    return jnp.asarray(y_true).astype(y_pred.dtype), y_pred


def accuracy(y_true: Any, y_pred: Any) -> jax.Array:
    y_true, y_pred = match_ranks(*_arrays(y_true, y_pred))
    return (y_true == y_pred).astype(jnp.float32)


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> jax.Array:
    y_true, y_pred = match_ranks(*_arrays(y_true, y_pred))
    return (y_true == (y_pred > threshold).astype(y_true.dtype)).astype(jnp.float32)


def categorical_accuracy(y_true: Any, y_pred: Any) -> jax.Array:
    y_true, y_pred = _arrays(y_true, y_pred)
    return (jnp.argmax(y_true, -1) == jnp.argmax(y_pred, -1)).astype(jnp.float32)


def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> jax.Array:
    y_true, y_pred = _arrays(y_true, y_pred)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = jnp.squeeze(y_true, -1)
    matches = (y_true == jnp.argmax(y_pred, -1).astype(y_true.dtype)).astype(jnp.float32)
    return jnp.squeeze(matches, -1) if matches.ndim > 1 and matches.shape[-1] == 1 else matches


def _in_top_k(labels: jax.Array, scores: jax.Array, k: int) -> jax.Array:
    target = jnp.take_along_axis(scores, labels[..., None].astype(jnp.int32), axis=-1)
    kth = jax.lax.top_k(scores, min(k, scores.shape[-1]))[0][..., -1:]
    return (target >= kth)[..., 0].astype(jnp.float32)


def top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> jax.Array:
    y_true, y_pred = _arrays(y_true, y_pred)
    return _in_top_k(jnp.argmax(y_true, -1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> jax.Array:
    y_true, y_pred = _arrays(y_true, y_pred)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = jnp.squeeze(y_true, -1)
    return _in_top_k(y_true, y_pred, k)


class _AccuracyMetric(MeanMetricWrapper):
    """A mean of per-sample hits; higher is better (read by callbacks in mode="auto")."""

    _direction = "up"


class Accuracy(_AccuracyMetric):
    def __init__(self, name: str = "accuracy", dtype: Any = None):
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(_AccuracyMetric):
    def __init__(self, name: str = "binary_accuracy", dtype: Any = None, threshold: float = 0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold


class CategoricalAccuracy(_AccuracyMetric):
    def __init__(self, name: str = "categorical_accuracy", dtype: Any = None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(_AccuracyMetric):
    def __init__(self, name: str = "sparse_categorical_accuracy", dtype: Any = None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(_AccuracyMetric):
    def __init__(self, k: int = 5, name: str = "top_k_categorical_accuracy", dtype: Any = None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k


class SparseTopKCategoricalAccuracy(_AccuracyMetric):
    def __init__(self, k: int = 5, name: str = "sparse_top_k_categorical_accuracy",
                 dtype: Any = None, from_sorted_ids: bool = False):
        if from_sorted_ids:
            raise NotImplementedError(
                "SparseTopKCategoricalAccuracy(from_sorted_ids=True) is not implemented.")
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k
