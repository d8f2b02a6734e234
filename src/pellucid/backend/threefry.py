"""JAX's threefry2x32 random bits and key derivation, computed in NumPy.

Making a key or drawing an initializer's uniform sample with ``jax.random`` runs an XLA
program, and each program costs a compile or, warm, a read of JAX's persistent cache
(about 0.1-0.2 s per program on a small CPU). Before a model's first step it needs a
handful of them, which NumPy computes in microseconds with the same bits:

- :func:`hash_pairs` is threefry2x32 itself (20 rounds of add, rotate and xor on
  ``uint32`` pairs with a key injection every 4), as ``jax.random`` computes it;
- :func:`seed_key` and :func:`fold_in` give ``jax.random.PRNGKey(seed)`` and
  ``jax.random.fold_in(key, data)`` as raw ``uint32[2]`` keys;
- :func:`random_bits` gives element ``i``'s 32 bits of a draw under the partitionable
  threefry (``jax_threefry_partitionable``, JAX's default): the hash of the counter
  pair ``(0, i)``, its two words xored.

The tests compare every one of them bit for bit with ``jax.random``.
"""

from __future__ import annotations

import numpy as np

_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_KEY_PARITY = np.uint32(0x1BD11BDA)
_WORD = 32


def hash_pairs(key: np.ndarray, high: np.ndarray, low: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """threefry2x32 of the counter pairs ``(high[i], low[i])`` under the raw ``key``."""
    k0, k1 = (np.uint32(k) for k in np.asarray(key, np.uint32))
    schedule = (k0, k1, np.uint32(k0 ^ k1 ^ _KEY_PARITY))
    x0 = np.asarray(high, np.uint32) + k0
    x1 = np.asarray(low, np.uint32) + k1
    shifted = np.empty_like(x1)
    for group in range(5):
        for r in _ROTATIONS[group % 2]:
            np.add(x0, x1, out=x0)
            np.left_shift(x1, r, out=shifted)
            np.right_shift(x1, _WORD - r, out=x1)
            np.bitwise_or(x1, shifted, out=x1)
            np.bitwise_xor(x1, x0, out=x1)
        np.add(x0, schedule[(group + 1) % 3], out=x0)
        # The step number is added as a uint32 too, so the sum wraps as JAX's does.
        np.add(x1, schedule[(group + 2) % 3], out=x1)
        np.add(x1, np.uint32(group + 1), out=x1)
    return x0, x1


def seed_key(seed: int) -> np.ndarray:
    """``jax.random.PRNGKey(seed)``'s raw key for ``0 <= seed < 2**31``."""
    if not 0 <= seed < 2**31:
        raise ValueError(f"seed_key takes seeds in [0, 2**31); got {seed}.")
    return np.array([0, seed], np.uint32)


def fold_in(key: np.ndarray, data: int) -> np.ndarray:
    """``jax.random.fold_in(key, data)``'s raw key for ``0 <= data < 2**32``."""
    if not 0 <= data < 2**32:
        raise ValueError(f"fold_in takes data in [0, 2**32); got {data}.")
    high, low = hash_pairs(key, np.zeros(1, np.uint32), np.array([data], np.uint32))
    return np.concatenate([high, low])


def random_bits(key: np.ndarray, start: int, count: int) -> np.ndarray:
    """The 32 random bits of elements ``start .. start + count - 1`` of any draw."""
    if start < 0 or start + count > 2**32:
        raise ValueError("random_bits covers elements below 2**32 only.")
    low = np.arange(start, start + count, dtype=np.uint64).astype(np.uint32)
    high, low = hash_pairs(key, np.zeros(count, np.uint32), low)
    return np.bitwise_xor(high, low, out=high)
