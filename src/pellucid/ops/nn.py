"""Neural-network ops with Keras names: activation functions, crossentropies, moments.

All activations are elementwise (output shape = ``x.shape``) except the softmax family
and ``glu``, which work along ``axis``.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from pellucid.ops import softmax_crossentropy
from pellucid.ops.core import array_args

# ``tanh`` lives here too, but ``ops.tanh`` is the NumPy-family one, as in Keras.
__all__ = [
    "batch_normalization", "binary_crossentropy", "categorical_crossentropy", "celu", "elu",
    "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu", "hard_swish", "hard_tanh",
    "leaky_relu", "log_sigmoid", "log_softmax", "mish", "moments", "normalize", "relu", "relu6",
    "selu", "sigmoid", "silu", "soft_shrink", "softmax", "softplus", "softsign",
    "sparse_categorical_crossentropy", "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus",
    "swish", "tanh_shrink", "threshold",
]

_EPSILON = 1e-7


def _elementwise(fn: Any, name: str, formula: str) -> Any:
    def op(x: Any) -> jax.Array:
        return fn(jnp.asarray(x))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``{formula}`` elementwise; output shape = ``x.shape``."
    return array_args(op)


relu = _elementwise(jax.nn.relu, "relu", "max(x, 0)")
relu6 = _elementwise(jax.nn.relu6, "relu6", "min(max(x, 0), 6)")
sigmoid = _elementwise(jax.nn.sigmoid, "sigmoid", "1 / (1 + exp(-x))")
log_sigmoid = _elementwise(jax.nn.log_sigmoid, "log_sigmoid", "log(sigmoid(x)) = -softplus(-x)")
sparse_sigmoid = _elementwise(
    jax.nn.sparse_sigmoid, "sparse_sigmoid", "0 if x <= -1, 1 if x >= 1, else (x + 1) / 2"
)
hard_sigmoid = _elementwise(jax.nn.hard_sigmoid, "hard_sigmoid", "relu6(x + 3) / 6")
hard_silu = _elementwise(jax.nn.hard_silu, "hard_silu", "x * relu6(x + 3) / 6")
hard_swish = hard_silu
tanh = _elementwise(jax.nn.tanh, "tanh", "tanh(x)")
tanh_shrink = _elementwise(lambda x: x - jnp.tanh(x), "tanh_shrink", "x - tanh(x)")
hard_tanh = _elementwise(jax.nn.hard_tanh, "hard_tanh", "clip(x, -1, 1)")
softplus = _elementwise(jax.nn.softplus, "softplus", "log(1 + exp(x))")
softsign = _elementwise(jax.nn.soft_sign, "softsign", "x / (1 + |x|)")
sparse_plus = _elementwise(
    jax.nn.sparse_plus, "sparse_plus", "0 if x <= -1, x if x >= 1, else (x + 1)**2 / 4"
)
silu = _elementwise(jax.nn.silu, "silu", "x * sigmoid(x)")
swish = silu
selu = _elementwise(
    jax.nn.selu, "selu", "1.0507 * (x if x > 0 else 1.67326 * (exp(x) - 1))"
)
mish = _elementwise(
    lambda x: x * jax.nn.tanh(jax.nn.softplus(x)), "mish", "x * tanh(softplus(x))"
)


@array_args
def leaky_relu(x: Any, negative_slope: float = 0.2) -> jax.Array:
    """``x if x >= 0 else negative_slope * x`` elementwise."""
    return jax.nn.leaky_relu(jnp.asarray(x), negative_slope=negative_slope)


@array_args
def elu(x: Any, alpha: float = 1.0) -> jax.Array:
    """``x if x > 0 else alpha * (exp(x) - 1)`` elementwise."""
    return jax.nn.elu(jnp.asarray(x), alpha=alpha)


@array_args
def celu(x: Any, alpha: float = 1.0) -> jax.Array:
    """``max(x, 0) + alpha * min(exp(x / alpha) - 1, 0)`` elementwise."""
    return jax.nn.celu(jnp.asarray(x), alpha=alpha)


@array_args
def gelu(x: Any, approximate: bool = True) -> jax.Array:
    """``x * Phi(x)`` (Phi the standard normal CDF) elementwise.

    ``approximate=True`` (the op default, unlike the activation) uses
    ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``.
    """
    return jax.nn.gelu(jnp.asarray(x), approximate)


@array_args
def squareplus(x: Any, b: float = 4) -> jax.Array:
    """``(x + sqrt(x^2 + b)) / 2`` elementwise."""
    return jax.nn.squareplus(jnp.asarray(x), b=b)


@array_args
def soft_shrink(x: Any, threshold: float = 0.5) -> jax.Array:
    """``x - t if x > t``, ``x + t if x < -t``, else 0 (``t = threshold``)."""
    x = jnp.asarray(x)
    return jnp.where(x > threshold, x - threshold, jnp.where(x < -threshold, x + threshold, 0.0))


@array_args
def hard_shrink(x: Any, threshold: float = 0.5) -> jax.Array:
    """``x if |x| > threshold else 0`` elementwise."""
    x = jnp.asarray(x)
    return jnp.where(jnp.abs(x) > threshold, x, 0.0)


@array_args
def threshold(x: Any, threshold: float, default_value: float) -> jax.Array:
    """``x if x > threshold else default_value`` elementwise."""
    x = jnp.asarray(x)
    return jnp.where(x > threshold, x, default_value)


@array_args
def glu(x: Any, axis: int = -1) -> jax.Array:
    """``a * sigmoid(b)`` where ``a, b`` are the two halves of ``x`` along ``axis``.

    Shape: ``x.shape`` with ``axis`` halved (its size must be even).
    """
    return jax.nn.glu(jnp.asarray(x), axis=axis)


@array_args
def softmax(x: Any, axis: int | tuple[int, ...] = -1) -> jax.Array:
    """``exp(x_i) / sum_j exp(x_j)`` along ``axis`` (an int or a tuple of axes)."""
    x = jnp.asarray(x)
    probabilities = jax.nn.softmax(x, axis=axis)
    if isinstance(axis, int):
        softmax_crossentropy.remember(probabilities, x, axis)
    return probabilities


@array_args
def log_softmax(x: Any, axis: int | tuple[int, ...] = -1) -> jax.Array:
    """``x_i - log(sum_j exp(x_j))`` along ``axis``."""
    return jax.nn.log_softmax(jnp.asarray(x), axis=axis)


@array_args
def sparsemax(x: Any, axis: int = -1) -> jax.Array:
    """Euclidean projection of ``x`` onto the probability simplex along ``axis``.

    ``max(x - tau, 0)`` where ``tau`` makes the result sum to 1; many outputs are exactly 0.
    """
    x = jnp.asarray(x)
    z = -jnp.sort(-x, axis=axis)
    cumulative = jnp.cumsum(z, axis=axis)
    rank_shape = [1] * x.ndim
    rank_shape[axis] = -1
    rank = jnp.arange(1, x.shape[axis] + 1).reshape(rank_shape)
    in_support = z - (cumulative - 1) / rank > 0
    k = jnp.sum(in_support, axis=axis, keepdims=True)
    tau = (jnp.sum(jnp.where(in_support, cumulative, 0.0), axis=axis, keepdims=True) - 1) / k
    return jnp.maximum(x - tau, 0.0)


# --- crossentropies ---------------------------------------------------------------------
def log_probabilities(output: jax.Array, from_logits: bool, axis: int = -1) -> jax.Array:
    """``log p`` for the crossentropies: ``log_softmax(output)`` from logits, else Keras's
    renormalised and clipped ``log(clip(output / sum(output), 1e-7, 1 - 1e-7))``."""
    if from_logits:
        return jax.nn.log_softmax(output, axis=axis)
    # Probabilities are renormalised and clipped so log never sees 0.
    output = output / jnp.sum(output, axis, keepdims=True)
    return jnp.log(jnp.clip(output, _EPSILON, 1.0 - _EPSILON))


@array_args
def categorical_crossentropy(target: Any, output: Any, from_logits: bool = False,
                             axis: int = -1) -> jax.Array:
    """``-sum_c target_c * log(p_c)`` along ``axis``; shape = ``target.shape`` minus ``axis``.

    ``p`` is ``softmax(output)`` if ``from_logits`` else ``output / sum(output)`` clipped
    to ``[1e-7, 1 - 1e-7]``.
    """
    target, output = jnp.asarray(target), jnp.asarray(output)
    if target.shape != output.shape:
        raise ValueError(
            "Arguments `target` and `output` must have the same shape. "
            f"Received: target.shape={target.shape}, output.shape={output.shape}"
        )
    return -jnp.sum(target * log_probabilities(output, from_logits, axis), axis=axis)


@array_args
def sparse_categorical_crossentropy(target: Any, output: Any, from_logits: bool = False,
                                    axis: int = -1) -> jax.Array:
    """``-log(p[target])`` with integer class ids ``target`` of shape ``output.shape[:-1]``.

    A trailing size-1 axis on ``target`` is dropped. ``p`` as in
    :func:`categorical_crossentropy`.
    """
    target, output = jnp.asarray(target, dtype=jnp.int32), jnp.asarray(output)
    if target.ndim == output.ndim and target.shape[-1] == 1:
        target = jnp.squeeze(target, axis=-1)
    if target.shape != output.shape[:-1]:
        raise ValueError(
            "Arguments `target` and `output` must have the same shape up until the last "
            f"dimension: target.shape={target.shape}, output.shape={output.shape}"
        )
    log_probs = log_probabilities(output, from_logits, axis)
    one_hot = jax.nn.one_hot(target, output.shape[axis], axis=axis)
    return -jnp.sum(one_hot * log_probs, axis=axis)


@array_args
def binary_crossentropy(target: Any, output: Any, from_logits: bool = False) -> jax.Array:
    """``-(t log p + (1 - t) log(1 - p))`` elementwise; shape = ``target.shape``.

    ``p = sigmoid(output)`` if ``from_logits`` (computed with log-sigmoids), else
    ``output`` clipped to ``[1e-7, 1 - 1e-7]``.
    """
    target, output = jnp.asarray(target), jnp.asarray(output)
    if target.shape != output.shape:
        raise ValueError(
            "Arguments `target` and `output` must have the same shape. "
            f"Received: target.shape={target.shape}, output.shape={output.shape}"
        )
    if from_logits:
        return (-1.0 * target * jax.nn.log_sigmoid(output)
                - (1.0 - target) * jax.nn.log_sigmoid(-output))
    output = jnp.clip(output, _EPSILON, 1.0 - _EPSILON)
    bce = target * jnp.log(output)
    bce += (1.0 - target) * jnp.log(1.0 - output)
    return -bce


# --- statistics and normalisation ---------------------------------------------------------
@array_args
def moments(x: Any, axes: Any, keepdims: bool = False,
            synchronized: bool = False) -> tuple[jax.Array, jax.Array]:
    """``(mean, variance)`` of ``x`` over ``axes``; half-precision input is reduced in float32."""
    if synchronized:
        raise NotImplementedError("moments(synchronized=True) is not supported on JAX.")
    x = jnp.asarray(x)
    low_precision = x.dtype in (jnp.float16, jnp.bfloat16)
    original = x.dtype
    if low_precision:
        x = x.astype(jnp.float32)
    mean = jnp.mean(x, axes, keepdims=True)
    variance = jnp.var(x, axis=axes, keepdims=True)
    if not keepdims:
        mean, variance = jnp.squeeze(mean, axes), jnp.squeeze(variance, axes)
    if low_precision:
        # Clip first: float16 overflows to inf where float32 statistics do not.
        limit = jnp.finfo(jnp.float16)
        mean = jnp.clip(mean, limit.min, limit.max).astype(original)
        variance = jnp.clip(variance, limit.min, limit.max).astype(original)
    return mean, variance


@array_args
def batch_normalization(x: Any, mean: Any, variance: Any, axis: int, offset: Any = None,
                        scale: Any = None, epsilon: float = 1e-3) -> jax.Array:
    """``(x - mean) * scale / sqrt(variance + epsilon) + offset``; 1-D stats along ``axis``.

    Computed as ``x * inv + (offset - mean * inv)``, ``inv = rsqrt(variance + eps) * scale``,
    which is Keras's order of operations.
    """
    x = jnp.asarray(x)
    shape = [1] * x.ndim
    shape[axis] = jnp.shape(mean)[0]
    inv = jax.lax.rsqrt(jnp.reshape(variance, shape) + epsilon)
    if scale is not None:
        inv = inv * jnp.reshape(scale, shape)
    shift = -jnp.reshape(mean, shape) * inv
    if offset is not None:
        shift = shift + jnp.reshape(offset, shape)
    return jnp.add(x * inv, shift)


@array_args
def normalize(x: Any, axis: int = -1, order: int = 2, epsilon: float | None = None) -> jax.Array:
    """``x / max(||x||_order, epsilon)`` along ``axis`` (``epsilon`` defaults to 1e-7).

    For ``order=2`` this is ``x * min(rsqrt(sum(x^2)), 1 / epsilon)``, as in Keras.
    """
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"Argument `order` must be an int >= 1. Received: order={order}")
    x = jnp.asarray(x)
    if x.ndim == 0:
        x = jnp.expand_dims(x, 0)
    epsilon = _EPSILON if epsilon is None else epsilon
    if order == 2:
        inv_norm = jax.lax.rsqrt(jnp.sum(jnp.square(x), axis=axis, keepdims=True))
        return x * jnp.minimum(inv_norm, 1.0 / epsilon)
    norm = jnp.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    return jnp.divide(x, jnp.maximum(norm, epsilon))
