"""Losses as metrics (the mean over samples of the per-sample loss), and RMSE.

``RootMeanSquaredError``: ``sqrt(sum(w * (y_pred - y_true)**2) / sum(w))`` where the
squared errors are first averaged over the last axis per sample.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from pellucid import losses
from pellucid.losses import match_ranks
from pellucid.metrics.base import Mean, MeanMetricWrapper, State


def _loss_metric(class_name: str, fn: Any, default_name: str, **options: Any) -> type:
    """A metric class averaging ``fn``; ``options`` are fn's keyword arguments."""

    def __init__(self, name: str = default_name, dtype: Any = None, **kwargs: Any):
        unknown = set(kwargs) - set(options)
        if unknown:
            raise TypeError(f"{class_name}() got unexpected arguments {sorted(unknown)}")
        values = {**options, **kwargs}
        MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype, **values)
        for key, value in values.items():
            setattr(self, key, value)

    return type(class_name, (MeanMetricWrapper,), {
        "__init__": __init__, "_direction": "down",
        "__doc__": f"Mean over samples of :func:`losses.{fn.__name__}`."})


MeanSquaredError = _loss_metric("MeanSquaredError", losses.mean_squared_error,
                                "mean_squared_error")
MeanAbsoluteError = _loss_metric("MeanAbsoluteError", losses.mean_absolute_error,
                                 "mean_absolute_error")
MeanAbsolutePercentageError = _loss_metric(
    "MeanAbsolutePercentageError", losses.mean_absolute_percentage_error,
    "mean_absolute_percentage_error")
MeanSquaredLogarithmicError = _loss_metric(
    "MeanSquaredLogarithmicError", losses.mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error")
Hinge = _loss_metric("Hinge", losses.hinge, "hinge")
SquaredHinge = _loss_metric("SquaredHinge", losses.squared_hinge, "squared_hinge")
CategoricalHinge = _loss_metric("CategoricalHinge", losses.categorical_hinge,
                                "categorical_hinge")
KLDivergence = _loss_metric("KLDivergence", losses.kl_divergence, "kl_divergence")
Poisson = _loss_metric("Poisson", losses.poisson, "poisson")
LogCoshError = _loss_metric("LogCoshError", losses.log_cosh, "logcosh")
BinaryCrossentropy = _loss_metric(
    "BinaryCrossentropy", losses.binary_crossentropy, "binary_crossentropy",
    from_logits=False, label_smoothing=0)
CategoricalCrossentropy = _loss_metric(
    "CategoricalCrossentropy", losses.categorical_crossentropy, "categorical_crossentropy",
    from_logits=False, label_smoothing=0, axis=-1)
_SparseCrossentropy = _loss_metric(
    "SparseCategoricalCrossentropy", losses.sparse_categorical_crossentropy,
    "sparse_categorical_crossentropy", from_logits=False, ignore_class=None, axis=-1)


class SparseCategoricalCrossentropy(_SparseCrossentropy):
    """Mean over samples of :func:`losses.sparse_categorical_crossentropy`."""

    def __init__(self, name: str = "sparse_categorical_crossentropy", dtype: Any = None,
                 **kwargs: Any):
        if kwargs.get("ignore_class") is not None:
            raise NotImplementedError(
                "metrics.SparseCategoricalCrossentropy(ignore_class=...) is not implemented; "
                "use the loss class, which masks ignored labels.")
        super().__init__(name=name, dtype=dtype, **kwargs)


class RootMeanSquaredError(Mean):
    _direction = "down"

    def __init__(self, name: str = "root_mean_squared_error", dtype: Any = None):
        super().__init__(name=name, dtype=dtype)

    def update(self, state: State, y_true: Any, y_pred: Any, sample_weight: Any = None) -> State:
        y_pred = jnp.asarray(y_pred, self.dtype)
        y_true, y_pred = match_ranks(jnp.asarray(y_true, self.dtype), y_pred)
        return super().update(state, jnp.square(y_pred - y_true), sample_weight)

    def compute(self, state: State) -> jax.Array:
        return jnp.sqrt(super().compute(state))
