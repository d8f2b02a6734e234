"""Learning-rate schedules: ``lr = schedule(step)``, pure jax.numpy so they run inside jit.

``step`` is the optimizer's iteration count before the update (0 for the first update).
All arithmetic is float32, as in Keras. Names, arguments and config keys are Keras's.
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp

from pellucid.registry import keras_config_name, lookup

_F32 = jnp.float32


def _f(x: Any) -> jax.Array:
    return jnp.asarray(x, _F32)


class LearningRateSchedule:
    """Base class: subclasses define ``__call__(step) -> float32 scalar`` and ``get_config``."""

    def __call__(self, step: Any) -> jax.Array:
        raise NotImplementedError(
            f"Learning rate schedule {type(self).__name__!r} must override `__call__(step)`."
        )

    def get_config(self) -> dict:
        raise NotImplementedError(
            f"Learning rate schedule {type(self).__name__!r} must override `get_config()`."
        )

    @classmethod
    def from_config(cls, config: dict) -> LearningRateSchedule:
        return cls(**config)


def _positive_steps(name: str, value: Any) -> None:
    if value <= 0:
        raise ValueError(f"Argument `{name}` must be > 0. Received: {name}={value}")


class ExponentialDecay(LearningRateSchedule):
    """``lr0 * decay_rate ** (step / decay_steps)`` (exponent floored when ``staircase``)."""

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float,
                 staircase: bool = False, name: str = "ExponentialDecay"):
        _positive_steps("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step: Any) -> jax.Array:
        p = _f(step) / _f(self.decay_steps)
        if self.staircase:
            p = jnp.floor(p)
        return _f(self.initial_learning_rate) * jnp.power(_f(self.decay_rate), p)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while ``step <= boundaries[0]``, ``values[i]`` while
    ``boundaries[i-1] < step <= boundaries[i]``, ``values[-1]`` after the last boundary."""

    def __init__(self, boundaries: list, values: list, name: str = "PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, and "
                f"values={values} of length {len(values)}."
            )
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step: Any) -> jax.Array:
        step = jnp.asarray(step)
        # The segment index is how many boundaries the step has passed (strictly).
        passed = sum((step > jnp.asarray(b).astype(step.dtype)).astype(jnp.int32)
                     for b in self.boundaries)
        return jnp.asarray(self.values)[passed]

    def get_config(self) -> dict:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """``(lr0 - end) * (1 - s / decay_steps) ** power + end`` with ``s = min(step,
    decay_steps)``; with ``cycle`` the horizon grows to the next multiple of decay_steps."""

    def __init__(self, initial_learning_rate: float, decay_steps: int,
                 end_learning_rate: float = 0.0001, power: float = 1.0, cycle: bool = False,
                 name: str = "PolynomialDecay"):
        _positive_steps("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step: Any) -> jax.Array:
        s, horizon = _f(step), _f(self.decay_steps)
        if self.cycle:
            horizon = horizon * jnp.where(s == 0, 1.0, jnp.ceil(s / self.decay_steps))
        else:
            s = jnp.minimum(s, horizon)
        lr0, end = _f(self.initial_learning_rate), _f(self.end_learning_rate)
        return (lr0 - end) * jnp.power(1 - s / horizon, _f(self.power)) + end

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """``lr0 / (1 + decay_rate * step / decay_steps)`` (quotient floored when staircase)."""

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float,
                 staircase: bool = False, name: str = "InverseTimeDecay"):
        _positive_steps("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step: Any) -> jax.Array:
        p = _f(step) / _f(self.decay_steps)
        if self.staircase:
            p = jnp.floor(p)
        return _f(self.initial_learning_rate) / (_f(1) + _f(self.decay_rate) * p)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Cosine decay with optional linear warmup.

    Without warmup: ``lr0 * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps)) + alpha)``,
    ``s = min(step, decay_steps)``. With ``warmup_target``: the rate rises linearly from
    ``lr0`` to ``warmup_target`` over ``warmup_steps``, then decays from ``warmup_target``.
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, alpha: float = 0.0,
                 name: str = "CosineDecay", warmup_target: float | None = None,
                 warmup_steps: int = 0):
        _positive_steps("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def _decay(self, s: jax.Array, start: jax.Array) -> jax.Array:
        cosine = 0.5 * (1.0 + jnp.cos(jnp.asarray(math.pi, _F32) * (s / _f(self.decay_steps))))
        return start * ((1 - self.alpha) * cosine + self.alpha)

    def __call__(self, step: Any) -> jax.Array:
        s, lr0 = _f(step), _f(self.initial_learning_rate)
        if self.warmup_target is None:
            return self._decay(jnp.minimum(s, _f(self.decay_steps)), lr0)
        target, warm = _f(self.warmup_target), _f(self.warmup_steps)
        s = jnp.minimum(s, _f(self.decay_steps) + warm)
        warming = (target - lr0) * (s / warm) + lr0
        return jnp.where(s < warm, warming, self._decay(s - warm, target))

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR).

    Period ``i`` lasts ``first_decay_steps * t_mul**i`` steps and peaks at ``m_mul**i``
    times ``lr0``; inside a period the rate follows ``CosineDecay`` with floor ``alpha``.
    """

    def __init__(self, initial_learning_rate: float, first_decay_steps: int,
                 t_mul: float = 2.0, m_mul: float = 1.0, alpha: float = 0.0,
                 name: str = "SGDRDecay"):
        _positive_steps("first_decay_steps", first_decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step: Any) -> jax.Array:
        fraction = _f(step) / _f(self.first_decay_steps)
        t_mul = _f(self._t_mul)
        if self._t_mul == 1.0:
            restart = jnp.floor(fraction)
            fraction = fraction - restart
        else:
            # Periods grow geometrically: find i with sum_{k<i} t_mul^k <= fraction.
            restart = jnp.floor(jnp.log(1.0 - fraction * (1.0 - t_mul)) / jnp.log(t_mul))
            done = (1.0 - jnp.power(t_mul, restart)) / (1.0 - t_mul)
            fraction = (fraction - done) / jnp.power(t_mul, restart)
        peak = jnp.power(_f(self._m_mul), restart)
        cosine = 0.5 * peak * (1.0 + jnp.cos(jnp.asarray(math.pi, _F32) * fraction))
        alpha = _f(self.alpha)
        return _f(self.initial_learning_rate) * ((1 - alpha) * cosine + alpha)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul,
                "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


SCHEDULES = {
    cls.__name__: cls
    for cls in (ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay, InverseTimeDecay,
                CosineDecay, CosineDecayRestarts)
}


def serialize(schedule: LearningRateSchedule) -> dict:
    """Keras's serialized form of a schedule."""
    return {"module": "keras.optimizers.schedules", "class_name": type(schedule).__name__,
            "config": schedule.get_config(), "registered_name": None}


def deserialize(config: dict, custom_objects: dict | None = None) -> LearningRateSchedule:
    """Rebuild a schedule from :func:`serialize`'s output (or Keras's)."""
    parts = keras_config_name(config)
    if parts is None:
        raise ValueError(f"Cannot deserialize a learning rate schedule from {config!r}.")
    class_name, inner = parts
    table = {**SCHEDULES, **(custom_objects or {})}
    return lookup("learning rate schedule", class_name, table).from_config(inner)
