"""Losses with Keras 3's names, formulas, reductions and mask handling.

Functions (``mean_squared_error(y_true, y_pred)``, ...) return one value per sample: the
last axis is reduced, so ``(batch, d)`` gives ``(batch,)`` and a sequence target
``(batch, steps, d)`` gives ``(batch, steps)``. Probabilities are clipped to
``[1e-7, 1 - 1e-7]`` as Keras does; ``from_logits=True`` uses log-softmax / log-sigmoid.

Classes (``MeanSquaredError()``, ...) are called as ``loss(y_true, y_pred,
sample_weight=None, mask=None)`` and reduce the per-sample values ``L``:

- ``"sum_over_batch_size"`` (default) and ``"mean"``: ``sum(L * w) / size(L)``;
- ``"sum"``: ``sum(L * w)``; ``"none"``/``None``: ``L * w``;
- ``"mean_with_sample_weight"``: ``sum(L * w) / sum(w)``.

A ``mask`` (True = keep, shape of ``L``) turns into weights; for the mean reductions the
kept entries get ``size / count(kept)`` so the result is ``sum(L * w * mask) / count(kept)``.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from pellucid.backend import to_snake_case, unwrap
from pellucid.ops import softmax_crossentropy
from pellucid.ops.nn import log_probabilities
from pellucid.registry import keras_config_name, lookup

EPSILON = 1e-7
Array = jax.Array


def _pair(y_true: Any, y_pred: Any) -> tuple[Array, Array]:
    y_pred = jnp.asarray(unwrap(y_pred))
    if not jnp.issubdtype(y_pred.dtype, jnp.floating):
        y_pred = y_pred.astype(jnp.float32)
    return jnp.asarray(unwrap(y_true)).astype(y_pred.dtype), y_pred


def match_ranks(x1: Array, x2: Array, expand_rank_1: bool = True) -> tuple[Array, Array]:
    """Make ranks equal when they differ by one trailing axis of size 1 (Keras's rule):
    ``(n,)`` vs ``(n, 1)`` expands the first; otherwise the size-1 axis is squeezed."""
    r1, r2 = x1.ndim, x2.ndim
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = jnp.expand_dims(x2, -1)
        else:
            x1 = jnp.squeeze(x1, -1)
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = jnp.expand_dims(x1, -1)
        else:
            x2 = jnp.squeeze(x2, -1)
    return x1, x2


# --- per-sample functions -------------------------------------------------------------

def mean_squared_error(y_true: Any, y_pred: Any) -> Array:
    """``mean((y_true - y_pred)**2, axis=-1)``."""
    y_true, y_pred = match_ranks(*_pair(y_true, y_pred))
    return jnp.mean(jnp.square(y_true - y_pred), axis=-1)


def mean_absolute_error(y_true: Any, y_pred: Any) -> Array:
    """``mean(|y_true - y_pred|, axis=-1)``."""
    y_true, y_pred = match_ranks(*_pair(y_true, y_pred))
    return jnp.mean(jnp.abs(y_true - y_pred), axis=-1)


def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> Array:
    """``100 * mean(|y_true - y_pred| / max(|y_true|, eps), axis=-1)``."""
    y_true, y_pred = match_ranks(*_pair(y_true, y_pred))
    diff = jnp.abs((y_true - y_pred) / jnp.maximum(jnp.abs(y_true), EPSILON))
    return 100.0 * jnp.mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> Array:
    """``mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1))**2, axis=-1)``."""
    y_true, y_pred = match_ranks(*_pair(y_true, y_pred))
    diff = jnp.log(jnp.maximum(y_pred, EPSILON) + 1.0) - jnp.log(jnp.maximum(y_true, EPSILON) + 1.0)
    return jnp.mean(jnp.square(diff), axis=-1)


def _l2_normalize(x: Array, axis: int) -> Array:
    inverse = jax.lax.rsqrt(jnp.sum(jnp.square(x), axis=axis, keepdims=True))
    return x * jnp.minimum(inverse, 1.0 / EPSILON)


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> Array:
    """``-sum(unit(y_true) * unit(y_pred), axis)``: -1 when aligned, 0 when orthogonal."""
    y_true, y_pred = match_ranks(*_pair(y_true, y_pred))
    return -jnp.sum(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis), axis=axis)


def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> Array:
    """Mean over the last axis of ``0.5 e**2`` if ``|e| <= delta`` else
    ``delta * |e| - 0.5 delta**2``, with ``e = y_pred - y_true``."""
    y_true, y_pred = match_ranks(*_pair(y_true, y_pred))
    delta = jnp.asarray(delta, y_pred.dtype)
    error = y_pred - y_true
    size = jnp.abs(error)
    quadratic = 0.5 * jnp.square(error)
    linear = delta * size - 0.5 * jnp.square(delta)
    return jnp.mean(jnp.where(size <= delta, quadratic, linear), axis=-1)


def log_cosh(y_true: Any, y_pred: Any) -> Array:
    """``mean(log(cosh(y_pred - y_true)), axis=-1)``, computed as
    ``x + softplus(-2x) - log 2`` so large errors do not overflow."""
    y_true, y_pred = match_ranks(*_pair(y_true, y_pred))
    x = y_pred - y_true
    return jnp.mean(x + jax.nn.softplus(x * -2.0) - jnp.asarray(math.log(2.0), x.dtype), axis=-1)


def _to_signed_labels(y_true: Array) -> Array:
    """Labels in {0, 1} become {-1, 1}; any other labels are used as given."""
    binary = jnp.all((y_true == 0) | (y_true == 1))
    return jnp.where(binary, 2.0 * y_true - 1.0, y_true)


def hinge(y_true: Any, y_pred: Any) -> Array:
    """``mean(max(1 - y_true * y_pred, 0), axis=-1)`` with 0/1 labels mapped to -1/1."""
    y_true, y_pred = _pair(y_true, y_pred)
    return jnp.mean(jnp.maximum(1.0 - _to_signed_labels(y_true) * y_pred, 0.0), axis=-1)


def squared_hinge(y_true: Any, y_pred: Any) -> Array:
    """``mean(max(1 - y_true * y_pred, 0)**2, axis=-1)`` with 0/1 labels mapped to -1/1."""
    y_true, y_pred = _pair(y_true, y_pred)
    margin = jnp.maximum(1.0 - _to_signed_labels(y_true) * y_pred, 0.0)
    return jnp.mean(jnp.square(margin), axis=-1)


def categorical_hinge(y_true: Any, y_pred: Any) -> Array:
    """``max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)`` over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    positive = jnp.sum(y_true * y_pred, axis=-1)
    negative = jnp.max((1.0 - y_true) * y_pred, axis=-1)
    return jnp.maximum(negative - positive + 1.0, 0.0)


