"""Metrics with Keras 3's names, over a pure ``init_state`` / ``update`` / ``compute`` core.

``get(identifier)`` resolves names, instances, Keras config dicts and functions;
``resolve(identifier, loss, y_true_shape, y_pred_shape)`` is what ``compile(metrics=...)``
does, turning ``"accuracy"`` / ``"acc"`` (and ``"crossentropy"`` / ``"ce"``) into the
binary, categorical or sparse categorical metric from the shapes.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

from pellucid.backend import to_snake_case
from pellucid.metrics.accuracy import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from pellucid.metrics.base import Mean, MeanMetricWrapper, Metric, Sum
from pellucid.metrics.confusion import AUC, Precision, Recall
from pellucid.metrics.regression import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    CategoricalHinge,
    Hinge,
    KLDivergence,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    Poisson,
    RootMeanSquaredError,
    SparseCategoricalCrossentropy,
    SquaredHinge,
)
from pellucid.registry import keras_config_name, lookup

__all__ = [
    "AUC", "Accuracy", "BinaryAccuracy", "BinaryCrossentropy", "CategoricalAccuracy",
    "CategoricalCrossentropy", "CategoricalHinge", "Hinge", "KLDivergence", "LogCoshError",
    "Mean", "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanMetricWrapper",
    "MeanSquaredError", "MeanSquaredLogarithmicError", "Metric", "Poisson", "Precision",
    "Recall", "RootMeanSquaredError", "SparseCategoricalAccuracy",
    "SparseCategoricalCrossentropy", "SparseTopKCategoricalAccuracy", "SquaredHinge", "Sum",
    "TopKCategoricalAccuracy", "accuracy", "binary_accuracy", "categorical_accuracy", "get",
    "resolve", "sparse_categorical_accuracy", "sparse_top_k_categorical_accuracy",
    "top_k_categorical_accuracy",
]

_CLASSES = [
    AUC, Accuracy, BinaryAccuracy, BinaryCrossentropy, CategoricalAccuracy,
    CategoricalCrossentropy, CategoricalHinge, Hinge, KLDivergence, LogCoshError, Mean,
    MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredError,
    MeanSquaredLogarithmicError, Poisson, Precision, Recall, RootMeanSquaredError,
    SparseCategoricalAccuracy, SparseCategoricalCrossentropy, SparseTopKCategoricalAccuracy,
    SquaredHinge, Sum, TopKCategoricalAccuracy,
]
# Keras maps both the class name and its snake_case form to the class.
ALL_METRICS: dict[str, Any] = {cls.__name__: cls for cls in _CLASSES}
ALL_METRICS.update({to_snake_case(cls.__name__): cls for cls in _CLASSES})
ALL_METRICS.update({
    "auc": AUC, "mse": MeanSquaredError, "MSE": MeanSquaredError, "mae": MeanAbsoluteError,
    "MAE": MeanAbsoluteError, "mape": MeanAbsolutePercentageError,
    "MAPE": MeanAbsolutePercentageError, "msle": MeanSquaredLogarithmicError,
    "MSLE": MeanSquaredLogarithmicError, "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy,
    "log_cosh_error": LogCoshError,
})


def get(identifier: Any) -> Any:
    """A metric instance from a name or Keras config dict; callables and instances as is."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        found = lookup("metric", identifier, ALL_METRICS)
    elif keras_config_name(identifier) is not None:
        class_name, config = keras_config_name(identifier)
        return lookup("metric", class_name, ALL_METRICS).from_config(config)
    else:
        found = identifier
    if inspect.isclass(found):
        found = found()
    if callable(found) or isinstance(found, Metric):
        return found
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}")


def target_kind(y_true_shape: Sequence[int | None], y_pred_shape: Sequence[int | None]) -> str:
    """``"binary"`` (one output unit), ``"sparse"`` (integer labels: target rank lower, or a
    last axis of 1 against several classes) or ``"categorical"``; Keras's rule."""
    if y_pred_shape[-1] == 1:
        return "binary"
    if len(y_true_shape) < len(y_pred_shape) or (y_true_shape[-1] == 1 and y_pred_shape[-1] > 1):
        return "sparse"
    return "categorical"


_BY_KIND = {
    "accuracy": {"binary": BinaryAccuracy, "sparse": SparseCategoricalAccuracy,
                 "categorical": CategoricalAccuracy},
    "crossentropy": {"binary": BinaryCrossentropy, "sparse": SparseCategoricalCrossentropy,
                     "categorical": CategoricalCrossentropy},
}
_SHORTHANDS = {"accuracy": "accuracy", "acc": "accuracy", "crossentropy": "crossentropy",
               "ce": "crossentropy"}


def resolve(identifier: Any, loss: Any = None, y_true_shape: Sequence[int | None] = (),
            y_pred_shape: Sequence[int | None] = ()) -> Metric:
    """The metric ``compile(metrics=[identifier])`` uses for one output, named for logs.

    Like Keras 3, the choice for ``"accuracy"`` depends only on the shapes (``loss`` is
    accepted for the caller's convenience and not consulted): ``y_pred (N, 1)`` ->
    BinaryAccuracy; labels ``(N,)`` or ``(N, 1)`` against ``(N, C)`` ->
    SparseCategoricalAccuracy; otherwise CategoricalAccuracy. The metric keeps the name
    the user wrote (``"acc"`` logs as ``acc``); functions are wrapped in MeanMetricWrapper.
    """
    if identifier is None:
        raise ValueError("Expected a metric, received None.")
    shorthand = _SHORTHANDS.get(str(identifier).lower()) if isinstance(identifier, str) else None
    if shorthand is not None:
        if not y_pred_shape:
            raise ValueError(f"Resolving metric {identifier!r} needs the output shapes.")
        kind = target_kind(tuple(y_true_shape), tuple(y_pred_shape))
        metric = _BY_KIND[shorthand][kind](name=str(identifier))
    else:
        metric = get(identifier)
    if not isinstance(metric, Metric):
        metric = MeanMetricWrapper(metric, name=getattr(metric, "__name__", None))
    if isinstance(identifier, str):
        metric.name = identifier
    return metric
