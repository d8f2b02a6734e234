"""Activation functions with Keras names and defaults, and ``get`` to resolve them.

Every activation maps an array to an array of the same shape; the softmax family and
``glu`` act along ``axis``, the rest elementwise. Layers accept an activation as a
function, a name (``"relu"``) or a Keras config dict; :func:`get` turns any of those into
the function, and :func:`serialize` turns a built-in back into its Keras name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from pellucid import ops
from pellucid.registry import lookup


def relu(x: Any, negative_slope: float = 0.0, max_value: float | None = None,
         threshold: float = 0.0) -> jax.Array:
    """Rectified linear unit with Keras's three options.

    ``f(x) = min(x, max_value)`` for ``x > threshold`` (no cap when ``max_value`` is None),
    ``negative_slope * (x - threshold)`` otherwise; plain ``max(x, 0)`` by default.
    """
    x = ops.convert_to_tensor(x)
    if negative_slope != 0.0 and max_value is None and threshold == 0:
        return jax.nn.leaky_relu(x, negative_slope=negative_slope)
    # The terms are combined in Keras's order so results match to the last bit.
    below = jax.nn.relu(-x + threshold) if negative_slope != 0.0 else None
    cap = max_value is not None
    if threshold != 0:
        x = jnp.where(x > jnp.asarray(threshold, x.dtype), x, 0)
    elif max_value == 6:
        x, cap = jax.nn.relu6(x), False
    else:
        x = jax.nn.relu(x)
    if cap:
        x = jnp.clip(x, jnp.asarray(0.0, x.dtype), jnp.asarray(max_value, x.dtype))
    if below is not None:
        x = x - negative_slope * below
    return x


def leaky_relu(x: Any, negative_slope: float = 0.2) -> jax.Array:
    """``x if x >= 0 else negative_slope * x``."""
    return ops.leaky_relu(x, negative_slope=negative_slope)


def relu6(x: Any) -> jax.Array:
    """``min(max(x, 0), 6)``."""
    return ops.relu6(x)


def elu(x: Any, alpha: float = 1.0) -> jax.Array:
    """``x if x > 0 else alpha * (exp(x) - 1)``."""
    return ops.elu(x, alpha=alpha)


def selu(x: Any) -> jax.Array:
    """``scale * elu(x, alpha)``, ``alpha ~ 1.67326``, ``scale ~ 1.05070`` (self-normalising)."""
    return ops.selu(x)


def celu(x: Any, alpha: float = 1.0) -> jax.Array:
    """``max(x, 0) + alpha * min(exp(x / alpha) - 1, 0)``."""
    return ops.celu(x, alpha=alpha)


def gelu(x: Any, approximate: bool = False) -> jax.Array:
    """``x * Phi(x)``, Phi the standard normal CDF; exact erf form unless ``approximate``."""
    return ops.gelu(x, approximate=approximate)


def silu(x: Any) -> jax.Array:
    """``x * sigmoid(x)`` (also called swish)."""
    return ops.silu(x)


swish = silu


def hard_silu(x: Any) -> jax.Array:
    """``x * hard_sigmoid(x) = x * relu6(x + 3) / 6`` (also called hard_swish)."""
    return ops.hard_silu(x)


hard_swish = hard_silu


def mish(x: Any) -> jax.Array:
    """``x * tanh(softplus(x))``."""
    return ops.mish(x)


def sigmoid(x: Any) -> jax.Array:
    """``1 / (1 + exp(-x))``."""
    return ops.sigmoid(x)


def hard_sigmoid(x: Any) -> jax.Array:
    """``relu6(x + 3) / 6``: 0 below -3, 1 above 3, ``x / 6 + 0.5`` between (Keras 3)."""
    return ops.hard_sigmoid(x)


def log_sigmoid(x: Any) -> jax.Array:
    """``log(sigmoid(x)) = -softplus(-x)``."""
    return ops.log_sigmoid(x)


def sparse_sigmoid(x: Any) -> jax.Array:
    """0 for ``x <= -1``, 1 for ``x >= 1``, ``(x + 1) / 2`` between."""
    return ops.sparse_sigmoid(x)


def tanh(x: Any) -> jax.Array:
    """``tanh(x)``."""
    return ops.tanh(x)


def tanh_shrink(x: Any) -> jax.Array:
    """``x - tanh(x)``."""
    return ops.tanh_shrink(x)


def hard_tanh(x: Any) -> jax.Array:
    """``clip(x, -1, 1)``."""
    return ops.hard_tanh(x)


def soft_shrink(x: Any, threshold: float = 0.5) -> jax.Array:
    """``x - t`` above ``t``, ``x + t`` below ``-t``, else 0 (``t = threshold``)."""
    return ops.soft_shrink(x, threshold=threshold)


def hard_shrink(x: Any, threshold: float = 0.5) -> jax.Array:
    """``x if |x| > threshold else 0``."""
    return ops.hard_shrink(x, threshold=threshold)


def threshold(x: Any, threshold: float, default_value: float) -> jax.Array:
    """``x if x > threshold else default_value``."""
    return ops.threshold(x, threshold, default_value)


def softplus(x: Any) -> jax.Array:
    """``log(1 + exp(x))``."""
    return ops.softplus(x)


def softsign(x: Any) -> jax.Array:
    """``x / (1 + |x|)``."""
    return ops.softsign(x)


def sparse_plus(x: Any) -> jax.Array:
    """0 for ``x <= -1``, ``x`` for ``x >= 1``, ``(x + 1)^2 / 4`` between."""
    return ops.sparse_plus(x)


def squareplus(x: Any, b: float = 4) -> jax.Array:
    """``(x + sqrt(x^2 + b)) / 2``."""
    return ops.squareplus(x, b=b)


def exponential(x: Any) -> jax.Array:
    """``exp(x)``."""
    return ops.exp(x)


def linear(x: Any) -> Any:
    """The identity, ``f(x) = x`` (what ``activation=None`` means)."""
    return x


def softmax(x: Any, axis: int = -1) -> jax.Array:
    """``exp(x_i) / sum_j exp(x_j)`` along ``axis``."""
    return ops.softmax(x, axis=axis)


def log_softmax(x: Any, axis: int = -1) -> jax.Array:
    """``x_i - log(sum_j exp(x_j))`` along ``axis``."""
    return ops.log_softmax(x, axis=axis)


def sparsemax(x: Any, axis: int = -1) -> jax.Array:
    """Projection of ``x`` onto the probability simplex along ``axis`` (sparse softmax)."""
    return ops.sparsemax(x, axis=axis)


def glu(x: Any, axis: int = -1) -> jax.Array:
    """``a * sigmoid(b)`` for the halves ``a, b`` of ``x`` along ``axis`` (that axis halves)."""
    return ops.glu(x, axis=axis)


ACTIVATIONS: dict[str, Callable] = {
    fn.__name__: fn
    for fn in (
        relu, leaky_relu, relu6, elu, selu, celu, gelu, silu, hard_silu, mish, sigmoid,
        hard_sigmoid, log_sigmoid, sparse_sigmoid, tanh, tanh_shrink, hard_tanh, soft_shrink,
        hard_shrink, threshold, softplus, softsign, sparse_plus, squareplus, exponential,
        linear, softmax, log_softmax, sparsemax, glu,
    )
}
ACTIVATIONS.update(swish=silu, hard_swish=hard_silu)
# Activations that act on each entry alone (so on any layout of an array).
ELEMENTWISE: frozenset[Callable] = frozenset(
    fn for fn in ACTIVATIONS.values() if fn not in (softmax, log_softmax, sparsemax, glu))


def get(identifier: Any) -> Callable:
    """The activation function for ``identifier``.

    ``None`` -> :func:`linear`; a name -> the built-in (misspellings suggest the nearest
    name); a Keras config dict ``{"class_name": "function", "config": "relu", ...}`` -> the
    built-in it names; any callable -> itself.
    """
    if identifier is None:
        return linear
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return lookup("activation", identifier, ACTIVATIONS)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation function identifier: {identifier!r}")


def deserialize(config: Any, custom_objects: dict[str, Callable] | None = None) -> Callable:
    """The function named by a Keras activation config (a name or a config dict)."""
    table = {**ACTIVATIONS, **(custom_objects or {})}
    if isinstance(config, dict):
        name = config.get("config") if config.get("class_name") == "function" else None
        if not isinstance(name, str):
            raise ValueError(f"Could not interpret activation config: {config!r}")
        config = name
    return lookup("activation", config, table)


def serialize(activation: Callable) -> str:
    """The Keras name of a built-in activation, e.g. ``serialize(swish) == "silu"``."""
    for name, fn in ACTIVATIONS.items():
        if fn is activation and fn.__name__ == name:
            return name
    raise ValueError(
        f"Activation {activation!r} is not a built-in activation, so it has no Keras name. "
        "Pass a built-in or a name such as 'relu'."
    )