def kl_divergence(y_true: Any, y_pred: Any) -> Array:
    """``sum(t * log(t / p), axis=-1)`` with both clipped to ``[eps, 1]``."""
    y_true, y_pred = _pair(y_true, y_pred)
    t, p = jnp.clip(y_true, EPSILON, 1), jnp.clip(y_pred, EPSILON, 1)
    return jnp.sum(t * jnp.log(t / p), axis=-1)


def poisson(y_true: Any, y_pred: Any) -> Array:
    """``mean(y_pred - y_true * log(y_pred + eps), axis=-1)``."""
    y_true, y_pred = _pair(y_true, y_pred)
    return jnp.mean(y_pred - y_true * jnp.log(y_pred + EPSILON), axis=-1)


def categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                             label_smoothing: float = 0.0, axis: int = -1) -> Array:
    """``-sum(t * log p, axis)``; targets one-hot ``(..., classes)`` like ``y_pred``.

    Label smoothing ``s`` uses ``t * (1 - s) + s / classes``.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            "categorical_crossentropy needs one-hot targets shaped like the predictions; "
            f"got y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}. For integer "
            "class labels use sparse_categorical_crossentropy."
        )
    return -jnp.sum(_smoothed(y_true, label_smoothing)
                    * log_probabilities(y_pred, from_logits, axis), axis=axis)


def _smoothed(y_true: Array, label_smoothing: float) -> Array:
    """Label smoothing ``s``: ``t * (1 - s) + s / classes``."""
    if not label_smoothing:
        return y_true
    return y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]


def _sparse_labels(y_true: Array, y_pred: Array, axis: int) -> Array:
    """Labels shaped like ``y_pred`` without its class axis (a size-1 axis is dropped)."""
    if y_true.ndim == y_pred.ndim and y_true.shape[axis] == 1:
        y_true = jnp.squeeze(y_true, axis)
    if y_true.shape != y_pred.shape[:-1]:
        raise ValueError(
            "sparse_categorical_crossentropy needs integer labels shaped like the "
            f"predictions without their class axis; got y_true.shape={y_true.shape}, "
            f"y_pred.shape={y_pred.shape}."
        )
    return y_true


def _sparse_cce(y_true: Any, y_pred: Any, from_logits: bool, ignore_class: int | None,
                axis: int) -> tuple[Array, Array | None]:
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = _sparse_labels(y_true, y_pred, axis)
    valid = None
    if ignore_class is not None:
        valid = y_true != ignore_class
        y_true = jnp.where(valid, y_true, 0)
        y_pred = jnp.where(jnp.expand_dims(valid, axis), y_pred, 0)
    onehot = jax.nn.one_hot(y_true.astype(jnp.int32), y_pred.shape[axis], axis=axis,
                            dtype=y_pred.dtype)
    values = -jnp.sum(onehot * log_probabilities(y_pred, from_logits, axis), axis=axis)
    if valid is not None:
        values = jnp.where(valid, values, 0.0)
    return values, valid


def sparse_categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                                    ignore_class: int | None = None, axis: int = -1) -> Array:
    """``-log p[label]``: labels ``(batch,)`` or ``(batch, 1)`` for ``y_pred (batch, classes)``.

    Entries whose label equals ``ignore_class`` give 0 (the class form also masks them out).
    """
    return _sparse_cce(y_true, y_pred, from_logits, ignore_class, axis)[0]


def _elementwise_bce(y_true: Array, y_pred: Array, from_logits: bool) -> Array:
    if from_logits:
        return -y_true * jax.nn.log_sigmoid(y_pred) - (1.0 - y_true) * jax.nn.log_sigmoid(-y_pred)
    p = jnp.clip(y_pred, EPSILON, 1.0 - EPSILON)
    return -(y_true * jnp.log(p) + (1.0 - y_true) * jnp.log(1.0 - p))


def binary_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                        label_smoothing: float = 0.0, axis: int = -1) -> Array:
    """``mean(-(t log p + (1 - t) log(1 - p)), axis)``; smoothing uses ``t (1 - s) + s / 2``."""
    y_true, y_pred = _pair(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return jnp.mean(_elementwise_bce(y_true, y_pred, from_logits), axis=axis)


def binary_focal_crossentropy(y_true: Any, y_pred: Any, apply_class_balancing: bool = False,
                              alpha: float = 0.25, gamma: float = 2.0,
                              from_logits: bool = False, label_smoothing: float = 0.0,
                              axis: int = -1) -> Array:
    """``mean((1 - p_t)**gamma * bce, axis)`` with ``p_t = t p + (1 - t)(1 - p)``; class
    balancing multiplies by ``t alpha + (1 - t)(1 - alpha)``."""
    y_true, y_pred = _pair(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        y_pred = jax.nn.sigmoid(y_pred)
    bce = _elementwise_bce(y_true, y_pred, False)
    p_t = y_true * y_pred + (1 - y_true) * (1 - y_pred)
    focal = jnp.power(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        focal = (y_true * alpha + (1 - y_true) * (1 - alpha)) * focal
    return jnp.mean(focal, axis=axis)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kl_divergence
bce = BCE = binary_crossentropy


# --- reduction ------------------------------------------------------------------------

REDUCTIONS = ("sum_over_batch_size", "sum", "none", None, "mean", "mean_with_sample_weight")


def _mask_weights(mask: Array, reduction: str | None, dtype: Any) -> Array:
    if reduction in ("mean", "sum_over_batch_size"):
        kept = jnp.sum(mask.astype(dtype))
        scale = jnp.where(kept > 0, mask.size / jnp.where(kept > 0, kept, 1), 0)
        return jnp.where(mask.astype(bool), scale, 0).astype(dtype)
    return mask.astype(dtype)


def reduce_weighted_values(values: Array, sample_weight: Any = None, mask: Any = None,
                           reduction: str | None = "sum_over_batch_size") -> Array:
    """Weight ``values`` by ``sample_weight`` and ``mask`` and reduce them (see module doc)."""
    values = jnp.asarray(values)
    weights = None if sample_weight is None else jnp.asarray(unwrap(sample_weight), values.dtype)
    if mask is not None:
        mask_w = _mask_weights(jnp.asarray(unwrap(mask)), reduction, values.dtype)
        if weights is None:
            weights = mask_w
        else:
            mask_w, weights = match_ranks(mask_w, weights)
            weights = weights * mask_w
    if weights is not None:
        values, weights = match_ranks(values, weights)
        values = values * weights
    if reduction in (None, "none") or values.ndim == 0 or values.shape == (0,):
        return values
    total = jnp.sum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and weights is not None:
        divisor = jnp.sum(weights)
    else:
        divisor = jnp.asarray(values.size, total.dtype)
    return jnp.where(divisor != 0, total / jnp.where(divisor != 0, divisor, 1), 0.0)


# --- classes --------------------------------------------------------------------------

class Loss:
    """Base class: subclasses define ``call(y_true, y_pred) -> per-sample values``."""

    def __init__(self, name: str | None = None, reduction: str | None = "sum_over_batch_size",
                 dtype: Any = None):
        if reduction not in REDUCTIONS:
            raise ValueError(
                f"Invalid value for argument `reduction`. Expected one of {REDUCTIONS}. "
                f"Received: reduction={reduction!r}"
            )
        self.name = name or to_snake_case(type(self).__name__)
        self.reduction = reduction
        self.dtype = dtype or "float32"

    def call(self, y_true: Array, y_pred: Array) -> Array:
        raise NotImplementedError

    def call_with_mask(self, y_true: Array, y_pred: Array) -> tuple[Array, Array | None]:
        """Per-sample values and the mask the loss itself produces (None if none)."""
        return self.call(y_true, y_pred), None

    def call_on_softmax_logits(self, y_true: Array, logits: Array) -> Array | None:
        """Per-sample values for ``y_pred = softmax(logits)`` computed from ``logits``, or
        None where this loss has no such form (then ``call`` gets the probabilities)."""
        return None

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None,
                 mask: Any = None) -> Array:
        """Reduced loss: scalar, or per-sample values for ``reduction="none"``."""
        logits = softmax_crossentropy.logits_of(y_pred)
        y_pred = jnp.asarray(unwrap(y_pred), self.dtype)
        y_true = jnp.asarray(unwrap(y_true), self.dtype)
        values = None
        if logits is not None and logits.dtype == y_pred.dtype:
            values = self.call_on_softmax_logits(y_true, logits)
        own_mask = None
        if values is None:
            values, own_mask = self.call_with_mask(y_true, y_pred)
        if mask is not None and own_mask is not None:
            mask = jnp.asarray(mask).astype(bool) & own_mask
        elif own_mask is not None:
            mask = own_mask
        return reduce_weighted_values(values, sample_weight, mask, self.reduction)

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict) -> Loss:
        return cls(**config)


class LossFunctionWrapper(Loss):
    """A per-sample function ``fn(y_true, y_pred, **kwargs)`` as a :class:`Loss`."""

    def __init__(self, fn: Callable, reduction: str | None = "sum_over_batch_size",
                 name: str | None = None, dtype: Any = None, **kwargs: Any):
        super().__init__(name=name or getattr(fn, "__name__", None), reduction=reduction,
                         dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true: Array, y_pred: Array) -> Array:
        y_true, y_pred = match_ranks(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def call_on_softmax_logits(self, y_true: Array, logits: Array) -> Array | None:
        options = self._fn_kwargs
        # A subclass may have changed ``call``; only the library's own classes are known.
        if (type(self) not in _SOFTMAX_FORMS
                or self.fn not in (categorical_crossentropy, sparse_categorical_crossentropy)
                or options.get("from_logits", False)
                or options.get("axis", -1) not in (-1, logits.ndim - 1)
                or options.get("ignore_class") is not None):
            return None
        y_true, matched = match_ranks(y_true, logits)
        if matched.shape != logits.shape:
            return None
        if self.fn is sparse_categorical_crossentropy:
            labels = _sparse_labels(y_true, logits, -1).astype(jnp.int32)
            y_true = jax.nn.one_hot(labels, logits.shape[-1], dtype=logits.dtype)
        elif y_true.shape != logits.shape:
            return None
        target = _smoothed(y_true, options.get("label_smoothing", 0.0))
        return softmax_crossentropy.crossentropy_of_softmax(target, logits)

    def __repr__(self) -> str:
        return f"<LossFunctionWrapper({self.fn.__name__}, kwargs={self._fn_kwargs})>"


def _wrapper_class(class_name: str, fn: Callable, default_name: str, **options: Any) -> type:
    """A Keras loss class around ``fn``: ``__init__(**options, reduction, name, dtype)``.

    ``options`` are the keyword arguments (with defaults) passed on to ``fn``; the Keras
    config holds them only when Keras's does (``in_config``).
    """
    in_config = options.pop("in_config", True)

    def __init__(self, *args: Any, reduction: str | None = "sum_over_batch_size",
                 name: str = default_name, dtype: Any = None, **kwargs: Any):
        values = dict(options)
        for key, value in zip(options, args, strict=False):
            values[key] = value
        unknown = set(kwargs) - set(options)
        if unknown:
            raise TypeError(f"{class_name}() got unexpected arguments {sorted(unknown)}")
        values.update(kwargs)
        LossFunctionWrapper.__init__(self, fn, reduction=reduction, name=name, dtype=dtype,
                                     **values)
        for key, value in values.items():
            setattr(self, key, value)

    def get_config(self) -> dict:
        config = Loss.get_config(self)
        if in_config:
            config.update({key: getattr(self, key) for key in options})
        return config

    doc = f"Class form of :func:`{fn.__name__}` (reduced; see the module docstring)."
    return type(class_name, (LossFunctionWrapper,),
                {"__init__": __init__, "get_config": get_config, "__doc__": doc})


MeanSquaredError = _wrapper_class("MeanSquaredError", mean_squared_error, "mean_squared_error")
MeanAbsoluteError = _wrapper_class("MeanAbsoluteError", mean_absolute_error,
                                   "mean_absolute_error")
MeanAbsolutePercentageError = _wrapper_class(
    "MeanAbsolutePercentageError", mean_absolute_percentage_error,
    "mean_absolute_percentage_error")
MeanSquaredLogarithmicError = _wrapper_class(
    "MeanSquaredLogarithmicError", mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error")
CosineSimilarity = _wrapper_class("CosineSimilarity", cosine_similarity, "cosine_similarity",
                                  axis=-1, in_config=False)
Huber = _wrapper_class("Huber", huber, "huber_loss", delta=1.0, in_config=False)
LogCosh = _wrapper_class("LogCosh", log_cosh, "log_cosh")
Hinge = _wrapper_class("Hinge", hinge, "hinge")
SquaredHinge = _wrapper_class("SquaredHinge", squared_hinge, "squared_hinge")
CategoricalHinge = _wrapper_class("CategoricalHinge", categorical_hinge, "categorical_hinge")
KLDivergence = _wrapper_class("KLDivergence", kl_divergence, "kl_divergence")
Poisson = _wrapper_class("Poisson", poisson, "poisson")
BinaryCrossentropy = _wrapper_class(
    "BinaryCrossentropy", binary_crossentropy, "binary_crossentropy",
    from_logits=False, label_smoothing=0.0, axis=-1)
BinaryFocalCrossentropy = _wrapper_class(
    "BinaryFocalCrossentropy", binary_focal_crossentropy, "binary_focal_crossentropy",
    apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
    label_smoothing=0.0, axis=-1)
CategoricalCrossentropy = _wrapper_class(
    "CategoricalCrossentropy", categorical_crossentropy, "categorical_crossentropy",
    from_logits=False, label_smoothing=0.0, axis=-1)


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Class form of :func:`sparse_categorical_crossentropy`; entries labelled
    ``ignore_class`` are masked out of the mean."""

    def __init__(self, from_logits: bool = False, ignore_class: int | None = None,
                 reduction: str | None = "sum_over_batch_size", axis: int = -1,
                 name: str = "sparse_categorical_crossentropy", dtype: Any = None):
        super().__init__(sparse_categorical_crossentropy, reduction=reduction, name=name,
                         dtype=dtype, from_logits=from_logits, ignore_class=ignore_class,
                         axis=axis)
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis

    def call_with_mask(self, y_true: Array, y_pred: Array) -> tuple[Array, Array | None]:
        y_true, y_pred = match_ranks(y_true, y_pred)
        return _sparse_cce(y_true, y_pred, self.from_logits, self.ignore_class, self.axis)

    def get_config(self) -> dict:
        return {**Loss.get_config(self), "from_logits": self.from_logits,
                "ignore_class": self.ignore_class}


