"""Metric base, and the reducing metrics Mean, Sum and MeanMetricWrapper.

Functional core (the training step keeps ``state`` in its carry)::

    state = m.init_state()                                 # dict of arrays
    state = m.update(state, y_true, y_pred, sample_weight)  # pure, jittable
    value = m.compute(state)                               # float32 scalar

The Keras eager API (``update_state``, ``result``, ``reset_state``, ``variables``) keeps
one state on the object and calls the same three functions.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from pellucid.backend import Variable, host_zeros, to_snake_case, unique_name, unwrap
from pellucid.losses import match_ranks

State = dict[str, jax.Array]


class Metric:
    """Base class: subclasses define ``init_state``, ``update`` and ``compute``."""

    # Which way is better ("up"/"down"), read by callbacks with mode="auto"; None = unknown.
    _direction: str | None = None

    def __init__(self, name: str | None = None, dtype: Any = None):
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        self.dtype = dtype or "float32"
        self._state: State | None = None

    def init_state(self) -> State:
        raise NotImplementedError

    def update(self, state: State, y_true: Any, y_pred: Any, sample_weight: Any = None) -> State:
        raise NotImplementedError

    def compute(self, state: State) -> jax.Array:
        raise NotImplementedError

    # --- Keras eager API ----------------------------------------------------------------
    @property
    def state(self) -> State:
        if self._state is None:
            self._state = self.init_state()
        return self._state

    @state.setter
    def state(self, value: State) -> None:
        self._state = value

    def update_state(self, *args: Any, **kwargs: Any) -> None:
        self._state = self.update(self.state, *args, **kwargs)

    def result(self) -> jax.Array:
        return self.compute(self.state)

    def reset_state(self) -> None:
        self._state = self.init_state()

    def __call__(self, *args: Any, **kwargs: Any) -> jax.Array:
        """Update with one batch and return the result so far (as Keras does)."""
        self.update_state(*args, **kwargs)
        return self.result()

    @property
    def variables(self) -> list[Variable]:
        """Snapshots of the state, in Keras's variable order and with its names."""
        # jit returns dicts with sorted keys, so the order comes from init_state.
        state = self.state
        return [Variable(state[key], trainable=False, name=key, path=f"{self.name}/{key}")
                for key in self.init_state()]

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict) -> Metric:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


def _f32(x: Any, dtype: Any = "float32") -> jax.Array:
    return jnp.asarray(unwrap(x)).astype(dtype)


def samplewise(values: jax.Array, sample_weight: Any, reduce_fn: Any,
               dtype: Any) -> tuple[jax.Array, jax.Array | None]:
    """Keras's reduction of ``values`` to one value per sample, weighted.

    Weights are matched in rank to ``values``; axes of ``values`` beyond the weights' rank
    are reduced with ``reduce_fn`` first, then ``values * weights`` is reduced to shape
    ``(batch,)``. Returns ``(weighted per-sample values, per-sample weights or None)``.
    """
    values = values.astype(dtype)
    weights = None
    if sample_weight is not None:
        weights = _f32(sample_weight, dtype)
        values, weights = match_ranks(values, weights)
        if values.ndim > weights.ndim:
            values = reduce_fn(values, axis=tuple(range(weights.ndim, values.ndim)))
        weights = jnp.broadcast_to(weights, values.shape)
        values = values * weights
        if weights.ndim > 1:
            weights = reduce_fn(weights, axis=tuple(range(1, weights.ndim)))
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, weights


def mask_to_weights(sample_weight: Any, mask: Any, dtype: Any) -> Any:
    """Fold a boolean mask into the sample weights (masked entries weigh 0)."""
    if mask is None:
        return sample_weight
    mask = _f32(mask, dtype)
    if sample_weight is None:
        return mask
    mask, weights = match_ranks(mask, _f32(sample_weight, dtype))
    return weights * mask


class Sum(Metric):
    """Running ``sum(values * sample_weight)``. State: ``total``."""

    def __init__(self, name: str = "sum", dtype: Any = None):
        super().__init__(name=name, dtype=dtype)

    def init_state(self) -> State:
        return {"total": host_zeros((), self.dtype)}

    def update(self, state: State, values: Any, sample_weight: Any = None) -> State:
        values, _ = samplewise(_f32(values), sample_weight, jnp.sum, self.dtype)
        return {"total": state["total"] + jnp.sum(values)}

    def compute(self, state: State) -> jax.Array:
        return state["total"]


class Mean(Metric):
    """Running weighted mean ``total / count``. State: ``total``, ``count``.

    ``count`` grows by ``sum(sample_weight)`` (per sample), or by the batch size.
    """

    def __init__(self, name: str = "mean", dtype: Any = None):
        super().__init__(name=name, dtype=dtype)

    def init_state(self) -> State:
        return {"total": host_zeros((), self.dtype), "count": host_zeros((), self.dtype)}

    def update(self, state: State, values: Any, sample_weight: Any = None) -> State:
        values, weights = samplewise(_f32(values), sample_weight, jnp.mean, self.dtype)
        if weights is not None:
            count = jnp.sum(weights)
        else:
            count = values.shape[0] if values.ndim >= 1 else 1
        return {"total": state["total"] + jnp.sum(values),
                "count": state["count"] + jnp.asarray(count, self.dtype)}

    def compute(self, state: State) -> jax.Array:
        count = state["count"]
        return jnp.where(count != 0, state["total"] / jnp.where(count != 0, count, 1), 0.0)


class MeanMetricWrapper(Mean):
    """Mean over samples of ``fn(y_true, y_pred, **kwargs)`` (one value per sample)."""

    def __init__(self, fn: Any, name: str | None = None, dtype: Any = None, **kwargs: Any):
        super().__init__(name=name or getattr(fn, "__name__", None), dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update(self, state: State, y_true: Any, y_pred: Any, sample_weight: Any = None,
               mask: Any = None) -> State:
        values = self._fn(unwrap(y_true), unwrap(y_pred), **self._fn_kwargs)
        sample_weight = mask_to_weights(sample_weight, mask, self.dtype)
        return super().update(state, values, sample_weight)

    def get_config(self) -> dict:
        return {**super().get_config(), **self._fn_kwargs}
