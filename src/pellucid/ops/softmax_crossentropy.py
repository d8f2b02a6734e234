"""The crossentropy of a softmax's output, computed from the softmax's logits.

Keras computes a crossentropy on probabilities ``p`` as
``-sum(t * log(clip(p / sum(p), eps, 1 - eps)))`` (``eps = 1e-7``). When ``p`` is
``softmax(z)``, differentiating that formula goes back through the clip, the division by
``sum(p)`` and the softmax: on a CPU, about ten passes over the ``(rows, classes)`` array
with broadcasts of per-row values across the narrow class axis. From ``z`` the same values
and gradient take one pass each way:

- value: ``-sum(t * clip(log_softmax(z), log(eps), log(1 - eps)))``, since ``log`` is
  increasing and ``softmax(z)`` sums to 1 (``sum(p)`` differs from 1 only by rounding);
- gradient in ``z``: ``p * sum(w) - w`` with ``w = t`` where the clip lets the gradient
  through (``eps < p < 1 - eps``) and 0 where it does not, exactly as the clip's own
  derivative stops it.

Both agree with the probability formula to float32 rounding, clipped entries included.

Inside :func:`remembering_logits` (the trainer's loss computation), :func:`remember`
notes the input of every softmax along the last axis for its output, and the
crossentropy losses ask :func:`logits_of` for their prediction. The lookup is by
identity, so a prediction that went through any other operation after its softmax is
not found and takes the probability formula; ``TimeDistributed``, which only regroups
the leading axes of its layer's output, passes the logits on (:func:`remember_reshaped`).

B1 (GRU(16) over 64 steps -> Dense(15, softmax), categorical crossentropy, batch 128) on
the 2-core CPU, alternating ``bench.worker`` runs: 24.4-28.1k samples/s with the
probability formula, 30.2-35.0k with this one (``bench/README.md``, "Crossentropy of a
softmax from its logits").
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import jax
import jax.numpy as jnp
import numpy as np
from jax.custom_derivatives import SymbolicZero

__all__ = ["crossentropy_of_softmax", "logits_of", "remember", "remember_reshaped",
           "remembering_logits"]

_EPSILON = 1e-7
_state = threading.local()


@contextlib.contextmanager
def remembering_logits() -> Iterator[None]:
    """While active (in this thread), softmax outputs remember their logits."""
    outer = getattr(_state, "pairs", None)
    _state.pairs = []
    try:
        yield
    finally:
        _state.pairs = outer


def remember(probabilities: jax.Array, logits: jax.Array, axis: int) -> None:
    """Note that ``probabilities = softmax(logits, axis)``; kept only for the last axis."""
    pairs = getattr(_state, "pairs", None)
    if pairs is None or axis not in (-1, logits.ndim - 1):
        return
    # Both are kept alive with the record, so no other array can take the same identity.
    pairs.append((probabilities, logits))


def remember_reshaped(reshaped: jax.Array, probabilities: jax.Array) -> None:
    """``reshaped`` is ``probabilities`` with its leading axes regrouped (the last axis
    unchanged): it remembers the same logits, regrouped alike."""
    logits = logits_of(probabilities)
    if logits is not None and reshaped.shape[-1:] == probabilities.shape[-1:]:
        remember(reshaped, jnp.reshape(logits, reshaped.shape), -1)


def logits_of(probabilities: object) -> jax.Array | None:
    """The logits whose softmax (last axis) is exactly this object, or None."""
    for remembered, logits in getattr(_state, "pairs", None) or ():
        if remembered is probabilities:
            return logits
    return None


def _log_bounds(dtype: jnp.dtype) -> tuple[float, float]:
    """``log(eps)`` and ``log(1 - eps)``, both bounds rounded to ``dtype`` as in the clip."""
    dtype = np.dtype(dtype)
    return float(np.log(dtype.type(_EPSILON))), float(np.log(dtype.type(1.0 - _EPSILON)))


@jax.custom_jvp
def crossentropy_of_softmax(target: jax.Array, logits: jax.Array) -> jax.Array:
    """``-sum(t * log(clip(softmax(z), eps, 1 - eps)), -1)``: shape ``logits.shape[:-1]``.

    ``target`` has the shape of ``logits`` (probabilities or one-hot rows).
    """
    return _forward(target, logits)[0]


def _forward(target: jax.Array, logits: jax.Array
             ) -> tuple[jax.Array, jax.Array, jax.Array, jax.Array]:
    """The value, ``log p``, the clipped ``log p`` and where the clip passes gradients."""
    low, high = _log_bounds(logits.dtype)
    log_p = jax.nn.log_softmax(logits, axis=-1)
    clipped = jnp.clip(log_p, low, high)
    value = -jnp.sum(target * clipped, axis=-1)
    return value, log_p, clipped, (log_p > low) & (log_p < high)


def _crossentropy_of_softmax_jvp(primals: tuple, tangents: tuple
                                 ) -> tuple[jax.Array, jax.Array]:
    target, logits = primals
    d_target, d_logits = tangents
    value, log_p, clipped, passes = _forward(target, logits)
    tangent = jnp.zeros_like(value)
    if not isinstance(d_logits, SymbolicZero):
        # d(-sum_k w_k log p_k) = sum_j (p_j sum_k w_k - w_j) dz_j
        weights = jnp.where(passes, target, 0.0)
        tangent = (jnp.sum(jnp.exp(log_p) * d_logits, axis=-1) * jnp.sum(weights, axis=-1)
                   - jnp.sum(weights * d_logits, axis=-1))
    if not isinstance(d_target, SymbolicZero):
        tangent = tangent - jnp.sum(clipped * d_target, axis=-1)
    return value, tangent


crossentropy_of_softmax.defjvp(_crossentropy_of_softmax_jvp, symbolic_zeros=True)
