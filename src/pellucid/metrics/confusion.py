"""Threshold metrics: Precision, Recall and AUC, counted as Keras counts them.

For thresholds ``t_j``, over every element of ``y_pred`` (flattened; ``class_id`` picks one
column first, ``top_k`` keeps only each row's k largest scores)::

    positive prediction: y_pred > t_j        positive label: y_true != 0
    tp[j] += sum(w * label * pred)           fp[j] += sum(w * (1 - label) * pred)
    fn[j] += sum(w * label * (1 - pred))     tn[j] += sum(w * (1 - label) * (1 - pred))

``w`` is ``sample_weight`` broadcast to ``y_pred``'s shape. Precision = tp / (tp + fp),
Recall = tp / (tp + fn) (0 when the denominator is 0); one threshold gives a scalar.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from pellucid.backend import host_zeros
from pellucid.losses import match_ranks
from pellucid.metrics.base import Metric, State

EPSILON = 1e-7
NEG_INF = -1e10


def _safe_divide(a: jax.Array, b: jax.Array) -> jax.Array:
    return jnp.where(b != 0, a / jnp.where(b != 0, b, 1), 0.0)


def _keep_top_k(x: jax.Array, k: int) -> jax.Array:
    _, index = jax.lax.top_k(x, k)
    keep = jnp.sum(jax.nn.one_hot(index, x.shape[-1], dtype=x.dtype), axis=-2)
    return x * keep + NEG_INF * (1 - keep)


def confusion_counts(y_true: Any, y_pred: Any, thresholds: np.ndarray, sample_weight: Any = None,
                     top_k: int | None = None, class_id: int | None = None) -> State:
    """``{"true_positives", "false_positives", "true_negatives", "false_negatives"}``,
    each of shape ``(len(thresholds),)``, for one batch."""
    y_pred = jnp.asarray(y_pred, jnp.float32)
    y_true = jnp.asarray(y_true, jnp.float32)
    y_pred, y_true = match_ranks(y_pred, y_true)
    weights = None
    if sample_weight is not None:
        weights = jnp.expand_dims(jnp.asarray(sample_weight, jnp.float32), -1)
        _, weights = match_ranks(y_true, weights, expand_rank_1=False)
    if top_k is not None:
        y_pred = _keep_top_k(y_pred, top_k)
    if class_id is not None:
        y_true, y_pred = y_true[..., class_id, None], y_pred[..., class_id, None]
    if weights is not None:
        weights = jnp.broadcast_to(weights, y_pred.shape).reshape(-1)
    label = (y_true != 0).reshape(-1).astype(jnp.float32)
    pred = (y_pred.reshape(1, -1) > jnp.asarray(thresholds, jnp.float32)[:, None])
    pred = pred.astype(jnp.float32)
    w = jnp.ones_like(label) if weights is None else weights
    return {
        "true_positives": pred @ (label * w),
        "false_positives": pred @ ((1 - label) * w),
        "true_negatives": (1 - pred) @ ((1 - label) * w),
        "false_negatives": (1 - pred) @ (label * w),
    }


def _thresholds(thresholds: Any, default: float) -> tuple[np.ndarray, bool]:
    if thresholds is None:
        return np.array([default], np.float32), True
    single = np.ndim(thresholds) == 0
    return np.atleast_1d(np.asarray(thresholds, np.float32)), single


class _ThresholdMetric(Metric):
    _direction = "up"

    _counts: tuple[str, ...] = ()

    def __init__(self, thresholds: Any = None, top_k: int | None = None,
                 class_id: int | None = None, name: str | None = None, dtype: Any = None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default = 0.5 if top_k is None else NEG_INF
        self.thresholds, self._single = _thresholds(thresholds, default)

    def init_state(self) -> State:
        return {key: host_zeros(len(self.thresholds), self.dtype) for key in self._counts}

    def update(self, state: State, y_true: Any, y_pred: Any, sample_weight: Any = None) -> State:
        counts = confusion_counts(y_true, y_pred, self.thresholds, sample_weight, self.top_k,
                                  self.class_id)
        return {key: state[key] + counts[key] for key in self._counts}

    def get_config(self) -> dict:
        return {**super().get_config(), "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}

    def _finish(self, value: jax.Array) -> jax.Array:
        return value[0] if self._single else value


class Precision(_ThresholdMetric):
    """``tp / (tp + fp)`` at each threshold (default 0.5). State: tp, fp."""

    _counts = ("true_positives", "false_positives")

    def compute(self, state: State) -> jax.Array:
        tp = state["true_positives"]
        return self._finish(_safe_divide(tp, tp + state["false_positives"]))


class Recall(_ThresholdMetric):
    """``tp / (tp + fn)`` at each threshold (default 0.5). State: tp, fn."""

    _counts = ("true_positives", "false_negatives")

    def compute(self, state: State) -> jax.Array:
        tp = state["true_positives"]
        return self._finish(_safe_divide(tp, tp + state["false_negatives"]))


class AUC(Metric):
    """Area under the ROC or PR curve from counts at ``num_thresholds`` thresholds.

    Thresholds: ``-eps, 1/(n-1), ..., (n-2)/(n-1), 1 + eps`` (or ``[-eps] + sorted(thresholds)
    + [1 + eps]``). ROC: ``sum((fpr[i] - fpr[i+1]) * (tpr[i] + tpr[i+1]) / 2)``. PR with
    ``"interpolation"``: Davis & Goadrich's interpolation, as Keras's ``interpolate_pr_auc``;
    ``"minoring"``/``"majoring"`` use the min/max height of each step instead of the mean.
    """
    _direction = "up"


    def __init__(self, num_thresholds: int = 200, curve: str = "ROC",
                 summation_method: str = "interpolation", name: str | None = None,
                 dtype: Any = None, thresholds: Any = None, multi_label: bool = False,
                 num_labels: int | None = None, label_weights: Any = None,
                 from_logits: bool = False):
        if multi_label or label_weights is not None:
            raise NotImplementedError("AUC(multi_label=True / label_weights) is not implemented.")
        if curve.upper() not in ("ROC", "PR"):
            raise NotImplementedError(f"AUC curve {curve!r} is not implemented (ROC, PR are).")
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f"Invalid `summation_method` argument value {summation_method!r}.")
        super().__init__(name=name, dtype=dtype)
        self._init_thresholds = thresholds
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
            self.num_thresholds = len(inner) + 2
        else:
            if num_thresholds <= 1:
                raise ValueError("Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        self.thresholds = np.array([0.0 - EPSILON] + inner + [1.0 + EPSILON])
        self.curve = curve.upper()
        self.summation_method = summation_method
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = label_weights
        self.from_logits = from_logits

    def init_state(self) -> State:
        return {key: host_zeros(self.num_thresholds, self.dtype) for key in
                ("true_positives", "false_positives", "true_negatives", "false_negatives")}

    def update(self, state: State, y_true: Any, y_pred: Any, sample_weight: Any = None) -> State:
        if self.from_logits:
            y_pred = jax.nn.sigmoid(jnp.asarray(y_pred))
        counts = confusion_counts(y_true, y_pred, self.thresholds, sample_weight)
        return {key: state[key] + counts[key] for key in state}

    def compute(self, state: State) -> jax.Array:
        tp, fp = state["true_positives"], state["false_positives"]
        tn, fn = state["true_negatives"], state["false_negatives"]
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._interpolated_pr(tp, fp, fn)
        recall = _safe_divide(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _safe_divide(fp, fp + tn), recall
        else:
            x, y = recall, _safe_divide(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = jnp.minimum(y[:-1], y[1:])
        else:
            heights = jnp.maximum(y[:-1], y[1:])
        return jnp.sum((x[:-1] - x[1:]) * heights)

    @staticmethod
    def _interpolated_pr(tp: jax.Array, fp: jax.Array, fn: jax.Array) -> jax.Array:
        # Precision is modelled as varying linearly in TP and P = TP + FP between thresholds,
        # which integrates to slope * (dTP + intercept * log(P_a / P_b)) per interval.
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        slope = _safe_divide(dtp, jnp.maximum(p[:-1] - p[1:], 0))
        intercept = tp[1:] - slope * p[1:]
        both = (p[:-1] > 0) & (p[1:] > 0)
        ratio = jnp.where(both, _safe_divide(p[:-1], jnp.maximum(p[1:], 0)), 1.0)
        increments = _safe_divide(slope * (dtp + intercept * jnp.log(ratio)),
                                  jnp.maximum(tp[1:] + fn[1:], 0))
        return jnp.sum(increments)

    def get_config(self) -> dict:
        config = {**super().get_config(), "num_thresholds": self.num_thresholds,
                  "curve": self.curve, "summation_method": self.summation_method,
                  "multi_label": self.multi_label, "num_labels": self.num_labels,
                  "label_weights": self.label_weights, "from_logits": self.from_logits}
        if self._init_thresholds is not None:
            config["thresholds"] = list(self.thresholds[1:-1])
        return config