_SOFTMAX_FORMS = (LossFunctionWrapper, CategoricalCrossentropy, SparseCategoricalCrossentropy)

# --- lookup ---------------------------------------------------------------------------

_FUNCTIONS = [
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, cosine_similarity, huber, log_cosh, hinge, squared_hinge,
    categorical_hinge, kl_divergence, poisson, binary_crossentropy, binary_focal_crossentropy,
    categorical_crossentropy, sparse_categorical_crossentropy,
]
_CLASSES = [
    Loss, LossFunctionWrapper, MeanSquaredError, MeanAbsoluteError,
    MeanAbsolutePercentageError, MeanSquaredLogarithmicError, CosineSimilarity, Huber, LogCosh,
    Hinge, SquaredHinge, CategoricalHinge, KLDivergence, Poisson, BinaryCrossentropy,
    BinaryFocalCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy,
]
ALL_LOSSES: dict[str, Any] = {obj.__name__: obj for obj in _FUNCTIONS + _CLASSES}
ALL_LOSSES.update({
    alias: fn for fn, aliases in [
        (binary_crossentropy, ("bce", "BCE")), (kl_divergence, ("kld", "KLD")),
        (mean_absolute_error, ("mae", "MAE")), (mean_squared_error, ("mse", "MSE")),
        (mean_absolute_percentage_error, ("mape", "MAPE")),
        (mean_squared_logarithmic_error, ("msle", "MSLE")),
    ] for alias in aliases
})


