"""Random keys, drawn explicitly.

Layers never hold hidden global RNG state that jit could freeze. A layer asks
:func:`draw_key` for a key whenever it needs randomness:

- inside a :class:`RandomScope` (the jitted training step opens one with a per-step key)
  the key is derived from the scope's key, the layer's seed and a draw counter, so a
  step is a pure function of its key;
- outside, keys come from a process-wide stream that :func:`set_random_seed` resets, so
  eager calls are reproducible too.
"""

from __future__ import annotations

import random as _py_random
import threading
from typing import Any

import jax
import numpy as np

from pellucid.backend import threefry

_local = threading.local()


class _GlobalStream:
    def __init__(self, seed: int | None = None):
        self.reset(seed)

    def reset(self, seed: int | None) -> None:
        self.seed = _py_random.randint(1, 10**9) if seed is None else int(seed)
        self.counter = 0

    def next(self) -> jax.Array:
        self.counter += 1
        return seeded_key(self.seed, self.counter)


def seeded_key(seed: int, counter: int) -> jax.Array:
    """``jax.random.fold_in(jax.random.PRNGKey(seed), counter)``; for the usual seeds it
    is computed in NumPy (no XLA program to compile or load before the first step)."""
    if (0 <= seed < 2**31 and 0 <= counter < 2**32
            and jax.config.jax_default_prng_impl == "threefry2x32"):
        return jax.device_put(threefry.fold_in(threefry.seed_key(seed), counter))
    return jax.random.fold_in(jax.random.PRNGKey(seed), counter)


_global = _GlobalStream(None)


def set_random_seed(seed: int) -> None:
    """Seed Python's ``random``, NumPy and pellucid's key stream (Keras's ``set_random_seed``)."""
    _py_random.seed(seed)
    np.random.seed(seed)
    _global.reset(seed)


def global_seed_key() -> jax.Array:
    """A fresh key from the process-wide stream (used to seed a training run)."""
    return _global.next()


class RandomScope:
    """While active, :func:`draw_key` derives keys from ``key`` deterministically."""

    def __init__(self, key: jax.Array):
        self.key = key
        self.counter = 0

    def next(self, seed: int | None) -> jax.Array:
        self.counter += 1
        key = self.key if seed is None else jax.random.fold_in(self.key, seed)
        return jax.random.fold_in(key, self.counter)

    def __enter__(self) -> RandomScope:
        _stack().append(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        _stack().pop()


def _stack() -> list[RandomScope]:
    if not hasattr(_local, "stack"):
        _local.stack = []
    return _local.stack


class SeedGenerator:
    """A layer's own source of keys; ``seed`` fixes its stream (Keras's ``seed=`` argument)."""

    def __init__(self, seed: int | None = None):
        self.seed = seed
        self._counter = 0

    def next(self) -> jax.Array:
        return draw_key(self)


def draw_key(generator: SeedGenerator | None = None) -> jax.Array:
    """A new key: from the active RandomScope if any, else from the eager streams."""
    seed = generator.seed if generator is not None else None
    stack = _stack()
    if stack:
        return stack[-1].next(seed)
    if generator is not None and generator.seed is not None:
        generator._counter += 1
        return seeded_key(generator.seed, generator._counter)
    return _global.next()


def in_random_scope() -> bool:
    return bool(_stack())