def serialize(loss: Any) -> dict | str:
    """Keras's serialized form of a loss instance (functions serialize to their name)."""
    if isinstance(loss, Loss):
        return {"module": "keras.losses", "class_name": type(loss).__name__,
                "config": loss.get_config(), "registered_name": None}
    return loss.__name__


def deserialize(config: Any, custom_objects: dict | None = None) -> Any:
    """A loss from a name or Keras's serialized dict."""
    table = {**ALL_LOSSES, **(custom_objects or {})}
    if isinstance(config, str):
        return lookup("loss", config, table)
    class_name, inner = keras_config_name(config) or (None, None)
    if class_name is None:
        raise ValueError(f"Cannot deserialize a loss from {config!r}.")
    found = lookup("loss", class_name, table)
    return found.from_config(inner) if inspect.isclass(found) else found


def get(identifier: Any) -> Any:
    """Resolve a loss identifier like Keras: a name gives the function (snake_case) or an
    instance (class name); dicts are deserialized; callables are returned unchanged."""
    if identifier is None:
        return None
    if isinstance(identifier, str) or keras_config_name(identifier) is not None:
        found = deserialize(identifier)
    else:
        found = identifier
    if inspect.isclass(found):
        found = found()
    if callable(found):
        return found
    raise ValueError(f"Could not interpret loss identifier: {identifier!r}")
